import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Services } from "../src/app.js";
import { demoCommand } from "../src/cli/commands/demo.js";
import { DEMO_PASSWORD, seedDemo } from "../src/demo/seed-demo.js";
import { missingPortalDetails } from "../src/domain/tenants/portal-details.js";
import { ENGINES, openTestServices } from "./support/services.js";

async function counts(services: Awaited<ReturnType<typeof openTestServices>>) {
  const [row] = await services.db.query<Record<string, number>>(
    `select (select count(*) from tenants) as tenants, (select count(*) from customers) as customers,
            (select count(*) from contracts) as contracts, (select count(*) from accounts) as accounts,
            (select count(*) from invoices) as invoices, (select count(*) from mails) as mails,
            (select count(*) from invoice_events) as events`,
  );
  return row!;
}

describe.each(ENGINES)("demo seed on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  beforeAll(async () => {
    services = await openTestServices(engine);
  }, 120_000);
  afterAll(() => services.dispose());

  it("creates Démo Location with shared and missing addresses, credit notes and ~150 Factur-X invoices", async () => {
    const result = await seedDemo(services, { now: new Date("2026-11-27T10:00:00Z") });
    expect(result.created).toBe(true);
    expect(result.identifier).toMatch(/^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$/);
    expect(result.password).toBe(DEMO_PASSWORD);
    const c = await counts(services);
    expect(c.customers).toBe(30);
    expect(c.invoices).toBeGreaterThanOrEqual(120);
    expect(c.invoices).toBeLessThanOrEqual(200);
    // Retention ran after seeding: the oldest invoices are tombstones (one lifecycle event more each) and
    // no invoice still online is past its date (issue 13, item 5).
    const [kept] = await services.db.query<{ removed: number; pastLive: number }>(
      `select count(*) filter (where removed_at is not null)::int as removed,
              count(*) filter (where removed_at is null and available_until <= $1)::int as "pastLive"
         from invoices`,
      [new Date("2026-11-27T10:00:00Z")],
    );
    expect(kept!.removed).toBeGreaterThan(0);
    expect(kept!.pastLive).toBe(0);
    expect(c.events).toBe(c.invoices! + kept!.removed);
    // Several customer numbers share one account; some customers have no address.
    const [shared] = await services.db.query<{ n: number }>(
      "select max(n)::int as n from (select count(*) as n from customers where account_id is not null group by account_id) x",
    );
    expect(shared!.n).toBeGreaterThanOrEqual(3);
    const [noEmail] = await services.db.query<{ n: number }>(
      "select count(*)::int as n from customers where email is null",
    );
    expect(noEmail!.n).toBeGreaterThan(0);
    const types = await services.db.query<{ type_code: string }>(
      "select distinct type_code from invoices order by 1",
    );
    expect(types.map((t) => t.type_code)).toEqual(["380", "381"]);
    // Issue dates span the last 26 months.
    const [span] = await services.db.query<{ first: string; last: string }>(
      "select min(issue_date) as first, max(issue_date) as last from invoices",
    );
    expect(span!.first <= "2024-10-31").toBe(true);
    expect(span!.last >= "2026-11-01").toBe(true);
    // The printed account is active (password set); every other account with invoices got exactly one activation mail.
    const [demo] = await services.db.query<{ status: string; password_hash: string }>(
      "select status, password_hash from accounts where identifier = $1",
      [result.identifier],
    );
    expect(demo!.status).toBe("active");
    expect(demo!.password_hash).toMatch(/^\$argon2id\$/);
    const [mails] = await services.db.query<{ n: number; distinct_accounts: number }>(
      "select count(*)::int as n, count(distinct account_id)::int as distinct_accounts from mails where kind = 'activation'",
    );
    expect(mails!.n).toBe(mails!.distinct_accounts);
    expect(mails!.n).toBe(c.accounts! - 1);
    // Complete legal details, host and contact block: the demo would open under the production rule.
    const [tenant] = await services.db.query<{ settings: Record<string, unknown> }>(
      "select settings from tenants where slug = 'demo'",
    );
    expect(missingPortalDetails(tenant!.settings)).toEqual([]);
    expect(tenant!.settings.faqMarkdown).toEqual(expect.any(String));
    // The demo's B2B invoices (#16) run the official rules and the CDAR XSD: more than the default 30 s when loaded.
  }, 180_000);

  it("never duplicates anything when run again, even after an interrupted run", async () => {
    const before = await counts(services);
    expect((await seedDemo(services)).created).toBe(false);
    // Pretend the first run died before its end: the re-run goes through every step again and adds nothing.
    await services.db.query("update tenants set settings = settings - 'demoReady' where slug = 'demo'");
    const again = await seedDemo(services, { now: new Date("2026-11-27T10:00:00Z") });
    expect(again.created).toBe(true);
    expect(await counts(services)).toEqual(before);
  }, 180_000);
});

describe("the demo in production", () => {
  // Services with nothing behind them but the configuration: any database or mail use would throw.
  const production = { config: { production: true } } as unknown as Services;

  it("is refused by `efacture demo` in one line, exit 1, before touching anything", async () => {
    const err: string[] = [];
    const out: string[] = [];
    const code = await demoCommand(
      [],
      { out: (t) => out.push(t), err: (t) => err.push(t), cwd: "/", isTTY: false },
      production,
    );
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^efacture demo: the demo is refused when NODE_ENV=production/);
  });

  it("is refused by the seed itself, whoever calls it", async () => {
    await expect(seedDemo(production)).rejects.toThrow(/refused when NODE_ENV=production/);
  });
});
