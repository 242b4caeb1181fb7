// The reform bridge under load (issue #16, docs/pa-bridge.md "Benchmark"), on PostgreSQL, through the local PA
// of the tests (test/support/local-pa.ts: a Flow Service 1.3.0 over HTTP validating every request against the
// official OpenAPI file), run in a process of its own (bench/pa-server.ts). The job queue polls at production's
// interval (1 s), the pa-transmit workers are production's (src/jobs/pa-transmit.job.ts startPaJobs).
// 1. publication throughput of B2B invoices for a tenant WITH a PA connection (its pa-transmit workers sending
//    meanwhile, in the same process, as the worker role runs them) vs a tenant WITHOUT one (its invoices held),
//    in alternate rounds of BENCH_ROUND invoices so that the load of the machine hits both alike; the ratio
//    (goal ≥ 0.9); then how long after the last publication the transmissions caught up;
// 2. the transmission path's own ceiling: BENCH_CEILING invoices published and held (validation pending), then
//    all passed at once, as the compliance check would pass them: transmissions/s until every one is at the PA,
//    and until every acknowledgement is recorded;
// 3. the validation gate beside it: validations/s of the validator pool alone (B2B Factur-X invoices, the
//    production pool), then BENCH_CEILING more invoices released for transmission while the pool validates
//    without pause: transmissions/s against validations/s in the same window (goal: transmission ≥ 0.9 × the
//    validation rate, so that the gate, not the transmission, bounds how fast B2B invoices leave);
// 4. statuses ingested/s: BENCH_STATUSES lifecycle flows (CDAR, each checked against the XSD and the FNFE rules)
//    read by one poll;
// 5. the cost of `lifecycle` in GET /api/v1/invoices (pages of 100): the page's query alone vs with the
//    lifecycle query, interleaved.
// Each publication is a small plain PDF with its metadata (the route B2B given there); the compliance verdict is
// set as the check would (passed) and queueTransmission called in the same transaction, for both tenants.
// Usage: npm run bench:pa   (BENCH_N 10000, BENCH_ROUND 500, BENCH_CEILING 1000, BENCH_VALIDATE_SECONDS 20,
//   BENCH_STATUSES 300, TEST_DATABASE_URL or DATABASE_URL: PostgreSQL, default
//   postgres://postgres@127.0.0.1:5432/test)
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { PDFDocument } from "pdf-lib";

process.env.TEST_DATABASE_URL ??= process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const { openServices, publishDeps } = await import("../src/app.js");
const { buildFacturX } = await import("../src/einvoice/build-facturx.js");
const { listApiInvoicesPage } = await import("../src/db/api.queries.js");
const { listLifecycleStatuses } = await import("../src/db/pa-api.queries.js");
const { connectPa } = await import("../src/domain/pa/connect-pa.js");
const { pollPaStatuses } = await import("../src/domain/pa/ingest-statuses.js");
const { queueTransmission } = await import("../src/domain/pa/transmit-invoice.js");
const { publishInvoices } = await import("../src/domain/invoices/publish-invoice.js");
const { startPaJobs } = await import("../src/jobs/pa-transmit.job.js");
const { checkCdar } = await import("../src/pa/cdar-rules.js");
const { createFlowClient } = await import("../src/pa/flow-client.js");
const { facturx, makeCustomer, makeTenant } = await import("../test/support/factories.js");
const { cdarStatus } = await import("../test/support/local-pa.js");
const { makeTestEnv } = await import("../test/support/services.js");

const N = Number(process.env.BENCH_N ?? 10_000);
const ROUND = Number(process.env.BENCH_ROUND ?? 500);
const CEILING = Number(process.env.BENCH_CEILING ?? 1000);
const VALIDATE_SECONDS = Number(process.env.BENCH_VALIDATE_SECONDS ?? 20);
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
// As openTestServices, but with the job queue's production polling interval (the tests' is 0.5 s).
const testEnv = makeTestEnv("postgres", { LOG_LEVEL: "warn" });
const services = await openServices(testEnv.config, { schema: testEnv.schema });
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

