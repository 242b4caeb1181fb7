// The worker starts the validator's threads at once (warm) where it runs for days, with PostgreSQL; the
// embedded PGlite process keeps them lazy (docs/compliance.md "Publication while validating").
import { describe, expect, it, vi } from "vitest";
import type { Services } from "../src/app.js";
import { startValidateInvoiceJob, validateInvoiceJob } from "../src/jobs/validate-invoice.job.js";

function fakeServices(databaseUrl: string | undefined, nodeEnv = "production") {
  const warm = vi.fn(async () => ({ threads: 2, failed: [] as string[] }));
  const work = vi.fn(async () => {});
  const services = {
    queue: { work },
    validator: { validate: vi.fn(), close: vi.fn(), warm },
    config: { databaseUrl, nodeEnv, operatorEmail: null },
    logger: { info: vi.fn(), error: vi.fn() },
    db: {},
    blobs: {},
  } as unknown as Pick<Services, "db" | "blobs" | "queue" | "logger" | "config" | "validator">;
  return { services, warm, work };
}

describe("startValidateInvoiceJob", () => {
  it("registers the job and warms the validator's threads with PostgreSQL", async () => {
    const { services, warm, work } = fakeServices("postgres://localhost/efacture");
    await startValidateInvoiceJob(services);
    expect(work).toHaveBeenCalledWith(validateInvoiceJob, expect.any(Function), {
      concurrency: 2,
      drain: true,
    });
    expect(warm).toHaveBeenCalledTimes(1);
  });

  it("keeps them lazy in the embedded PGlite process", async () => {
    const { services, warm, work } = fakeServices(undefined);
    await startValidateInvoiceJob(services);
    expect(work).toHaveBeenCalledTimes(1);
    expect(warm).not.toHaveBeenCalled();
  });

  it("keeps them lazy in the test suite's short-lived workers", async () => {
    const { services, warm } = fakeServices("postgres://localhost/efacture", "test");
    await startValidateInvoiceJob(services);
    expect(warm).not.toHaveBeenCalled();
  });

  it("logs a warm-up that fails, and the job stays registered (files then load the rules themselves)", async () => {
    const { services, warm, work } = fakeServices("postgres://localhost/efacture");
    warm.mockRejectedValueOnce(new Error("no threads"));
    await startValidateInvoiceJob(services);
    await new Promise((resolve) => setImmediate(resolve));
    expect(work).toHaveBeenCalledTimes(1);
    expect(services.logger.error).toHaveBeenCalledTimes(1);
  });
});
