import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startWorker } from "../src/app.js";
import { queueMail } from "../src/domain/mail/queue-mail.js";
import { PermanentJobFailure, validateInvoiceJob } from "../src/domain/shared/jobs.js";
import { makeTenant } from "./support/factories.js";
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

  it("runs a batch's jobs together, each with its own outcome", async () => {
    const [ok1, ok2, flaky, doomed] = Array.from({ length: 4 }, () => randomUUID());
    let running = 0;
    let together = 0;
    const definition = { ...validateInvoiceJob, name: "batch-outcomes" };
    await services.queue.boss.createQueue(definition.name, {
      name: definition.name,
      retryLimit: 2,
      retryDelay: 60,
    });
    const ids = await Promise.all(
      [ok1, ok2, flaky, doomed].map((invoiceId) =>
        services.queue.send(definition, { tenantId: randomUUID(), invoiceId: invoiceId! }),
      ),
    );
    const attempts: string[] = [];
    await services.queue.work(
      definition,
      async ({ invoiceId }) => {
        attempts.push(invoiceId);
        running++;
        together = Math.max(together, running);
        await new Promise((r) => setTimeout(r, 50));
        running--;
        if (invoiceId === flaky) throw new Error("PA unavailable");
        if (invoiceId === doomed) throw new PermanentJobFailure("refused for good");
      },
      { batchSize: 4 },
    );
    const stateOf = async (id: string) => (await services.queue.boss.getJobById(definition.name, id))?.state;
    await waitFor(async () => {
      const states = await Promise.all(ids.map(stateOf));
      return states.every((s) => s !== "created" && s !== "active") ? states : undefined;
    });
    // All four fetched at once and run together; only the job that threw waits for its retry.
    expect(together).toBe(4);
    expect(await Promise.all(ids.map(stateOf))).toEqual(["completed", "completed", "retry", "completed"]);
    expect(attempts.sort()).toEqual([ok1, ok2, flaky, doomed].sort());
  });
});

describe.each(ENGINES)("the worker role's queues on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  beforeAll(async () => {
    // A polling interval far longer than the test waits: only a worker that fetches again at once gets through.
    services = await openTestServices(engine, { pollingIntervalSeconds: 60 });
  });
  afterAll(async () => {
    await services?.dispose();
  });

  it("sends a batch of queued mails back to back, not one per polling interval and worker", async () => {
    const tenantId = (await makeTenant(services.db, { slug: "lot", displayName: "Lot Leasing" })).id;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++)
      ids.push(
        await services.db.transaction((tx) =>
          queueMail(tx, services.queue, {
            tenantId,
            kind: "activation",
            to: `lot${i}@example.com`,
            language: "fr",
            params: { identifier: "K7QM-4TZP", email: `lot${i}@example.com`, retentionMonths: 24 },
          }),
        ),
      );
    // Two mail workers: without draining, the first fetch of each takes one mail, then each waits 60 s.
    await startWorker(services, { mailConcurrency: 2 });
    await waitFor(
      async () => {
        const rows = await services.db.query<{ n: number }>(
          "select count(*)::int as n from mails where id = any($1) and status = 'sent'",
          [ids],
        );
        return rows[0]!.n === ids.length;
      },
      20_000,
      "six mails sent",
    );
  });
});
