// The customer portal under load: one tenant with 1,000,000 invoices across 100,000 customers, one fleet
// account holding 10,000 of them; 64 logged-in sessions (real logins) asking for the list page (first page
// and a deep filtered page), the detail page and the PDF download, beside Fastify's bare "hello" and
// @fastify/static serving the same PDF (the ceilings, measured in the same run).
//
// Usage: DATABASE_URL=postgres://… npm run bench:portal -- [--scale 0.01] [--keep] [--reuse] [--explain]
//          [--only list,deep,…] [--cpu-prof list,deep,…] [--no-serial] [--no-offered]
//   DATABASE_SCHEMA (bench_portal: dropped first, and at the end unless --keep), BENCH_SECONDS (10),
//   BENCH_CONNECTIONS (64). --reuse skips the load when a kept data set of the same scale is there.
//
// The data goes in through the real code where it is small (tenant, fleet customers and account, the
// template invoices: real Factur-X files published by publishInvoices into the real blob store) and through
// set-based SQL (INSERT … SELECT generate_series) for the bulk, in the schema the real migrations made.
// Every generated invoice points to one of the template PDFs (same sha256 and size), so thousands of rows
// share the bytes of one file: the download streams and verifies real bytes, not the bytes its number says.
//
// The load generator (autocannon, bench/portal-load.ts) runs in a forked process, one keep-alive connection
// per session. CPU per request is reported for this server process, for the PostgreSQL backends of its pool
// only (the same PostgreSQL serves other people's tests) and for the load generator.
import { type ChildProcess, fork } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { Session } from "node:inspector/promises";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import Fastify from "fastify";
import pg from "pg";
import { loadConfig } from "../src/config.js";
import { setAccountPassword } from "../src/db/accounts.repository.js";
import type { Database } from "../src/db/database.js";
import { hashPassword } from "../src/domain/accounts/password-hashing.js";
import { upsertCustomer } from "../src/domain/customers/upsert-customer.js";
import { publishInvoices } from "../src/domain/invoices/publish-invoice.js";
import { searchKey } from "../src/domain/shared/search-key.js";
import { createTenant } from "../src/domain/tenants/create-tenant.js";
import { buildFacturX, type FacturXInput } from "../src/einvoice/index.js";
import { type RunningServer, startServer } from "../src/main.js";
import type { LoadRequest, LoadResult } from "./portal-load.js";
import { padded, scanImage } from "./publish-data.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const option = (name: string) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const scale = Number(option("--scale") ?? 1);
if (!(scale > 0 && scale <= 1)) throw new Error("--scale must be in (0, 1]");
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const only = option("--only")?.split(",");
const cpuProfScenarios = option("--cpu-prof")?.split(",") ?? [];
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error(
    "DATABASE_URL is required (the targets are for PostgreSQL), e.g. postgres://postgres@127.0.0.1:5432/test",
  );
  process.exit(2);
}
const schema =
  process.env.DATABASE_SCHEMA && process.env.DATABASE_SCHEMA !== "public"
    ? process.env.DATABASE_SCHEMA
    : "bench_portal";
const dataDir = path.join(root, ".bench-cache", `portal-${schema}`);
const SLUG = "bench";
const FLEET_EMAIL = "flotte@transports-martin.example.com";
const FLEET_PASSWORD = "camion-bleu-sur-la-rocade-2026";
const MONTHS = 24;

// The data set: 1,000,000 invoices, 100,000 customers at scale 1.
const totalInvoices = Math.round(1_000_000 * scale);
const totalCustomers = Math.round(100_000 * scale);
// The fleet account: a head-office customer number with 300 vehicle contracts invoiced monthly for 24
// months, and 7 agencies with 20 contracts each, invoiced for the last 20 months: 7,200 + 2,800 = 10,000.
const BIG_CONTRACTS = Math.max(2, Math.round(300 * scale));
const AGENCIES = 7;
const AGENCY_CONTRACTS = Math.max(1, Math.round(20 * scale));
const AGENCY_MONTHS = 20;
const FLEET_NAMES = [
  "Transports Martin Siège",
  "Transports Martin Lyon",
  "Transports Martin Lille",
  "Transports Martin Nantes",
  "Transports Martin Bordeaux",
  "Transports Martin Marseille",
  "Transports Martin Toulouse",
  "Transports Martin Strasbourg",
];
const fleetNumber = (k: number) => `C${String(100_000 + k).padStart(7, "0")}`;
const TEMPLATE_CUSTOMER = "C0099999";

const FIRST = [
  "Camille",
  "Louis",
  "Léa",
  "Hugo",
  "Chloé",
  "Lucas",
  "Manon",
  "Jules",
  "Inès",
  "Arthur",
  "Émile",
  "Zoé",
  "Gaëlle",
  "Noël",
  "Hélène",
  "François",
  "Anaïs",
  "Joël",
  "Maëlys",
  "Jérôme",
];
const LAST = [
  "Martin",
  "Bernard",
  "Dubois",
  "Thomas",
  "Robert",
  "Richard",
  "Petit",
  "Durand",
  "Leroy",
  "Moreau",
  "Simon",
  "Laurent",
  "Lefèvre",
  "Michel",
  "García",
  "Faure",
  "Rousseau",
  "Blanc",
  "Guérin",
  "Müller",
  "Chevalier",
  "François",
  "Legrand",
  "Gauthier",
  "Perrin",
];
const TRADES = [
  "Transports",
  "Ambulances",
  "Plomberie",
  "Fleurs",
  "Boulangerie",
  "Électricité",
  "Taxis",
  "Paysages",
];
const SELLER = {
  name: "Bench Location SAS",
  siren: "443061841",
  vatId: "FR44443061841",
  address: {
    line1: "12 avenue des Tilleuls",
    postcode: "92100",
    city: "Boulogne-Billancourt",
    countryCode: "FR",
  },
};

