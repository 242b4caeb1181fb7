import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker } from "../src/app.js";
import {
  RESET_MAILS_PER_MINUTE,
  RESET_MAILS_PER_TENANT_PER_MINUTE,
  requestPasswordReset,
} from "../src/domain/accounts/password-reset.js";
import { queueMail } from "../src/domain/mail/queue-mail.js";
import { makeTenant } from "./support/factories.js";
import { ENGINES, openTestServices, waitFor } from "./support/services.js";
import { type SlowSmtpSink, startSlowSmtpSink } from "./support/slow-smtp-sink.js";

type Services = Awaited<ReturnType<typeof openTestServices>>;

async function addAccounts(services: Services, tenantId: string, prefix: string, count: number) {
  await services.db.query(
    `insert into accounts (tenant_id, identifier, email)
     select $1, $2 || '-' || g, $2 || g || '@example.com' from generate_series(1, $3::int) g`,
    [tenantId, prefix, count],
  );
}

/** Caps low enough to reach with a few accounts (the defaults are set for an onboarding wave). */
const CAPS = { perTenantPerMinute: 30, perMinute: 120 };

let ipSeq = 0;
/** One reset request as the route makes it (each from its own IP, below the per-IP limit), then its follow-up. */
async function ask(services: Services, tenantId: string, email: string): Promise<void> {
  ipSeq++;
  const result = await requestPasswordReset(
    { ...services, resetMailCaps: CAPS },
    {
      tenantId,
      email,
      ip: `10.${(ipSeq >> 16) & 255}.${(ipSeq >> 8) & 255}.${ipSeq & 255}`,
    },
  );
  // The version before the fix returned nothing: its work was all in the job.
  await (result as { followUp?: Promise<unknown> } | undefined)?.followUp;
}

/** Reset work a tenant has made: reset mails, and reset jobs (which earlier versions queued per request). */
async function resetWork(services: Services, tenantId: string): Promise<number> {
  const schema =
    "connectionString" in services.opened.queueConnection ? services.opened.queueConnection.schema : "pgboss";
  const [row] = await services.db.query<{ n: number }>(
    `select (select count(*) from mails where tenant_id = $1 and kind = 'password-reset')::int
          + (select count(*) from ${schema}.job where name = 'password-reset' and data->>'tenantId' = $1::text)::int as n`,
    [tenantId],
  );
  return row!.n;
}

describe.each(ENGINES)("reset requests cannot flood the mail queue on %s", (engine) => {
  // No worker here: what the requests queue stays countable.
  let services: Services;

  beforeAll(async () => {
    services = await openTestServices(engine);
  });
  afterAll(async () => {
    await services?.dispose();
  });

  it("queues neither a job nor a mail for an address without an account", async () => {
    const tenant = await makeTenant(services.db, { slug: "nobody", displayName: "Nobody" });
    for (let i = 0; i < 20; i++) await ask(services, tenant.id, `ghost${i}@example.com`);
    expect(await resetWork(services, tenant.id)).toBe(0);
  });

  it("queues one mail for requests in a row for one address", async () => {
    const tenant = await makeTenant(services.db, { slug: "twice", displayName: "Twice" });
    await addAccounts(services, tenant.id, "tw", 1);
    await Promise.all([
      ask(services, tenant.id, "tw1@example.com"),
      ask(services, tenant.id, "tw1@example.com"),
    ]);
    await ask(services, tenant.id, "tw1@example.com");
    expect(await resetWork(services, tenant.id)).toBe(1);
  });

  it("caps the reset mails per tenant and for the platform, per minute", async () => {
    const tenants: string[] = [];
    for (const slug of ["cap-a", "cap-b", "cap-c", "cap-d", "cap-e"]) {
      const tenant = await makeTenant(services.db, { slug, displayName: slug });
      await addAccounts(services, tenant.id, slug, 40);
      tenants.push(tenant.id);
    }
    for (const [n, tenantId] of tenants.entries())
      for (let i = 1; i <= 40; i++) await ask(services, tenantId, `cap-${"abcde"[n]}${i}@example.com`);
    const work = await Promise.all(tenants.map((id) => resetWork(services, id)));
    expect(work[0]).toBe(CAPS.perTenantPerMinute);
    for (const n of work) expect(n).toBeLessThanOrEqual(CAPS.perTenantPerMinute);
    expect(work.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(CAPS.perMinute);
    // The defaults leave room for a large issuer's onboarding wave.
    expect(RESET_MAILS_PER_TENANT_PER_MINUTE).toBeGreaterThanOrEqual(100);
    expect(RESET_MAILS_PER_MINUTE).toBeGreaterThan(RESET_MAILS_PER_TENANT_PER_MINUTE);
  });
});

describe.each(ENGINES)("one tenant's burst does not delay another tenant's reset mail on %s", (engine) => {
  let sink: SlowSmtpSink;
  let services: Services;

  beforeAll(async () => {
    sink = await startSlowSmtpSink();
    // 100 ms per message, two at a time: 300 mails take 15 s first come, first served.
    sink.plan(() => ({ delayMs: 100, answer: "accept" }));
    services = await openTestServices(engine, {
      smtp: sink,
    });
    await startWorker(services, { mailConcurrency: 2 });
  });
  afterAll(async () => {
    await services?.dispose();
    await sink?.close();
  });

  /** Seconds from tenant B's request until the sink accepted B's reset mail. */
  async function resetDelay(tenantId: string, email: string): Promise<number> {
    const started = Date.now();
    await ask(services, tenantId, email);
    const mail = await waitFor(
      async () =>
        (
          await services.db.query<{ id: string }>(
            "select id from mails where tenant_id = $1 and kind = 'password-reset'",
            [tenantId],
          )
        )[0],
      60_000,
      "B's reset mail row",
    );
    await waitFor(async () => sink.accepted.includes(`<${mail.id}@localhost>`), 60_000, "B's reset mail");
    return (Date.now() - started) / 1000;
  }

  it("a flood of reset requests for real accounts on tenant A", async () => {
    const a = await makeTenant(services.db, { slug: "flood-a", displayName: "Flood A" });
    const b = await makeTenant(services.db, { slug: "flood-b", displayName: "Flood B" });
    await addAccounts(services, a.id, "fa", 300);
    await addAccounts(services, b.id, "fb", 1);
    for (let i = 1; i <= 300; i++) await ask(services, a.id, `fa${i}@example.com`);
    const delay = await resetDelay(b.id, "fb1@example.com");
    expect(delay).toBeLessThan(15);
  }, 180_000);

  it("a burst of 300 mails queued for tenant A (an import)", async () => {
    const a = await makeTenant(services.db, { slug: "burst-a", displayName: "Burst A" });
    const b = await makeTenant(services.db, { slug: "burst-b", displayName: "Burst B" });
    await addAccounts(services, b.id, "bb", 1);
    await services.db.transaction(async (tx) => {
      for (let i = 1; i <= 300; i++)
        await queueMail(tx, services.queue, {
          tenantId: a.id,
          kind: "activation",
          to: `ba${i}@example.com`,
          language: "fr",
          params: { identifier: "K7QM-4TZP", email: `ba${i}@example.com`, retentionMonths: 24 },
        });
    });
    const delay = await resetDelay(b.id, "bb1@example.com");
    expect(delay).toBeLessThan(15);
    const [left] = await services.db.query<{ n: number }>(
      "select count(*)::int as n from mails where tenant_id = $1 and status = 'queued'",
      [a.id],
    );
    // A's burst is still being sent: B did not simply wait for its end.
    expect(left!.n).toBeGreaterThan(100);
  }, 180_000);
});
