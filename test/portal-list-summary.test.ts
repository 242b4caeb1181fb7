import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sql } from "../src/db/database.js";
import { correctCustomerEmail } from "../src/domain/accounts/correct-email.js";
import { createInvoiceListSummaries } from "../src/domain/invoices/invoice-list-summary.js";
import { runRetention } from "../src/domain/retention/run-retention.js";
import { openPortalFixture, type PortalFixture } from "./portal-list-fixtures.js";
import { ENGINES } from "./support/services.js";

// The list page keeps its summary (count, customer numbers, date range, banner) in memory per account and
// list version; the version moves in the transaction of every change to what the list shows
// (account_list_versions, kept by triggers). These tests prove the page is never stale after a change,
// whoever makes it, and that the memory does what it says.

/** A fake connection that answers every statement with `answer()` and counts the statements. */
function countingSql(answer: () => Promise<unknown[]>) {
  const sql = {
    statements: 0,
    async query<R>(): Promise<R[]> {
      sql.statements++;
      return (await answer()) as R[];
    },
    async queryArrays(): Promise<unknown[][]> {
      throw new Error("not used");
    },
    async exec() {},
  };
  return sql satisfies Sql;
}

/** An advisor corrects the customer's e-mail to an address another account already has (confirmed). */
function moveToAddress(f: PortalFixture, tenantId: string, customerId: string, email: string) {
  return correctCustomerEmail(
    { db: f.services.db, queue: f.services.queue },
    {
      tenantId,
      customerId,
      email,
      confirmation: email,
      reason: "adresse erronée",
      mergeConfirmed: true,
      actor: { type: "staff", id: "s1", name: "Conseiller" },
      ip: null,
    },
  );
}

const account = { tenantId: "t", accountId: "a", version: 1 };
const noFilters = { sort: "date_desc" as const };

describe("the list summaries in memory", () => {
  it("reads once per account and version, again when the version moves", async () => {
    const sql = countingSql(async () => [{ n: 7 }]);
    const summaries = createInvoiceListSummaries(sql);
    expect(await summaries.count(account, noFilters)).toBe(7);
    expect(await summaries.count(account, { ...noFilters, sort: "amount_asc" })).toBe(7);
    expect(sql.statements).toBe(1);
    await summaries.count({ ...account, version: 2 }, noFilters);
    await summaries.count({ ...account, accountId: "b" }, noFilters);
    await summaries.count(account, { ...noFilters, type: "381" });
    expect(sql.statements).toBe(4);
  });

  it("shares one read between concurrent pages, and keeps no failed read", async () => {
    let fail = true;
    const sql = countingSql(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (fail) throw new Error("connection lost");
      return [{ n: 3 }];
    });
    const summaries = createInvoiceListSummaries(sql);
    const results = await Promise.allSettled([1, 2, 3].map(() => summaries.count(account, noFilters)));
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    expect(sql.statements).toBe(1);
    fail = false;
    expect(await summaries.count(account, noFilters)).toBe(3);
    expect(sql.statements).toBe(2);
  });

  it("reads again after maxAgeMs, and drops the oldest entries beyond maxEntries", async () => {
    let clock = 0;
    const sql = countingSql(async () => [{ n: 1 }]);
    const summaries = createInvoiceListSummaries(sql, { maxAgeMs: 1_000, maxEntries: 2, now: () => clock });
    await summaries.count(account, noFilters);
    clock = 999;
    await summaries.count(account, noFilters);
    expect(sql.statements).toBe(1);
    clock = 1_000;
    await summaries.count(account, noFilters);
    expect(sql.statements).toBe(2);
    await summaries.count({ ...account, accountId: "b" }, noFilters);
    await summaries.count({ ...account, accountId: "c" }, noFilters);
    await summaries.count(account, noFilters); // dropped as the oldest: read again
    expect(sql.statements).toBe(5);
  });
});