function log(text: string) {
  console.log(text);
}
const ms = (start: number) => Math.round(performance.now() - start);

/** Issue month `m` (0 = oldest) as the 1st of the month, the newest (m = 23) being this month. */
function monthBase(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (MONTHS - 1), 1))
    .toISOString()
    .slice(0, 10);
}

// ---------------------------------------------------------------------------------------------------------
// Load
// ---------------------------------------------------------------------------------------------------------

async function dropSchema(): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.query(`drop schema if exists ${schema}_boss cascade`);
  await client.end();
}

async function existingScale(db: Database): Promise<number | undefined> {
  const rows = await db
    .query<{ settings: Record<string, unknown> }>("select settings from tenants where slug = $1", [SLUG])
    .catch(() => []);
  const value = rows[0]?.settings.benchScale;
  return typeof value === "number" ? value : undefined;
}

/** The template invoices: real Factur-X files of ~100 KB, published through publishInvoices. */
function templateInputs(issueDate: string): FacturXInput[] {
  const buyer = {
    name: "Client modèle",
    id: TEMPLATE_CUSTOMER,
    address: { line1: "3 rue Pasteur", postcode: "69003", city: "Lyon", countryCode: "FR" },
  };
  const base = {
    typeCode: "380" as const,
    issueDate,
    dueDate: `${issueDate.slice(0, 8)}15`,
    currency: "EUR",
    seller: SELLER,
    buyer,
    contractNumber: "LOA-9999999",
    paymentReference: `${TEMPLATE_CUSTOMER}-${issueDate.slice(0, 7)}`,
  };
  const rent = (car: string, monthly: string) => [
    {
      description: `Loyer mensuel – ${car} (contrat LOA-9999999)`,
      quantity: "1",
      unitPrice: monthly,
      vatRatePercent: "20",
    },
    {
      description: "Prestation entretien et assistance",
      quantity: "1",
      unitPrice: "24.90",
      vatRatePercent: "20",
    },
  ];
  return [
    { ...base, invoiceNumber: "FA-MODELE-1", lines: rent("Renault Kangoo Van", "389.00") },
    { ...base, invoiceNumber: "FA-MODELE-2", lines: rent("Peugeot 308 SW", "457.50") },
    { ...base, invoiceNumber: "FA-MODELE-3", lines: rent("Renault Mégane E-Tech", "512.20") },
    {
      ...base,
      typeCode: "381" as const,
      invoiceNumber: "AV-MODELE-1",
      lines: [
        {
          description: "Régularisation kilométrique – Renault Kangoo Van",
          quantity: "1",
          unitPrice: "97.25",
          vatRatePercent: "20",
        },
      ],
    },
  ] as FacturXInput[];
}

