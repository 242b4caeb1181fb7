// Publishing throughput through the CLI import path (`efacture invoices import`, called in-process), on
// PGlite and, when DATABASE_URL is set, on PostgreSQL; beside it the raw limit of this machine for the
// same work (read + SHA-256 + write with fsync and rename + INSERT in batches of 500), measured in the same run.
// With BENCH_VALIDATE=1, each engine publishes the same folder twice into a fresh database (issue #15): first
// with nothing consuming the validate-invoice jobs publication queues, then with the worker's validation job
// (as startWorker registers it: concurrency 2, the validator pool's threads at SCHED_IDLE, started and
// loaded — warm — before the publication, as a deployed worker's are) running in the same process meanwhile; the second table gives the ratio of the two throughputs (target ≥ 0.9) and how long the
// validation took to catch up once publication was done.
// BENCH_STORES=fs,s3 also publishes with the S3 store on s3rver (started on a free port, a Node process of its
// own on the same cores); its ceiling is s3rver's own: the same files read, hashed and PUT through the same SDK
// client, RAW_S3_IN_FLIGHT at a time, nothing else.
// Usage: npm run bench:publish
//   BENCH_N (10000 invoices), BENCH_STORES (fs; fs,s3 or s3), BENCH_CONCURRENCY (the CLI's default), BENCH_BATCH (the CLI's default),
//   BENCH_ENGINES (pglite,postgres), BENCH_VALIDATE (1: both runs per engine), BENCH_CATCHUP_SECONDS (with
//   BENCH_VALIDATE: stop watching the validation catch up after that long; default: until it has),
//   BENCH_WARM (0: the validator's threads start with the first job, inside the publication, as before),
//   BENCH_GATE (0: the checks do not wait behind the publication burst, as before session 9),
//   BENCH_VALIDATOR (none: the job does all but the rules, to tell their share from the job's),
//   DATABASE_URL (PostgreSQL), DATABASE_SCHEMA (bench_publish: created, then dropped)
import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { mkdir, open, readFile, rename } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import pg from "pg";
import { openServices, type Services } from "../src/app.js";
import { customersCommand } from "../src/cli/commands/customers.js";
import { invoicesCommand } from "../src/cli/commands/invoices.js";
import type { CliIo } from "../src/cli/io.js";
import { loadConfig } from "../src/config.js";
import { createTenant } from "../src/domain/tenants/create-tenant.js";
import {
  VALIDATE_INVOICE_CONCURRENCY,
  validateInvoiceHandler,
  validateInvoiceJob,
  validateInvoiceWorkerHandler,
} from "../src/jobs/validate-invoice.job.js";
import { type LocalS3, startS3rver } from "../test/support/s3rver.js";
import { ensureBenchData } from "./publish-data.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const n = Number(process.env.BENCH_N ?? 10_000);
const databaseUrl = process.env.DATABASE_URL;
const engines = (process.env.BENCH_ENGINES ?? (databaseUrl ? "pglite,postgres" : "pglite"))
  .split(",")
  .filter((e) => e === "pglite" || (e === "postgres" && databaseUrl)) as ("pglite" | "postgres")[];
const schemaName =
  process.env.DATABASE_SCHEMA && process.env.DATABASE_SCHEMA !== "public"
    ? process.env.DATABASE_SCHEMA
    : "bench_publish";
const stores = (process.env.BENCH_STORES ?? "fs").split(",").filter((s) => s === "fs" || s === "s3") as (
  | "fs"
  | "s3"
)[];
const validateToo = process.env.BENCH_VALIDATE === "1";
/** With BENCH_VALIDATE: how long to watch the validation catch up after publication (0: until it has). */
const catchUpLimitSeconds = Number(process.env.BENCH_CATCHUP_SECONDS ?? 0);
const RAW_BATCH = 500;
/** PUTs in flight for s3rver's ceiling (the import has up to 4 batches × 50 files × 2 blobs waiting). */
const RAW_S3_IN_FLIGHT = 16;
const RESULT = "RESULT ";
const VALIDATION = "VALIDATION ";
const VALIDATION_HEADER = `| engine | invoices/s, nothing validating | invoices/s, worker validating meanwhile | ratio (target ≥ 0.9) | validated while publishing | catch-up after publication | verdicts | CPU per invoice, publication alone → with validation | validator start before publication (warm) |
|---|---|---|---|---|---|---|---|---|`;
const HEADER = `| engine | blob store | invoices/s (CLI import) | raw ceiling/s (same run) | ratio | RSS before → peak while publishing | re-run, all already present/s | customers/s (CLI import) | CPU per invoice (all processes) |
|---|---|---|---|---|---|---|---|---|`;

