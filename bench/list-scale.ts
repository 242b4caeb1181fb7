// Issue 17's list goal: the list page's pages/s at p99 < 50 ms under an OFFERED load, with
// `efacture web --processes 2` against one process (goal ≥ 1.6×), both started as a user starts them (child
// processes of `bin/efacture.js web`), on PostgreSQL.
//
// The load is open-loop: requests start on a fixed schedule (one every 1/rate s) whatever the answers, and each
// latency counts from its scheduled start, so a slow answer is not hidden by the requests it delayed (wrk and
// autocannon are closed-loop; autocannon's `overallRate` sends each connection's quota per second in a burst).
// The generator is ours, in a forked process, on raw keep-alive sockets with the requests' bytes written once
// (no HTTP client objects per request): on this 2-core machine its CPU is taken from the servers', so it is
// measured and printed (ms per page) with the servers' and their PostgreSQL backends'. Each request goes to the
// free socket idle the longest (many users' connections), so the cluster's two processes share the steps. Per
// step it also prints its own event-loop delay, how many requests waited for a free socket, and the p99 from
// writing a request to its answer's end (what the server and the network took).
//
// Search: for each server, rates go up by ×1.25 until a step fails (p99 ≥ 50 ms, an error, or fewer answers
// than offered), then by ×1.06 from the last passing rate; the best passing rate is kept. Rounds alternate the
// two servers (1, 2, 1, 2, …), both running all along; each later round starts below the previous best; a
// 3 s step at half the first rate before each search warms the server after its idle turn. A failed step during
// which the generator itself stalled ≥ 50 ms is run once more (the machine stopped, not the server). The machine's
// own ceiling for the ratio is measured first: CPU-bound JavaScript in two processes at once against one.
//
// Usage: DATABASE_URL=postgres://… npm run bench:list -- [--accounts 8] [--invoices 200] [--rounds 2]
//   BENCH_SECONDS (6 per step), BENCH_CONNECTIONS (32 sockets), BENCH_START (rate of the first step, 100),
//   BENCH_WARMUP (seconds at that rate on each server before the first round, 8),
//   BENCH_EFACTURE_ROOT (run the servers of another checkout, e.g. main's, to measure a change against it),
//   BENCH_NODE_ARGS (node options of the servers, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"),
//   BENCH_DIAG=1 (per step and server process: event-loop delay, GC, slowest request, CPU, PostgreSQL connections
//   opened and statements, from bench/list-diag-preload.mjs loaded into the servers).
//   The schema bench_list (and bench_list_boss) is dropped first and at the end.
import { type ChildProcess, fork, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import net from "node:net";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";

const HOST = "bench.e-facture.example";

// ---------------------------------------------------------------------------------------------------------
// The load generator (this file run with --generator, forked, IPC)
// ---------------------------------------------------------------------------------------------------------

interface StepRequest {
  type: "step";
  port: number;
  rate: number;
  seconds: number;
  connections: number;
  /** The raw request of each session (cycled request by request). */
  requests: string[];
}

interface StepResult {
  type: "result";
  offered: number;
  answered: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  non200: number;
  /** CPU of the generator process during the step, ms. */
  generatorCpuMs: number;
  bytesPerPage: number;
  /** p99 of the time from writing a request to its answer's end (the latency minus the wait for a free socket). */
  serviceP99: number;
  /** Requests that waited ≥ 10 ms after their scheduled start for a free socket (all 32 busy). */
  waited: number;
  /** The generator's own event-loop delay during the step, ms (max, p99). */
  lagMax: number;
  lagP99: number;
}

/** One keep-alive socket: at most one request in flight; parses only the status and Content-Length. */
class Lane {
  socket!: net.Socket;
  busy = false;
  private due = 0;
  private sent = 0;
  private head: Buffer = Buffer.alloc(0);
  private remaining = -1;
  private status = 0;
  constructor(
    private readonly port: number,
    private readonly done: (lane: Lane, due: number, sent: number, status: number, bytes: number) => void,
    private readonly failed: (lane: Lane, due: number) => void,
  ) {
    this.connect();
  }
  private bodyBytes = 0;
  private connect() {
    this.socket = net.connect({ host: "127.0.0.1", port: this.port, noDelay: true });
    this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
    this.socket.on("error", () => {});
    this.socket.on("close", () => {
      if (this.busy) {
        this.busy = false;
        this.failed(this, this.due);
      }
      this.head = Buffer.alloc(0);
      this.remaining = -1;
      if (!closing) this.connect();
    });
  }
  send(request: Buffer, due: number) {
    this.busy = true;
    this.due = due;
    this.sent = performance.now();
    this.socket.write(request);
  }
  private onData(chunk: Buffer) {
    if (this.remaining < 0) {
      this.head = this.head.length ? Buffer.concat([this.head, chunk]) : chunk;
      const end = this.head.indexOf("\r\n\r\n");
      if (end < 0) return;
      const text = this.head.subarray(0, end).toString("latin1");
      this.status = Number(text.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
      if (!length) throw new Error(`no Content-Length in the answer:\n${text}`);
      this.bodyBytes = Number(length[1]);
      this.remaining = this.bodyBytes - (this.head.length - end - 4);
      this.head = Buffer.alloc(0);
    } else {
      this.remaining -= chunk.length;
    }
    if (this.remaining <= 0) {
      this.remaining = -1;
      this.busy = false;
      this.done(this, this.due, this.sent, this.status, this.bodyBytes);
    }
  }
}

let closing = false;

async function runStep(step: StepRequest): Promise<StepResult> {
  closing = false;
  const requests = step.requests.map((r) => Buffer.from(r, "latin1"));
  const latencies: number[] = [];
  const services: number[] = [];
  let waited = 0;
  let errors = 0;
  let non200 = 0;
  let bytes = 0;
  const queue: { due: number; k: number }[] = [];
  let queueHead = 0;
  // Free sockets, the longest idle first: each request goes to the socket that has waited longest, as the
  // requests of many independent users are spread over their connections. (Taking the last freed socket, as
  // this bench did until session 10, put nearly every request of a step on one or two sockets, hence on ONE of
  // the two web processes: measured 252 against 2 requests in a 5 s step, then the other way round after the
  // next step's new connections; the idle process went cold meanwhile.)
  const idle: Lane[] = [];
  const dispatch = () => {
    while (queueHead < queue.length && idle.length > 0) {
      const { due, k } = queue[queueHead++]!;
      idle.shift()!.send(requests[k % requests.length]!, due);
    }
  };
  let answered = 0;
  let finish: () => void = () => {};
  const allDone = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let total = Number.POSITIVE_INFINITY;
  const settle = (lane: Lane) => {
    answered++;
    idle.push(lane);
    dispatch();
    if (answered >= total) finish();
  };
  // While the sockets open, each one's first answer only says that a web process took it.
  let opening: (() => void) | undefined;
  const opened = () => {
    const next = opening;
    opening = undefined;
    next?.();
    return next !== undefined;
  };
  const onDone = (lane: Lane, due: number, sent: number, status: number, size: number) => {
    if (opened()) return;
    const now = performance.now();
    latencies.push(now - due);
    services.push(now - sent);
    if (sent - due >= 10) waited++;
    if (status !== 200) non200++;
    bytes += size;
    settle(lane);
  };
  const onFail = (lane: Lane, due: number) => {
    if (opened()) return;
    latencies.push(performance.now() - due);
    errors++;
    settle(lane);
  };
  // The sockets open one after another, each answered once before the next connects, as users arrive: the
  // cluster's primary then hands them to the two web processes in turn. Opened all at once, its round-robin gave
  // them to whichever process acknowledged first, and a step's requests split from 19/81 to 62/38 % between the
  // processes (BENCH_DIAG=1, session 10): the busier one failed first.
  const lanes: Lane[] = [];
  for (let i = 0; i < step.connections; i++) {
    const lane = new Lane(step.port, onDone, onFail);
    lanes.push(lane);
    await new Promise((resolve) => lane.socket.once("connect", resolve));
    await new Promise<void>((resolve) => {
      opening = resolve;
      lane.send(requests[i % requests.length]!, performance.now());
    });
  }
  idle.push(...lanes);
  const cpu = process.cpuUsage();
  const lag = monitorEventLoopDelay({ resolution: 2 });
  lag.enable();
  const interval = 1000 / step.rate;
  total = Math.floor(step.seconds * step.rate);
  const started = performance.now();
  for (let k = 0; k < total; ) {
    const now = performance.now();
    while (k < total && started + k * interval <= now) {
      queue.push({ due: started + k * interval, k });
      k++;
    }
    dispatch();
    if (k >= total) break;
    const wait = started + k * interval - performance.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait - 0.5)));
  }
  await allDone;
  const duration = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  lag.disable();
  closing = true;
  for (const lane of lanes) lane.socket.destroy();
  latencies.sort((a, b) => a - b);
  services.sort((a, b) => a - b);
  const at = (q: number, of = latencies) => of[Math.min(of.length - 1, Math.floor(q * of.length))] ?? 0;
  return {
    type: "result",
    offered: step.rate,
    answered: latencies.length,
    rps: latencies.length / duration,
    p50: at(0.5),
    p99: at(0.99),
    max: latencies.at(-1) ?? 0,
    errors,
    non200,
    generatorCpuMs: (used.user + used.system) / 1000,
    bytesPerPage: bytes / Math.max(1, latencies.length),
    serviceP99: at(0.99, services),
    waited,
    lagMax: lag.max / 1e6,
    lagP99: lag.percentile(99) / 1e6,
  };
}

