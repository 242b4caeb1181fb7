// Hostile files against a running server (issue 12, finding 2): tenant A's issuer publishes each class of
// hostile file through the API, at the API's rate limit (10 requests/s per key), while a second client —
// tenant B's customer — asks for /healthz and its logged-in invoice list one request after the other.
// B's latency is measured first with no hostile load (the baseline), then during each class, in the same
// run; the table also gives A's answers and the server's peak RSS per phase.
//
// Usage: npm run bench:hostile
//   BENCH_SECONDS (8 per phase), BENCH_RATE (A's publications per second, 10), DATABASE_URL (PostgreSQL,
//   else PGlite), DATABASE_SCHEMA (bench_hostile: dropped first and at the end)
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { loadConfig } from "../src/config.js";
import { setAccountPassword } from "../src/db/accounts.repository.js";
import { startSession } from "../src/domain/accounts/sessions.js";
import { createApiKey } from "../src/domain/api-keys/create-api-key.js";
import { upsertCustomer } from "../src/domain/customers/upsert-customer.js";
import { publishInvoices } from "../src/domain/invoices/publish-invoice.js";
import { createTenant } from "../src/domain/tenants/create-tenant.js";
import { HOSTILE_CLASSES, HOSTILE_INVOICE } from "../src/einvoice/__fixtures__/hostile-pdfs.js";
import { buildFacturX, DEFAULT_PARSER_POOL } from "../src/einvoice/index.js";
import { startServer } from "../src/main.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const rate = Number(process.env.BENCH_RATE ?? 10);
const databaseUrl = process.env.DATABASE_URL;
const schema = process.env.DATABASE_SCHEMA ?? "bench_hostile";
const actor = { type: "platform" as const, id: null };

