// The reform bridge under load (issue #16, docs/pa-bridge.md "Benchmark"), on PostgreSQL, through the local PA
// of the tests (test/support/local-pa.ts: a Flow Service 1.3.0 over HTTP validating every request against the
// official OpenAPI file), run in a process of its own (bench/pa-server.ts):
// 1. publication throughput of B2B invoices for a tenant WITH a PA connection (its pa-transmit workers sending
//    meanwhile, in the same process, as the worker role runs them) vs a tenant WITHOUT one (its invoices held),
//    in alternate rounds of BENCH_ROUND invoices so that the load of the machine hits both alike; the ratio
//    (goal ≥ 0.9);
// 2. transmissions/s: BENCH_N invoices of the connected tenant from queued to submitted at the PA, and how long
//    after the last publication the transmissions caught up;
// 3. statuses ingested/s: BENCH_STATUSES lifecycle flows (CDAR, each checked against the XSD and the FNFE rules)
//    read by one poll;
// 4. the cost of `lifecycle` in GET /api/v1/invoices (pages of 100): the page's query alone vs with the
//    lifecycle query, interleaved.
// Each publication is a small plain PDF with its metadata (the route B2B given there); the compliance verdict is
// set as the check would (passed) and queueTransmission called in the same transaction, for both tenants.
// Usage: npm run bench:pa   (BENCH_N 10000, BENCH_ROUND 500, BENCH_STATUSES 300,
//   TEST_DATABASE_URL or DATABASE_URL: PostgreSQL, default postgres://postgres@127.0.0.1:5432/test)
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { PDFDocument } from "pdf-lib";

process.env.TEST_DATABASE_URL ??= process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const { publishDeps } = await import("../src/app.js");
const { listApiInvoicesPage } = await import("../src/db/api.queries.js");
const { listLifecycleStatuses } = await import("../src/db/pa-api.queries.js");
const { connectPa } = await import("../src/domain/pa/connect-pa.js");
const { pollPaStatuses } = await import("../src/domain/pa/ingest-statuses.js");
const { queueTransmission } = await import("../src/domain/pa/transmit-invoice.js");
const { publishInvoices } = await import("../src/domain/invoices/publish-invoice.js");
const { startPaJobs } = await import("../src/jobs/pa-transmit.job.js");
const { checkCdar } = await import("../src/pa/cdar-rules.js");
const { createFlowClient } = await import("../src/pa/flow-client.js");
const { makeCustomer, makeTenant } = await import("../test/support/factories.js");
const { cdarStatus } = await import("../test/support/local-pa.js");
const { openTestServices } = await import("../test/support/services.js");

const N = Number(process.env.BENCH_N ?? 10_000);
const ROUND = Number(process.env.BENCH_ROUND ?? 500);
const STATUSES = Number(process.env.BENCH_STATUSES ?? 300);
const BATCH = 100;
const SELLER = "443061841";

// The PA in a process of its own (bench/pa-server.ts): its CPU is not the portal's.
const server = spawn(
  process.execPath,
  [...process.execArgv, fileURLToPath(new URL("./pa-server.ts", import.meta.url))],
  {
    stdio: ["pipe", "pipe", "inherit"],
  },
);
const answers = createInterface({ input: server.stdout! })[Symbol.asyncIterator]();
const ask = async (command: unknown) => {
  server.stdin!.write(`${JSON.stringify(command)}\n`);
  return JSON.parse((await answers.next()).value as string);
};
const pa = JSON.parse((await answers.next()).value as string) as { flowUrl: string; tokenUrl: string };
const services = await openTestServices("postgres", { overrides: { LOG_LEVEL: "warn" } });
const withPa = await makeTenant(services.db, { slug: "bench-pa", displayName: "Bench PA" });
const without = await makeTenant(services.db, { slug: "bench-nopa", displayName: "Bench sans PA" });
for (const tenant of [withPa, without]) await makeCustomer(services, tenant, "BC1");
await connectPa(
  { db: services.db, queue: services.queue, platformSecret: services.cookieSecret },
  {
    tenantId: withPa.id,
    flowUrl: pa.flowUrl,
    tokenUrl: pa.tokenUrl,
    clientId: "bench",
    clientSecret: "bench-secret",
    pollSeconds: 86_400,
    actor: { type: "platform", id: "bench" },
  },
);
await startPaJobs(services, createFlowClient());

// A one-page PDF; each invoice gets its own bytes by a comment after %%EOF (readers ignore it).
const base = Buffer.from(await (await PDFDocument.create()).addPage([200, 200]).doc.save());
const pdf = (i: number) => Buffer.concat([base, Buffer.from(`\n%bench-invoice-${i}\n`)]);

async function publishRound(tenant: typeof withPa, from: number, count: number): Promise<number> {
  const started = performance.now();
  for (let offset = 0; offset < count; offset += BATCH) {
    const items = [];
    for (let i = from + offset; i < from + Math.min(offset + BATCH, count); i++)
      items.push({
        bytes: pdf(i),
        metadata: {
          customerNumber: "BC1",
          invoiceNumber: `B-${String(i).padStart(6, "0")}`,
          issueDate: "2026-11-05",
          grandTotal: "1200.00",
          currency: "EUR",
          processingRule: "B2B",
        },
      });
    const outcomes = await publishInvoices(publishDeps(services), {
      tenant,
      actor: { type: "issuer", id: null },
      items,
    });
    const ids = outcomes.flatMap((o) => (o.ok && "invoice" in o ? [o.invoice.id] : []));
    if (ids.length !== items.length) throw new Error(`publication refused: ${JSON.stringify(outcomes[0])}`);
    // The compliance verdict (as the check records it) and the transmission decision, in one transaction.
    await services.db.transaction(async (tx) => {
      await tx.query(
        `update invoices set validation_status = 'passed', seller_siren = $2 where id = any($1::uuid[])`,
        [ids, SELLER],
      );
      for (const id of ids) await queueTransmission(tx, services.queue, id);
    });
  }
  return count / ((performance.now() - started) / 1000);
}

