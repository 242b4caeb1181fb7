// Audit trail benchmark on PostgreSQL: append throughput with 4 concurrent writers (one tenant, then 4
// tenants), each event in its own transaction as the application does; then the verifier's speed
// (entries/s recomputed, MB/s of stored originals hashed) on the publication bench data set plus the
// appended entries, after a seal.
// Usage: npm run bench:audit
//   DATABASE_URL (postgres://postgres@127.0.0.1:5432/test), BENCH_N (2000 invoices of ~100 KB),
//   BENCH_SECONDS (10 per append scenario), BENCH_WRITERS (4). Schema bench_audit: created, then dropped.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import pino from "pino";
import { openServices, type Services } from "../src/app.js";
import { customersCommand } from "../src/cli/commands/customers.js";
import { invoicesCommand } from "../src/cli/commands/invoices.js";
import type { CliIo } from "../src/cli/io.js";
import { loadConfig } from "../src/config.js";
import { appendAudit } from "../src/db/audit.repository.js";
import { sealAuditChains } from "../src/domain/audit/seal-audit-chains.js";
import { verifyAudit } from "../src/domain/audit/verify-audit.js";
import { createTenant } from "../src/domain/tenants/create-tenant.js";
import { ensureBenchData } from "./publish-data.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const n = Number(process.env.BENCH_N ?? 2_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const writers = Number(process.env.BENCH_WRITERS ?? 4);
const schema = "bench_audit";

async function dropSchema() {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.query(`drop schema if exists ${schema}_boss cascade`);
  await client.end();
}

const quiet: CliIo = { out: () => {}, err: () => {}, cwd: root, isTTY: false };

/** `writers` loops appending one entry per transaction for `seconds`; events/s overall. */
async function appendScenario(
  services: Services,
  tenantIds: string[],
): Promise<{ events: number; perSecond: number }> {
  let events = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const tenantId = tenantIds[w % tenantIds.length]!;
      while (performance.now() < until) {
        await services.db.transaction((tx) =>
          appendAudit(tx, {
            tenantId,
            actorType: "customer",
            actorId: `bench-${w}`,
            action: "invoice.downloaded",
            targetType: "invoice",
            targetId: `bench-${events}`,
            ip: "192.0.2.1",
            details: { via: "pdf", status: 204 },
          }),
        );
        events++;
      }
    }),
  );
  return { events, perSecond: events / ((performance.now() - started) / 1000) };
}

await dropSchema();
const data = await ensureBenchData(path.join(root, ".bench-cache"), n);
const dataDir = mkdtempSync(path.join(tmpdir(), "efacture-bench-audit-"));
const config = loadConfig({
  NODE_ENV: "test",
  DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl,
  DATABASE_SCHEMA: schema,
  EFACTURE_DEMO: "0",
  LOG_LEVEL: "silent",
});
const services = await openServices(config);
try {
  const tenants = [];
  for (let i = 1; i <= writers; i++)
    tenants.push(await createTenant(services.db, { slug: `bench-${i}`, displayName: `Bench ${i}` }));
  console.log(
    `publishing the bench data set (${n} invoices, ${(data.totalBytes / 1e6).toFixed(0)} MB) into bench-1…`,
  );
  await customersCommand(["import", "--tenant", "bench-1", data.customersCsv], quiet, services);
  const code = await invoicesCommand(["import", "--tenant", "bench-1", data.folder], quiet, services);
  if (code !== 0) throw new Error(`publication failed (exit ${code})`);

  console.log(`appending with ${writers} concurrent writers, ${seconds} s per scenario…`);
  const same = await appendScenario(services, [tenants[0]!.id]);
  const spread = await appendScenario(
    services,
    tenants.map((t) => t.id),
  );
  await sealAuditChains({ db: services.db, sealKey: services.sealKey(), logger: pino({ level: "silent" }) });

  console.log("verifying…");
  const report = await verifyAudit({
    db: services.db,
    blobs: services.blobs,
    trustedPublicKeys: [services.sealKey().publicKeyPem],
  });
  if (!report.ok)
    throw new Error(`verification failed: ${JSON.stringify(report.chains.filter((c) => c.problem))}`);
  const entries = report.chains.reduce((sum, c) => sum + c.entries, 0);
  const chainSeconds = report.seconds - report.blobs.seconds;
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  console.log(`
| measure | result |
|---|---|
| append, ${writers} writers, same tenant | ${Math.round(same.perSecond)} events/s (${same.events} in ${seconds} s) |
| append, ${writers} writers, ${writers} tenants | ${Math.round(spread.perSecond)} events/s (${spread.events} in ${seconds} s) |
| verify chains + seals | ${entries} entries in ${chainSeconds.toFixed(2)} s = ${Math.round(entries / chainSeconds)} entries/s |
| verify stored originals | ${report.blobs.checked} files, ${(report.blobs.bytes / 1e6).toFixed(0)} MB in ${report.blobs.seconds.toFixed(2)} s = ${(report.blobs.bytes / 1e6 / report.blobs.seconds).toFixed(0)} MB/s |

Machine: ${cpus().length} CPU (${cpus()[0]?.model ?? "?"}), load average ${load} at the end; PostgreSQL at ${new URL(databaseUrl).host}.`);
} finally {
  await services.close();
  await dropSchema();
  rmSync(dataDir, { recursive: true, force: true });
}