describe.each(ENGINES)("the list is never stale after a change, on %s", (engine) => {
  let f: PortalFixture;
  let acme: Awaited<ReturnType<PortalFixture["tenant"]>>;
  let fleet: string;
  let template: string;

  const versionOf = async (accountId: string) =>
    (
      await f.services.db.query<{ version: number }>(
        "select coalesce((select version from account_list_versions where account_id = $1), 0)::int as version",
        [accountId],
      )
    )[0]!.version;

  beforeAll(async () => {
    f = await openPortalFixture(engine);
    acme = await f.tenant("acme");
    fleet = await f.customer(acme, "FLEET-1", "fleet@example.com");
    await f.customer(acme, "FLEET-2", "fleet@example.com");
    template = await f.publish(acme, { number: "FA-0000", customer: "FLEET-1", issueDate: "2026-01-05" });
    // 60 invoices: two pages, so the page shows a count.
    await f.cloneInvoices(
      template,
      Array.from({ length: 59 }, (_, i) => ({
        number: `FA-${String(i + 1).padStart(4, "0")}`,
        issueDate: `2026-0${1 + (i % 9)}-10`,
        grandTotal: "120.00",
      })),
    );
  });
  afterAll(async () => {
    await f?.close();
  });

  it("moves the version with publication, first download, removal and customer numbers, and not otherwise", async () => {
    const v0 = await versionOf(fleet);
    await f.publish(acme, { number: "FA-0100", customer: "FLEET-2", issueDate: "2026-10-01" });
    const v1 = await versionOf(fleet);
    expect(v1).toBeGreaterThan(v0);
    // A column the list does not show (the new-invoice notice) leaves the version be.
    await f.services.db.query("update invoices set notice_queued_at = now() where account_id = $1", [fleet]);
    expect(await versionOf(fleet)).toBe(v1);
    await f.services.db.query("update invoices set first_downloaded_at = now() where id = $1", [template]);
    const v2 = await versionOf(fleet);
    expect(v2).toBeGreaterThan(v1);
    await f.services.db.query("update invoices set first_downloaded_at = null where id = $1", [template]);
    await f.customer(acme, "FLEET-3", "fleet@example.com");
    expect(await versionOf(fleet)).toBeGreaterThan(v2);
  });

  it("shows a published invoice in the count, the date range and the customer numbers at once", async () => {
    const client = await f.login(acme, fleet);
    const before = (await client.get("/factures")).body;
    const count = Number(/(\d+) factures/.exec(before)?.[1]);
    expect(count).toBeGreaterThan(50);
    expect(before).not.toContain("FLEET-9");
    await f.customer(acme, "FLEET-9", "fleet@example.com");
    await f.publish(acme, { number: "FA-0200", customer: "FLEET-9", issueDate: "2026-11-20" });
    const after = (await client.get("/factures")).body;
    expect(after).toContain(`${count + 1} factures`);
    expect(after).toContain('value="FLEET-9"');
    // The newest issue date bounds the period choices: November 2026 is offered now.
    expect(after).toContain('value="2026-11"');
  });

  it("takes a downloaded invoice out of « not yet downloaded » at once", async () => {
    const client = await f.login(acme, fleet);
    const count = async () => {
      const page = (await client.get("/factures?nouvelles=1")).body;
      return Number(/(\d+) factures? correspond/.exec(page)?.[1]);
    };
    const before = await count();
    expect(before).toBeGreaterThan(50);
    const pdf = await client.get(`/factures/${template}/pdf`);
    expect(pdf.statusCode).toBe(200);
    expect(await count()).toBe(before - 1);
  });

  it("updates the leaving-soon banner when the retention run removes invoices", async () => {
    const other = await f.customer(acme, "LEAVE-1", "leave@example.com");
    const a = await f.publish(acme, { number: "L-1", customer: "LEAVE-1" });
    const b = await f.publish(acme, { number: "L-2", customer: "LEAVE-1" });
    await f.services.db.query(
      "update invoices set available_until = now() + interval '10 days' where id = any($1::uuid[])",
      [[a, b]],
    );
    const client = await f.login(acme, other);
    expect((await client.get("/factures")).body).toContain(
      "2 factures non téléchargées quitteront le portail",
    );
    await f.services.db.query(
      "update invoices set available_until = now() - interval '1 hour' where id = $1",
      [a],
    );
    await runRetention(
      { db: f.services.db, blobs: f.services.blobs, queue: f.services.queue },
      { now: new Date() },
    );
    const page = (await client.get("/factures")).body;
    expect(page).not.toContain("2 factures non téléchargées");
    expect(page).toContain("inv-leaving");
  });

  it("moves a customer number between two lists when an advisor corrects its e-mail", async () => {
    const from = await f.customer(acme, "MOVE-1", "old@example.com");
    await f.customer(acme, "MOVE-2", "old@example.com");
    const to = await f.customer(acme, "DEST-1", "new@example.com");
    await f.publish(acme, { number: "M-1", customer: "MOVE-1" });
    const oldClient = await f.login(acme, from);
    const newClient = await f.login(acme, to);
    expect((await oldClient.get("/factures")).body).toContain('value="MOVE-1"');
    expect((await newClient.get("/factures")).body).not.toContain("M-1");
    const [customer] = await f.services.db.query<{ id: string }>(
      "select id from customers where tenant_id = $1 and customer_number = 'MOVE-1'",
      [acme.id],
    );
    await moveToAddress(f, acme.id, customer!.id, "new@example.com");
    const moved = await f.login(acme, to);
    const page = (await moved.get("/factures")).body;
    expect(page).toContain("M-1");
    expect(page).toContain('value="MOVE-1"');
    const left = await f.login(acme, from);
    expect((await left.get("/factures")).body).not.toContain('value="MOVE-1"');
  });
});

