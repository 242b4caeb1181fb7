import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startWorker } from "../src/app.js";
import { queueMail } from "../src/domain/mail/queue-mail.js";
import type { JobDefinition } from "../src/jobs/queue.js";
import { makeTenant } from "./support/factories.js";
import { ENGINES, openTestServices, waitFor } from "./support/services.js";
import { type SmtpSink, startSmtpSink } from "./support/smtp-sink.js";
import { startTcpProxy } from "./support/tcp-proxy.js";

async function jobCount(services: Awaited<ReturnType<typeof openTestServices>>): Promise<number> {
  const schema =
    "connectionString" in services.opened.queueConnection ? services.opened.queueConnection.schema : "pgboss";
  const [row] = await services.db.query<{ n: number }>(
    `select count(*)::int as n from ${schema}.job where name = 'send-mail'`,
  );
  return row!.n;
}

describe.each(ENGINES)("mail jobs on %s", (engine) => {
  let sink: SmtpSink;
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let tenantId: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    services = await openTestServices(engine, {
      smtp: sink,
    });
    tenantId = (await makeTenant(services.db, { slug: "acme", displayName: "Acme Leasing" })).id;
    await startWorker(services, { mailConcurrency: 2 });
  });
  afterAll(async () => {
    await services.dispose();
    await sink.close();
  });
  afterEach(() => sink.refuseNext(0));

  const request = (to: string) => ({
    tenantId,
    kind: "activation" as const,
    to,
    language: "fr" as const,
    params: { identifier: "K7QM-4TZP", email: to, retentionMonths: 24 },
  });

  it("does not send a mail whose transaction rolled back", async () => {
    const before = await jobCount(services);
    await expect(
      services.db.transaction(async (tx) => {
        await queueMail(tx, services.queue, request("rolled-back@example.com"));
        throw new Error("publication failed");
      }),
    ).rejects.toThrow("publication failed");
    expect(await jobCount(services)).toBe(before);
    expect(
      await services.db.query("select 1 from mails where to_address = 'rolled-back@example.com'"),
    ).toEqual([]);

    // A committed one goes out, and the rolled-back one never does.
    await services.db.transaction((tx) => queueMail(tx, services.queue, request("committed@example.com")));
    await waitFor(
      async () => sink.received.find((m) => m.to && JSON.stringify(m.to).includes("committed@example.com")),
      15_000,
      "committed mail",
    );
    expect(sink.received.some((m) => JSON.stringify(m.to).includes("rolled-back@example.com"))).toBe(false);
  });

  it("retries after the SMTP server refuses, then records its answer", async () => {
    sink.refuseNext(2);
    const refusalsBefore = sink.refusals;
    const mailId = await services.db.transaction((tx) =>
      queueMail(tx, services.queue, request("retry@example.com")),
    );
    const mail = await waitFor(
      async () => {
        const [row] = await services.db.query<{
          status: string;
          attempts: number;
          smtp_response: string | null;
        }>("select status, attempts, smtp_response from mails where id = $1", [mailId]);
        return row?.status === "sent" ? row : undefined;
      },
      30_000,
      "mail sent after retries",
    );
    expect(sink.refusals - refusalsBefore).toBe(2);
    expect(mail.attempts).toBe(3);
    expect(mail.smtp_response).toMatch(/^250/);
    const received = sink.received.find((m) => JSON.stringify(m.to).includes("retry@example.com"))!;
    expect(received.subject).toContain("Acme Leasing");
    expect(received.from?.text).toBe('"Acme Leasing via E-FACTURE" <no-reply@localhost>');
    expect(received.text).toContain("K7QM-4TZP");
    expect(received.html).toContain("K7QM-4TZP");
    expect(received.headers.get("message-id")).toBe(`<${mailId}@localhost>`);
    const audit = await services.db.query<{ action: string }>(
      "select action from audit_entries where target_id = $1",
      [mailId],
    );
    expect(audit.map((a) => a.action)).toEqual(["mail.queued", "mail.sent"]);
  });
});

describe.skipIf(!ENGINES.includes("postgres"))("a job finishing while PostgreSQL is away", () => {
  it("records its outcome once the database is back, without an unhandled rejection or a second run", async () => {
    const target = new URL(process.env.TEST_DATABASE_URL!);
    const proxy = await startTcpProxy(Number(target.port || 5432), target.hostname);
    const via = new URL(target);
    via.port = String(proxy.port);
    const services = await openTestServices("postgres", { overrides: { DATABASE_URL: via.toString() } });
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on("unhandledRejection", onRejection);
    try {
      const definition: JobDefinition<{ n: number }> = {
        name: "outage-probe",
        retryLimit: 3,
        retryDelaySeconds: 1,
        retryBackoff: false,
        expireInSeconds: 60,
        parse: (data) => data as { n: number },
      };
      await services.queue.boss.createQueue(definition.name, { name: definition.name, retryLimit: 3 });
      let runs = 0;
      await services.queue.work(definition, async () => {
        runs++;
        // The work is done; PostgreSQL goes away before pg-boss records it, and comes back 1.5 s later.
        proxy.cut();
        setTimeout(() => proxy.restore(), 1_500);
      });
      const id = await services.queue.send(definition, { n: 1 });
      const schema =
        "connectionString" in services.opened.queueConnection ? services.opened.queueConnection.schema : "";
      await waitFor(
        async () => {
          const rows = await services.db
            .query<{ state: string }>(`select state from ${schema}.job where id = $1`, [id])
            .catch(() => []);
          return rows[0]?.state === "completed";
        },
        20_000,
        "job completed after the outage",
      );
      expect(runs).toBe(1);
      expect(rejections).toEqual([]);
    } finally {
      process.off("unhandledRejection", onRejection);
      proxy.restore();
      await services.dispose();
      await proxy.close();
    }
  });
});
