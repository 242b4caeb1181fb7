// Issue 17's download goal, as ratios measured in one run on this machine (wrk, keep-alive):
//
// 1. download: the authenticated PDF download through nginx running docs/deploy/nginx.conf (TLS), against
//    that nginx serving the same file statically (same TLS, same certificate): goal ≥ 0.8×, 64 connections.
//    With DOWNLOAD_OFFLOAD=nginx-signed a download is two hops: the portal's authorising hop (cookie → 303)
//    and the signed link nginx checks and serves. Measured apart — the signed link (the offloaded bytes; a
//    fresh link per round, valid 30 s), the hop (303s/s) — and together (a wrk Lua script that follows each
//    Location: whole downloads/s), beside today's one-hop X-Accel offload (DOWNLOAD_OFFLOAD=nginx) and the
//    portal streaming with its hash check (no nginx). And what a customer's browser does for an invoice it
//    already downloaded: the link signed into the list page (valid 10 minutes), taken from a list page fetched
//    through nginx at the start of each round, one hop. A first download still takes the two hops (the
//    portal records it). Rounds alternate (static, page link, signed, hop, two hops, X-Accel, streaming,
//    static, …) so that the load of other people's work on this machine hits all.
// The list page with 2 web processes against one (issue 17's second goal) is `npm run bench:list`
// (bench/list-scale.ts: an offered, open-loop load; wrk is closed-loop).
//
// Usage: DATABASE_URL=postgres://… npm run bench:download -- [--invoices 500]
//   BENCH_SECONDS (8 per round), BENCH_ROUNDS (3), BENCH_CONNECTIONS (64). Needs wrk and nginx
//   (`apt-get install -y wrk nginx`). The schema bench_download is dropped first and at the end.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { openServices } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { publishInvoices } from "../src/domain/invoices/publish-invoice.js";
import { createTenant } from "../src/domain/tenants/create-tenant.js";
import { buildFacturX } from "../src/einvoice/index.js";
import { BIN, ROOT } from "../test/support/cli.js";
import { facturx, logIn, makeCustomer } from "../test/support/factories.js";
import { freePort } from "../test/support/free-port.js";
import { httpsRequest, renderNginxConf, selfSignedCertificate, startNginx } from "../test/support/nginx.js";
import { padded, scanImage } from "./publish-data.js";

const argv = process.argv.slice(2);
const option = (name: string) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const only = option("--only")?.split(",") ?? ["download"];
const invoiceCount = Number(option("--invoices") ?? 500);
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error("DATABASE_URL is required, e.g. postgres://postgres@127.0.0.1:5432/test");
  process.exit(2);
}
const schema = "bench_download";
const HOST = "bench.e-facture.example";
const log = (text: string) => console.log(text);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** With TWO_HOP_LUA: the signed links' 200s per second (whole downloads, both hops). */
  downloads?: number;
}

/**
 * wrk script of the two-hop download: a thread's next request is the Location of a 303 it received (the
 * signed link), otherwise the portal's download route; `done` prints the 200s and redirects of all threads.
 */
const TWO_HOP_LUA = `
local threads = {}
function setup(thread) table.insert(threads, thread) end
local pending = {}
downloads = 0
redirects = 0
function request()
  local location = table.remove(pending)
  if location then return wrk.format("GET", location) end
  return wrk.format("GET", wrk.path)
end
function response(status, headers, body)
  if status == 303 then
    redirects = redirects + 1
    table.insert(pending, headers["Location"] or headers["location"])
  elseif status == 200 then
    downloads = downloads + 1
  end
end
function done(summary, latency, requests)
  local d, r = 0, 0
  for _, t in ipairs(threads) do d = d + t:get("downloads"); r = r + t:get("redirects") end
  io.write(string.format("two-hop: downloads %d redirects %d seconds %.3f\\n", d, r, summary.duration / 1e6))
end
`;

