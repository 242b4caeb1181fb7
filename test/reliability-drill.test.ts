// Fault drill (issue 18, item 4): `efacture web` and `efacture worker` as real processes on a PostgreSQL
// server of the test's own, under a publishing load from four integrator-like clients; PostgreSQL is
// stopped (fast shutdown: in-flight queries get 57P01) and started again mid-load. Both processes must
// live through it and serve again by themselves; retries must publish each invoice and mail each
// activation exactly once.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { buildFacturX, type FacturXInput } from "../src/einvoice/index.js";
import { runEfacture, startEfacture } from "./support/cli.js";
import { multipart } from "./support/factories.js";
import { freePort } from "./support/free-port.js";
import {
  drillRequired,
  type PrivatePostgres,
  postgresBinDir,
  startPrivatePostgres,
} from "./support/private-postgres.js";
import { type SmtpSink, startSmtpSink } from "./support/smtp-sink.js";

const binaries = postgresBinDir();
if (!binaries) {
  const message =
    "No PostgreSQL server binaries (/usr/lib/postgresql/*/bin: apt-get install postgresql): the reliability drill is skipped.";
  if (drillRequired) throw new Error(`E2E=required but ${message}`);
  console.warn(message);
}

const CUSTOMERS = 12;
const INVOICES = 48;
const CLIENTS = 4;
/** The whole drill, hang guard included. */
const DRILL_MS = 150_000;

const customerNumber = (i: number) => `DR${String(i).padStart(4, "0")}`;
const customerEmail = (i: number) => `client.${i}@drill.example.com`;

function invoiceInput(i: number): FacturXInput {
  const customer = i % CUSTOMERS;
  return {
    invoiceNumber: `FA-DRILL-${String(i).padStart(5, "0")}`,
    typeCode: "380",
    issueDate: "2026-11-05",
    dueDate: "2026-11-20",
    currency: "EUR",
    seller: {
      name: "Drill Location SAS",
      siren: "443061841",
      vatId: "FR44443061841",
      address: {
        line1: "12 avenue des Tilleuls",
        postcode: "92100",
        city: "Boulogne-Billancourt",
        countryCode: "FR",
      },
    },
    buyer: {
      name: `Client ${customer}`,
      id: customerNumber(customer),
      address: { line1: "3 rue Pasteur", postcode: "69003", city: "Lyon", countryCode: "FR" },
    },
    contractNumber: `LOA-${customer}`,
    lines: [
      {
        description: `Loyer mensuel ${i}`,
        quantity: "1",
        unitPrice: (190 + i).toFixed(2),
        vatRatePercent: "20",
      },
    ],
  };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with the tenant's Host header; rejects on connection errors and after `timeoutMs`. */
function request(
  port: number,
  options: { method?: string; path: string; host: string; headers?: Record<string, string>; body?: Buffer },
  timeoutMs = 20_000,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method: options.method ?? "GET",
        path: options.path,
        headers: { host: options.host, ...options.headers },
        timeout: timeoutMs,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(options.body);
  });
}

const alive = (p: { child: { exitCode: number | null; signalCode: string | null } }) =>
  p.child.exitCode === null && p.child.signalCode === null;

