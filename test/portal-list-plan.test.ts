import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sql } from "../src/db/database.js";
import {
  type AccountInvoiceFilters,
  type InvoicePageRequest,
  listAccountInvoices,
} from "../src/db/portal-invoices.queries.js";
import { ENGINES, openTestServices } from "./support/services.js";

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Relation Name"?: string;
  "Scan Direction"?: string;
  "Index Cond"?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/**
 * docs/performance.md: a page of the list is one range scan of invoices_account_list_idx, whatever the number of
 * customer numbers behind the account. Checked on the planner of each engine, with statistics of a
 * realistic shape (a fleet account of 300 customer numbers among 3,300 customers).
 */
describe.each(ENGINES)("the list query plan on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let tenantId: string;
  let fleet: string;

  beforeAll(async () => {
    services = await openTestServices(engine);
    const db = services.db;
    [{ id: tenantId }] = (await db.query<{ id: string }>(
      `insert into tenants (slug, display_name) values ('plan', 'Plan') returning id`,
    )) as [{ id: string }];
    await db.query(
      `insert into accounts (tenant_id, identifier, email, status)
       select $1, 'ID' || lpad(g::text, 5, '0'), 'a' || g || '@x.test', 'active' from generate_series(0, 3000) g`,
      [tenantId],
    );
    await db.query(
      `insert into customers (tenant_id, customer_number, name, account_id)
       select $1, 'C' || lpad(g::text, 5, '0'), 'n', a.id
         from generate_series(1, 3300) g
         join accounts a on a.tenant_id = $1 and a.identifier = 'ID' || lpad((case when g <= 300 then 0 else g - 300 end)::text, 5, '0')`,
      [tenantId],
    );
    await db.query(
      `insert into invoices (tenant_id, customer_id, account_id, contract_number, invoice_number, type_code, issue_date, currency,
                             grand_total, sha256, size_bytes, available_until)
       select c.tenant_id, c.id, c.account_id, 'K' || c.customer_number, 'F' || c.customer_number || '-' || k,
              case when k = 8 then '381' else '380' end, date '2025-01-01' + ((k * 47 + (hashtext(c.customer_number) & 511)) % 700),
              'EUR', (hashtext(c.customer_number || k) & 65535) / 100.0, repeat('a', 64), 1000, now() + interval '400 days'
         from customers c, generate_series(1, 8) k
        where c.tenant_id = $1
        order by random()`,
      [tenantId],
    );
    for (const table of ["invoices", "customers", "accounts"]) await db.query(`analyze ${table}`);
    fleet = (
      await db.query<{ id: string }>(
        `select id from accounts where tenant_id = $1 and identifier = 'ID00000'`,
        [tenantId],
      )
    )[0]!.id;
  }, 120_000);
  afterAll(() => services?.dispose());

  async function planOf(filters: AccountInvoiceFilters, page: InvoicePageRequest): Promise<PlanNode[]> {
    let plan: PlanNode | undefined;
    const explaining: Sql = {
      async query(text, params) {
        const [row] = await services.db.query<{ "QUERY PLAN": unknown }>(
          `explain (format json) ${text}`,
          params,
        );
        const json = row!["QUERY PLAN"];
        plan = (typeof json === "string" ? JSON.parse(json) : json)[0].Plan;
        return [];
      },
      queryArrays: (text, params) => services.db.queryArrays(text, params),
      exec: (text) => services.db.exec(text),
    };
    await listAccountInvoices(explaining, tenantId, fleet, filters, page);
    return nodes(plan!);
  }

  async function cursorAt(offset: number) {
    const [row] = await services.db.query<{ key: string; id: string }>(
      `select issue_date as key, id from invoices where tenant_id = $1 and account_id = $2 order by issue_date desc, id desc offset $3 limit 1`,
      [tenantId, fleet, offset],
    );
    return row!;
  }

  const expectOneRangeScan = (plan: PlanNode[], direction?: "Forward" | "Backward") => {
    const invoiceScans = plan.filter((n) => n["Relation Name"] === "invoices");
    expect(invoiceScans.map((n) => [n["Node Type"], n["Index Name"]])).toEqual([
      ["Index Scan", "invoices_account_list_idx"],
    ]);
    if (direction) expect(invoiceScans[0]!["Scan Direction"]).toBe(direction);
    expect(plan.map((n) => n["Node Type"])).not.toContain("Sort");
    expect(plan.map((n) => n["Node Type"])).not.toContain("Seq Scan");
    // Customer numbers: one primary-key probe per row returned.
    const customers = plan.filter((n) => n["Relation Name"] === "customers");
    for (const n of customers)
      expect([n["Node Type"], n["Index Name"]]).toEqual(["Index Scan", "customers_pkey"]);
  };

  it("reads the first page, newest first, as one index range scan stopped by the limit", async () => {
    expectOneRangeScan(await planOf({ sort: "date_desc" }, { limit: 51 }), "Forward");
  });

  it("reads a deep page from the cursor inside the index, not by skipping rows", async () => {
    const plan = await planOf({ sort: "date_desc" }, { limit: 51, after: await cursorAt(1200) });
    expectOneRangeScan(plan, "Forward");
    const scan = plan.find((n) => n["Index Name"] === "invoices_account_list_idx")!;
    expect(scan["Index Cond"]).toMatch(/ROW\(issue_date, id\) < ROW\(/);
  });

  it("reads the previous page and the oldest-first order backwards along the same index", async () => {
    expectOneRangeScan(
      await planOf({ sort: "date_desc" }, { limit: 51, before: await cursorAt(1200) }),
      "Backward",
    );
    expectOneRangeScan(await planOf({ sort: "date_asc" }, { limit: 51 }), "Backward");
  });

  it("keeps the ordered range scan with a period and a type", async () => {
    expectOneRangeScan(
      await planOf({ sort: "date_desc", from: "2025-06-01", to: "2025-06-30", type: "380" }, { limit: 51 }),
    );
  });

  it("still reads one index range with a search or « nouvelles » (the few matches may be sorted)", async () => {
    const plan = await planOf(
      { sort: "date_desc", q: "C0001", notDownloaded: true },
      { limit: 51, after: await cursorAt(100) },
    );
    // One range of one index of the account: the list index, or the partial index of its never-downloaded
    // live invoices (made for « nouvelles » and the leaving-soon banner) — a scan or a bitmap from it.
    const indexReads = plan.filter((n) => n["Index Name"]?.startsWith("invoices"));
    expect(indexReads).toHaveLength(1);
    expect(["invoices_account_list_idx", "invoices_account_leaving_idx"]).toContain(
      indexReads[0]!["Index Name"],
    );
    expect(plan.map((n) => n["Node Type"])).not.toContain("Seq Scan");
    expect(plan.map((n) => n["Node Type"])).not.toContain("BitmapAnd");
  });

  it("reads only the account's rows for the amount orders (then keeps the top of them)", async () => {
    const plan = await planOf({ sort: "amount_desc" }, { limit: 51 });
    const scans = plan.filter((n) => n["Relation Name"] === "invoices");
    expect(scans.length).toBeGreaterThan(0);
    for (const scan of scans) expect(scan["Node Type"]).not.toBe("Seq Scan");
    expect(plan.some((n) => n["Index Name"] === "invoices_account_list_idx")).toBe(true);
  });
});