/** Publishes `count` B2B invoices from number `from`; passed (and queued for the PA) or held, validation pending. */
async function publishRound(
  tenant: typeof withPa,
  from: number,
  count: number,
  verdict: "passed" | "pending" = "passed",
  ids: string[] = [],
): Promise<number> {
  let publishing = 0;
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
    const batchStarted = performance.now();
    const outcomes = await publishInvoices(publishDeps(services), {
      tenant,
      actor: { type: "issuer", id: null },
      items,
    });
    publishing += performance.now() - batchStarted;
    const published = outcomes.flatMap((o) => (o.ok && "invoice" in o ? [o.invoice.id] : []));
    if (published.length !== items.length)
      throw new Error(`publication refused: ${JSON.stringify(outcomes[0])}`);
    ids.push(...published);
    // The compliance verdict (as the check records it) and the transmission decision, in one transaction.
    await services.db.transaction(async (tx) => {
      await tx.query(
        `update invoices set validation_status = $3, seller_siren = $2 where id = any($1::uuid[])`,
        [published, SELLER, verdict],
      );
      for (const id of published) await queueTransmission(tx, services.queue, id);
    });
  }
  // Publication only: the verdict and queueTransmission are the compliance check's work, in the worker role.
  return count / (publishing / 1000);
}

async function submittedCount(tenantId: string): Promise<number> {
  const [row] = await services.db.query<{ n: number }>(
    `select count(*)::int as n from pa_transmissions where tenant_id = $1 and status in ('submitted', 'acknowledged')`,
    [tenantId],
  );
  return row!.n;
}

/** How many of `ids` are at the PA, and how many of them acknowledged. */
async function progress(ids: string[]): Promise<{ submitted: number; acknowledged: number }> {
  const [row] = await services.db.query<{ submitted: number; acknowledged: number }>(
    `select count(*) filter (where status in ('submitted', 'acknowledged'))::int as submitted,
            count(*) filter (where status = 'acknowledged')::int as acknowledged
       from pa_transmissions where invoice_id = any($1::uuid[])`,
    [ids],
  );
  return row!;
}

