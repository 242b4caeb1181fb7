// The scale-out drill (issue 17 §4): `npm run drill:scale`.
//
// nginx (docs/deploy/nginx.conf, marked lines substituted) in front of `efacture web --processes 2`, two
// `efacture worker` processes, a PostgreSQL server of the drill's own (initdb + pg_ctl on a free port: the shared
// server is never touched), s3rver (BLOB_STORE=s3://…, DOWNLOAD_OFFLOAD=nginx) and an SMTP sink that takes its
// time, all on free ports in temp folders. A steady load runs the whole time: logged-in customers read their
// list page and download PDFs through nginx, an integrator publishes through the API with an API key (and
// retries the same file on 503, 429 or a lost connection, as the API documentation asks). Then, in turn:
//   1. kill -9 one web process (nginx retries elsewhere; the primary starts a replacement);
//   2. kill -9 a worker while mails are at the SMTP server (its jobs are retried; a mail whose fate is unknown
//      ends `uncertain`, never sent twice); a replacement worker is started, as systemd would;
//   3. PostgreSQL restarted (fast shutdown, a few seconds down);
//   4. s3rver stopped for 10 s.
// Then the reconciliation: every publication the client saw accepted is in the database once, with its blob
// readable and its hash right; every invoice row has its blob; no mail handed to SMTP twice; failed requests per
// phase with their status codes; throughput per phase against the steady state.
//
// Options (environment): DRILL_STEADY_SECONDS (20), DRILL_PHASE_SECONDS (15), DRILL_S3_DOWN_SECONDS (10),
// DRILL_PG_DOWN_SECONDS (3), DRILL_READERS (4), DRILL_PUBLISHERS (2), DRILL_REPORT (file for the markdown report,
// default drill-scale-report.md in the current folder).
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { openServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { publishInvoices } from "../src/domain/invoices/publish-invoice.js";
import { createTenant } from "../src/domain/tenants/create-tenant.js";
import { buildFacturX } from "../src/einvoice/index.js";
import { openBlobStore } from "../src/storage/open-blob-store.js";
import { BIN, ROOT, runEfacture } from "../test/support/cli.js";
import { facturx, logIn, makeCustomer, multipart } from "../test/support/factories.js";
import { freePort } from "../test/support/free-port.js";
import { renderNginxConf, selfSignedCertificate, startNginx } from "../test/support/nginx.js";
import { type PrivatePostgres, startPrivatePostgres } from "../test/support/private-postgres.js";
import { type LocalS3, startS3rver } from "../test/support/s3rver.js";
import { type SlowSmtpSink, startSlowSmtpSink } from "../test/support/slow-smtp-sink.js";

export interface DrillOptions {
  steadySeconds: number;
  phaseSeconds: number;
  s3DownSeconds: number;
  pgDownSeconds: number;
  readers: number;
  publishers: number;
  nginxMaxFails?: number;
  log: (line: string) => void;
}

export const PHASES = ["steady", "web-kill", "worker-kill", "pg-restart", "s3-stop", "after"] as const;
export type Phase = (typeof PHASES)[number];

export interface PhaseReport {
  phase: Phase;
  seconds: number;
  ok: number;
  okPerSecond: number;
  ratioToSteady: number;
  failures: Record<string, number>;
  /** Successful requests per kind (list, pdf, publish). */
  byKind: Record<string, number>;
}

export interface DrillReport {
  startedAt: string;
  seconds: number;
  loadAverage: string;
  phases: PhaseReport[];
  webKill: { killed: number; replacedBy?: number; replacedAfterMs?: number; nginxNoLiveUpstreams: number };
  workerKill: { killed: number; mailsSendingAtKill: number };
  pgRestart: { downMs: number; firstOkAfterMs?: number };
  s3Stop: { downMs: number };
  publications: { accepted: number; inDatabase: number; missing: string[]; wrongHash: string[] };
  invoices: { rows: number; distinctNumbers: number; withoutBlob: string[]; blobsChecked: number };
  downloads: { ok: number; wrongBytes: number };
  mails: {
    rows: number;
    sent: number;
    uncertain: number;
    failed: number;
    pending: number;
    handedOverTwice: string[];
    sentNotReceived: number;
  };
  nginxMaxFails?: number;
  /** Nothing lost: every assertion of the reconciliation holds. */
  nothingLost: boolean;
}

const HOST = "drill.e-facture.example";

/** The web processes whose parent is `pid` (the cluster's primary), from /proc. */
function webChildren(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("efacture.js\0web"))
        found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found.sort((a, b) => a - b);
}

