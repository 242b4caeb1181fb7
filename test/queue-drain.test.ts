import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { validateInvoiceJob } from "../src/domain/shared/jobs.js";
import { ENGINES, openTestServices, waitFor } from "./support/services.js";

// pg-boss 10 waits for the polling interval after each fetch (worker.js), so a worker takes at most one job
// per interval: the validation backlog drained at ~2/s with two workers, whatever the validator could do.
// `drain` notifies the worker during each job, so it fetches the next one at once (src/jobs/queue.ts).
describe.each(ENGINES)("queue workers on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  beforeAll(async () => {
    services = await openTestServices(engine);
  });
  afterAll(async () => {
    await services?.dispose();
  });

  it("fetches the next job at once after each one when asked to drain", async () => {
    const notify = vi.spyOn(services.queue.boss, "notifyWorker");
    const done: string[] = [];
    const jobs = Array.from({ length: 3 }, () => ({ tenantId: randomUUID(), invoiceId: randomUUID() }));
    await services.queue.work(
      validateInvoiceJob,
      async (data) => {
        done.push(data.invoiceId);
      },
      { drain: true },
    );
    await services.queue.sendMany(validateInvoiceJob, jobs);
    await waitFor(async () => (done.length === jobs.length ? done : undefined));
    expect(done.sort()).toEqual(jobs.map((j) => j.invoiceId).sort());
    // Once per job: each one lets the worker skip its wait for the polling interval.
    expect(notify.mock.calls.length).toBeGreaterThanOrEqual(jobs.length);
  });
});