function printTable(rows: string[], validationRows: string[]): void {
  console.log(`\n${HEADER}`);
  for (const row of rows) console.log(row);
  if (validationRows.length === 0) return;
  console.log(`\n${VALIDATION_HEADER}`);
  for (const row of validationRows) console.log(row);
}

const data = await ensureBenchData(path.join(root, ".bench-cache"), n);

// One process per engine, so each peak RSS is its own (PGlite's WebAssembly memory never shrinks).
const combos = engines.flatMap((engine) => stores.map((store) => ({ engine, store })));
if (combos.length > 1 && !process.env.BENCH_CHILD) {
  const rows: string[] = [];
  const validationRows: string[] = [];
  for (const { engine, store } of combos) {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
      env: { ...process.env, BENCH_ENGINES: engine, BENCH_STORES: store, BENCH_CHILD: "1" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let buffer = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith(RESULT)) rows.push(line.slice(RESULT.length));
        else if (line.startsWith(VALIDATION)) validationRows.push(line.slice(VALIDATION.length));
        else console.log(line);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    if (code !== 0) process.exit(code ?? 1);
  }
  printTable(rows, validationRows);
  process.exit(0);
}
const files = Array.from({ length: n }, (_, i) =>
  path.join(data.folder, `FA-${String(i).padStart(7, "0")}.pdf`),
);
if (!process.env.BENCH_CHILD)
  console.log(
    `${n} Factur-X invoices of ~${Math.round(data.totalBytes / n / 1024)} KB, ${data.customers} customers; concurrency ${process.env.BENCH_CONCURRENCY ?? "default"}, batch ${process.env.BENCH_BATCH ?? "default"}; ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at start\n`,
  );

/** Peak RSS while `work` runs (sampled every 50 ms). */
/** CPU seconds used so far by the local PostgreSQL server's processes (Linux /proc; 0 when not readable). */
function postgresCpuSeconds(): number {
  return processCpuSeconds((_pid, stat) => stat.includes("(postgres)"));
}

/** CPU seconds used so far by s3rver's process (0 without it). */
let s3rverPid: number | undefined;
function s3rverCpuSeconds(): number {
  return s3rverPid === undefined ? 0 : processCpuSeconds((pid) => pid === String(s3rverPid));
}

function processCpuSeconds(matches: (pid: string, stat: string) => boolean): number {
  let ticks = 0;
  try {
    for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        if (!matches(pid, stat)) continue;
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
      } catch {
        // The process ended meanwhile.
      }
    }
  } catch {
    return 0;
  }
  return ticks / 100;
}

/** CPU ms used so far by each thread of this process, with its name, nice value and policy (Linux /proc). */
function threadTimes(): Map<number, { name: string; nice: number; policy: number; ms: number }> {
  const threads = new Map<number, { name: string; nice: number; policy: number; ms: number }>();
  try {
    for (const tid of readdirSync("/proc/self/task")) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
        const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        threads.set(Number(tid), {
          name,
          nice: Number(fields[16]),
          policy: Number(fields[38]),
          ms: (Number(fields[11]) + Number(fields[12])) * 10,
        });
      } catch {
        // The thread ended meanwhile.
      }
    }
  } catch {
    // Not Linux.
  }
  return threads;
}

/**
 * CPU seconds of this process's threads between two `threadTimes()`, grouped as the kernel schedules them:
 * the main thread, the validator's threads (nice 19 / SCHED_IDLE), and the others by name (V8's platform
 * threads — its GC helpers, shared by every isolate of the process —, libuv's pool…) with their priority.
 */
function threadGroups(
  before: ReturnType<typeof threadTimes>,
  after: ReturnType<typeof threadTimes>,
): Record<string, number> {
  const groups: Record<string, number> = {};
  for (const [tid, t] of after) {
    const used = (t.ms - (before.get(tid)?.ms ?? 0)) / 1000;
    if (used <= 0) continue;
    const key =
      tid === process.pid
        ? "main thread"
        : `${t.name} (nice ${t.nice}${t.policy === 5 ? ", SCHED_IDLE" : t.policy === 0 ? "" : `, policy ${t.policy}`})`;
    groups[key] = (groups[key] ?? 0) + used;
  }
  return groups;
}
const groupsText = (groups: Record<string, number>) =>
  Object.entries(groups)
    .sort((a, b) => b[1] - a[1])
    .map(([key, s]) => `${key} ${s.toFixed(2)} s`)
    .join(", ");