/** One wrk run; latencies in ms. Non-2xx answers and socket errors count as errors. */
function wrk(
  url: string,
  conns: number,
  headers: Record<string, string>,
  secs = seconds,
  script = process.env.BENCH_WRK_SCRIPT,
): WrkResult {
  const args = ["-t", String(Math.min(2, conns)), "-c", String(conns), "-d", `${secs}s`, "--latency"];
  for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}: ${v}`);
  if (script) args.push("-s", script);
  const out = execFileSync("wrk", [...args, url], { encoding: "utf8" });
  if (process.env.BENCH_WRK_SCRIPT) log(out);
  const twoHop = /two-hop: downloads (\d+) redirects (\d+) seconds ([\d.]+)/.exec(out);
  const ms = (label: string) => {
    const m = new RegExp(`^\\s+${label}%\\s+([\\d.]+)(us|ms|s)`, "m").exec(out);
    if (!m) return Number.NaN;
    const n = Number(m[1]);
    return m[2] === "us" ? n / 1000 : m[2] === "s" ? n * 1000 : n;
  };
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    p50: ms("50"),
    p99: ms("99"),
    errors: non2xx + socketErrors,
    ...(twoHop ? { downloads: Number(twoHop[1]) / Number(twoHop[3]) } : {}),
  };
}

/** `efacture web [--processes N]` as a child process, resolved once every process listens. */
async function startWeb(env: Record<string, string>, processes: number) {
  const port = await freePort();
  const args = processes > 1 ? ["web", "--processes", String(processes)] : ["web"];
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
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
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`web exited with ${code}:\n${output}`)));
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** One request first: the bench measures answers that are the whole file or page, never errors. */
async function preflight(url: string, headers: Record<string, string>, expectBytes?: number) {
  const u = new URL(url);
  const answer =
    u.protocol === "https:"
      ? await httpsRequest(Number(u.port), headers.Host ?? u.hostname, u.pathname + u.search, { headers })
      : await new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
          http
            .get({ host: u.hostname, port: u.port, path: u.pathname, headers }, (res) => {
              const chunks: Buffer[] = [];
              res.on("data", (c: Buffer) => chunks.push(c));
              res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
            })
            .on("error", reject);
        });
  if (answer.status !== 200 || (expectBytes !== undefined && answer.body.byteLength !== expectBytes))
    throw new Error(
      `${url}: ${answer.status}, ${answer.body.byteLength} bytes: ${answer.body.toString().slice(0, 300)}`,
    );
}

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), "efacture-bench-download-"));
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`drop schema if exists ${schema} cascade`);
  await admin.query(`drop schema if exists ${schema}_boss cascade`);
  const env: Record<string, string> = {
    NODE_ENV: "development",
    EFACTURE_DEMO: "0",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl!,
    DATABASE_SCHEMA: schema,
    PUBLIC_BASE_URL: "https://e-facture.example",
    TRUSTED_PROXIES: "127.0.0.1",
    DOWNLOAD_OFFLOAD: "nginx",
    SESSION_SECRET: "bench-download-session-secret-0123456789abcdef",
  };
  const stops: (() => Promise<void>)[] = [];
  try {
    // The data: one tenant, one account with `invoiceCount` invoices (the list), one ~100 KB PDF (the download).
    const services = await openServices(loadConfig(env), { schema });
    const tenant = await createTenant(services.db, { slug: "bench", displayName: "Bench Location" });
    const customer = "C-BENCH";
    await makeCustomer(services, tenant, customer, { email: "bench@example.com" });
    const [account] = await services.db.query<{ id: string }>(
      "select id from accounts where tenant_id = $1 and email = $2",
      [tenant.id, "bench@example.com"],
    );
    const scan = scanImage();
    const items = [];
    // The downloaded invoice is the newest (first on the list's first page, where its link is taken from).
    for (let i = 0; i < invoiceCount; i++)
      items.push({
        bytes:
          i === 0
            ? await padded(await buildFacturX(facturx(`B-${i}`, customer, { issueDate: "2026-11-06" })), scan)
            : await buildFacturX(facturx(`B-${i}`, customer)),
      });
    const outcomes = await publishInvoices(
      {
        db: services.db,
        blobs: services.blobs,
        queue: services.queue,
        maxPdfBytes: services.config.maxPdfBytes,
      },
      { tenant, actor: { type: "issuer", id: "bench" }, items },
    );
    const first = outcomes[0]!;
    if (!first.ok) throw first.error;
    if (!("invoice" in first)) throw new Error("not published");
    const invoice = first.invoice;
    const session = await logIn(services.db, tenant, account!.id);
    await services.close();
    // Capitalised: wrk adds its own Host header unless given one spelt `Host` (two would be a 400).
    const cookie = { Cookie: `efacture-session=${session}`, Host: HOST };
    log(`data: ${invoiceCount} invoices, the downloaded PDF is ${(invoice.sizeBytes / 1024).toFixed(0)} KB`);
    log(`machine: load average ${load()} at start`);

    if (only.includes("download")) {
      // Today's one-hop offload (DOWNLOAD_OFFLOAD=nginx, X-Accel-Redirect), the signed links
      // (DOWNLOAD_OFFLOAD=nginx-signed) and, for reference, the portal streaming and hashing the file itself.
      const certDir = mkdtempSync(path.join(tmpdir(), "efacture-bench-cert-"));
      stops.push(async () => rmSync(certDir, { recursive: true, force: true }));
      const linkSecretFile = path.join(certDir, "download-link-secret.conf");
      writeFileSync(linkSecretFile, `set $efacture_link_secret "${randomBytes(32).toString("hex")}";\n`, {
        mode: 0o600,
      });
      const web = await startWeb(env, 1);
      stops.push(web.stop);
      const signedWeb = await startWeb(
        { ...env, DOWNLOAD_OFFLOAD: "nginx-signed", DOWNLOAD_LINK_SECRET_FILE: linkSecretFile },
        1,
      );
      stops.push(signedWeb.stop);
      const streaming = await startWeb({ ...env, DOWNLOAD_OFFLOAD: "off" }, 1);
      stops.push(streaming.stop);
      const cert = selfSignedCertificate(certDir);
      const blobsDir = path.join(dataDir, "blobs");
      /** docs/deploy/nginx.conf in front of one web process (each nginx its own: the file names its upstreams). */
      const documented = async (port: number) => {
        const [httpPort, httpsPort] = [await freePort(), await freePort()];
        const site = renderNginxConf({
          webServers: [`127.0.0.1:${port}`, `127.0.0.1:${port}`],
          objectStore: "127.0.0.1:9",
          httpPort,
          httpsPort,
          blobsDir,
          ...cert,
          linkSecretFile,
        });
        return { site, httpsPort };
      };
      const accel = await documented(web.port);
      const signed = await documented(signedWeb.port);
      // The ceiling: the nginx of the signed links, same TLS and certificate, serving the same file statically.
      const staticPort = await freePort();
      const ceiling = `