if (process.argv.includes("--generator")) {
  process.on("message", (message: StepRequest | { type: "exit" }) => {
    if (message.type === "exit") process.exit(0);
    runStep(message).then(
      (result) => process.send!(result),
      (error: Error) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
  process.send!({ type: "ready" });
} else {
  await main();
}

// ---------------------------------------------------------------------------------------------------------
// The bench
// ---------------------------------------------------------------------------------------------------------

async function main() {
  const { openServices } = await import("../src/app.js");
  const { loadConfig } = await import("../src/config.js");
  const { publishInvoices } = await import("../src/domain/invoices/publish-invoice.js");
  const { createTenant } = await import("../src/domain/tenants/create-tenant.js");
  const { buildFacturX } = await import("../src/einvoice/index.js");
  const { ROOT } = await import("../test/support/cli.js");
  const { facturx, logIn, makeCustomer } = await import("../test/support/factories.js");
  const { freePort } = await import("../test/support/free-port.js");

  const argv = process.argv.slice(2);
  const option = (name: string) => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const accountCount = Number(option("--accounts") ?? 8);
  const invoicesPerAccount = Number(option("--invoices") ?? 200);
  const rounds = Number(option("--rounds") ?? 2);
  const seconds = Number(process.env.BENCH_SECONDS ?? 6);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
  const firstRate = Number(process.env.BENCH_START ?? 100);
  const warmup = Number(process.env.BENCH_WARMUP ?? 8);
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error("DATABASE_URL is required, e.g. postgres://postgres@127.0.0.1:5432/test");
    process.exit(2);
  }
  // Another checkout's servers (e.g. the main branch, to measure a change against it); this one's by default.
  const root = process.env.BENCH_EFACTURE_ROOT ?? ROOT;
  // Node options for the servers, e.g. `--cpu-prof --cpu-prof-dir=DIR` (profiles written when they stop).
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  // BENCH_DIAG=1: each server process reports every second (bench/list-diag-preload.mjs) and each step prints,
  // per process, its event-loop delay, garbage collections, slowest request and CPU.
  const diagDir = process.env.BENCH_DIAG
    ? mkdtempSync(path.join(tmpdir(), "efacture-bench-diag-"))
    : undefined;
  if (diagDir)
    nodeArgs.push(
      "--import",
      pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), "list-diag-preload.mjs")).href,
    );
  const schema = "bench_list";
  const log = (text: string) => console.log(text);
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
  const benchStarted = Date.now();

  const dataDir = mkdtempSync(path.join(tmpdir(), "efacture-bench-list-"));
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`drop schema if exists ${schema} cascade`);
  await admin.query(`drop schema if exists ${schema}_boss cascade`);
  const env: Record<string, string> = {
    NODE_ENV: "development",
    EFACTURE_DEMO: "0",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema,
    PUBLIC_BASE_URL: "https://e-facture.example",
    SESSION_SECRET: "bench-list-session-secret-0123456789abcdef",
  };
  const stops: (() => Promise<void>)[] = [];
  let generator: ChildProcess | undefined;
  try {
    // The data: one tenant, `accountCount` customers, each with its account, one customer number and
    // `invoicesPerAccount` invoices over two years (monthly rents of several contracts), published through the
    // real code; one session per account (each has its own list summary in the servers' memory).
    const services = await openServices(loadConfig(env), { schema });
    const tenant = await createTenant(services.db, { slug: "bench", displayName: "Bench Location" });
    const sessions: string[] = [];
    const contracts = 9;
    for (let a = 0; a < accountCount; a++) {
      const customer = `C${String(100_000 + a).padStart(7, "0")}`;
      const email = `client.${a}@bench.example.com`;
      await makeCustomer(services, tenant, customer, { email });
      const [account] = await services.db.query<{ id: string }>(
        "select id from accounts where tenant_id = $1 and email = $2",
        [tenant.id, email],
      );
      const items = [];
      for (let i = 0; i < invoicesPerAccount; i++) {
        const month = Math.floor(i / contracts) % 24;
        const day = `${2025 + Math.floor(month / 12)}-${String(1 + (month % 12)).padStart(2, "0")}`;
        const input = facturx(`FA-${a}-${String(i).padStart(5, "0")}`, customer, {
          issueDate: `${day}-05`,
          dueDate: `${day}-20`,
          contractNumber: `LOA-${a}-${i % contracts}`,
          typeCode: i % 23 === 22 ? "381" : "380",
        });
        items.push({ bytes: await buildFacturX(input) });
      }
      const outcomes = await publishInvoices(
        {
          db: services.db,
          blobs: services.blobs,
          queue: services.queue,
          maxPdfBytes: services.config.maxPdfBytes,
        },
        { tenant, actor: { type: "issuer", id: "bench" }, items },
      );
      const refused = outcomes.find((o) => !o.ok);
      if (refused && !refused.ok) throw refused.error;
      // Some of them downloaded already (the list shows which are new).
      await services.db.query(
        `update invoices set first_downloaded_at = now() - interval '3 days'
          where tenant_id = $1 and account_id = $2 and issue_date < '2026-06-01'`,
        [tenant.id, account!.id],
      );
      sessions.push(await logIn(services.db, tenant, account!.id));
    }
    await services.db.query("vacuum analyze invoices");
    await services.close();
    const requests = sessions.map(
      (s) =>
        `GET /factures HTTP/1.1\r\nHost: ${HOST}\r\nCookie: efacture-session=${s}\r\n` +
        "Accept: text/html\r\nAccept-Language: fr-FR,fr;q=0.9\r\nConnection: keep-alive\r\n\r\n",
    );
    log(
      `data: ${accountCount} accounts × ${invoicesPerAccount} invoices (one customer number each), one session each; ` +
        `set up in ${Math.round((Date.now() - benchStarted) / 1000)} s`,
    );

    // The generator, in its own process.
    const child = fork(fileURLToPath(import.meta.url), ["--generator"], {
      execArgv: process.execArgv,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    generator = child;
    await new Promise((resolve) => child.once("message", resolve));
    child.once("exit", (code) => {
      if (code) {
        console.error(`the load generator exited with ${code}`);
        process.exit(1);
      }
    });
    const step = (port: number, rate: number, secs = seconds) =>
      new Promise<StepResult>((resolve) => {
        child.once("message", (m: StepResult) => resolve(m));
        child.send({ type: "step", port, rate, seconds: secs, connections, requests } satisfies StepRequest);
      });

    // `efacture web [--processes N]` as a user runs it.
    const startWeb = async (processes: number) => {
      const port = await freePort();
      const args = processes > 1 ? ["web", "--processes", String(processes)] : ["web"];
      const web: ChildProcess = spawn(
        process.execPath,
        [...nodeArgs, path.join(root, "bin", "efacture.js"), ...args],
        {
          cwd: root,
          env: {
            ...process.env,
            ...env,
            PORT: String(port),
            ...(diagDir ? { BENCH_DIAG_DIR: diagDir } : {}),
          },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let output = "";
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`web did not start:\n${output}`)), 240_000);
        const onData = (d: Buffer) => {
          output += d;
          if ((output.match(/listening on/g)?.length ?? 0) >= processes) {
            clearTimeout(timer);
            resolve();
          }
        };
        web.stdout!.on("data", onData);
        web.stderr!.on("data", onData);
        web.once("exit", (code) => reject(new Error(`web exited with ${code}:\n${output}`)));
      });
      const stop = () =>
        new Promise<void>((resolve) => {
          if (web.exitCode !== null) return resolve();
          web.once("exit", () => resolve());
          web.kill("SIGTERM");
        });
      stops.push(stop);
      return { processes, port, pid: web.pid!, stop };
    };
    type Web = Awaited<ReturnType<typeof startWeb>>;

    // CPU: the web command's processes (the primary and its children) and their PostgreSQL backends (found by
    // the local ports of their sockets to PostgreSQL: the same PostgreSQL serves other people's work).
    const processTree = (root: number): number[] => {
      const pids = [root];
      for (const entry of readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
          const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
          if (ppid === root) pids.push(Number(entry));
        } catch {}
      }
      return pids;
    };
    const cpuSeconds = (pids: number[]) => {
      const used = new Map<number, number>();
      for (const pid of pids) {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
          const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
          used.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
        } catch {}
      }
      return used;
    };
    const pgPort = Number(new URL(databaseUrl).port || 5432);
    const backendsOf = async (pids: number[]): Promise<number[]> => {
      const inodes = new Set<string>();
      for (const pid of pids) {
        try {
          for (const fd of readdirSync(`/proc/${pid}/fd`)) {
            try {
              const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
              if (link.startsWith("socket:[")) inodes.add(link.slice(8, -1));
            } catch {}
          }
        } catch {}
      }
      const ports: number[] = [];
      for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
        let text = "";
        try {
          text = readFileSync(table, "utf8");
        } catch {
          continue;
        }
        for (const line of text.split("\n").slice(1)) {
          const f = line.trim().split(/\s+/);
          if (f.length < 10) continue;
          const remotePort = Number.parseInt(f[2]!.split(":")[1]!, 16);
          if (remotePort === pgPort && inodes.has(f[9]!))
            ports.push(Number.parseInt(f[1]!.split(":")[1]!, 16));
        }
      }
      if (ports.length === 0) return [];
      const { rows } = await admin.query<{ pid: number }>(
        "select pid from pg_stat_activity where client_port = any($1::int[])",
        [ports],
      );
      return rows.map((r) => r.pid);
    };
    /** CPU seconds the whole machine has used (all cores; /proc/stat is in clock ticks of 1/100 s). */
    const machineCpuSeconds = () => {
      const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
      // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
      return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / 100;
    };
    /** Time the processes' threads spent waiting for a core (runnable, not running), s: /proc/<pid>/task/<tid>/schedstat. */
    const runQueueSeconds = (pids: number[]) => {
      const waited = new Map<number, number>();
      for (const pid of pids) {
        let total = 0;
        try {
          for (const tid of readdirSync(`/proc/${pid}/task`)) {
            try {
              total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[1]) / 1e9;
            } catch {}
          }
        } catch {}
        waited.set(pid, total);
      }
      return waited;
    };
    const delta = (before: Map<number, number>, after: Map<number, number>) => {
      let total = 0;
      for (const [pid, value] of after) total += value - (before.get(pid) ?? 0);
      return total;
    };

    interface Measured extends StepResult {
      serverMs: number;
      postgresMs: number;
      generatorMs: number;
      passed: boolean;
      /** Cores the rest of the machine kept busy during the step. */
      others: number;
    }
    const measure = async (web: Web, rate: number): Promise<Measured> => {
      const tree = processTree(web.pid);
      const backendsBefore = await backendsOf(tree);
      const serverBefore = cpuSeconds(tree);
      const pgBefore = cpuSeconds(backendsBefore);
      const machineBefore = machineCpuSeconds();
      const serverQueueBefore = runQueueSeconds(tree);
      const pgQueueBefore = runQueueSeconds(backendsBefore);
      const stepStart = Date.now();
      const r = await step(web.port, rate);
      const stepEnd = Date.now();
      const machineUsed = machineCpuSeconds() - machineBefore;
      const serverUsed = delta(serverBefore, cpuSeconds(tree));
      // Backends opened during the step count whole (they started during it).
      const backendsAfter = [...new Set([...backendsBefore, ...(await backendsOf(tree))])];
      const pgUsed = delta(pgBefore, cpuSeconds(backendsAfter));
      const serverQueued = delta(serverQueueBefore, runQueueSeconds(tree));
      const pgQueued = delta(pgQueueBefore, runQueueSeconds(backendsBefore));
      const newBackends = backendsAfter.length - backendsBefore.length;
      const n = Math.max(1, r.answered);
      // What the rest of the machine used meanwhile (other people's work, the other server idling), in cores.
      const elapsed = r.answered / Math.max(1, r.rps);
      const others = Math.max(0, machineUsed - serverUsed - pgUsed - r.generatorCpuMs / 1000) / elapsed;
      const passed =
        r.errors === 0 && r.non200 === 0 && r.p99 < 50 && r.answered >= Math.floor(seconds * rate);
      const m = {
        ...r,
        serverMs: (serverUsed * 1000) / n,
        postgresMs: (pgUsed * 1000) / n,
        generatorMs: r.generatorCpuMs / n,
        passed,
        others,
      };
      log(
        `  ${web.processes} process${web.processes > 1 ? "es" : ""}: offered ${rate}/s → ${r.rps.toFixed(0)} pages/s, ` +
          `p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(0)} ms, errors ${r.errors + r.non200}; ` +
          `CPU/page: web ${m.serverMs.toFixed(2)} ms, PostgreSQL ${m.postgresMs.toFixed(2)} ms, generator ` +
          `${m.generatorMs.toFixed(2)} ms; ${newBackends} new PostgreSQL connections; rest of the machine ${others.toFixed(2)} cores; load ${load()} ${passed ? "ok" : "FAIL"}` +
          `\n      generator: event-loop delay max ${r.lagMax.toFixed(0)} ms (p99 ${r.lagP99.toFixed(1)}), ${r.waited} requests waited ≥ 10 ms for a free socket, ` +
          `p99 from write to answer ${r.serviceP99.toFixed(1)} ms; waiting for a core (runnable, not running), per page: ` +
          `web ${((serverQueued * 1000) / n).toFixed(2)} ms, its PostgreSQL backends ${((pgQueued * 1000) / n).toFixed(2)} ms`,
      );
      if (diagDir) log(diagnose(tree, stepStart, stepEnd));
      return m;
    };

    /** Per server process, what bench/list-diag-preload.mjs recorded during the step's seconds. */
    const diagnose = (pids: number[], from: number, to: number) => {
      const lines: string[] = [];
      for (const pid of pids) {
        let records: Record<string, number | string>[] = [];
        try {
          records = readFileSync(path.join(diagDir!, `${pid}.jsonl`), "utf8")
            .split("\n")
            .filter(Boolean)
            .map((l) => JSON.parse(l))
            .filter((r) => (r.t as number) > from && (r.t as number) <= to + 1000);
        } catch {
          continue;
        }
        if (records.length === 0) continue;
        const max = (k: string) => Math.max(...records.map((r) => r[k] as number));
        const sum = (k: string) => records.reduce((a, r) => a + (r[k] as number), 0);
        const worst = records.reduce((a, r) => ((r.eldMax as number) > (a.eldMax as number) ? r : a));
        lines.push(
          `      ${records[0]!.role} (pid ${pid}): loop delay max ${max("eldMax").toFixed(0)} ms (worst second: ` +
            `${new Date(worst.t as number).toISOString().slice(11, 19)}, p99 ${(worst.eldP99 as number).toFixed(0)}, gc ${(worst.gcMs as number).toFixed(0)} ms, ` +
            `${worst.reqN} requests, CPU ${((worst.cpuMs as number) / 10).toFixed(0)} %, ${worst.connects ?? 0} connections opened, ` +
            `slowest statement ${((worst.queryMax as number) ?? 0).toFixed(0)} ms); ` +
            `gc ${sum("gcN")} × (${sum("gcMs").toFixed(0)} ms, longest ${max("gcMax").toFixed(1)}, ${sum("gcMajor")} major ${sum("gcMajorMs").toFixed(0)} ms); ` +
            `requests ${sum("reqN")}, slowest ${max("reqMax").toFixed(0)} ms, ${sum("reqSlow")} ≥ 40 ms; ` +
            `CPU ${(sum("cpuMs") / records.length / 10).toFixed(0)} % (max ${(max("cpuMs") / 10).toFixed(0)}); heap ${max("heapMB").toFixed(0)} MB; ` +
            `PostgreSQL: ${sum("connects")} connections opened (slowest ${max("connectMax").toFixed(0)} ms), ${sum("queries")} statements ` +
            `(slowest ${max("queryMax").toFixed(0)} ms), at most ${max("waitingMax")} waiting for a connection`,
        );
      }
      return lines.join("\n");
    };

    /**
     * A step during which the generator itself stalled ≥ 50 ms (its event-loop delay) measured the machine, not
     * the server: every process on it stopped at once (session 10: 99–102 ms in the generator, the primary and a
     * web process in the same second, while the servers were 40 % busy). Such a failed step is run once more.
     */
    const measureStep = async (web: Web, rate: number): Promise<Measured> => {
      const m = await measure(web, rate);
      if (m.passed || m.lagMax < 50) return m;
      log(`    the generator stalled ${m.lagMax.toFixed(0)} ms during that step: it is run once more`);
      return measure(web, rate);
    };

    /** The highest offered rate whose step passes: ×1.25 up to the first failure, then ×1.06 from the last pass. */
    const search = async (web: Web, start: number) => {
      let best: Measured | undefined;
      let rate = start;
      let failedAt: number | undefined;
      for (;;) {
        const m = await measureStep(web, rate);
        if (!m.passed) {
          failedAt = rate;
          break;
        }
        best = m;
        rate = Math.round(rate * 1.25);
      }
      if (best) {
        for (let fine = Math.round(best.offered * 1.06); fine < failedAt; fine = Math.round(fine * 1.06)) {
          const m = await measureStep(web, fine);
          if (!m.passed) break;
          best = m;
        }
      } else if (start > 20) {
        return search(web, Math.round(start / 2));
      }
      return best;
    };

    // The machine's own ceiling for the ratio: the same CPU-bound JavaScript (building and parsing JSON, no I/O)
    // in one process, then in two at once. On a VM two vCPUs can be less than two cores' worth.
    const spin = (count: number) =>
      Promise.all(
        Array.from(
          { length: count },
          () =>
            new Promise<number>((resolve, reject) => {
              const code = `const end = Date.now() + 3000; let n = 0; const o = { rows: Array.from({ length: 50 }, (_, i) => ({ id: i, n: "FA-" + i, d: "2026-11-05", t: "1234.50" })) };
                while (Date.now() < end) { JSON.parse(JSON.stringify(o)); n++; } console.log(n / 3);`;
              const p = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
              let out = "";
              p.stdout!.on("data", (d: Buffer) => {
                out += d;
              });
              p.once("exit", (c) => (c === 0 ? resolve(Number(out)) : reject(new Error(`spin exited ${c}`))));
            }),
        ),
      ).then((rates) => rates.reduce((a, b) => a + b, 0));
    const spinOne = await spin(1);
    const spinTwo = await spin(2);
    const machineRatio = spinTwo / spinOne;
    log(
      `machine ceiling: CPU-bound JavaScript in 2 processes at once / in 1 = ${machineRatio.toFixed(2)} ` +
        `(${Math.round(spinOne)} and ${Math.round(spinTwo)} loops/s); load ${load()}`,
    );
    log(`machine: load average ${load()} before the servers start`);
    const one = await startWeb(1);
    const two = await startWeb(2);
    // Warm-up: JIT, pools, every account's list summary in every process.
    for (const web of [one, two]) await step(web.port, firstRate, warmup);
    log(
      `${connections} keep-alive sockets, ${seconds} s per step, GET /factures (first page, 50 rows) for ${accountCount} sessions in turn; ` +
        `load ${load()}`,
    );
    const bests: { one: Measured[]; two: Measured[] } = { one: [], two: [] };
    for (let round = 1; round <= rounds; round++) {
      for (const [name, web] of [
        ["one", one],
        ["two", two],
      ] as const) {
        const previous = bests[name].at(-1);
        const start = previous ? Math.round(previous.offered * 0.8) : firstRate;
        // Its pool closed its idle PostgreSQL connections during the other server's turn (30 s idle): the first
        // seconds on new backends are slow (p99 of 300–600 ms measured), which is not the steady state sought.
        await step(web.port, Math.round(start / 2), 3);
        log(`round ${round}, ${web.processes} process${web.processes > 1 ? "es" : ""}, from ${start}/s:`);
        const best = await search(web, start);
        if (best) bests[name].push(best);
      }
    }
    const summary = (ms: Measured[]) =>
      ms.length === 0
        ? "no passing rate"
        : `${ms.map((m) => m.offered).join(" · ")} pages/s (CPU/page at the best: web ${ms.at(-1)!.serverMs.toFixed(2)} ms, ` +
          `PostgreSQL ${ms.at(-1)!.postgresMs.toFixed(2)} ms, generator ${ms.at(-1)!.generatorMs.toFixed(2)} ms; ` +
          `page ${(ms.at(-1)!.bytesPerPage / 1024).toFixed(0)} KB)`;
    log(`best offered rate with p99 < 50 ms, per round: 1 process ${summary(bests.one)}`);
    log(`                                              2 processes ${summary(bests.two)}`);
    const sum = (ms: Measured[]) => ms.reduce((a, m) => a + m.offered, 0);
    if (bests.one.length === rounds && bests.two.length === rounds)
      log(
        `ratio 2 processes / 1 process: ${(sum(bests.two) / sum(bests.one)).toFixed(2)} over ${rounds} rounds ` +
          `(per round ${bests.two.map((m, i) => (m.offered / bests.one[i]!.offered).toFixed(2)).join(" · ")}; goal ≥ 1.6)`,
      );
    else log("ratio: n/a (a server had no passing rate in some round)");
    log(`machine ceiling for that ratio (CPU-bound JavaScript, 2 processes / 1): ${machineRatio.toFixed(2)}`);
    log(`machine: load average ${load()} at end; ${Math.round((Date.now() - benchStarted) / 1000)} s in all`);
  } finally {
    if (generator && generator.exitCode === null) generator.send({ type: "exit" });
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.query(`drop schema if exists ${schema}_boss cascade`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
    if (diagDir) log(`diagnostics kept in ${diagDir}`);
  }
}