/** Wall time, peak RSS (sampled every 50 ms) and CPU time (this process, PostgreSQL) while `work` runs. */
async function measured<T>(work: () => Promise<T>): Promise<{
  value: T;
  seconds: number;
  peakRssMb: number;
  startRssMb: number;
  cpuSeconds: number;
  postgresCpuSeconds: number;
  s3rverCpuSeconds: number;
  threads: Record<string, number>;
}> {
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  const cpu = process.cpuUsage();
  const postgres = postgresCpuSeconds();
  const s3rver = s3rverCpuSeconds();
  const threadsBefore = threadTimes();
  const started = performance.now();
  try {
    const value = await work();
    const used = process.cpuUsage(cpu);
    return {
      value,
      seconds: (performance.now() - started) / 1000,
      peakRssMb: Math.round(peak / 2 ** 20),
      startRssMb: Math.round(start / 2 ** 20),
      cpuSeconds: (used.user + used.system) / 1e6,
      postgresCpuSeconds: postgresCpuSeconds() - postgres,
      s3rverCpuSeconds: s3rverCpuSeconds() - s3rver,
      threads: threadGroups(threadsBefore, threadTimes()),
    };
  } finally {
    clearInterval(timer);
  }
}

function quietIo(lines: string[]): CliIo {
  return {
    out: (text) => lines.push(text),
    err: (text) => {
      if (text.startsWith("progress:")) process.stderr.write(`  ${text}\n`);
    },
    cwd: root,
    isTTY: false,
  };
}

/** The same work without the application: read, hash, write durably, insert rows 500 at a time. */
async function rawCeiling(dir: string, insert: (rows: unknown[][]) => Promise<void>): Promise<number> {
  const tempDir = path.join(dir, "tmp");
  await mkdir(tempDir, { recursive: true });
  const made = new Set<string>();
  let rows: unknown[][] = [];
  const started = performance.now();
  for (const file of files) {
    const bytes = await readFile(file);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const shard = path.join(dir, sha256.slice(0, 2), sha256.slice(2, 4));
    if (!made.has(shard)) {
      await mkdir(shard, { recursive: true });
      made.add(shard);
    }
    const temp = path.join(tempDir, `${sha256}.tmp`);
    const handle = await open(temp, "wx");
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    await rename(temp, path.join(shard, sha256));
    const dirHandle = await open(shard, "r");
    await dirHandle.sync();
    await dirHandle.close();
    rows.push([randomUUID(), path.basename(file), sha256, bytes.byteLength]);
    if (rows.length === RAW_BATCH) {
      await insert(rows);
      rows = [];
    }
  }
  if (rows.length > 0) await insert(rows);
  return (performance.now() - started) / 1000;
}

function insertSql(count: number): string {
  const values = Array.from(
    { length: count },
    (_, i) =>
      `($${i * 4 + 1}::uuid, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4}::bigint, now(), '{}'::jsonb)`,
  );
  return `insert into bench_raw (id, invoice_number, sha256, size_bytes, published_at, facts) values ${values.join(",")}`;
}
/** s3rver's process: the one whose command line names its directory (test/support/s3rver.ts starts it). */
function s3rverProcess(s3: LocalS3): number | undefined {
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(s3.directory)) return Number(pid);
    } catch {
      // The process ended meanwhile.
    }
  }
  return undefined;
}

