import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openServices, type Services } from "../src/app.js";
import { queueMail } from "../src/domain/mail/queue-mail.js";
import { startEfacture } from "./support/cli.js";
import { makeTenant } from "./support/factories.js";
import { makeTestEnv, type TestEnv, waitFor } from "./support/services.js";
import { type SlowSmtpSink, startSlowSmtpSink } from "./support/slow-smtp-sink.js";

// Issue 18: the worker killed with SIGKILL while mails are at the SMTP server. A real worker process
// on PostgreSQL (PGlite cannot be shared between processes), a sink that takes 2 s to answer each DATA.
const drill = process.env.TEST_DATABASE_URL ? describe : describe.skip;

drill("worker killed with SIGKILL in the middle of sending mails", () => {
  let sink: SlowSmtpSink;
  let testEnv: TestEnv;
  let services: Services;
  const workers: ReturnType<typeof startEfacture>[] = [];

  beforeAll(async () => {
    sink = await startSlowSmtpSink();
    sink.plan(() => ({ delayMs: 2000, answer: "accept" }));
    testEnv = makeTestEnv("postgres", {
      SMTP_URL: sink.url,
      MAIL_RETRY_DELAY_SECONDS: "1",
      MAIL_JOB_EXPIRE_SECONDS: "5",
      JOB_MAINTENANCE_INTERVAL_SECONDS: "1",
      LOG_LEVEL: "warn",
    });
    services = await openServices(testEnv.config, { schema: testEnv.schema });
  });
  afterAll(async () => {
    // A child killed by a signal has no exitCode, only a signalCode: stop() would wait for an exit already past.
    for (const worker of workers)
      if (worker.child.exitCode === null && worker.child.signalCode === null) await worker.stop("SIGKILL");
    await services?.close();
    await sink?.close();
    await testEnv?.cleanup();
  });

  it("delivers every mail at most once: sent, or uncertain and never resent; none left queued", async () => {
    const tenant = await makeTenant(services.db, { slug: "drill", displayName: "Drill" });
    const ids = await services.db.transaction(async (tx) => {
      const queued: string[] = [];
      for (let i = 1; i <= 8; i++)
        queued.push(
          await queueMail(tx, services.queue, {
            tenantId: tenant.id,
            kind: "activation",
            to: `drill${i}@example.com`,
            language: "fr",
            params: { identifier: "K7QM-4TZP", email: `drill${i}@example.com`, retentionMonths: 24 },
          }),
        );
      return queued;
    });
    const messageId = (id: string) => `<${id}@localhost>`;

    const first = startEfacture(["worker"], testEnv.env, /worker running/);
    workers.push(first);
    await first.ready;
    // Killed while the sink holds DATA it has not answered yet.
    await waitFor(async () => sink.dataReceived.length >= 2, 60_000, "DATA at the sink");
    await first.stop("SIGKILL");
    expect(first.child.signalCode).toBe("SIGKILL");
    const inFlightAtKill = new Set(sink.dataReceived.filter((id) => !sink.accepted.includes(id)));
    expect(inFlightAtKill.size).toBeGreaterThan(0);

    const second = startEfacture(["worker"], testEnv.env, /worker running/);
    workers.push(second);
    await second.ready;
    const final = await waitFor(
      async () => {
        const rows = await services.db.query<{ id: string; status: string }>(
          "select id, status from mails where id = any($1::uuid[])",
          [ids],
        );
        return rows.every((r) => r.status === "sent" || r.status === "uncertain") ? rows : undefined;
      },
      60_000,
      "every mail sent or uncertain",
    );
    // Let any wrongful retry happen before counting.
    await new Promise((r) => setTimeout(r, 4000));

    for (const { id, status } of final) {
      const handedOver = sink.dataReceived.filter((m) => m === messageId(id)).length;
      expect(handedOver, `mail ${id} (${status}) handed over ${handedOver} times`).toBeLessThanOrEqual(1);
      if (status === "sent") expect(sink.accepted.filter((m) => m === messageId(id))).toHaveLength(1);
      if (inFlightAtKill.has(messageId(id))) expect(status).toBe("uncertain");
    }
    expect(final.filter((r) => r.status === "sent").length).toBeGreaterThan(0);
    const uncertain = await services.db.query<{ n: number }>(
      "select count(*)::int as n from audit_entries where action = 'mail.uncertain' and target_id = any($1::text[])",
      [ids],
    );
    expect(uncertain[0]!.n).toBe(final.filter((r) => r.status === "uncertain").length);
    expect(second.output()).toMatch(/mail\.uncertain/);
  }, 150_000);
});
