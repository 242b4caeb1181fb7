import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Services } from "../src/app.js";
import { openServices } from "../src/app.js";
import { parseNow, retentionCommand } from "../src/cli/commands/retention.js";
import { UsageError } from "../src/cli/io.js";
import { openDatabase } from "../src/db/open-database.js";
import { REMOVED_STATUS } from "../src/domain/retention/retention-rules.js";
import { createFsBlobStore } from "../src/storage/fs-blob-store.js";
import { plainPdf, retentionFixture } from "./retention-fixtures.js";
import { BIN, ROOT, runEfacture, startEfacture } from "./support/cli.js";
import { ENGINES, makeTestEnv, type TestEnv } from "./support/services.js";

/** Rows from the test database, opened once the command lines have exited (PGlite has one owner). */
async function query<R>(testEnv: TestEnv, text: string, params: unknown[] = []): Promise<R[]> {
  const opened = await openDatabase(testEnv.config, { schema: testEnv.schema });
  try {
    return await opened.db.query<R>(text, params);
  } finally {
    await opened.close();
  }
}

describe("--now", () => {
  it("reads a date (00:00 UTC) or an instant with its offset, and refuses anything else", () => {
    expect(parseNow("2028-03-01")).toEqual(new Date("2028-03-01T00:00:00Z"));
    expect(parseNow("2028-02-29T03:00:00+01:00")).toEqual(new Date("2028-02-29T02:00:00Z"));
    expect(parseNow("2028-03-01T10:15Z")).toEqual(new Date("2028-03-01T10:15:00Z"));
    for (const bad of [
      "2027-02-29",
      "2028-02-30",
      "2028-03-01T10:00",
      "2028-13-01",
      "demain",
      "2028-03-01T25:00Z",
      "",
    ])
      expect(() => parseNow(bad), bad).toThrow(/--now must be an ISO date/);
  });
});

describe("retention run in production", () => {
  it("refuses a --now ahead of the clock, which would remove originals before their date, unless it is a dry run", async () => {
    const io = { out: () => {}, err: () => {}, cwd: "/", isTTY: false };
    // Refused before any database access: the services are not needed.
    const services = { config: { production: true } } as unknown as Services;
    const future = new Date(Date.now() + 86_400_000).toISOString();
    await expect(retentionCommand(["run", "--now", future], io, services)).rejects.toThrow(
      new UsageError("--now may not be in the future in production (add --dry-run to preview)"),
    );
  });
});