async function submittedCount(tenantId: string): Promise<number> {
  const [row] = await services.db.query<{ n: number }>(
    `select count(*)::int as n from pa_transmissions where tenant_id = $1 and status in ('submitted', 'acknowledged')`,
    [tenantId],
  );
  return row!.n;
}

console.log(`bench:pa — ${N} B2B invoices per tenant, rounds of ${ROUND}, PostgreSQL, local PA over HTTP`);
const rates = { with: [] as number[], without: [] as number[] };
const publicationStarted = performance.now();
for (let from = 0, round = 0; from < N; from += ROUND, round++) {
  const count = Math.min(ROUND, N - from);
  // Alternate which goes first, so that neither always meets the other's leftover load.
  const order = round % 2 === 0 ? (["with", "without"] as const) : (["without", "with"] as const);
  for (const which of order)
    rates[which].push(await publishRound(which === "with" ? withPa : without, from, count));
  process.stdout.write(
    `  round ${round + 1}: with PA ${rates.with.at(-1)!.toFixed(0)}/s, without ${rates.without.at(-1)!.toFixed(0)}/s, transmitted so far ${await submittedCount(withPa.id)}\n`,
  );
}
const publicationEnded = performance.now();
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

// Transmissions catch up.
while ((await submittedCount(withPa.id)) < N) await new Promise((r) => setTimeout(r, 500));
const caughtUp = performance.now();
const [span] = await services.db.query<{ first: Date; last: Date }>(
  `select min(submitted_at) as first, max(submitted_at) as last from pa_transmissions where tenant_id = $1`,
  [withPa.id],
);
const transmitSeconds = (caughtUp - publicationStarted) / 1000;
const { invalid } = await ask({ invalid: true });
if (invalid > 0) throw new Error(`requests refused by the OpenAPI file: ${invalid}`);

// Statuses: one lifecycle flow per invoice, read by one poll (download, XSD + FNFE rules, match, record).
const statusCodes = [200, 202, 203, 204, 205, 207, 210, 211];
for (let i = 0; i < STATUSES; i++)
  await ask({
    emit: cdarStatus({
      invoiceNumber: `B-${String(i).padStart(6, "0")}`,
      issueDate: "2026-11-05",
      sellerSiren: SELLER,
      code: statusCodes[i % statusCodes.length]!,
    }),
  });
const pollStarted = performance.now();
const report = await pollPaStatuses(
  { db: services.db, flowApi: createFlowClient(), platformSecret: services.cookieSecret, checkCdar },
  withPa.id,
);
const pollSeconds = (performance.now() - pollStarted) / 1000;
if (report.recorded !== STATUSES) throw new Error(`statuses: ${JSON.stringify(report)}`);

// The list's lifecycle: the page alone vs the page and its lifecycle query, interleaved.
const pageOnly: number[] = [];
const pageAndLifecycle: number[] = [];
for (let round = 0; round < 30; round++) {
  for (const which of round % 2 === 0 ? [0, 1] : [1, 0]) {
    const started = performance.now();
    const rows = await listApiInvoicesPage(services.db, withPa.id, { limit: 100 });
    if (which === 1)
      await listLifecycleStatuses(
        services.db,
        withPa.id,
        rows.map((r) => r.id),
      );
    (which === 1 ? pageAndLifecycle : pageOnly).push(performance.now() - started);
  }
}

const withRate = mean(rates.with);
const withoutRate = mean(rates.without);
console.log(`
| measure | value |
|---|---|
| publication, tenant with PA connection (transmitting meanwhile) | ${withRate.toFixed(0)} invoices/s (median round ${median(rates.with).toFixed(0)}) |
| publication, tenant without PA connection | ${withoutRate.toFixed(0)} invoices/s (median round ${median(rates.without).toFixed(0)}) |
| ratio with / without (goal ≥ 0.90) | ${(withRate / withoutRate).toFixed(2)} (medians ${(median(rates.with) / median(rates.without)).toFixed(2)}) |
| transmissions (${N} flows to the PA, first publication → last submitted) | ${(N / transmitSeconds).toFixed(0)}/s over ${transmitSeconds.toFixed(1)} s |
| transmissions, first → last submission at the PA | ${(N / ((span!.last.getTime() - span!.first.getTime()) / 1000)).toFixed(0)}/s |
| caught up after the last publication | ${((caughtUp - publicationEnded) / 1000).toFixed(1)} s |
| statuses ingested by one poll (${STATUSES} CDAR: download, XSD + FNFE rules, match, record) | ${(STATUSES / pollSeconds).toFixed(1)}/s (${((pollSeconds / STATUSES) * 1000).toFixed(0)} ms each) |
| GET /api/v1/invoices page of 100: query alone → with its lifecycle query (median) | ${median(pageOnly).toFixed(1)} ms → ${median(pageAndLifecycle).toFixed(1)} ms (×${(median(pageAndLifecycle) / median(pageOnly)).toFixed(2)}) |
`);
await services.dispose();
server.kill();
process.exit(0);