async function load(server: RunningServer): Promise<void> {
  const { services } = server;
  const { db, queue } = services;
  const now = new Date();
  const base = monthBase(now);
  const started = performance.now();

  // Real code paths: the tenant, the fleet's customers (one address: one account) and its password, the templates.
  const tenant = await createTenant(db, {
    slug: SLUG,
    displayName: "Bench Location",
    actor: { type: "platform", id: "bench" },
  });
  const actor = { type: "system" as const, id: "bench" };
  const fleet: { number: string; contracts: string[]; firstMonth: number }[] = [
    {
      number: fleetNumber(0),
      contracts: Array.from({ length: BIG_CONTRACTS }, (_, c) => `LLD-${String(10_000 + c)}`),
      firstMonth: 0,
    },
    ...Array.from({ length: AGENCIES }, (_, a) => ({
      number: fleetNumber(a + 1),
      contracts: Array.from(
        { length: AGENCY_CONTRACTS },
        (_, c) => `LLD-${a + 2}${String(c).padStart(4, "0")}`,
      ),
      firstMonth: MONTHS - AGENCY_MONTHS,
    })),
  ];
  for (const [k, customer] of fleet.entries())
    await upsertCustomer(db, {
      queue,
      tenantId: tenant.id,
      customerNumber: customer.number,
      name: FLEET_NAMES[k]!,
      email: FLEET_EMAIL,
      contracts: customer.contracts,
      actor,
    });
  await upsertCustomer(db, {
    queue,
    tenantId: tenant.id,
    customerNumber: TEMPLATE_CUSTOMER,
    name: "Client modèle",
    contracts: ["LOA-9999999"],
    actor,
  });
  const [account] = await db.query<{ id: string; identifier: string }>(
    "select id, identifier from accounts where tenant_id = $1 and email = $2",
    [tenant.id, FLEET_EMAIL],
  );
  await setAccountPassword(db, tenant.id, account!.id, await hashPassword(FLEET_PASSWORD));

  const newest = new Date(`${base}T00:00:00Z`);
  newest.setUTCMonth(newest.getUTCMonth() + MONTHS - 1);
  const scan = scanImage();
  const templates = await Promise.all(
    templateInputs(newest.toISOString().slice(0, 10)).map(async (input) => ({
      bytes: await padded(
        await buildFacturX(input, { brandColor: "#1f4e79", title: "Bench Location" }),
        scan,
      ),
    })),
  );
  const outcomes = await publishInvoices(
    { db, blobs: services.blobs, queue: services.queue, maxPdfBytes: services.config.maxPdfBytes },
    { tenant, actor, items: templates },
  );
  for (const outcome of outcomes) if (!outcome.ok) throw outcome.error;
  const realMs = ms(started);

  // Bulk, set-based, one dedicated connection.
  const client = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${schema},public` });
  await client.connect();
  const q = async (label: string, text: string, params: unknown[] = []) => {
    const t = performance.now();
    const result = await client.query(text, params);
    log(`  ${label}: ${result.rowCount ?? 0} rows, ${ms(t)} ms`);
    return result;
  };
  try {
    const t = tenant.id;
    await client.query(
      `create temp table bench_templates as
         select row_number() over (order by type_code, invoice_number)::int - 1 as t, type_code, facts, findings, sha256,
                size_bytes, xml_sha256, seller_key, seller_name, seller_siren, seller_vat_id, profile, currency
           from invoices where tenant_id = $1`,
      [t],
    );
    const others = totalCustomers - fleet.length - 1;
    const fleetInvoices = BIG_CONTRACTS * MONTHS + AGENCIES * AGENCY_CONTRACTS * AGENCY_MONTHS;
    const otherInvoices = totalInvoices - fleetInvoices - templates.length;
    const otherPassword = await hashPassword(`autre-mot-de-passe-${Date.now()}`);
    const identAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

    // Accounts of the other customers: 9 in 10 customers have an address (one account each); 6 in 10 are active.
    await q(
      "accounts",
      `insert into accounts (id, tenant_id, identifier, email, password_hash, status, language, activated_at, last_login_at, created_at)
       select md5('bench-account-' || j)::uuid, $1,
              substr(x, 1, 4) || '-' || substr(x, 5, 4),
              'client.' || j || '@exemple.fr',
              case when j % 10 < 6 then $2 end,
              case when j % 10 < 6 then 'active' else 'pending' end,
              case when j % 20 = 7 then 'en' else 'fr' end,
              case when j % 10 < 6 then $4::date - 700 + (j % 600) end,
              case when j % 10 < 6 then $4::date - (j % 90) end,
              $4::date - 720 + (j % 30)
         from generate_series(0, $3::int - 1) j,
              lateral (select string_agg(substr($5, ((((j::bigint * 48271 + 12345) % 852891037441) / (31::bigint ^ k)::bigint) % 31)::int + 1, 1), '' order by k) as x
                         from generate_series(0, 7) k) ident
        where j % 10 < 9`,
      [t, otherPassword, others, now.toISOString().slice(0, 10), identAlphabet],
    );
    const folded = (list: string[]) => list.map(searchKey);
    await q(
      "customers",
      `insert into customers (id, tenant_id, customer_number, name, email, account_id, search_name, created_at, updated_at)
       select md5('bench-customer-' || j)::uuid, $1, 'C' || lpad((200000 + j)::text, 7, '0'),
              case when j % 7 = 0 then ($3::text[])[1 + j % $9] || ' ' || ($5::text[])[1 + (j / 7) % $10] || ' SARL'
                   else ($4::text[])[1 + j % $11] || ' ' || ($5::text[])[1 + (j * 7) % $10] end,
              case when j % 10 < 9 then 'client.' || j || '@exemple.fr' end,
              case when j % 10 < 9 then md5('bench-account-' || j)::uuid end,
              case when j % 7 = 0 then ($6::text[])[1 + j % $9] || ' ' || ($8::text[])[1 + (j / 7) % $10] || ' sarl'
                   else ($7::text[])[1 + j % $11] || ' ' || ($8::text[])[1 + (j * 7) % $10] end,
              now() - interval '720 days', now() - interval '720 days'
         from generate_series(0, $2::int - 1) j`,
      [
        t,
        others,
        TRADES,
        FIRST,
        LAST,
        folded(TRADES),
        folded(FIRST),
        folded(LAST),
        TRADES.length,
        LAST.length,
        FIRST.length,
      ],
    );
    await q(
      "contracts",
      `insert into contracts (id, tenant_id, contract_number, customer_id, created_at)
       select md5('bench-contract-' || j)::uuid, $1, 'LOA-' || lpad(j::text, 7, '0'), md5('bench-customer-' || j)::uuid, now() - interval '720 days'
         from generate_series(0, $2::int - 1) j`,
      [t, others],
    );

    // One invoice per (source row, month). `src` gives: seq (unique), customer, account, contract, month m, seed.
    const insertInvoices = (label: string, src: string, params: unknown[]) =>
      q(
        label,
        `with src as (${src}),
         v as (
           select s.*, (case when s.seq % 37 = 5 then '381' else '380' end) as type_code,
                  ($3::date + make_interval(months => s.m))::date as issue_date,
                  round(189 + (s.seed * 37) % 420 + ((s.seed * 13) % 100) / 100.0, 2) as monthly,
                  (abs(hashint4(s.seq)) % 100) as pct
             from src s),
         w as (
           select v.*, case when v.type_code = '381' then round(v.monthly / 4, 2) else v.monthly + 24.90 end as basis,
                  ((v.issue_date + time '08:00') at time zone 'UTC') + ((v.seq % 3600) * interval '1 second') as published_at
             from v),
         x as (
           select w.*, round(w.basis * 0.20, 2) as tax, w.published_at + interval '${MONTHS} months' as available_until,
                  case when w.active and ((w.m < ${MONTHS - 3} and w.pct < 80) or w.pct < 20)
                       then least(w.published_at + ((1 + w.seq % 72) * interval '1 hour'), now()) end as downloaded
             from w)
         insert into invoices (id, tenant_id, customer_id, account_id, contract_id, contract_number, invoice_number, seller_key,
           type_code, issue_date, due_date, currency, grand_total, due_payable, tax_basis_total, tax_total, seller_name,
           seller_siren, seller_vat_id, buyer_name, buyer_id, payment_reference, profile, facts, findings, sha256,
           size_bytes, xml_sha256, published_at, available_until, first_downloaded_at, notice_queued_at, reminder_step)
         select md5('bench-invoice-' || x.seq)::uuid, $1, x.customer_id, x.account_id, x.contract_id, x.contract_number,
                (case when x.type_code = '381' then 'AV-' else 'FA-' end) || to_char(x.issue_date, 'YYYYMM') || '-' || lpad(x.seq::text, 7, '0'),
                tp.seller_key, x.type_code, x.issue_date, x.issue_date + 14, tp.currency, x.basis + x.tax, x.basis + x.tax, x.basis, x.tax,
                tp.seller_name, tp.seller_siren, tp.seller_vat_id, x.customer_name, x.customer_number,
                x.customer_number || '-' || to_char(x.issue_date, 'YYYY-MM'), tp.profile,
                tp.facts || jsonb_build_object(
                  'buyer', (tp.facts -> 'buyer') || jsonb_build_object('name', x.customer_name, 'id', x.customer_number),
                  'vatBreakdown', jsonb_build_array(jsonb_build_object('categoryCode', 'S', 'ratePercent', '20',
                     'basisAmount', x.basis::text, 'taxAmount', x.tax::text))),
                tp.findings, tp.sha256, tp.size_bytes, tp.xml_sha256, x.published_at, x.available_until, x.downloaded,
                case when x.active then x.published_at end,
                case when x.active and x.downloaded is null and x.available_until < now() + interval '60 days' then 1 else 0 end
           from x join bench_templates tp on tp.t = case when x.type_code = '381' then 3 else x.seq % 3 end`,
        params,
      );

    // The fleet: contracts × months, seq 0..fleetInvoices-1.
    await client.query(
      `create temp table bench_fleet as
         select row_number() over (order by c.customer_number, k.contract_number)::int - 1 as slot,
                c.id as customer_id, c.account_id, k.id as contract_id, k.contract_number, c.customer_number,
                c.name as customer_name, case when c.customer_number = $2 then 0 else ${MONTHS - AGENCY_MONTHS} end as first_month
           from customers c join contracts k on k.customer_id = c.id
          where c.tenant_id = $1 and c.email = $3`,
      [t, fleetNumber(0), FLEET_EMAIL],
    );
    await insertInvoices(
      "invoices of the fleet account",
      `select (row_number() over (order by m, f.slot))::int - 1 as seq, f.customer_id, f.account_id, f.contract_id,
              f.contract_number, f.customer_number, f.customer_name, m, f.slot as seed, true as active
         from bench_fleet f, generate_series(f.first_month, ${MONTHS - 1}) m
         where $2::int >= 0`,
      [t, 0, base],
    );
    // Everyone else: customer j gets the newest months first (about 10 invoices each).
    const chunk = 100_000;
    for (let from = 0; from < otherInvoices; from += chunk) {
      const to = Math.min(otherInvoices, from + chunk) - 1;
      await insertInvoices(
        `invoices ${from + 1}-${to + 1} of ${otherInvoices} (other customers)`,
        `select ${fleetInvoices} + i as seq, c.id as customer_id, c.account_id,
                md5('bench-contract-' || (i % $4))::uuid as contract_id, 'LOA-' || lpad((i % $4)::text, 7, '0') as contract_number,
                c.customer_number, c.name as customer_name, ${MONTHS - 1} - (i / $4)::int as m, i % $4 as seed,
                coalesce(a.status = 'active', false) as active
           from generate_series($2::int, $5::int) i
           join customers c on c.id = md5('bench-customer-' || (i % $4))::uuid
           left join accounts a on a.id = c.account_id`,
        [t, from, base, others, to],
      );
    }
    await q(
      "invoice_events 203 (published)",
      `insert into invoice_events (tenant_id, invoice_id, code, at, actor)
       select tenant_id, id, 203, published_at, 'system:bench' from invoices
        where tenant_id = $1 and invoice_number not like '%-MODELE-%'`,
      [t],
    );
    await q(
      "invoice_events 204 (first download)",
      `insert into invoice_events (tenant_id, invoice_id, code, at, actor)
       select tenant_id, id, 204, first_downloaded_at, 'account:' || account_id from invoices
        where tenant_id = $1 and first_downloaded_at is not null`,
      [t],
    );
    await client.query(`update tenants set settings = settings || $2::jsonb where id = $1`, [
      t,
      JSON.stringify({ benchScale: scale }),
    ]);
    const vacuum = performance.now();
    await client.query("vacuum (analyze) invoices, customers, contracts, accounts, invoice_events, sessions");
    log(`  vacuum analyze: ${ms(vacuum)} ms`);
  } finally {
    await client.end();
  }
  log(
    `load: ${ms(started)} ms (${realMs} ms of it through the real code: tenant, fleet customers, password, 4 published Factur-X)`,
  );
}

// ---------------------------------------------------------------------------------------------------------
// HTTP helpers (setup only; the measurement is autocannon in its own process)
// ---------------------------------------------------------------------------------------------------------

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function request(
  port: number,
  host: string,
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, method, path: url, headers: { host, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function cookiesOf(reply: Reply): string[] {
  return (reply.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]!).filter((c) => !c.endsWith("="));
}

/** A real login: the home page (CSRF cookie and token), then the form posted; returns the browser's Cookie header. */
async function logIn(port: number, host: string, identifier: string): Promise<string> {
  const home = await request(port, host, "GET", "/");
  const csrf = /name="_csrf" value="([^"]+)"/.exec(home.body.toString())?.[1];
  if (home.status !== 200 || !csrf) throw new Error(`login page: ${home.status}`);
  const form = new URLSearchParams({ identifier, password: FLEET_PASSWORD, _csrf: csrf }).toString();
  const posted = await request(
    port,
    host,
    "POST",
    "/connexion",
    {
      cookie: cookiesOf(home).join("; "),
      "content-type": "application/x-www-form-urlencoded",
      origin: `http://${host}`,
    },
    form,
  );
  const session = cookiesOf(posted).find((c) => c.startsWith("efacture-session="));
  if (posted.status !== 303 || !session)
    throw new Error(`login refused: ${posted.status} ${posted.body.toString().slice(0, 200)}`);
  // What a browser sends afterwards: the CSRF secret cookie of the login page and the new session cookie.
  const jar = new Map([...cookiesOf(home), ...cookiesOf(posted)].map((c) => [c.slice(0, c.indexOf("=")), c]));
  return [...jar.values()].join("; ");
}