// A download takes the invoice row, then (its trigger) the account's list version, then the audit lock. Any
// transaction that takes a version before an invoice row could deadlock with it: an e-mail correction moves
// the customer (customers trigger: both versions) and then its invoices. It must lock the invoices first.
describe.skipIf(!process.env.TEST_DATABASE_URL)("lock order on PostgreSQL", () => {
  let f: PortalFixture;
  afterAll(async () => {
    await f?.close();
  });

  it("an e-mail correction locks the customer's invoices before any list version, as a download does", async () => {
    f = await openPortalFixture("postgres");
    const acme = await f.tenant("locks");
    await f.customer(acme, "MOVE-1", "old@example.com");
    const to = await f.customer(acme, "DEST-1", "new@example.com");
    const from = (
      await f.services.db.query<{ account_id: string }>(
        "select account_id from customers where tenant_id = $1 and customer_number = 'MOVE-1'",
        [acme.id],
      )
    )[0]!.account_id;
    const invoice = await f.publish(acme, { number: "M-1", customer: "MOVE-1" });
    await f.publish(acme, { number: "D-1", customer: "DEST-1" });
    const [customer] = await f.services.db.query<{ id: string }>(
      "select id from customers where tenant_id = $1 and customer_number = 'MOVE-1'",
      [acme.id],
    );
    const pool = (f.services.db as unknown as { pool: import("pg").Pool }).pool;
    const download = await pool.connect();
    const probe = await pool.connect();
    try {
      // A download in progress: it holds the invoice row and has not reached the version yet.
      await download.query("begin");
      const [{ pid }] = (await download.query("select pg_backend_pid() as pid")).rows;
      await download.query("select id from invoices where id = $1 for update", [invoice]);
      const correction = moveToAddress(f, acme.id, customer!.id, "new@example.com");
      for (let i = 0; ; i++) {
        const { rows } = await probe.query(
          "select pid from pg_stat_activity where $1 = any(pg_blocking_pids(pid))",
          [pid],
        );
        if (rows.length > 0) break;
        if (i > 200) throw new Error("the correction never waited for the invoice row");
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      // The correction waits for the invoice row holding no list version: the download can take its own.
      await probe.query("begin");
      await expect(
        probe.query(
          "select 1 from account_list_versions where account_id = any($1::uuid[]) for update nowait",
          [[from, to]],
        ),
      ).resolves.toMatchObject({ rowCount: 2 });
      await probe.query("rollback");
      await download.query("update invoices set first_downloaded_at = now() where id = $1", [invoice]);
      await download.query("commit");
      await expect(correction).resolves.toMatchObject({ toAccountId: to });
    } finally {
      await download.query("rollback").catch(() => {});
      download.release();
      probe.release();
    }
  });
});