describe.each(ENGINES)("efacture retention run (%s)", (engine) => {
  it("refuses a wrong --now with one line and exit 2, an unknown tenant with exit 1", async () => {
    const testEnv = makeTestEnv(engine);
    try {
      const bad = await runEfacture(["retention", "run", "--now", "2026-02-30"], testEnv.env);
      expect(bad.code).toBe(2);
      expect(bad.stdout).toBe("");
      expect(bad.stderr.trim().split("\n")).toEqual([
        'efacture: --now must be an ISO date such as 2028-03-01 or an instant such as 2028-03-01T03:00:00Z, got "2026-02-30"',
      ]);
      const unknown = await runEfacture(["retention", "run", "--tenant", "nope"], testEnv.env);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr.trim()).toBe(
        'efacture: no tenant "nope" (see efacture tenant list) (unknown_tenant)',
      );
      const usage = await runEfacture(["retention", "sweep"], testEnv.env);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toContain("usage: efacture retention run [--now <ISO date>]");
    } finally {
      await testEnv.cleanup();
    }
  }, 180_000);

  it("runs while the server runs: a dry run, then the run, each with its summary", async () => {
    const testEnv = makeTestEnv(engine);
    const env = { ...testEnv.env, PORT: "0", LOG_LEVEL: "warn" };
    const server = startEfacture(["start"], env, /listening on (http:\/\/[\d.:]+)/);
    try {
      await server.ready;
      const dir = mkdtempSync(path.join(tmpdir(), "efacture-retention-cli-"));
      writeFileSync(
        path.join(dir, "customers.csv"),
        "customerNumber,name,email\nC-1,Client Un,un@example.com\n",
      );
      writeFileSync(path.join(dir, "a.pdf"), await plainPdf("cli a"));
      writeFileSync(path.join(dir, "a-copy.pdf"), await plainPdf("cli a"));
      writeFileSync(path.join(dir, "b.pdf"), await plainPdf("cli b"));
      // a.pdf and its copy under two numbers: two invoices holding the same bytes.
      writeFileSync(
        path.join(dir, "manifest.csv"),
        [
          "file,customerNumber,invoiceNumber,issueDate,grandTotal,currency",
          "a.pdf,C-1,F-1,2026-10-01,120.00,EUR",
          "a-copy.pdf,C-1,F-2,2026-10-02,120.00,EUR",
          "b.pdf,C-1,F-3,2026-10-03,60.00,EUR",
        ].join("\n"),
      );
      const steps = [
        ["tenant", "create", "cli", "--name", "Crédit CLI", "--retention-months", "1"],
        ["customers", "import", "--tenant", "cli", path.join(dir, "customers.csv")],
        // One batch at a time: concurrent batches for one pending account can deadlock on PostgreSQL (reported).
        [
          "invoices",
          "import",
          "--tenant",
          "cli",
          "--concurrency",
          "1",
          "--manifest",
          path.join(dir, "manifest.csv"),
        ],
      ];
      for (const step of steps) {
        const result = await runEfacture(step, env);
        expect(result.code, `${step.join(" ")}\n${result.stdout}\n${result.stderr}`).toBe(0);
      }
      const now = new Date(Date.now() + 40 * 86_400_000).toISOString();

      const dry = await runEfacture(["retention", "run", "--now", now, "--tenant", "cli", "--dry-run"], env);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout.trim().split("\n")).toEqual([
        `Dry run (nothing changed) at ${now} for tenant cli`,
        "  reminders 60 days: 0 mails would be queued (0 invoices)",
        "  reminders 15 days: 0 mails would be queued (0 invoices)",
        "  invoices removed: 3 (would be)",
        "  blobs deleted: 2 (would be)",
        "  blobs kept (same bytes as a live invoice): 0",
      ]);

      const done = await runEfacture(["retention", "run", "--now", now], env);
      expect(done.code, done.stderr).toBe(0);
      expect(done.stdout.trim().split("\n")).toEqual([
        `Retention run at ${now} for all tenants`,
        "  reminders 60 days: 0 mails queued (0 invoices)",
        "  reminders 15 days: 0 mails queued (0 invoices)",
        "  invoices removed: 3",
        "  blobs deleted: 2",
        "  blobs kept (same bytes as a live invoice): 0",
      ]);
      expect(done.stderr).toBe("progress: 3 invoices removed\n");
      const again = await runEfacture(["retention", "run", "--now", now], env);
      expect(again.stdout).toContain("  invoices removed: 0\n");
    } finally {
      expect(await server.stop()).toBe(0);
      await testEnv.cleanup();
    }
  }, 300_000);

  it("finishes a run killed in the middle: nothing removed twice, no live file touched, every removed file gone", async () => {
    const testEnv = makeTestEnv(engine);
    const DUE = 1_100;
    const LIVE = 20;
    try {
      // Set-up in this process, then closed: the command lines own the database afterwards.
      const services = await openServices(testEnv.config, { schema: testEnv.schema });
      try {
        const fx = retentionFixture(services);
        const tenant = await fx.tenant("crash");
        const customer = await fx.customer(tenant, "C-1", "crash@example.com");
        const template = await fx.publish(tenant, customer.customerNumber, new Date("2024-01-01T10:00:00Z"));
        const shas: string[] = [];
        for (let i = 0; i < DUE + LIVE; i++)
          shas.push((await services.blobs.put(new TextEncoder().encode(`%PDF-1.7 invoice ${i}`))).sha256);
        await services.db.query(
          `insert into invoices (tenant_id, customer_id, account_id, invoice_number, type_code, issue_date, currency, grand_total,
                                 sha256, size_bytes, published_at, available_until)
           select t.tenant_id, t.customer_id, t.account_id, 'X-' || x.n, t.type_code, t.issue_date, t.currency, t.grand_total,
                  x.sha, 20, t.published_at,
                  case when x.n <= $3 then t.available_until else t.available_until + interval '3 years' end
             from invoices t, unnest($2::text[]) with ordinality as x(sha, n)
            where t.id = $1`,
          [template.id, shas, DUE],
        );
        // One live invoice holds the same bytes as a due one.
        await services.db.query(
          `update invoices set sha256 = $2 where tenant_id = $1 and invoice_number = $3`,
          [tenant.id, shas[0], `X-${DUE + 1}`],
        );
      } finally {
        await services.close();
      }
      const now = "2026-06-01T00:00:00Z";
      const env = { ...testEnv.env, LOG_LEVEL: "warn" };

      // The first run is killed as soon as its first batch is committed.
      const child = spawn(process.execPath, [BIN, "retention", "run", "--now", now], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      await new Promise<void>((resolve, reject) => {
        child.stderr.on("data", (d: Buffer) => {
          stderr += d;
          if (stderr.includes("progress:")) {
            child.kill("SIGKILL");
            resolve();
          }
        });
        child.on("exit", (code) =>
          reject(new Error(`run ended by itself (${code}) before it could be killed:\n${stderr}`)),
        );
      });
      await new Promise((resolve) => child.once("exit", resolve));

      const [killed] = await query<{ removed: number }>(
        testEnv,
        "select count(*)::int as removed from invoices where removed_at is not null",
      );
      expect(killed!.removed).toBeGreaterThan(0);
      expect(killed!.removed).toBeLessThan(DUE + 1);

      const rerun = await runEfacture(["retention", "run", "--now", now], env);
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stdout).toContain(`  invoices removed: ${DUE + 1 - killed!.removed}\n`);
      expect(rerun.stdout).toContain("  blobs kept (same bytes as a live invoice): 1\n");

      const rows = await query<{
        sha256: string;
        live: boolean;
        settled: boolean;
        events: number;
        audits: number;
      }>(
        testEnv,
        `select i.sha256, i.removed_at is null as live, i.blob_deleted_at is not null as settled,
                (select count(*)::int from invoice_events e where e.invoice_id = i.id and e.code = $1) as events,
                (select count(*)::int from audit_entries a where a.target_id = i.id::text and a.action = 'invoice.removed') as audits
           from invoices i`,
        [REMOVED_STATUS],
      );
      const blobs = createFsBlobStore(path.join(testEnv.dataDir, "blobs"));
      const live = rows.filter((r) => r.live);
      const removed = rows.filter((r) => !r.live);
      expect(live).toHaveLength(LIVE);
      expect(removed).toHaveLength(DUE + 1);
      for (const row of live) {
        expect(await blobs.has(row.sha256)).toBe(true);
        expect(row).toMatchObject({ events: 0, audits: 0 });
      }
      const liveShas = new Set(live.map((r) => r.sha256));
      for (const row of removed) {
        expect(row).toMatchObject({ settled: true, events: 1, audits: 1 });
        expect(await blobs.has(row.sha256)).toBe(liveShas.has(row.sha256));
      }
    } finally {
      await testEnv.cleanup();
    }
  }, 300_000);
});