/** s3rver's own limit for these files: read, SHA-256 + MD5 (the store's key and Content-MD5), PUT; nothing else. */
async function rawS3Ceiling(s3: LocalS3): Promise<{ seconds: number; s3rverCpuSeconds: number }> {
  const settings = s3.settings("raw-ceiling");
  const client = new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: true,
    credentials: settings.credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const s3rverBefore = s3rverCpuSeconds();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: RAW_S3_IN_FLIGHT }, async () => {
      while (next < files.length) {
        const bytes = await readFile(files[next++]!);
        const sha256 = createHash("sha256").update(bytes).digest("hex");
        const md5 = createHash("md5").update(bytes).digest("base64");
        await client.send(
          new PutObjectCommand({
            Bucket: settings.bucket,
            Key: `${settings.prefix}/${sha256.slice(0, 2)}/${sha256}`,
            Body: bytes,
            ContentLength: bytes.byteLength,
            ContentMD5: md5,
            ContentType: "application/octet-stream",
          }),
        );
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  client.destroy();
  return { seconds, s3rverCpuSeconds: s3rverCpuSeconds() - s3rverBefore };
}

const RAW_TABLE = `create table if not exists bench_raw (id uuid primary key, invoice_number text not null unique,
  sha256 text not null, size_bytes bigint not null, published_at timestamptz not null, facts jsonb not null)`;

type Verdicts = Record<string, number>;
interface Run {
  rate: number;
  cpuPerInvoiceMs: number;
  /** The table's row (the run without validation: re-run and raw ceiling measured there). */
  row?: string;
  validation?: {
    duringPublication: number;
    catchUpSeconds: number;
    verdicts: Verdicts;
    warmUp?: { cpuSeconds: number; seconds: number; rssMb: number };
  };
}

async function verdicts(s: Services): Promise<Verdicts> {
  const rows = await s.db.query<{ status: string | null; n: number }>(
    "select validation_status as status, count(*)::int as n from invoices group by 1",
  );
  return Object.fromEntries(rows.map((r) => [r.status ?? "null", r.n]));
}
const checked = (v: Verdicts) => (v.passed ?? 0) + (v.warnings ?? 0) + (v.failed ?? 0);

/** One engine, a fresh database: customers, then the folder; `validating` runs the validation job meanwhile. */
async function run(engine: "pglite" | "postgres", store: "fs" | "s3", validating: boolean): Promise<Run> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "efacture-bench-publish-"));
  const s3 = store === "s3" ? await startS3rver(["efacture"]) : undefined;
  s3rverPid = s3 ? s3rverProcess(s3) : undefined;
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...s3?.env("blobs"),
    DATA_DIR: dataDir,
    LOG_LEVEL: "error",
    EFACTURE_DEMO: "0",
    DATABASE_URL: engine === "postgres" ? databaseUrl : undefined,
    DATABASE_SCHEMA: engine === "postgres" ? schemaName : undefined,
  };
  const config = loadConfig(env);
  const dropSchema = async () => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`drop schema if exists ${schemaName} cascade`);
    await client.query(`drop schema if exists ${schemaName}_boss cascade`);
    await client.end();
  };
  const label = `${engine}, ${store === "s3" ? "S3 store on s3rver" : "filesystem store"}${validating ? " (worker validating meanwhile)" : ""}`;
  if (engine === "postgres") await dropSchema();
  let services: Services | undefined;
  try {
    services = await openServices(config, engine === "postgres" ? { schema: schemaName } : {});
    const s = services;
    await createTenant(s.db, { slug: "bench", displayName: "Bench Location" });
    const lines: string[] = [];
    console.log(`${label}: importing ${data.customers} customers…`);
    const customers = await measured(() =>
      customersCommand(["import", "--tenant", "bench", data.customersCsv], quietIo(lines), s),
    );
    console.log(`  ${lines.at(-1)}`);
    let warmUp: { cpuSeconds: number; seconds: number; rssMb: number } | undefined;
    if (validating && process.env.BENCH_WARM !== "0") {
      // As a deployed worker (startValidateInvoiceJob with PostgreSQL): the validator's threads start and load
      // their stylesheets when the worker starts, before any publication; the bench waits until they have,
      // on both engines, so the publication measures a running worker and not its start.
      console.log(`${label}: starting the validator's threads (warm)…`);
      const started = await measured(() => s.validator.warm!());
      if (started.value.failed.length > 0) throw new Error(`warm-up failed: ${started.value.failed}`);
      warmUp = {
        cpuSeconds: started.cpuSeconds,
        seconds: started.seconds,
        rssMb: started.peakRssMb - started.startRssMb,
      };
      console.log(
        `  ${started.value.threads} threads warm in ${started.seconds.toFixed(1)} s: ${started.cpuSeconds.toFixed(1)} s of CPU, RSS ${started.startRssMb} → ${started.peakRssMb} MB (${Math.round(warmUp.rssMb / started.value.threads)} MB per thread)`,
      );
    }
    // BENCH_VALIDATOR=none: the job runs all but the rules (a report "passed" at once), to tell the main
    // thread's and the queue's share of a validation from the rules' threads'.
    const handlerDeps =
      process.env.BENCH_VALIDATOR === "none"
        ? {
            ...s,
            validator: {
              validate: async () => ({
                profile: "EN16931",
                rulesVersion: "none",
                status: "passed" as const,
                findings: [],
              }),
              close: async () => {},
            },
          }
        : s;
    // As startValidateInvoiceJob registers it: the check waits while publication queues a burst of checks.
    // BENCH_GATE=0: the handler without that wait (as before), to measure what the wait saves.
    if (validating)
      await s.queue.work(
        validateInvoiceJob,
        process.env.BENCH_GATE === "0"
          ? validateInvoiceHandler(handlerDeps)
          : validateInvoiceWorkerHandler(handlerDeps),
        {
          concurrency: VALIDATE_INVOICE_CONCURRENCY,
          drain: process.env.BENCH_GATE !== "0",
        },
      );
    console.log(`${label}: publishing ${n} invoices…`);
    const extra = [
      ...(process.env.BENCH_CONCURRENCY ? ["--concurrency", process.env.BENCH_CONCURRENCY] : []),
      ...(process.env.BENCH_BATCH ? ["--batch-size", process.env.BENCH_BATCH] : []),
    ];
    const publish = await measured(() =>
      invoicesCommand(["import", "--tenant", "bench", ...extra, data.folder], quietIo(lines), s),
    );
    for (const line of lines.slice(-2)) console.log(`  ${line}`);
    const [row] = await s.db.query<{ n: number }>("select count(*)::int as n from invoices");
    if (publish.value !== 0 || row!.n !== n)
      throw new Error(`publication incomplete: exit ${publish.value}, ${row!.n} invoices`);
    const rate = n / publish.seconds;
    const cpuMs = (publish.cpuSeconds * 1000) / n;
    const postgresMs = (publish.postgresCpuSeconds * 1000) / n;
    const s3rverMs = (publish.s3rverCpuSeconds * 1000) / n;
    console.log(
      `  ${Math.round(rate)} invoices/s; CPU per invoice: ${cpuMs.toFixed(2)} ms in this process (validator threads included), ${postgresMs.toFixed(2)} ms in PostgreSQL processes${engine === "pglite" ? " (none: PGlite runs in this process)" : ""}${s3 ? `, ${s3rverMs.toFixed(2)} ms in s3rver` : ""}; load average ${loadavg()[0]!.toFixed(1)}`,
    );
    console.log(`  CPU by thread: ${groupsText(publish.threads)}`);

    if (validating) {
      const during = checked(await verdicts(s));
      console.log(`${label}: ${during} of ${n} validated while publishing; waiting for the rest…`);
      const started = performance.now();
      let last = during;
      let lastChange = started;
      for (;;) {
        const done = checked(await verdicts(s));
        if (done >= n) break;
        if (done !== last) [last, lastChange] = [done, performance.now()];
        if (catchUpLimitSeconds > 0 && performance.now() - started > catchUpLimitSeconds * 1000) break;
        // A validation takes well under a second: five minutes without one means the job is stuck.
        if (performance.now() - lastChange > 300_000) throw new Error(`validation stuck at ${done} of ${n}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const catchUpSeconds = (performance.now() - started) / 1000;
      const final = await verdicts(s);
      const after = checked(final) - during;
      console.log(
        `  ${checked(final) >= n ? "caught up" : `stopped waiting (BENCH_CATCHUP_SECONDS) with ${checked(final)} of ${n} validated`} ${catchUpSeconds.toFixed(1)} s after publication (${(after / catchUpSeconds).toFixed(1)} invoices/s); verdicts ${JSON.stringify(final)}; load average ${loadavg()[0]!.toFixed(1)}`,
      );
      return {
        rate,
        cpuPerInvoiceMs: cpuMs + postgresMs + s3rverMs,
        validation: { duringPublication: during, catchUpSeconds, verdicts: final, warmUp },
      };
    }

    console.log(`${label}: the same folder again (every invoice already present)…`);
    const again = await measured(() =>
      invoicesCommand(["import", "--tenant", "bench", ...extra, data.folder], quietIo(lines), s),
    );
    console.log(`  ${lines.at(-1)}`);
    if (again.value !== 0) throw new Error(`re-run failed: exit ${again.value}`);

    let rawSeconds: number;
    if (s3) {
      console.log(`${label}: raw ceiling (read + SHA-256 + MD5 + PUT, ${RAW_S3_IN_FLIGHT} in flight)…`);
      const raw = await rawS3Ceiling(s3);
      rawSeconds = raw.seconds;
      console.log(
        `  ${Math.round(n / raw.seconds)} PUTs/s, s3rver ${((raw.s3rverCpuSeconds * 1000) / n).toFixed(2)} ms of CPU per PUT`,
      );
    } else if (engine === "postgres") {
      console.log(`${label}: raw ceiling (read + SHA-256 + write, fsync, rename + INSERT × ${RAW_BATCH})…`);
      const rawDir = path.join(dataDir, "raw");
      mkdirSync(rawDir);
      const client = new pg.Client({
        connectionString: databaseUrl,
        options: `-c search_path=${schemaName}`,
      });
      await client.connect();
      await client.query(RAW_TABLE);
      rawSeconds = await rawCeiling(rawDir, async (rows) => {
        await client.query(insertSql(rows.length), rows.flat());
      });
      await client.end();
    } else {
      console.log(`${label}: raw ceiling (read + SHA-256 + write, fsync, rename + INSERT × ${RAW_BATCH})…`);
      const rawDir = path.join(dataDir, "raw");
      mkdirSync(rawDir);
      await s.db.exec(RAW_TABLE);
      rawSeconds = await rawCeiling(rawDir, async (rows) => {
        await s.db.query(insertSql(rows.length), rows.flat());
      });
    }
    const raw = n / rawSeconds;
    return {
      rate,
      cpuPerInvoiceMs: cpuMs + postgresMs + s3rverMs,
      row: `| ${engine === "postgres" ? "PostgreSQL" : "PGlite"} | ${s3 ? "S3 (s3rver)" : "filesystem"} | ${Math.round(rate)} | ${Math.round(raw)} | ${(rate / raw).toFixed(2)} | ${publish.startRssMb} → ${publish.peakRssMb} MB | ${Math.round(n / again.seconds)} | ${Math.round(data.customers / customers.seconds)} | ${(cpuMs + postgresMs + s3rverMs).toFixed(2)} ms${s3 ? ` (s3rver ${s3rverMs.toFixed(2)})` : ""} |`,
    };
  } finally {
    await services?.close();
    if (engine === "postgres") await dropSchema();
    rmSync(dataDir, { recursive: true, force: true });
    await s3?.dispose();
  }
}

const results: string[] = [];
const validationResults: string[] = [];
for (const engine of engines)
  for (const store of stores) {
    const alone = await run(engine, store, false);
    results.push(alone.row!);
    if (!validateToo) continue;
    const validating = await run(engine, store, true);
    const v = validating.validation!;
    const verdictText = Object.entries(v.verdicts)
      .map(([status, count]) => `${count} ${status}`)
      .join(", ");
    validationResults.push(
      `| ${engine === "postgres" ? "PostgreSQL" : "PGlite"} | ${Math.round(alone.rate)} | ${Math.round(validating.rate)} | ${(validating.rate / alone.rate).toFixed(2)} ${validating.rate / alone.rate >= 0.9 ? "met" : "NOT met"} | ${v.duringPublication} of ${n} | ${checked(v.verdicts) >= n ? `all in ${v.catchUpSeconds.toFixed(0)} s` : `${checked(v.verdicts) - v.duringPublication} more in ${v.catchUpSeconds.toFixed(0)} s (${((checked(v.verdicts) - v.duringPublication) / v.catchUpSeconds).toFixed(1)}/s)`} | ${verdictText} | ${alone.cpuPerInvoiceMs.toFixed(2)} → ${validating.cpuPerInvoiceMs.toFixed(2)} ms | ${v.warmUp ? `${v.warmUp.seconds.toFixed(1)} s, ${v.warmUp.cpuSeconds.toFixed(1)} s CPU, +${v.warmUp.rssMb} MB RSS` : "none (BENCH_WARM=0: threads start inside the publication)"} |`,
    );
  }

if (process.env.BENCH_CHILD) {
  for (const row of results) console.log(`${RESULT}${row}`);
  for (const row of validationResults) console.log(`${VALIDATION}${row}`);
} else printTable(results, validationResults);