/** Passes the held invoices' validation at once and queues them, as the check would; then times their transmission. */
async function releaseAndTime(
  ids: string[],
  onSubmitted: () => void = () => {},
): Promise<{ submittedSeconds: number; acknowledgedSeconds: number }> {
  const started = performance.now();
  await services.db.transaction(async (tx) => {
    await tx.query(`update invoices set validation_status = 'passed' where id = any($1::uuid[])`, [ids]);
    for (const id of ids) await queueTransmission(tx, services.queue, id);
  });
  let submittedSeconds = 0;
  for (;;) {
    const { submitted, acknowledged } = await progress(ids);
    if (submitted === ids.length && !submittedSeconds) {
      submittedSeconds = (performance.now() - started) / 1000;
      onSubmitted();
    }
    if (acknowledged === ids.length) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { submittedSeconds, acknowledgedSeconds: (performance.now() - started) / 1000 };
}

const uptime = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(", ")}`;

console.log(
  `bench:pa — ${N} B2B invoices per tenant, rounds of ${ROUND}, PostgreSQL, local PA over HTTP (${uptime()})`,
);
// Warm-up, not timed: one batch each (held, never sent), so that round 1 does not pay for the first calls.
for (const tenant of [withPa, without]) await publishRound(tenant, N + 2 * CEILING, BATCH, "pending");
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
console.log(`  caught up ${((caughtUp - publicationEnded) / 1000).toFixed(1)} s after the last publication`);
// Their acknowledgement checks done first: the next phases share the workers with no one.
const [phaseOneRow] = await services.db.query<{ phaseOne: string[] }>(
  `select array_agg(invoice_id) as "phaseOne" from pa_transmissions where tenant_id = $1`,
  [withPa.id],
);
while ((await progress(phaseOneRow!.phaseOne)).acknowledged < N) await new Promise((r) => setTimeout(r, 200));

// 2. The transmission path's own ceiling: invoices already validated, released at once.
const ceilingIds: string[] = [];
for (let from = 0; from < CEILING; from += ROUND)
  await publishRound(withPa, N + from, Math.min(ROUND, CEILING - from), "pending", ceilingIds);
const alone = await releaseAndTime(ceilingIds);
console.log(
  `  ceiling: ${CEILING} at the PA in ${alone.submittedSeconds.toFixed(1)} s, acknowledged in ${alone.acknowledgedSeconds.toFixed(1)} s`,
);

// 3. The validation gate: the production pool on B2B Factur-X invoices, alone, then beside the transmissions.
const pdfs = await Promise.all(
  Array.from({ length: 20 }, (_, i) => buildFacturX(facturx(`V-${i}`, "BC1", { processingRule: "B2B" }))),
);
await services.validator.warm?.();
let validating = true;
let validated = 0;
const validators = Array.from({ length: 4 }, async (_, worker) => {
  for (let i = worker; validating; i += 4) {
    await services.validator.validate(pdfs[i % pdfs.length]!, { owner: `bench-${worker}` });
    validated++;
  }
}).map((running) => running.catch((error: Error) => error)); // reported after the window, never unhandled
await new Promise((r) => setTimeout(r, 3_000)); // warm-up: every thread has its stylesheets
let mark = [performance.now(), validated] as const;
await new Promise((r) => setTimeout(r, VALIDATE_SECONDS * 1000));
const validationAlone = (validated - mark[1]) / ((performance.now() - mark[0]) / 1000);
const besideIds: string[] = [];
for (let from = 0; from < CEILING; from += ROUND)
  await publishRound(withPa, N + CEILING + from, Math.min(ROUND, CEILING - from), "pending", besideIds);
mark = [performance.now(), validated];
const besideStarted = performance.now();
let validatedWhenSubmitted = 0;
const beside = await releaseAndTime(besideIds, () => {
  validatedWhenSubmitted = validated;
});
const validationBeside = (validatedWhenSubmitted - mark[1]) / beside.submittedSeconds;
const validationBesideAck = (validated - mark[1]) / ((performance.now() - besideStarted) / 1000);
validating = false;
const validationError = (await Promise.all(validators)).find((outcome) => outcome instanceof Error);
if (validationError) throw validationError;
console.log(
  `  validation alone ${validationAlone.toFixed(1)}/s; beside the transmissions ${validationBeside.toFixed(1)}/s, ${CEILING} at the PA in ${beside.submittedSeconds.toFixed(1)} s, acknowledged in ${beside.acknowledgedSeconds.toFixed(1)} s`,
);

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
| transmission ceiling, ${CEILING} invoices validated beforehand, released at once: at the PA | ${(CEILING / alone.submittedSeconds).toFixed(1)}/s (${alone.submittedSeconds.toFixed(1)} s) |
| … and acknowledged (first check 10 s after submission) | ${(CEILING / alone.acknowledgedSeconds).toFixed(1)}/s (${alone.acknowledgedSeconds.toFixed(1)} s) |
| validations/s, production validator pool alone (${VALIDATE_SECONDS} s) | ${validationAlone.toFixed(1)}/s |
| ${CEILING} transmissions while the pool validates without pause: at the PA vs validations, same window | ${(CEILING / beside.submittedSeconds).toFixed(1)}/s vs ${validationBeside.toFixed(1)}/s |
| … until every acknowledgement is recorded vs validations, same window | ${(CEILING / beside.acknowledgedSeconds).toFixed(1)}/s vs ${validationBesideAck.toFixed(1)}/s |
| ratio transmissions / validations (goal ≥ 0.90): at the PA; acknowledged | ${(CEILING / beside.submittedSeconds / validationBeside).toFixed(2)}; ${(CEILING / beside.acknowledgedSeconds / validationBesideAck).toFixed(2)} (vs the pool alone: ${(CEILING / beside.submittedSeconds / validationAlone).toFixed(2)}; ${(CEILING / beside.acknowledgedSeconds / validationAlone).toFixed(2)}) |
| statuses ingested by one poll (${STATUSES} CDAR: download, XSD + FNFE rules, match, record) | ${(STATUSES / pollSeconds).toFixed(1)}/s (${((pollSeconds / STATUSES) * 1000).toFixed(0)} ms each) |
| GET /api/v1/invoices page of 100: query alone → with its lifecycle query (median) | ${median(pageOnly).toFixed(1)} ms → ${median(pageAndLifecycle).toFixed(1)} ms (×${(median(pageAndLifecycle) / median(pageOnly)).toFixed(2)}) |
`);
console.log(`(${uptime()})`);
await services.close();
await testEnv.cleanup();
server.kill();
process.exit(0);
