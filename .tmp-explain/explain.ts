// Ad-hoc: 1M invoices / 100k customers / one account with 1,000 customer numbers and 10,000 invoices, EXPLAIN of the list queries.
import { openServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { mkdtempSync } from "node:fs";
import type { Sql } from "../src/db/database.js";
import { countAccountInvoices, listAccountInvoices, summarizeLeavingSoon, findAccountIssueDateRange, listAccountCustomerNumbers } from "../src/db/portal-invoices.repository.js";

const s = await openServices(loadConfig({ NODE_ENV: "test", DATA_DIR: mkdtempSync("/tmp/ex-"), EFACTURE_DEMO: "0", DATABASE_URL: process.env.TEST_DATABASE_URL!, DATABASE_SCHEMA: "bench_list" }), { schema: "bench_list" });
const db = s.db;
const t0 = Date.now();
const existing = await db.query<{ id: string }>(`select id from tenants where slug = 'bench'`);
const T = existing[0]?.id ?? (await db.query<{ id: string }>(`insert into tenants (slug, display_name) values ('bench', 'Bench') returning id`))[0]!.id;
if (!existing[0]) {
// accounts: 1 fleet + 99,000 single
await db.query(`insert into accounts (tenant_id, identifier, email, status)
  select $1, 'ID' || lpad(g::text, 6, '0'), 'a' || g || '@x.test', 'active' from generate_series(0, 99000) g`, [T]);
await db.query(`insert into customers (tenant_id, customer_number, name, account_id)
  select $1, 'C' || lpad(g::text, 6, '0'), 'n', a.id
    from generate_series(1, 100000) g
    join accounts a on a.tenant_id = $1 and a.identifier = 'ID' || lpad((case when g <= 1000 then 0 else g - 1000 end)::text, 6, '0')`, [T]);
console.log("customers", Date.now() - t0);
// 10 invoices per customer, inserted in random order so an account's rows are scattered over the heap.
await db.query(`insert into invoices (tenant_id, customer_id, account_id, contract_number, invoice_number, type_code, issue_date, due_date,
      currency, grand_total, due_payable, tax_basis_total, tax_total, sha256, size_bytes, published_at, available_until, first_downloaded_at)
  select c.tenant_id, c.id, c.account_id, 'K' || c.customer_number, 'F' || c.customer_number || '-' || k,
         case when k = 10 then '381' else '380' end, d, d + 15, 'EUR', amt, amt, round(amt / 1.2, 2), amt - round(amt / 1.2, 2),
         repeat('a', 64), 90000, d::timestamptz, d::timestamptz + interval '24 months',
         case when random() < 0.7 then d::timestamptz + interval '3 days' end
    from customers c, generate_series(1, 10) k,
         lateral (select (date '2024-12-01' + ((k * 73 + length(c.customer_number) * 0 + (hashtext(c.customer_number) & 1023)) % 720))::date as d,
                         round((50 + (hashtext(c.customer_number || k) & 65535) / 100.0)::numeric, 2) as amt) x
   where c.tenant_id = $1
   order by random()`, [T]);
}
for (const t of ["invoices", "customers", "accounts"]) await db.query(`vacuum analyze ${t}`);
console.log("invoices", Date.now() - t0, (await db.query<{ n: number }>("select count(*)::int n from invoices"))[0]);
const [fleet] = await db.query<{ id: string }>(`select id from accounts where tenant_id = $1 and identifier = 'ID000000'`, [T]);
const A = fleet!.id;
console.log("fleet invoices", (await db.query("select count(*)::int n from invoices where account_id = $1", [A]))[0]);

function explaining(prefix: string, out: string[]): Sql {
  return {
    query: async (text, params) => {
      const rows = await db.query<Record<string, string>>(`${prefix} ${text}`, params);
      out.push(rows.map((r) => Object.values(r)[0]).join("\n"));
      return [] as never;
    },
    queryArrays: (t, p) => db.queryArrays(t, p),
    exec: (t) => db.exec(t),
  };
}
async function timed(label: string, run: (sql: Sql) => Promise<unknown>) {
  const out: string[] = [];
  await run(explaining("explain (analyze, buffers, costs off, timing off, summary on)", out));
  for (let i = 0; i < 20; i++) await run(db);
  const n = 200;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await run(db);
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / n;
  console.log(`\n===== ${label}: ${ms.toFixed(2)} ms per call (client side, sequential)\n${out.join("\n---\n")}`);
}
const rows = await db.query<{ issueDate: string; id: string }>(`select issue_date as "issueDate", id from invoices where tenant_id = $1 and account_id = $2 order by issue_date desc, id desc offset 5000 limit 1`, [T, A]);
const deep = { key: rows[0]!.issueDate, id: rows[0]!.id };
await timed("first page, date desc", (sql) => listAccountInvoices(sql, T, A, { sort: "date_desc" }, { limit: 51 }));
await timed("deep page (row 5,000), date desc", (sql) => listAccountInvoices(sql, T, A, { sort: "date_desc" }, { limit: 51, after: deep }));
await timed("previous page (avant), date desc", (sql) => listAccountInvoices(sql, T, A, { sort: "date_desc" }, { limit: 51, before: deep }));
await timed("first page, date asc", (sql) => listAccountInvoices(sql, T, A, { sort: "date_asc" }, { limit: 51 }));
await timed("month filter + type", (sql) => listAccountInvoices(sql, T, A, { sort: "date_desc", from: "2025-06-01", to: "2025-06-30", type: "380" }, { limit: 51 }));
await timed("customer filter", (sql) => listAccountInvoices(sql, T, A, { sort: "date_desc", customer: "C000500" }, { limit: 51 }));
await timed("search q (rare)", (sql) => listAccountInvoices(sql, T, A, { sort: "date_desc", q: "c000777" }, { limit: 51 }));
await timed("not downloaded + leaving 60d", (sql) => listAccountInvoices(sql, T, A, { sort: "date_desc", notDownloaded: true, leavingWithinDays: 60 }, { limit: 51 }));
await timed("amount desc first page", (sql) => listAccountInvoices(sql, T, A, { sort: "amount_desc" }, { limit: 51 }));
await timed("leaving-soon banner", (sql) => summarizeLeavingSoon(sql, T, A, 60));
await timed("issue date range", (sql) => findAccountIssueDateRange(sql, T, A));
await timed("count, type filter", (sql) => countAccountInvoices(sql, T, A, { sort: "date_desc", type: "381" }));
await timed("count, month filter", (sql) => countAccountInvoices(sql, T, A, { sort: "date_desc", from: "2025-06-01", to: "2025-06-30" }));
await timed("count, no filter", (sql) => countAccountInvoices(sql, T, A, { sort: "date_desc" }));
await timed("customer numbers of the account", (sql) => listAccountCustomerNumbers(sql, T, A));
const single = (await db.query<{ id: string }>(`select id from accounts where tenant_id = $1 and identifier = 'ID000500'`, [T]))[0]!.id;
await timed("single-customer account: first page", (sql) => listAccountInvoices(sql, T, single, { sort: "date_desc" }, { limit: 51 }));
await timed("single-customer account: banner", (sql) => summarizeLeavingSoon(sql, T, single, 60));
await s.close();