function decodeHref(html: string, name: string): string | undefined {
  const match = new RegExp(`href="(/factures\\?[^"]*${name}=[^"]+)"`).exec(html);
  return match?.[1]?.replaceAll("&amp;", "&");
}

// ---------------------------------------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------------------------------------

/**
 * The PostgreSQL backends serving this server's pool, found by the client ports of its connections (other
 * engineers' tests use the same PostgreSQL server: only these processes are counted).
 */
async function poolBackendPids(server: RunningServer): Promise<number[]> {
  const pool = (
    server.services.db as unknown as {
      pool?: { _clients?: { connection?: { stream?: { localPort?: number } } }[] };
    }
  ).pool;
  const ports = (pool?._clients ?? [])
    .map((c) => c.connection?.stream?.localPort)
    .filter((p): p is number => !!p);
  if (ports.length === 0) return [];
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      "select pid from pg_stat_activity where client_port = any($1::int[]) and client_addr is not null",
      [ports],
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

/** CPU seconds used so far by each of these processes (Linux /proc). */
function cpuSecondsOf(pids: number[]): Map<number, number> {
  const used = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      used.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // The process ended meanwhile.
    }
  }
  return used;
}

function cpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, value] of after) total += value - (before.get(pid) ?? value);
  return total;
}

interface Row extends LoadResult {
  rssMb: number;
  serverCpuPerRequestMs: number;
  clientCpuPerRequestMs: number;
  postgresCpuPerRequestMs: number;
}

