import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker } from "../src/app.js";
import { queueMail } from "../src/domain/mail/queue-mail.js";
import { sendMailJob } from "../src/jobs/send-mail.job.js";
import { mayHaveBeenHandedOver } from "../src/mail/smtp-outcome.js";
import { createSmtpTransport, type MailTransport } from "../src/mail/transport.js";
import { makeTenant } from "./support/factories.js";
import { ENGINES, openTestServices, waitFor } from "./support/services.js";
import { type SlowSmtpSink, startSlowSmtpSink } from "./support/slow-smtp-sink.js";

type Services = Awaited<ReturnType<typeof openTestServices>>;

interface MailState {
  status: string;
  attempts: number;
  attempt_started_at: Date | null;
  message_id: string | null;
}

describe("which SMTP failures may hide a delivered mail", () => {
  it("retries only what the server cannot hold", () => {
    const error = (fields: Record<string, unknown>) => Object.assign(new Error("x"), fields);
    // The server answered with a refusal, or was never reached: safe to send again.
    expect(mayHaveBeenHandedOver(error({ code: "EMESSAGE", responseCode: 451, command: "DATA" }))).toBe(
      false,
    );
    expect(mayHaveBeenHandedOver(error({ code: "EENVELOPE", responseCode: 550, command: "RCPT TO" }))).toBe(
      false,
    );
    expect(
      mayHaveBeenHandedOver(error({ code: "ESOCKET", originalCode: "ECONNREFUSED", command: "CONN" })),
    ).toBe(false);
    expect(mayHaveBeenHandedOver(error({ code: "ETIMEDOUT", timeoutType: "GREETING_TIMEOUT" }))).toBe(false);
    expect(mayHaveBeenHandedOver(error({ notHandedOver: true }))).toBe(false);
    // The session was open and the connection broke: the DATA may have been taken.
    expect(mayHaveBeenHandedOver(error({ code: "ECONNECTION", command: "CONN" }))).toBe(true);
    expect(mayHaveBeenHandedOver(error({ code: "ETIMEDOUT", timeoutType: "SOCKET_TIMEOUT" }))).toBe(true);
    expect(mayHaveBeenHandedOver(new Error("anything else"))).toBe(true);
  });
});