async function dropSchema(): Promise<void> {
  if (!databaseUrl) return;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.query(`drop schema if exists ${schema}_boss cascade`);
  await client.end();
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
interface Reply {
  status: number;
  body: Buffer;
}
function request(
  port: number,
  host: string,
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, method, path: url, agent, headers: { host, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function multipart(bytes: Uint8Array): Promise<{ body: Buffer; type: string }> {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(bytes)], { type: "application/pdf" }), "invoice.pdf");
  const response = new Response(form);
  return { body: Buffer.from(await response.arrayBuffer()), type: response.headers.get("content-type")! };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
const fmt = (n: number) => (Number.isNaN(n) ? "–" : n < 10 ? n.toFixed(1) : String(Math.round(n)));

const dataDir = mkdtempSync(path.join(tmpdir(), "efacture-bench-hostile-"));
await dropSchema();
const config = loadConfig({
  ...process.env,
  NODE_ENV: "development",
  DATA_DIR: dataDir,
  PORT: "0",
  EFACTURE_DEMO: "0",
  LOG_LEVEL: "warn",
  ...(databaseUrl ? { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema } : {}),
});
const server = await startServer(
  config,
  { web: true, worker: false },
  { io: { out() {}, err: console.error, cwd: process.cwd(), isTTY: false } },
);
const port = Number(new URL(server.url!).port);
const { db, blobs, queue } = server.services;

// Tenant A publishes; tenant B's customer reads its list. B gets 30 real invoices so its page has rows.
const a = await createTenant(db, { slug: "attaquant", displayName: "Attaquant" });
const b = await createTenant(db, { slug: "voisin", displayName: "Voisin" });
const key = (await createApiKey({ db, tenantId: a.id })).key;
await upsertCustomer(db, {
  queue,
  tenantId: a.id,
  customerNumber: "C-1",
  name: "Client A",
  email: null,
  contracts: [],
  actor,
});
await upsertCustomer(db, {
  queue,
  tenantId: b.id,
  customerNumber: "B-1",
  name: "Client B",
  email: "client-b@example.com",
  contracts: [],
  actor,
});
const [accountB] = await db.query<{ id: string }>("select id from accounts where tenant_id = $1", [b.id]);
await setAccountPassword(db, b.id, accountB!.id, "not-a-real-hash");
const items = [];
for (let i = 1; i <= 30; i++) {
  items.push({
    bytes: await buildFacturX({
      ...HOSTILE_INVOICE,
      invoiceNumber: `B-${i}`,
      buyer: { ...HOSTILE_INVOICE.buyer, id: "B-1" },
    }),
  });
}
await publishInvoices({ db, blobs, queue, maxPdfBytes: config.maxPdfBytes }, { tenant: b, actor, items });
const cookie = await startSession(db, {
  tenantId: b.id,
  accountId: accountB!.id,
  kind: "customer",
  ip: null,
  userAgent: null,
  now: new Date(),
});
// PORT=0: the public base URL keeps port 3000, and tenants are found by that host.
const hostA = "attaquant.localhost:3000";
const hostB = "voisin.localhost:3000";
const list = await request(port, hostB, "GET", "/factures", { cookie: `efacture-session=${cookie}` });
if (list.status !== 200) throw new Error(`tenant B's list page answered ${list.status}`);

interface Phase {
  name: string;
  healthz: number[];
  page: number[];
  published: number;
  statuses: Map<string, number>;
  publishMs: number[];
  rssPeakMb: number;
}

/** Tenant B, one request after the other, alternating /healthz and the list page, until `stop`. */
async function measureB(phase: Phase, stop: () => boolean): Promise<void> {
  while (!stop()) {
    let t = performance.now();
    await request(port, hostB, "GET", "/healthz");
    phase.healthz.push(performance.now() - t);
    t = performance.now();
    const res = await request(port, hostB, "GET", "/factures", { cookie: `efacture-session=${cookie}` });
    if (res.status !== 200) throw new Error(`list page answered ${res.status}`);
    phase.page.push(performance.now() - t);
  }
}

/** Tenant A at `rate` publications per second (at most 4 in flight), until `stop`. */
async function attack(phase: Phase, file: { body: Buffer; type: string }, stop: () => boolean) {
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  for (let n = 0; !stop(); n++) {
    const due = started + (n * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (inFlight.size >= 4) await Promise.race(inFlight);
    const t = performance.now();
    const p = request(
      port,
      hostA,
      "POST",
      "/api/v1/invoices",
      {
        authorization: `Bearer ${key}`,
        "content-type": file.type,
      },
      file.body,
    ).then((res) => {
      phase.publishMs.push(performance.now() - t);
      phase.published++;
      let code = String(res.status);
      try {
        code += ` ${JSON.parse(res.body.toString()).error?.code ?? ""}`.trimEnd();
      } catch {}
      phase.statuses.set(code, (phase.statuses.get(code) ?? 0) + 1);
    });
    inFlight.add(p);
    p.finally(() => inFlight.delete(p));
  }
  await Promise.all(inFlight);
}

async function runPhase(name: string, make?: () => Promise<Uint8Array>): Promise<Phase> {
  const file = make ? await multipart(await make()) : undefined;
  const phase: Phase = {
    name,
    healthz: [],
    page: [],
    published: 0,
    statuses: new Map(),
    publishMs: [],
    rssPeakMb: 0,
  };
  const rss = setInterval(() => {
    phase.rssPeakMb = Math.max(phase.rssPeakMb, process.memoryUsage().rss / 1048576);
  }, 50);
  const end = performance.now() + seconds * 1000;
  const stop = () => performance.now() >= end;
  await Promise.all([measureB(phase, stop), file ? attack(phase, file, stop) : Promise.resolve()]);
  clearInterval(rss);
  return phase;
}

const phases: Phase[] = [];
try {
  console.log(
    `${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)}; ${databaseUrl ? "PostgreSQL" : "PGlite"}; parser pool: ${Math.max(1, availableParallelism() - 1)} worker(s), ${DEFAULT_PARSER_POOL.taskTimeoutMs / 1000} s and ${DEFAULT_PARSER_POOL.maxHeapMb} MB per file; ${seconds} s per phase, tenant A at ${rate} publications/s\n`,
  );
  // Warms the parser pool (a worker's first start loads the reader) so the baseline is the steady state.
  await runPhase("warm-up", async () => buildFacturX({ ...HOSTILE_INVOICE, invoiceNumber: "WARM" })).then(
    () => undefined,
  );
  phases.push(await runPhase("baseline (no hostile load)"));
  for (const [name, make] of Object.entries(HOSTILE_CLASSES)) {
    const phase = await runPhase(name, make);
    phases.push(phase);
    console.log(`  ${name}: done (${phase.published} publications)`);
  }
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  await dropSchema();
}

console.log(
  "\n| phase | tenant A: publications (answers), p50 ms | B /healthz p50 / p99 / max ms | B list page p50 / p99 / max ms | RSS peak MB |\n|---|---|---|---|---|",
);
for (const p of phases) {
  const h = [...p.healthz].sort((x, y) => x - y);
  const g = [...p.page].sort((x, y) => x - y);
  const m = [...p.publishMs].sort((x, y) => x - y);
  const answers = [...p.statuses].map(([code, n]) => `${n}× ${code}`).join(", ") || "–";
  console.log(
    `| ${p.name} | ${p.published} (${answers}), ${fmt(quantile(m, 0.5))} | ${fmt(quantile(h, 0.5))} / ${fmt(quantile(h, 0.99))} / ${fmt(h.at(-1) ?? Number.NaN)} | ${fmt(quantile(g, 0.5))} / ${fmt(quantile(g, 0.99))} / ${fmt(g.at(-1) ?? Number.NaN)} | ${Math.round(p.rssPeakMb)} |`,
  );
}
process.exit(0);