class LoadClient {
  private readonly child: ChildProcess;
  private waiting: ((message: LoadResult) => void) | undefined;
  readonly ready: Promise<void>;
  constructor() {
    this.child = fork(fileURLToPath(new URL("./portal-load.ts", import.meta.url)), [], {
      execArgv: process.execArgv,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.ready = new Promise((resolve) => {
      this.child.once("message", () => resolve());
    });
    this.child.on("message", (message: LoadResult | { type: "ready" }) => {
      if (message.type === "result") this.waiting?.(message);
    });
    this.child.on("exit", (code) => {
      if (code) {
        console.error(`load generator exited with ${code}`);
        process.exit(1);
      }
    });
  }
  run(request: Omit<LoadRequest, "type">): Promise<LoadResult> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.child.send({ type: "run", ...request });
    });
  }
  close() {
    this.child.send({ type: "exit" });
  }
}

async function measure(
  server: RunningServer,
  client: LoadClient,
  name: string,
  port: number,
  perConnection: LoadRequest["perConnection"],
  profile: boolean,
  clients = connections,
  duration = seconds,
  overallRate?: number,
): Promise<Row> {
  const url = `http://127.0.0.1:${port}`;
  // Warm-up (JIT, caches, pool): not counted.
  await client.run({ name, url, connections: clients, seconds: 2, perConnection, overallRate });
  let session: Session | undefined;
  if (profile) {
    session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
  }
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 100);
  const cpu = process.cpuUsage();
  const pids = await poolBackendPids(server);
  const pgCpu = cpuSecondsOf(pids);
  const result = await client.run({
    name,
    url,
    connections: clients,
    seconds: duration,
    perConnection,
    overallRate,
  });
  const used = process.cpuUsage(cpu);
  const pgUsed = cpuDelta(pgCpu, cpuSecondsOf(pids));
  clearInterval(timer);
  if (session) {
    const { profile: cpuProfile } = await session.post("Profiler.stop");
    const file = path.join(root, ".bench-cache", `portal-${name.replace(/\W+/g, "-")}.cpuprofile`);
    writeFileSync(file, JSON.stringify(cpuProfile));
    session.disconnect();
    log(`  CPU profile of the server during "${name}": ${file}`);
  }
  return {
    ...result,
    rssMb: Math.round(peak / 2 ** 20),
    serverCpuPerRequestMs: (used.user + used.system) / 1000 / Math.max(1, result.requests),
    clientCpuPerRequestMs: result.clientCpuMs / Math.max(1, result.requests),
    postgresCpuPerRequestMs: (pgUsed * 1000) / Math.max(1, result.requests),
  };
}