interface Server {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** `efacture <args>` as a child process, resolved once its output matched `ready` `count` times. */
async function startProcess(args: string[], env: Record<string, string>, ready: RegExp, count = 1) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const onData = (d: Buffer) => {
    output += d;
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const global = new RegExp(ready.source, "g");
  const until = Date.now() + 240_000;
  while ((output.match(global)?.length ?? 0) < count) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`efacture ${args.join(" ")} exited:\n${output.slice(-4000)}`);
    if (Date.now() > until)
      throw new Error(`efacture ${args.join(" ")} did not start:\n${output.slice(-4000)}`);
    await sleep(100);
  }
  const server: Server = {
    child,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        child.once("exit", () => {
          clearTimeout(killer);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
  return server;
}

interface Answer {
  status: number;
  body: Buffer;
}

export async function runScaleDrill(options: DrillOptions): Promise<DrillReport> {
  const { log } = options;
  const started = Date.now();
  const cleanups: (() => Promise<void>)[] = [];
  const servers: Server[] = [];
  let database: PrivatePostgres | undefined;
  let s3: LocalS3 | undefined;
  let sink: SlowSmtpSink | undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), "efacture-drill-scale-"));
  try {
    database = await startPrivatePostgres();
    s3 = await startS3rver();
    sink = await startSlowSmtpSink();
    // Slow enough for a worker to be killed with mails at the SMTP server, fast enough to drain the queue.
    sink.plan(() => ({ delayMs: 300, answer: "accept" }));
    const env: Record<string, string> = {
      NODE_ENV: "development",
      EFACTURE_DEMO: "0",
      LOG_LEVEL: "warn",
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      PUBLIC_BASE_URL: "https://e-facture.example",
      TRUSTED_PROXIES: "127.0.0.1",
      DOWNLOAD_OFFLOAD: "nginx",
      SESSION_SECRET: "drill-scale-session-secret-0123456789abcdef",
      SMTP_URL: sink.url,
      MAIL_RETRY_DELAY_SECONDS: "1",
      MAIL_JOB_EXPIRE_SECONDS: "5",
      JOB_MAINTENANCE_INTERVAL_SECONDS: "1",
      ...s3.env("blobs"),
    };
    const config = loadConfig(env);

    // The data: one tenant, 8 customers with an account each (logged in), 5 invoices each.
    log("drill: seeding");
    const services = await openServices(config);
    const tenant = await createTenant(services.db, { slug: "drill", displayName: "Drill Location" });
    const readers: { session: string; invoices: { id: string; sha256: string }[] }[] = [];
    for (let c = 0; c < 8; c++) {
      const number = `C-DRILL-${c}`;
      await makeCustomer(services, tenant, number, { email: `lecteur${c}@drill.example.com` });
      const [account] = await services.db.query<{ id: string }>(
        "select id from accounts where tenant_id = $1 and email = $2",
        [tenant.id, `lecteur${c}@drill.example.com`],
      );
      const items = [];
      for (let i = 0; i < 5; i++)
        items.push({ bytes: await buildFacturX(facturx(`FA-SEED-${c}-${i}`, number)) });
      const outcomes = await publishInvoices(
        { db: services.db, blobs: services.blobs, queue: services.queue, maxPdfBytes: config.maxPdfBytes },
        { tenant, actor: { type: "issuer", id: "drill" }, items },
      );
      const invoices = outcomes.map((o) => {
        if (!o.ok || !("invoice" in o)) throw new Error(`seed invoice not published: ${JSON.stringify(o)}`);
        return { id: o.invoice.id, sha256: o.invoice.sha256 };
      });
      readers.push({ session: await logIn(services.db, tenant, account!.id), invoices });
    }
    await services.close();
    const key = await runEfacture(["api-key", "create", "--tenant", "drill", "--label", "drill"], env);
    if (key.code !== 0) throw new Error(`api-key create: ${key.stderr}`);
    const apiKey = key.stdout.trim();

    log("drill: starting 2 web processes, 2 workers, nginx");
    const webPort = await freePort();
    const web = await startProcess(
      ["web", "--processes", "2"],
      { ...env, PORT: String(webPort) },
      /listening on/,
      2,
    );
    servers.push(web);
    const workers: Server[] = [];
    for (let w = 0; w < 2; w++) workers.push(await startProcess(["worker"], env, /worker running/));
    servers.push(...workers);
    const certDir = mkdtempSync(path.join(tmpdir(), "efacture-drill-cert-"));
    cleanups.push(async () => rmSync(certDir, { recursive: true, force: true }));
    const cert = selfSignedCertificate(certDir);
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    // One `--processes 2` port: both upstream lines name it (on two machines, one line each).
    const documented = renderNginxConf({
      webServers: [`127.0.0.1:${webPort}`, `127.0.0.1:${webPort}`],
      objectStore: `127.0.0.1:${s3.port}`,
      httpPort,
      httpsPort,
      blobsDir: path.join(dataDir, "blobs"),
      ...cert,
    });
    // For comparison only: DRILL_NGINX_MAX_FAILS replaces the upstream's max_fails (the documented file is the default).
    const siteConf =
      options.nginxMaxFails === undefined
        ? documented
        : documented.replace(/max_fails=\d+/g, `max_fails=${options.nginxMaxFails}`);
    const nginx = await startNginx(siteConf, [httpPort, httpsPort], { accessLog: false });
    cleanups.push(() => nginx.stop());
    const ca = readFileSync(cert.certFile, "utf8");
    const agent = new https.Agent({ keepAlive: true, maxSockets: 64, ca });
    cleanups.push(async () => agent.destroy());

    const request = (
      pathname: string,
      opts: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
    ): Promise<Answer> =>
      new Promise((resolve, reject) => {
        const req = https.request(
          {
            host: "127.0.0.1",
            port: httpsPort,
            servername: HOST,
            path: pathname,
            method: opts.method ?? "GET",
            headers: { host: HOST, ...opts.headers },
            agent,
            timeout: 20_000,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
            res.on("error", reject);
          },
        );
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", reject);
        req.end(opts.body);
      });

    // Load: every request is recorded in the phase it started in.
    let phase: Phase = "steady";
    const phaseStarts = new Map<Phase, number>();
    const phaseEnds = new Map<Phase, number>();
    const enter = (next: Phase) => {
      phaseEnds.set(phase, Date.now());
      phase = next;
      phaseStarts.set(next, Date.now());
      log(`drill: phase ${next}`);
    };
    const ok = new Map<Phase, Record<string, number>>(PHASES.map((p) => [p, {}]));
    const failures = new Map<Phase, Record<string, number>>(PHASES.map((p) => [p, {}]));
    const count = (table: Map<Phase, Record<string, number>>, at: Phase, what: string) => {
      const row = table.get(at)!;
      row[what] = (row[what] ?? 0) + 1;
    };
    let wrongBytes = 0;
    let downloadsOk = 0;
    let firstOkAfterPg: number | undefined;
    let pgBackAt: number | undefined;
    const onOk = (at: Phase, kind: string) => {
      count(ok, at, kind);
      if (pgBackAt !== undefined && firstOkAfterPg === undefined) firstOkAfterPg = Date.now() - pgBackAt;
    };
    let loading = true;

    const reader = async (r: (typeof readers)[number], n: number) => {
      const headers = { cookie: `efacture-session=${r.session}`, "sec-fetch-site": "same-origin" };
      let i = n;
      while (loading) {
        const at = phase;
        const invoice = r.invoices[i++ % r.invoices.length]!;
        const kind = i % 2 === 0 ? "list" : "pdf";
        try {
          const res = await request(kind === "list" ? "/factures" : `/factures/${invoice.id}/pdf`, {
            headers,
          });
          if (res.status !== 200) {
            count(failures, at, `${kind} ${res.status}`);
            await sleep(100); // a client that got an error page does not hammer
          } else if (
            kind === "pdf" &&
            createHash("sha256").update(res.body).digest("hex") !== invoice.sha256
          ) {
            wrongBytes++;
            count(failures, at, "pdf wrong bytes");
          } else {
            if (kind === "pdf") downloadsOk++;
            onOk(at, kind);
          }
        } catch (error) {
          count(failures, at, `${kind} ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
          await sleep(100);
        }
      }
    };

    const accepted = new Map<string, string>(); // invoice number → sha256
    let stoppedAt = Number.POSITIVE_INFINITY;
    /** One invoice through the API; the integrator retries the same file until it is taken (30 s after the load stopped at most). */
    const publish = async (number: string, buyer: string) => {
      const bytes = await buildFacturX(facturx(number, buyer));
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      const { payload, contentType } = await multipart({ file: { bytes, filename: `${number}.pdf` } });
      for (;;) {
        const at = phase;
        try {
          const res = await request("/api/v1/invoices", {
            method: "POST",
            headers: { authorization: `Bearer ${apiKey}`, "content-type": contentType },
            body: payload,
          });
          if (res.status === 200 || res.status === 201) {
            accepted.set(number, sha256);
            onOk(at, "publish");
            return;
          }
          count(failures, at, `publish ${res.status}`);
          if (res.status !== 503 && res.status !== 429 && res.status !== 502 && res.status !== 504) {
            log(
              `drill: publication ${number} refused for good: ${res.status} ${res.body.toString().slice(0, 300)}`,
            );
            return;
          }
        } catch (error) {
          count(failures, at, `publish ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
        if (!loading && Date.now() > stoppedAt + 30_000) return;
        await sleep(250);
      }
    };
    let seq = 0;
    const publisher = async (p: number) => {
      while (loading) {
        seq++;
        await publish(`FA-DRILL-${p}-${String(seq).padStart(6, "0")}`, `C-DRILL-${seq % readers.length}`);
      }
    };

    phaseStarts.set("steady", Date.now());
    log("drill: phase steady");
    const load = [
      ...Array.from({ length: options.readers }, (_, n) => reader(readers[n % readers.length]!, n)),
      ...Array.from({ length: options.publishers }, (_, p) => publisher(p)),
    ];
    const admin = new pg.Pool({ connectionString: database.url, max: 2 });
    admin.on("error", () => {});
    cleanups.push(() => admin.end());
    const scalar = async (sql: string): Promise<number> =>
      Number((await admin.query(sql).catch(() => ({ rows: [{ n: -1 }] }))).rows[0]?.n ?? -1);

    await sleep(options.steadySeconds * 1000);

    // 1. One web process killed with SIGKILL.
    enter("web-kill");
    const before = webChildren(web.child.pid!);
    const victim = before[0]!;
    process.kill(victim, "SIGKILL");
    const killedAt = Date.now();
    let replacedBy: number | undefined;
    let replacedAfterMs: number | undefined;
    const phaseEnd = killedAt + options.phaseSeconds * 1000;
    while (Date.now() < phaseEnd || (replacedBy === undefined && Date.now() < killedAt + 60_000)) {
      if (replacedBy === undefined) {
        const now = webChildren(web.child.pid!);
        const fresh = now.find((pid) => !before.includes(pid));
        if (
          now.length === 2 &&
          fresh &&
          /listening on/.test(web.output().split(`${victim}`).slice(1).join(""))
        ) {
          replacedBy = fresh;
          replacedAfterMs = Date.now() - killedAt;
        }
      }
      await sleep(100);
    }

    // 2. A worker killed with SIGKILL while mails are at the SMTP server: new customers, one mail each.
    enter("worker-kill");
    for (let c = 0; c < 12; c++) {
      const res = await request(`/api/v1/customers/C-NEW-${c}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: Buffer.from(
          JSON.stringify({ name: `Nouveau client ${c}`, email: `nouveau${c}@drill.example.com` }),
        ),
      }).catch((e: Error) => ({ status: 0, body: Buffer.from(e.message) }));
      if (res.status >= 300)
        log(`drill: customer C-NEW-${c}: ${res.status} ${res.body.toString().slice(0, 200)}`);
    }
    // Their first invoice each: one invitation mail each, sent by the workers.
    const invitations = Promise.all(
      Array.from({ length: 12 }, (_, c) => publish(`FA-NEW-${String(c).padStart(3, "0")}`, `C-NEW-${c}`)),
    );
    const workerPhaseStart = Date.now();
    let sendingAtKill = 0;
    while (Date.now() - workerPhaseStart < 10_000) {
      sendingAtKill = await scalar("select count(*)::int as n from mails where status = 'sending'");
      if (sendingAtKill > 0) break;
      await sleep(20);
    }
    const killedWorker = workers[0]!.child.pid!;
    workers[0]!.child.kill("SIGKILL");
    // systemd (Restart=always) would start it again.
    const replacement = await startProcess(["worker"], env, /worker running/);
    servers.push(replacement);
    await invitations;
    const rest = workerPhaseStart + options.phaseSeconds * 1000 - Date.now();
    if (rest > 0) await sleep(rest);

    // 3. PostgreSQL restarted: fast shutdown, a few seconds down, started again.
    enter("pg-restart");
    const pgStop = Date.now();
    await database.stop();
    await sleep(options.pgDownSeconds * 1000);
    await database.start();
    pgBackAt = Date.now();
    const pgDownMs = pgBackAt - pgStop;
    await sleep(Math.max(0, pgStop + options.phaseSeconds * 1000 - Date.now()));

    // 4. The object store stopped.
    enter("s3-stop");
    const s3Stop = Date.now();
    await s3.stop();
    await sleep(options.s3DownSeconds * 1000);
    await s3.start();
    const s3DownMs = Date.now() - s3Stop;
    await sleep(Math.max(0, s3Stop + options.phaseSeconds * 1000 - Date.now()));

    enter("after");
    await sleep(options.steadySeconds * 1000);
    phaseEnds.set("after", Date.now());
    loading = false;
    stoppedAt = Date.now();
    await Promise.all(load);
    log("drill: load stopped, reconciling");

    // Reconciliation. Mails first: wait until none is queued or being sent, then a little for a late duplicate.
    const settleUntil = Date.now() + 120_000;
    while (
      (await scalar("select count(*)::int as n from mails where status in ('queued', 'sending')")) !== 0 &&
      Date.now() < settleUntil
    )
      await sleep(500);
    await sleep(3_000);
    const [mailCounts] = (
      await admin.query(
        `select count(*)::int as rows, count(*) filter (where status = 'sent')::int as sent,
                count(*) filter (where status = 'uncertain')::int as uncertain,
                count(*) filter (where status = 'failed')::int as failed,
                count(*) filter (where status in ('queued', 'sending'))::int as pending from mails`,
      )
    ).rows;
    const handed = new Map<string, number>();
    for (const id of sink.dataReceived) handed.set(id, (handed.get(id) ?? 0) + 1);
    const handedOverTwice = [...handed].filter(([, n]) => n > 1).map(([id]) => id);
    const { rows: sentRows } = await admin.query<{ messageId: string }>(
      `select message_id as "messageId" from mails where status = 'sent'`,
    );
    const sentNotReceived = sentRows.filter((r) => !sink!.accepted.includes(r.messageId)).length;

    const { rows: invoiceRows } = await admin.query<{ number: string; sha256: string }>(
      `select invoice_number as "number", sha256 from invoices where tenant_id = (select id from tenants where slug = 'drill')`,
    );
    const byNumber = new Map<string, string[]>();
    for (const r of invoiceRows) byNumber.set(r.number, [...(byNumber.get(r.number) ?? []), r.sha256]);
    const missing = [...accepted.keys()].filter((n) => !byNumber.has(n));
    const wrongHash = [...accepted].filter(([n, sha]) => byNumber.has(n) && !byNumber.get(n)!.includes(sha));
    // Every invoice row's blob, read through the store (it checks the SHA-256) and hashed again here.
    const blobs = openBlobStore(config.blobStore);
    const withoutBlob: string[] = [];
    for (const r of invoiceRows) {
      const bytes = await blobs.read(r.sha256).catch(() => undefined);
      if (!bytes || createHash("sha256").update(bytes).digest("hex") !== r.sha256) withoutBlob.push(r.number);
    }
    blobs.close();

    const seconds = (p: Phase) => ((phaseEnds.get(p) ?? Date.now()) - phaseStarts.get(p)!) / 1000;
    const total = (p: Phase) => Object.values(ok.get(p)!).reduce((a, b) => a + b, 0);
    // The undisturbed rate: steady state before the faults and after them together (load drift hits both).
    const steadyRate = (total("steady") + total("after")) / (seconds("steady") + seconds("after"));
    const phases: PhaseReport[] = PHASES.map((p) => ({
      phase: p,
      seconds: Math.round(seconds(p) * 10) / 10,
      ok: total(p),
      okPerSecond: Math.round((total(p) / seconds(p)) * 10) / 10,
      ratioToSteady: Math.round((total(p) / seconds(p) / steadyRate) * 100) / 100,
      failures: failures.get(p)!,
      byKind: ok.get(p)!,
    }));
    const report: DrillReport = {
      startedAt: new Date(started).toISOString(),
      seconds: Math.round((Date.now() - started) / 1000),
      loadAverage: loadavg()
        .map((l) => l.toFixed(2))
        .join(" "),
      phases,
      webKill: {
        killed: victim,
        replacedBy,
        replacedAfterMs,
        nginxNoLiveUpstreams: nginx.errorLog().match(/no live upstreams/g)?.length ?? 0,
      },
      workerKill: { killed: killedWorker, mailsSendingAtKill: sendingAtKill },
      pgRestart: { downMs: pgDownMs, firstOkAfterMs: firstOkAfterPg },
      s3Stop: { downMs: s3DownMs },
      publications: {
        accepted: accepted.size,
        inDatabase: accepted.size - missing.length,
        missing,
        wrongHash: wrongHash.map(([n]) => n),
      },
      invoices: {
        rows: invoiceRows.length,
        distinctNumbers: byNumber.size,
        withoutBlob,
        blobsChecked: invoiceRows.length,
      },
      downloads: { ok: downloadsOk, wrongBytes },
      mails: { ...mailCounts, handedOverTwice, sentNotReceived },
      nginxMaxFails: options.nginxMaxFails,
      nothingLost: false,
    };
    report.nothingLost =
      missing.length === 0 &&
      wrongHash.length === 0 &&
      invoiceRows.length === byNumber.size &&
      withoutBlob.length === 0 &&
      wrongBytes === 0 &&
      handedOverTwice.length === 0 &&
      sentNotReceived === 0 &&
      mailCounts.pending === 0 &&
      replacedBy !== undefined;
    return report;
  } catch (error) {
    for (const s of servers) log(`--- ${s.child.spawnargs.slice(2).join(" ")}:\n${s.output().slice(-4000)}`);
    throw error;
  } finally {
    for (const s of servers.reverse()) await s.stop().catch(() => {});
    for (const c of cleanups.reverse()) await c().catch(() => {});
    await sink?.close().catch(() => {});
    await s3?.dispose().catch(() => {});
    await database?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const statusList = (f: Record<string, number>) =>
  Object.entries(f)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([what, n]) => `${what} × ${n}`)
    .join(", ") || "—";

/** The report as markdown (the README carries one). */
export function reportMarkdown(r: DrillReport): string {
  const lines = [
    `${r.nginxMaxFails === undefined ? "nginx : docs/deploy/nginx.conf tel quel." : `nginx : docs/deploy/nginx.conf avec max_fails=${r.nginxMaxFails} (comparaison).`} ` +
      `Exercice du ${r.startedAt.slice(0, 16).replace("T", " ")} UTC, ${r.seconds} s en tout, charge de la machine à la fin : ${r.loadAverage}.`,
    "",
    "| Phase | Durée (s) | Requêtes réussies/s | Rapport à l'état stable (avant + après) | Réussies (liste / PDF / publication) | Échecs (statut × nombre) |",
    "|---|---:|---:|---:|---|---|",
    ...r.phases.map(
      (p) =>
        `| ${p.phase} | ${p.seconds} | ${p.okPerSecond} | ${p.ratioToSteady.toFixed(2)} | ${p.byKind.list ?? 0} / ${p.byKind.pdf ?? 0} / ${p.byKind.publish ?? 0} | ${statusList(p.failures)} |`,
    ),
    "",
    `- Processus web ${r.webKill.killed} tué (kill -9) : ${r.webKill.replacedBy ? `remplacé par ${r.webKill.replacedBy} en ${((r.webKill.replacedAfterMs ?? 0) / 1000).toFixed(1)} s` : "**pas remplacé**"} ; réponses « no live upstreams » de nginx : ${r.webKill.nginxNoLiveUpstreams}.`,
    `- Worker ${r.workerKill.killed} tué (kill -9) avec ${r.workerKill.mailsSendingAtKill} courriel(s) en cours d'envoi.`,
    `- PostgreSQL arrêté ${(r.pgRestart.downMs / 1000).toFixed(1)} s ; première requête réussie ${r.pgRestart.firstOkAfterMs === undefined ? "jamais" : `${(r.pgRestart.firstOkAfterMs / 1000).toFixed(1)} s`} après son redémarrage.`,
    `- s3rver arrêté ${(r.s3Stop.downMs / 1000).toFixed(1)} s.`,
    "",
    "Rapprochement :",
    `- publications acceptées par le client : ${r.publications.accepted}, en base : ${r.publications.inDatabase}, manquantes : ${r.publications.missing.length}, empreinte différente : ${r.publications.wrongHash.length} ;`,
    `- factures en base : ${r.invoices.rows}, numéros distincts : ${r.invoices.distinctNumbers} (doublons : ${r.invoices.rows - r.invoices.distinctNumbers}), originaux relus et vérifiés : ${r.invoices.blobsChecked - r.invoices.withoutBlob.length}/${r.invoices.blobsChecked} ;`,
    `- téléchargements réussis : ${r.downloads.ok}, octets différents : ${r.downloads.wrongBytes} ;`,
    `- courriels : ${r.mails.rows} (envoyés ${r.mails.sent}, incertains ${r.mails.uncertain}, en échec ${r.mails.failed}, en attente ${r.mails.pending}), remis deux fois au serveur SMTP : ${r.mails.handedOverTwice.length}, « envoyés » non reçus : ${r.mails.sentNotReceived}.`,
    "",
    r.nothingLost ? "**Rien de perdu.**" : "**Perte ou anomalie : voir ci-dessus.**",
  ];
  return `${lines.join("\n")}\n`;
}

const seconds = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const report = await runScaleDrill({
    steadySeconds: seconds("DRILL_STEADY_SECONDS", 20),
    phaseSeconds: seconds("DRILL_PHASE_SECONDS", 15),
    s3DownSeconds: seconds("DRILL_S3_DOWN_SECONDS", 10),
    pgDownSeconds: seconds("DRILL_PG_DOWN_SECONDS", 3),
    readers: seconds("DRILL_READERS", 4),
    publishers: seconds("DRILL_PUBLISHERS", 2),
    nginxMaxFails: process.env.DRILL_NGINX_MAX_FAILS ? Number(process.env.DRILL_NGINX_MAX_FAILS) : undefined,
    log: (line) => console.log(line),
  });
  const markdown = reportMarkdown(report);
  console.log(`\n${markdown}`);
  const file = process.env.DRILL_REPORT ?? "drill-scale-report.md";
  writeFileSync(file, markdown);
  console.log(`report written to ${file}`);
  process.exit(report.nothingLost ? 0 : 1);
}