server {
    listen 127.0.0.1:${staticPort} ssl;
    ssl_certificate ${cert.certFile};
    ssl_certificate_key ${cert.keyFile};
    ssl_session_cache shared:efacture_static_tls:10m;
    access_log off;
    location /static/ { alias ${blobsDir}/; sendfile on; tcp_nopush on; default_type application/pdf; }
}
`;
      const nginxOptions = { accessLog: false, workers: 2 };
      const accelNginx = await startNginx(accel.site, [accel.httpsPort], nginxOptions);
      stops.push(accelNginx.stop);
      const signedNginx = await startNginx(
        `${signed.site}\n${ceiling}`,
        [signed.httpsPort, staticPort],
        nginxOptions,
      );
      stops.push(signedNginx.stop);
      const blobPath = `${invoice.sha256.slice(0, 2)}/${invoice.sha256.slice(2, 4)}/${invoice.sha256}`;
      const staticUrl = `https://127.0.0.1:${staticPort}/static/${blobPath}`;
      const accelUrl = `https://127.0.0.1:${accel.httpsPort}/factures/${invoice.id}/pdf`;
      const hopUrl = `https://127.0.0.1:${signed.httpsPort}/factures/${invoice.id}/pdf`;
      const streamUrl = `http://127.0.0.1:${streaming.port}/factures/${invoice.id}/pdf`;
      /** A fresh signed link (valid 30 s: one is taken just before each round of 8 s), checked for its bytes. */
      const freshLink = async () => {
        const hop = await httpsRequest(signed.httpsPort, HOST, `/factures/${invoice.id}/pdf`, {
          headers: cookie,
        });
        const location = hop.headers.location;
        if (hop.status !== 303 || typeof location !== "string")
          throw new Error(`${hopUrl}: ${hop.status}, expected a 303 to a signed link`);
        const linkUrl = `https://127.0.0.1:${signed.httpsPort}${location}`;
        await preflight(linkUrl, cookie, invoice.sizeBytes);
        return linkUrl;
      };
      // The invoice's first download, as a browser makes it from the portal's pages (recorded by the portal's
      // hop): from then on the pages carry nginx's signed link for it.
      const firstHop = await httpsRequest(signed.httpsPort, HOST, `/factures/${invoice.id}/pdf`, {
        headers: { ...cookie, "Sec-Fetch-Site": "same-origin" },
      });
      if (firstHop.status !== 303) throw new Error(`first download: ${firstHop.status}`);
      /** The link of the invoice's download icon on a list page freshly fetched through nginx (a browser's click). */
      const freshPageLink = async () => {
        const page = await httpsRequest(signed.httpsPort, HOST, "/factures", { headers: cookie });
        const html = page.body.toString();
        const row = html.split("<tr").find((r) => r.includes(`value="${invoice.id}"`));
        const href = row && /<a class="inv-dl" href="([^"]+)"/.exec(row)?.[1]?.replaceAll("&amp;", "&");
        if (page.status !== 200 || !href?.startsWith(`/_efacture/dl/${invoice.sha256}/${invoice.id}/`))
          throw new Error(`list page ${page.status}: no signed link for the downloaded invoice (${href})`);
        const linkUrl = `https://127.0.0.1:${signed.httpsPort}${href}`;
        await preflight(linkUrl, cookie, invoice.sizeBytes);
        return linkUrl;
      };
      // Both hops in one wrk run: each 303's Location is the next request of that thread (a download = two
      // requests); the signed link's 200s are counted.
      const twoHopScript = path.join(certDir, "two-hop.lua");
      writeFileSync(twoHopScript, TWO_HOP_LUA);
      await preflight(streamUrl, cookie, invoice.sizeBytes);
      await preflight(staticUrl, {}, invoice.sizeBytes);
      await preflight(accelUrl, cookie, invoice.sizeBytes);
      // Warm-up.
      wrk(staticUrl, 8, {}, 2);
      wrk(accelUrl, 8, cookie, 2);
      wrk(await freshLink(), 8, cookie, 2);
      wrk(await freshPageLink(), 8, cookie, 2);
      wrk(hopUrl, 8, cookie, 2);
      const runs = {
        static: [] as WrkResult[],
        page: [] as WrkResult[],
        signed: [] as WrkResult[],
        hop: [] as WrkResult[],
        twoHop: [] as WrkResult[],
        accel: [] as WrkResult[],
        stream: [] as WrkResult[],
      };
      const line = (r: WrkResult) =>
        `${r.rps.toFixed(0)} req/s (p99 ${r.p99.toFixed(1)} ms, errors ${r.errors})`;
      for (let round = 1; round <= rounds; round++) {
        const s = wrk(staticUrl, connections, {});
        const p = wrk(await freshPageLink(), connections, cookie);
        const l = wrk(await freshLink(), connections, cookie);
        const h = wrk(hopUrl, connections, cookie);
        const e = wrk(hopUrl, connections, cookie, seconds, twoHopScript);
        const a = wrk(accelUrl, connections, cookie);
        const t = wrk(streamUrl, connections, cookie);
        runs.static.push(s);
        runs.page.push(p);
        runs.signed.push(l);
        runs.hop.push(h);
        runs.twoHop.push(e);
        runs.accel.push(a);
        runs.stream.push(t);
        log(
          `download round ${round}: nginx static ${line(s)}; page link (already downloaded) ${line(p)}; ` +
            `signed link ${line(l)}; ` +
            `portal hop (cookie → 303) ${line(h)}; two hops ${e.downloads?.toFixed(0)} downloads/s ` +
            `(${line(e)}); X-Accel offload ${line(a)}; streaming (no nginx) ${line(t)}; ` +
            `page-link/static ${(p.rps / s.rps).toFixed(2)}; load ${load()}`,
        );
      }
      const sum = (xs: WrkResult[], pick: (r: WrkResult) => number = (r) => r.rps) =>
        xs.reduce((a, r) => a + pick(r), 0);
      const ratio = (xs: WrkResult[], pick?: (r: WrkResult) => number) =>
        (sum(xs, pick) / sum(runs.static)).toFixed(2);
      log(
        `download, ${connections} connections, ${rounds} rounds, against nginx static: ` +
          `page link of an invoice already downloaded ${ratio(runs.page)} (goal ≥ 0.8); ` +
          `signed link ${ratio(runs.signed)}; portal hop ${ratio(runs.hop)}; ` +
          `two hops (a first download) ${ratio(runs.twoHop, (r) => r.downloads ?? 0)} (downloads/s); ` +
          `X-Accel offload ${ratio(runs.accel)}; streaming ${ratio(runs.stream)}`,
      );
      for (const stop of [signedNginx.stop, accelNginx.stop, streaming.stop, signedWeb.stop, web.stop])
        await stop();
    }

    log(`machine: load average ${load()} at end`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.query(`drop schema if exists ${schema}_boss cascade`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