/** The SQL statements one request runs, each with EXPLAIN (ANALYZE, BUFFERS) (the real statements, recorded). */
async function explainRequest(
  server: RunningServer,
  label: string,
  run: () => Promise<Reply>,
): Promise<string> {
  const db = server.services.db as Database & { query: Database["query"] };
  const recorded: { text: string; params: unknown[] }[] = [];
  const original = db.query;
  db.query = ((text: string, params?: unknown[]) => {
    recorded.push({ text, params: params ?? [] });
    return original.call(db, text, params);
  }) as Database["query"];
  try {
    const reply = await run();
    if (reply.status !== 200) throw new Error(`${label}: ${reply.status}`);
  } finally {
    db.query = original;
  }
  const client = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${schema},public` });
  await client.connect();
  let out = `### ${label}: ${recorded.length} statements\n`;
  try {
    for (const { text, params } of recorded) {
      const plan = await client.query(`explain (analyze, buffers) ${text}`, params);
      const lines = plan.rows.map((r: Record<string, string>) => r["QUERY PLAN"]!);
      out += `\n${text.replace(/\s+/g, " ").trim()}\n-- params: ${JSON.stringify(params).slice(0, 300)}\n${lines.join("\n")}\n`;
      const time = lines.find((l) => l.startsWith("Execution Time"));
      log(`  ${label}: ${time} — ${text.replace(/\s+/g, " ").trim().slice(0, 110)}`);
    }
  } finally {
    await client.end();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------

const reuse = flag("--reuse");
if (!reuse) {
  await dropSchema();
  rmSync(dataDir, { recursive: true, force: true });
}
mkdirSync(dataDir, { recursive: true });
const port = 3950 + Math.floor(Math.random() * 40);
const config = loadConfig({
  ...process.env,
  DATA_DIR: dataDir,
  PORT: String(port),
  HOST: "127.0.0.1",
  PUBLIC_BASE_URL: `http://localhost:${port}`,
  LOG_LEVEL: "error",
  EFACTURE_DEMO: "0",
  DATABASE_URL: databaseUrl,
  DATABASE_SCHEMA: schema,
});
log(
  `E-FACTURE portal benchmark: scale ${scale} (${totalInvoices} invoices, ${totalCustomers} customers), PostgreSQL schema ${schema}; ${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
const migrateStart = performance.now();
const server = await startServer(
  config,
  { web: true, worker: false },
  { io: { out() {}, err: console.error, cwd: root, isTTY: false } },
);
log(`server started (migrations applied): ${ms(migrateStart)} ms`);
const ceiling = Fastify({ logger: false });
let exitCode = 0;
let loadClient: LoadClient | undefined;
try {
  const { db } = server.services;
  const kept = reuse ? await existingScale(db) : undefined;
  if (kept === scale) log(`reusing the kept data set of scale ${scale}`);
  else {
    if (kept !== undefined) throw new Error(`the kept data set has scale ${kept}: run without --reuse`);
    log("loading…");
    await load(server);
  }
  const [counts] = await db.query<Record<string, number>>(
    `select (select count(*)::int from invoices) as invoices, (select count(*)::int from customers) as customers,
            (select count(*)::int from accounts) as accounts, (select count(*)::int from invoice_events) as events,
            (select count(distinct sha256)::int from invoices) as blobs,
            pg_total_relation_size('invoices')::bigint / 1048576 as "invoicesMb"`,
  );
  const [tenant] = await db.query<{ id: string }>("select id from tenants where slug = $1", [SLUG]);
  const [fleetAccount] = await db.query<{ id: string; identifier: string }>(
    "select id, identifier from accounts where tenant_id = $1 and email = $2",
    [tenant!.id, FLEET_EMAIL],
  );
  const [fleetStats] = await db.query<Record<string, number>>(
    `select count(*)::int as invoices, count(distinct customer_id)::int as "customerNumbers", count(distinct contract_id)::int as contracts,
            count(*) filter (where type_code = '381')::int as "creditNotes",
            count(*) filter (where first_downloaded_at is null)::int as "notDownloaded",
            count(*) filter (where first_downloaded_at is null and available_until < now() + interval '60 days')::int as "leavingSoon"
       from invoices where tenant_id = $1 and account_id = $2`,
    [tenant!.id, fleetAccount!.id],
  );
  log(
    `data: ${counts!.invoices} invoices (${counts!.invoicesMb} MB with indexes), ${counts!.customers} customers, ${counts!.accounts} accounts, ${counts!.events} lifecycle events; ${counts!.blobs} distinct PDF files shared by all invoices`,
  );
  log(
    `fleet account ${fleetAccount!.identifier}: ${fleetStats!.invoices} invoices, ${fleetStats!.customerNumbers} customer numbers, ${fleetStats!.contracts} contracts, ${fleetStats!.creditNotes} credit notes, ${fleetStats!.notDownloaded} never downloaded, ${fleetStats!.leavingSoon} of them leaving within 60 days`,
  );

  // Ceilings, in this process like the application: Fastify "hello" and @fastify/static of the same PDF file.
  const [pdf] = await db.query<{ sha256: string; sizeBytes: number }>(
    `select sha256, size_bytes as "sizeBytes" from invoices where tenant_id = $1 and account_id = $2 and type_code = '380' limit 1`,
    [tenant!.id, fleetAccount!.id],
  );
  const blobPath = path.join(dataDir, "blobs", pdf!.sha256.slice(0, 2), pdf!.sha256.slice(2, 4), pdf!.sha256);
  if (!existsSync(blobPath)) throw new Error(`blob layout changed: ${blobPath} is missing`);
  ceiling.get("/hello", async () => ({ hello: "world" }));
  await ceiling.register(fastifyStatic, { root: path.dirname(blobPath), serve: false });
  ceiling.get("/static.pdf", (_request, reply) =>
    reply.type("application/pdf").sendFile(path.basename(blobPath)),
  );
  const ceilingPort = port + 50;
  await ceiling.listen({ port: ceilingPort, host: "127.0.0.1" });

  // 64 sessions through the real login form (argon2 verification each).
  const host = `${SLUG}.localhost:${port}`;
  const loginStart = performance.now();
  const cookies: string[] = [];
  for (let i = 0; i < connections; i++) cookies.push(await logIn(port, host, fleetAccount!.identifier));
  log(`${connections} sessions opened through POST /connexion: ${ms(loginStart)} ms`);

  // The pages, checked once before being measured.
  const sessionHeaders = (i: number) => ({ host, cookie: cookies[i % cookies.length]! });
  const first = await request(port, host, "GET", "/factures", sessionHeaders(0));
  if (first.status !== 200 || !first.body.includes("FA-")) throw new Error(`list page: ${first.status}`);
  const big = fleetNumber(0);
  const year = String(new Date(`${monthBase(new Date())}T00:00:00Z`).getUTCFullYear() + 1);
  let deepUrl = `/factures?annee=${year}&client=${big}`;
  let deepPage = 1;
  for (; deepPage < 25; deepPage++) {
    const page = await request(port, host, "GET", deepUrl, sessionHeaders(0));
    if (page.status !== 200) throw new Error(`filtered list: ${page.status} for ${deepUrl}`);
    const next = decodeHref(page.body.toString(), "apres");
    if (!next) break;
    deepUrl = next;
  }
  log(
    `deep filtered page: page ${deepPage} of year ${year}, customer number ${big} (keyset cursor): ${deepUrl}`,
  );
  const sample = await db.query<{ id: string; sha256: string; sizeBytes: number }>(
    `select id, sha256, size_bytes as "sizeBytes" from invoices where tenant_id = $1 and account_id = $2
      order by hashtext(id::text) limit $3`,
    [tenant!.id, fleetAccount!.id, connections],
  );
  const detail = await request(port, host, "GET", `/factures/${sample[0]!.id}`, sessionHeaders(0));
  if (detail.status !== 200) throw new Error(`detail page: ${detail.status}`);
  const download = await request(port, host, "GET", `/factures/${sample[0]!.id}/pdf`, sessionHeaders(0));
  const downloadedHash = createHash("sha256").update(download.body).digest("hex");
  if (download.status !== 200 || downloadedHash !== sample[0]!.sha256)
    throw new Error(`download: ${download.status}, sha256 ${downloadedHash}`);
  const staticReply = await request(ceilingPort, "127.0.0.1", "GET", "/static.pdf");
  if (createHash("sha256").update(staticReply.body).digest("hex") !== pdf!.sha256)
    throw new Error("static ceiling serves other bytes");
  // The pages as measured, to look at (what the list page weighs decides much of its cost).
  writeFileSync(path.join(root, ".bench-cache", "portal-list.html"), first.body);
  writeFileSync(path.join(root, ".bench-cache", "portal-detail.html"), detail.body);
  log(
    `pages checked: list ${first.body.length} B, detail ${detail.body.length} B, PDF ${download.body.length} B (SHA-256 verified by the client too)`,
  );

  if (flag("--explain")) {
    let plans = "";
    plans += await explainRequest(server, "list, first page", () =>
      request(port, host, "GET", "/factures", sessionHeaders(1)),
    );
    plans += await explainRequest(server, "list, deep filtered page", () =>
      request(port, host, "GET", deepUrl, sessionHeaders(1)),
    );
    plans += await explainRequest(server, "detail", () =>
      request(port, host, "GET", `/factures/${sample[1]!.id}`, sessionHeaders(1)),
    );
    plans += await explainRequest(server, "download", () =>
      request(port, host, "GET", `/factures/${sample[1]!.id}/pdf`, sessionHeaders(1)),
    );
    const file = path.join(root, ".bench-cache", "portal-explain.txt");
    writeFileSync(file, plans);
    log(`plans: ${file}`);
  }

  loadClient = new LoadClient();
  await loadClient.ready;
  const scenarios: {
    key: string;
    name: string;
    port: number;
    perConnection: LoadRequest["perConnection"];
  }[] = [
    {
      key: "hello",
      name: 'Fastify bare "hello" (ceiling)',
      port: ceilingPort,
      perConnection: [{ path: "/hello", headers: { host: `127.0.0.1:${ceilingPort}` } }],
    },
    {
      key: "static",
      name: `@fastify/static, the same ${Math.round(pdf!.sizeBytes / 1024)} KB PDF (ceiling)`,
      port: ceilingPort,
      perConnection: [{ path: "/static.pdf", headers: { host: `127.0.0.1:${ceilingPort}` } }],
    },
    {
      key: "list",
      name: "list, first page (50 rows, banner, count)",
      port,
      perConnection: cookies.map((_, i) => ({ path: "/factures", headers: sessionHeaders(i) })),
    },
    {
      key: "deep",
      name: `list, year + customer number, page ${deepPage} (keyset)`,
      port,
      perConnection: cookies.map((_, i) => ({ path: deepUrl, headers: sessionHeaders(i) })),
    },
    {
      key: "detail",
      name: "invoice detail page",
      port,
      perConnection: cookies.map((_, i) => ({
        path: `/factures/${sample[i % sample.length]!.id}`,
        headers: sessionHeaders(i),
      })),
    },
    {
      key: "download",
      name: `PDF download (${Math.round(pdf!.sizeBytes / 1024)} KB, verified)`,
      port,
      perConnection: cookies.map((_, i) => ({
        path: `/factures/${sample[i % sample.length]!.id}/pdf`,
        headers: sessionHeaders(i),
      })),
    },
  ];
  log(
    `\nautocannon in a separate process, ${connections} keep-alive connections (one session cookie each), 2 s warm-up then ${seconds} s per line; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} before`,
  );
  const rows = new Map<string, Row>();
  for (const s of scenarios) {
    if (only && !only.includes(s.key)) continue;
    const row = await measure(
      server,
      loadClient,
      s.name,
      s.port,
      s.perConnection,
      cpuProfScenarios.includes(s.key),
    );
    rows.set(s.key, row);
    log(
      `  ${s.name}: ${Math.round(row.rps)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, errors ${row.errors + row.timeouts}, non-2xx ${row.non2xx}; load ${loadavg()[0]!.toFixed(2)}`,
    );
  }
  // One connection: no queueing, so the latency is what one request costs end to end (and the CPU per
  // request is the least inflated by the two processes competing for the two cores).
  const serial = new Map<string, Row>();
  if (!flag("--no-serial"))
    for (const s of scenarios) {
      if (only && !only.includes(s.key)) continue;
      serial.set(
        s.key,
        await measure(
          server,
          loadClient,
          s.name,
          s.port,
          s.perConnection.slice(0, 1),
          false,
          1,
          Math.max(3, seconds / 2),
        ),
      );
    }
  // The same sessions at offered loads below saturation (paced, open loop: half, three quarters and nine
  // tenths of the rate measured above, or BENCH_RATE): the latency a page has while the server keeps up,
  // rather than the queue in front of a saturated one (there, p50 is simply sessions / rate: Little's law).
  const offered: { key: string; name: string; share: string; row: Row & { rate: number } }[] = [];
  if (!flag("--no-offered"))
    for (const key of ["list", "deep", "detail"]) {
      const s = scenarios.find((x) => x.key === key)!;
      const saturated = rows.get(key);
      if (!saturated || (only && !only.includes(key))) continue;
      const shares = process.env.BENCH_RATE ? [undefined] : [0.5, 0.75, 0.9];
      for (const share of shares) {
        const rate = share
          ? Math.max(10, Math.round((saturated.rps * share) / 10) * 10)
          : Number(process.env.BENCH_RATE);
        const row = await measure(
          server,
          loadClient,
          s.name,
          s.port,
          s.perConnection,
          false,
          connections,
          seconds,
          rate,
        );
        offered.push({
          key,
          name: s.name,
          share: share ? `${Math.round(share * 100)} %` : "BENCH_RATE",
          row: { ...row, rate },
        });
      }
    }
  const after = loadavg();
  console.log(
    `\n| what | req/s | p50 ms | p99 ms | max ms | errors / non-2xx | server CPU per request | PostgreSQL CPU per request | load generator CPU per request | server RSS peak |\n|---|---|---|---|---|---|---|---|---|---|`,
  );
  for (const s of scenarios) {
    const r = rows.get(s.key);
    if (!r) continue;
    console.log(
      `| ${s.name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.max} | ${r.errors + r.timeouts} / ${r.non2xx} | ${r.serverCpuPerRequestMs.toFixed(2)} ms | ${r.postgresCpuPerRequestMs.toFixed(2)} ms | ${r.clientCpuPerRequestMs.toFixed(2)} ms | ${r.rssMb} MB |`,
    );
  }
  if (serial.size > 0) {
    console.log(
      `\nOne connection (one request at a time):\n\n| what | req/s | p50 ms | p99 ms | server CPU per request | PostgreSQL CPU per request |\n|---|---|---|---|---|---|`,
    );
    for (const s of scenarios) {
      const r = serial.get(s.key);
      if (r)
        console.log(
          `| ${s.name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.serverCpuPerRequestMs.toFixed(2)} ms | ${r.postgresCpuPerRequestMs.toFixed(2)} ms |`,
        );
    }
  }
  if (offered.length > 0) {
    console.log(
      `\n${connections} sessions at offered loads (paced; latency from the scheduled start):\n\n| what | offered req/s (share of saturated) | answered req/s | p50 ms | p99 ms | max ms | errors / non-2xx |\n|---|---|---|---|---|---|---|`,
    );
    for (const { name, share, row: r } of offered)
      console.log(
        `| ${name} | ${r.rate} (${share}) | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.max} | ${r.errors + r.timeouts} / ${r.non2xx} |`,
      );
  }
  const ratio = (a: string, b: string) => {
    const x = rows.get(a);
    const y = rows.get(b);
    return x && y ? (x.rps / y.rps).toFixed(2) : "n/a";
  };
  console.log(
    `\nratios: download / static ceiling ${ratio("download", "static")} (target >= 0.30); list first page / hello ${ratio("list", "hello")}; deep page / hello ${ratio("deep", "hello")}`,
  );
  const list = rows.get("list");
  const deep = rows.get("deep");
  if (list && deep)
    console.log(
      `target list p99 < 50 ms, ${connections} sessions without pause (saturated): first page ${list.p99} ms ${list.p99 < 50 ? "met" : "MISSED"}, deep page ${deep.p99} ms ${deep.p99 < 50 ? "met" : "MISSED"}`,
    );
  for (const key of ["list", "deep"]) {
    const within = offered.filter(
      (o) => o.key === key && o.row.p99 < 50 && o.row.errors + o.row.non2xx === 0,
    );
    const best = within.sort((a, b) => b.row.rps - a.row.rps)[0];
    if (offered.some((o) => o.key === key))
      console.log(
        `  ${key === "list" ? "first page" : "deep page"}: p99 < 50 ms ${best ? `up to ${Math.round(best.row.rps)} pages/s offered (p99 ${best.row.p99} ms)` : "at none of the offered loads"}`,
      );
  }
  console.log(`load average after: ${after.map((l) => l.toFixed(2)).join(" ")}`);
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  loadClient?.close();
  // Requests autocannon left in flight at its deadline are still being answered: let them end first.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  await ceiling.close();
  await server.stop();
  if (!flag("--keep")) {
    await dropSchema();
    rmSync(dataDir, { recursive: true, force: true });
  } else
    log(`kept: schema ${schema} and ${dataDir} (run again with --reuse; drop with a run without --keep)`);
}
process.exit(exitCode);