describe.each(ENGINES)("mails sent at most once on %s", (engine) => {
  let sink: SlowSmtpSink;
  let services: Services;
  let tenantId: string;
  let bossSchema: string;
  const seenAtHandOver = new Map<string, MailState>();

  const mailState = async (id: string) =>
    (
      await services.db.query<MailState>(
        "select status, attempts, attempt_started_at, message_id from mails where id = $1",
        [id],
      )
    )[0]!;
  const queue = (to: string) =>
    services.db.transaction((tx) =>
      queueMail(tx, services.queue, {
        tenantId,
        kind: "activation",
        to,
        language: "fr",
        params: { identifier: "K7QM-4TZP", email: to, retentionMonths: 24 },
      }),
    );
  const messageIdOf = (mailId: string) => `<${mailId}@localhost>`;

  beforeAll(async () => {
    sink = await startSlowSmtpSink();
    const smtp = createSmtpTransport(sink.url);
    // Looks at the mail's row at the moment it is handed over, as a crash right then would leave it.
    const spying: MailTransport = {
      kind: "smtp",
      async send(mail) {
        const id = /^<([^@]+)@/.exec(mail.messageId ?? "")?.[1];
        if (id) seenAtHandOver.set(id, await mailState(id));
        return smtp.send(mail);
      },
      close: () => smtp.close(),
    };
    services = await openTestServices(engine, {
      overrides: {
        SMTP_URL: sink.url,
        MAIL_RETRY_DELAY_SECONDS: "1",
        MAIL_JOB_EXPIRE_SECONDS: "5",
        JOB_MAINTENANCE_INTERVAL_SECONDS: "1",
      },
      transport: spying,
    });
    bossSchema =
      "connectionString" in services.opened.queueConnection
        ? services.opened.queueConnection.schema
        : "pgboss";
    tenantId = (await makeTenant(services.db, { slug: "acme", displayName: "Acme Leasing" })).id;
    await startWorker(services, { mailConcurrency: 2 });
  });
  afterAll(async () => {
    await services?.dispose();
    await sink?.close();
  });

  it("commits the attempt (sending, its time, the stable Message-ID) before handing the mail over", async () => {
    const id = await queue("recorded@example.com");
    await waitFor(async () => (await mailState(id)).status === "sent", 15_000, "mail sent");
    const before = seenAtHandOver.get(id);
    expect(before).toMatchObject({ status: "sending", attempts: 1, message_id: messageIdOf(id) });
    expect(before?.attempt_started_at).toBeInstanceOf(Date);
    expect(sink.accepted.filter((m) => m === messageIdOf(id))).toHaveLength(1);
  });

  it("never resends a mail whose attempt was cut off: it becomes uncertain, audited", async () => {
    // As a worker killed during the hand-over leaves it: attempt committed, no answer recorded.
    const [row] = await services.db.query<{ id: string }>(
      `insert into mails (tenant_id, kind, to_address, language, params, status, attempts, attempt_started_at, message_id)
       values ($1, 'activation', 'cut@example.com', 'fr', $2, 'sending', 1, now() - interval '3 minutes', '<x@localhost>')
       returning id`,
      [tenantId, JSON.stringify({ identifier: "K7QM-4TZP", email: "cut@example.com", retentionMonths: 24 })],
    );
    await services.queue.send(sendMailJob, { mailId: row!.id });
    await waitFor(async () => (await mailState(row!.id)).status === "uncertain", 15_000, "mail uncertain");
    await new Promise((r) => setTimeout(r, 2000));
    expect((await mailState(row!.id)).status).toBe("uncertain");
    expect(sink.dataReceived).not.toContain(messageIdOf(row!.id));
    const audit = await services.db.query<{ action: string }>(
      "select action from audit_entries where target_id = $1 order by seq",
      [row!.id],
    );
    expect(audit.map((a) => a.action)).toContain("mail.uncertain");
  });

  it("leaves a mail uncertain, handed over once, when the connection breaks after its DATA", async () => {
    const id = await queue("dropped@example.com");
    sink.plan((messageId) => ({ delayMs: 0, answer: messageId === messageIdOf(id) ? "drop" : "accept" }));
    try {
      await waitFor(async () => (await mailState(id)).status === "uncertain", 15_000, "mail uncertain");
      // Retries come after 1 s: none may hand it over again.
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      sink.plan(() => ({ delayMs: 0, answer: "accept" }));
    }
    expect(sink.dataReceived.filter((m) => m === messageIdOf(id))).toHaveLength(1);
    expect((await mailState(id)).status).toBe("uncertain");
  });

  it("retries a mail the server refused, and sends it once", async () => {
    const id = await queue("refused@example.com");
    sink.plan((messageId, nth) => ({
      delayMs: 0,
      answer: messageId === messageIdOf(id) && nth === 1 ? "refuse" : "accept",
    }));
    await waitFor(async () => (await mailState(id)).status === "sent", 20_000, "mail sent after a refusal");
    expect(sink.accepted.filter((m) => m === messageIdOf(id))).toHaveLength(1);
    expect((await mailState(id)).attempts).toBe(2);
  });

  it("picks up a job a dead worker left active, once it expires", async () => {
    const id = await services.db.transaction(async (tx) => {
      const [row] = await tx.query<{ id: string }>(
        `insert into mails (tenant_id, kind, to_address, language, params)
         values ($1, 'activation', 'orphan-job@example.com', 'fr', $2) returning id`,
        [
          tenantId,
          JSON.stringify({ identifier: "K7QM-4TZP", email: "orphan-job@example.com", retentionMonths: 24 }),
        ],
      );
      return row!.id;
    });
    const jobId = await services.queue.send(sendMailJob, { mailId: id }, undefined, {
      startAfterSeconds: 3600,
    });
    // Fetched by a worker that then died: active, never completed.
    await services.db.query(
      `update ${bossSchema}.job set state = 'active', started_on = now(), start_after = now() where id = $1`,
      [jobId],
    );
    await waitFor(async () => (await mailState(id)).status === "sent", 30_000, "expired job retried");
    expect(sink.accepted.filter((m) => m === messageIdOf(id))).toHaveLength(1);
  });
});