describe.skipIf(!binaries)("reliability drill: PostgreSQL restarted under a publishing load", () => {
  it(
    "keeps web and worker alive, ready again within 30 s, every invoice published exactly once, every activation mail delivered",
    async () => {
      const started = Date.now();
      const deadline = started + DRILL_MS - 15_000;
      let database: PrivatePostgres | undefined;
      let sink: SmtpSink | undefined;
      const dataDir = mkdtempSync(path.join(tmpdir(), "efacture-drill-"));
      const servers: ReturnType<typeof startEfacture>[] = [];
      try {
        database = await startPrivatePostgres();
        sink = await startSmtpSink();
        const port = await freePort();
        const host = `drill.localhost:${port}`;
        const env = {
          NODE_ENV: "test",
          DATA_DIR: dataDir,
          EFACTURE_DEMO: "0",
          DATABASE_URL: database.url,
          SMTP_URL: sink.url,
          PORT: String(port),
          PUBLIC_BASE_URL: `http://localhost:${port}`,
          LOG_LEVEL: "warn",
          MAIL_RETRY_DELAY_SECONDS: "1",
        };
        const migrated = await runEfacture(["migrate"], env);
        expect(migrated.code, migrated.stderr).toBe(0);
        const tenant = await runEfacture(["tenant", "create", "drill", "--name", "Drill Location"], env);
        expect(tenant.code, tenant.stderr).toBe(0);
        const created = await runEfacture(
          ["api-key", "create", "--tenant", "drill", "--label", "drill"],
          env,
        );
        expect(created.code, created.stderr).toBe(0);
        const key = created.stdout.trim();

        const web = startEfacture(["web"], env, /listening on/);
        servers.push(web);
        const worker = startEfacture(["worker"], env, /worker running/);
        servers.push(worker);
        await Promise.all([web.ready, worker.ready]);

        for (let i = 0; i < CUSTOMERS; i++) {
          const res = await request(port, {
            method: "PUT",
            path: `/api/v1/customers/${customerNumber(i)}`,
            host,
            headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
            body: Buffer.from(
              JSON.stringify({ name: `Client ${i}`, email: customerEmail(i), contracts: [`LOA-${i}`] }),
            ),
          });
          expect(res.status, res.body).toBeLessThan(300);
        }
        const files = await Promise.all(
          Array.from({ length: INVOICES }, async (_, i) => {
            const bytes = await buildFacturX(invoiceInput(i));
            return {
              name: `FA-DRILL-${String(i).padStart(5, "0")}.pdf`,
              bytes,
              sha256: createHash("sha256").update(bytes).digest("hex"),
            };
          }),
        );

        // Integrators: retry the same file on 503, 429 and connection errors until it is taken.
        const unexpected: string[] = [];
        let unavailable = 0;
        let missingRetryAfter = 0;
        let published = 0;
        let next = 0;
        const publishOne = async (file: (typeof files)[number]) => {
          const { payload: body, contentType } = await multipart({
            file: { bytes: file.bytes, filename: file.name },
          });
          while (Date.now() < deadline) {
            // A dead process does not come back by itself: no use waiting for the deadline.
            if (!alive(web) || !alive(worker))
              throw new Error(
                `a process died: ${JSON.stringify({ web: alive(web), worker: alive(worker) })}`,
              );
            try {
              const res = await request(port, {
                method: "POST",
                path: "/api/v1/invoices",
                host,
                headers: { authorization: `Bearer ${key}`, "content-type": contentType },
                body,
              });
              if (res.status === 200 || res.status === 201) {
                published++;
                return;
              }
              if (res.status === 503) {
                unavailable++;
                if (!res.headers["retry-after"]) missingRetryAfter++;
              } else if (res.status !== 429)
                unexpected.push(`${file.name}: ${res.status} ${res.body.slice(0, 300)}`);
            } catch {
              // Connection refused or reset: the answer may have been lost after a commit; the retry tells.
            }
            await sleep(250);
          }
          throw new Error(`${file.name} not published before the drill's deadline`);
        };
        const clients = Array.from({ length: CLIENTS }, async () => {
          while (next < files.length) {
            const file = files[next++]!;
            await publishOne(file);
          }
        });

        // Mid-load: a fast shutdown (in-flight queries get 57P01), 2 s down, started again.
        const restart = (async () => {
          while (published < INVOICES / 4 && Date.now() < deadline) await sleep(20);
          await database!.stop();
          await sleep(2_000);
          await database!.start();
          const back = Date.now();
          let ready: number | undefined;
          while (Date.now() - back < 45_000) {
            const res = await request(port, { path: "/readyz", host: `localhost:${port}` }, 5_000).catch(
              () => undefined,
            );
            if (res?.status === 200) {
              ready = Date.now();
              break;
            }
            await sleep(250);
          }
          return { readyAfterMs: ready === undefined ? undefined : ready - back };
        })();

        const [restarted] = await Promise.all([restart, ...clients]);
        console.info(
          `drill: ${INVOICES} invoices published, ${unavailable} answers 503 during the outage, /readyz 200 ${restarted.readyAfterMs} ms after PostgreSQL was back`,
        );
        expect(unexpected).toEqual([]);
        expect(published).toBe(INVOICES);
        expect(restarted.readyAfterMs, "/readyz not 200 within 30 s of PostgreSQL back").toBeDefined();
        expect(restarted.readyAfterMs!).toBeLessThan(30_000);
        expect(missingRetryAfter).toBe(0);
        expect({ web: alive(web), worker: alive(worker) }).toEqual({ web: true, worker: true });

        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        try {
          const [counts] = (
            await client.query(
              `select count(*)::int as rows, count(distinct invoice_number)::int as numbers, count(distinct sha256)::int as files
                 from invoices where tenant_id = (select id from tenants where slug = 'drill')`,
            )
          ).rows;
          expect(counts).toEqual({ rows: INVOICES, numbers: INVOICES, files: INVOICES });
          const stored = (await client.query("select sha256 from invoices")).rows.map((r) => r.sha256).sort();
          expect(stored).toEqual(files.map((f) => f.sha256).sort());

          // Every activation mail leaves at most once (issue 18, item 2): each attempt is committed before the
          // SMTP hand-over, so a mail whose outcome the restart hid ends 'uncertain' and is never sent again.
          // Wait for the queue to settle, then a little longer for a late duplicate.
          const settle = Date.now() + 60_000;
          let settled: { sent: number; uncertain: number; total: number };
          for (;;) {
            const { rows } = await client.query(
              `select count(*) filter (where status = 'sent')::int as sent,
                      count(*) filter (where status = 'uncertain')::int as uncertain, count(*)::int as total from mails`,
            );
            settled = rows[0];
            if (settled.total === CUSTOMERS && settled.sent + settled.uncertain === CUSTOMERS) break;
            if (Date.now() > settle)
              throw new Error(
                `mails not all settled: ${JSON.stringify(rows[0])}, ${sink.received.length} received`,
              );
            await sleep(250);
          }
          await sleep(3_000);
          const recipients = sink.received
            .map((m) => (Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address)
            .sort();
          expect(recipients.length, "no mail handed over twice").toBe(new Set(recipients).size);
          const { rows: sentTo } = await client.query("select to_address from mails where status = 'sent'");
          for (const { to_address } of sentTo) expect(recipients).toContain(to_address);
          if (settled.uncertain > 0)
            console.info(`drill: ${settled.uncertain} mail(s) left uncertain by the restart (not resent)`);
        } finally {
          await client.end();
        }
        expect({ web: alive(web), worker: alive(worker) }).toEqual({ web: true, worker: true });
        console.info(`drill: ${Math.round((Date.now() - started) / 1000)} s in all`);
      } catch (error) {
        for (const s of servers)
          console.error(`--- ${s.child.spawnargs.slice(-1)[0]} output:\n${s.output().slice(-6000)}`);
        throw error;
      } finally {
        await Promise.all(
          servers.map(async (s) => {
            const killer = setTimeout(() => s.child.kill("SIGKILL"), 10_000);
            await s.stop();
            clearTimeout(killer);
          }),
        );
        await sink?.close();
        await database?.destroy();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    DRILL_MS,
  );
});
