/**
 * Back-office search on 100,000 customers (PostgreSQL): the plan and the time of each kind of search.
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/backoffice-search.ts
 * Prints, per search, whether the plan is an index scan (no Seq Scan) and the median of 20 runs in ms.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { openServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import {
  findHitByCustomerNumber,
  findHitsByContractNumber,
  findHitsByEmailPrefix,
  findHitsByInvoiceNumber,
  findHitsByNamePrefix,
  likePrefix,
} from "../src/db/backoffice.queries.js";
import { createTenant } from "../src/domain/tenants/create-tenant.js";

const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (!url) throw new Error("set BENCH_DATABASE_URL to a PostgreSQL database");
const N = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const schema = `bench_${randomBytes(4).toString("hex")}`;
const dataDir = mkdtempSync(path.join(tmpdir(), "efacture-bench-"));
const config = loadConfig({
  NODE_ENV: "test",
  DATA_DIR: dataDir,
  DATABASE_URL: url,
  DATABASE_SCHEMA: schema,
  EFACTURE_DEMO: "0",
});
const services = await openServices(config, { schema });
const { db } = services;
try {
  const tenant = await createTenant(db, { slug: "bench", displayName: "Bench" });
  const other = await createTenant(db, { slug: "other", displayName: "Other" });
  const started = Date.now();
  for (const t of [tenant.id, other.id]) {
    await db.query(
      `insert into customers (tenant_id, customer_number, name, email, search_name)
       select $1, 'C' || lpad(g::text, 7, '0'), 'Client ' || md5(g::text), 'client' || g || '@example' || (g % 50) || '.fr',
              'client ' || md5(g::text)
         from generate_series(1, $2) g`,
      [t, N],
    );
    await db.query(
      `insert into contracts (tenant_id, contract_number, customer_id)
       select tenant_id, 'K' || substr(customer_number, 2), id from customers where tenant_id = $1`,
      [t],
    );
    await db.query(
      `insert into invoices (tenant_id, customer_id, invoice_number, type_code, issue_date, currency, grand_total, sha256, size_bytes, available_until)
       select tenant_id, id, 'F' || substr(customer_number, 2), '380', date '2026-11-01', 'EUR', 100, md5(id::text) || md5(customer_number), 1000, now() + interval '2 years'
         from customers where tenant_id = $1`,
      [t],
    );
  }
  await db.query("analyze customers; analyze contracts; analyze invoices");
  console.log(
    `seeded ${N} customers, contracts and invoices per tenant (2 tenants) in ${Date.now() - started} ms`,
  );

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`set search_path to ${schema}`);
  const plans: [string, string, unknown[]][] = [
    [
      "customer number (exact)",
      "select id from customers where tenant_id = $1 and customer_number = $2",
      [tenant.id, "C0054321"],
    ],
    [
      "contract number (exact)",
      "select k.id from contracts k join customers c on c.id = k.customer_id where k.tenant_id = $1 and k.contract_number = $2",
      [tenant.id, "K0054321"],
    ],
    [
      "invoice number (exact)",
      "select i.id from invoices i join customers c on c.id = i.customer_id where i.tenant_id = $1 and i.invoice_number = $2",
      [tenant.id, "F0054321"],
    ],
    [
      "e-mail (prefix)",
      "select id from customers where tenant_id = $1 and email like $2 order by email, customer_number limit 50",
      [tenant.id, likePrefix("client5432")],
    ],
    [
      "name (prefix)",
      "select id from customers where tenant_id = $1 and search_name like $2 order by search_name, customer_number limit 50",
      [tenant.id, likePrefix("client 8a")],
    ],
  ];
  for (const [label, sql, params] of plans) {
    const { rows } = await client.query(`explain ${sql}`, params);
    const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
    console.log(`\n## ${label}: ${/Seq Scan/.test(plan) ? "SEQUENTIAL SCAN" : "index scan"}\n${plan}`);
  }
  await client.end();

  const searches: [string, () => Promise<unknown>][] = [
    ["customer number (exact)", () => findHitByCustomerNumber(db, tenant.id, "C0054321")],
    ["contract number (exact)", () => findHitsByContractNumber(db, tenant.id, "K0054321")],
    ["invoice number (exact)", () => findHitsByInvoiceNumber(db, tenant.id, "F0054321")],
    ["e-mail (prefix, 50 rows)", () => findHitsByEmailPrefix(db, tenant.id, "client5432", 50)],
    ["name (prefix, 50 rows)", () => findHitsByNamePrefix(db, tenant.id, "client 8a", 50)],
  ];
  console.log("\n| search | median ms (20 runs) |\n|---|---|");
  for (const [label, run] of searches) {
    for (let i = 0; i < 3; i++) await run();
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await run();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(`| ${label} | ${times[10]!.toFixed(2)} |`);
  }
} finally {
  await services.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.query(`drop schema if exists ${schema}_boss cascade`);
  await client.end();
  rmSync(dataDir, { recursive: true, force: true });
}
