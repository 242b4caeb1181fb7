import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openServices } from "../src/app.js";
import { entryHash } from "../src/domain/audit/audit-chain.js";
import { publishFor } from "./support/audit-fixtures.js";
import { runEfacture, startEfacture } from "./support/cli.js";
import { makeTenant } from "./support/factories.js";
import { ENGINES, makeTestEnv, type TestEnv } from "./support/services.js";

describe.each(ENGINES)("efacture audit (%s)", (engine) => {
  let testEnv: TestEnv;
  let env: Record<string, string>;
  let out: string;

  /** Runs `work` with services of its own (the CLI processes are not running meanwhile). */
  async function withServices<T>(work: (services: Awaited<ReturnType<typeof openServices>>) => Promise<T>) {
    const services = await openServices(testEnv.config, { schema: testEnv.schema });
    try {
      return await work(services);
    } finally {
      await services.close();
    }
  }

  beforeAll(async () => {
    testEnv = makeTestEnv(engine);
    env = { ...testEnv.env, PORT: "0", LOG_LEVEL: "warn" };
    out = mkdtempSync(path.join(tmpdir(), "efacture-export-"));
    await withServices(async (services) => {
      const tenant = await makeTenant(services.db, { slug: "acme", displayName: "Acme Crédit" });
      const s = Object.assign(services, { testEnv, dispose: async () => {} });
      await publishFor(s, tenant, "A-1", "AC-1");
      await publishFor(s, tenant, "A-2", "AC-2");
    });
  }, 120_000);
  afterAll(async () => {
    await testEnv?.cleanup();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it("seals, verifies (exit 0, counts and MB/s), exports, and exits 1 naming the first broken entry", async () => {
    const sealed = await runEfacture(["audit", "seal", "--now", "2026-11-20T23:50:00Z"], env);
    expect(sealed.stderr).toBe("");
    expect(sealed.stdout).toMatch(/^sealed acme for 2026-11-20 at entry \d+$/m);
    const listed = await runEfacture(["audit", "seals", "--tenant", "acme"], env);
    expect(listed.stdout).toMatch(
      /^DAY +CHAIN +HEAD +HEAD HASH +KEY +TIMESTAMP\n2026-11-20 +acme +\d+ +[0-9a-f]{16}… +ed25519:[0-9a-f]{32} +-$/m,
    );
    const ok = await runEfacture(["audit", "verify"], env);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      /^Audit trail: \d+ chain\(s\), \d+ entries recomputed, \d+ seal\(s\) checked$/m,
    );
    expect(ok.stdout).toMatch(/^ {2}acme +\d+ entries \(1-\d+\), 1 seal\(s\), 0 timestamped: OK$/m);
    expect(ok.stdout).toMatch(
      /^Stored originals: 2 file\(s\) of 2 live invoice\(s\), [\d.]+ MB hashed in [\d.]+ s \([\d.]+ MB\/s\): OK$/m,
    );
    expect(ok.stdout).toMatch(/^OK: audit trail and stored originals intact/m);

    const today = new Date().toISOString().slice(0, 10);
    const exportArgs = ["audit", "export", "--tenant", "acme", "--from", "2020-01-01", "--to", today];
    const exported = await runEfacture([...exportArgs, "--out", path.join(out, "acme")], env);
    expect(exported.stderr).toBe("");
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(
      /^acme 2020-01-01 to \d{4}-\d{2}-\d{2}: \d+ audit entries in .*audit\.jsonl, 2 invoice\(s\) in .*liste-recapitulative\.csv$/m,
    );
    const lines = readFileSync(path.join(out, "acme", "audit.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.action)).toEqual(
      expect.arrayContaining(["tenant.created", "customer.created", "invoice.published", "mail.queued"]),
    );
    for (const line of lines) {
      const { prevHash, hash, ...record } = line;
      expect(entryHash(record.hashVersion ?? 1, prevHash, record)).toBe(hash);
    }
    const csv = readFileSync(path.join(out, "acme", "liste-recapitulative.csv"), "utf8");
    const rows = csv
      .slice(1)
      .split("\r\n")
      .filter(Boolean)
      .map((r) => r.split(";"));
    expect(
      csv.startsWith(
        "\uFEFFNuméro;Type;Code type;Date d’émission;N° client;Client;Total HT;TVA;Total TTC;Devise;SHA-256;",
      ),
    ).toBe(true);
    expect(rows.slice(1).map((r) => r.slice(0, 10))).toEqual([
      ["A-1", "Facture", "380", "2026-11-05", "AC-1", "Client AC-1", "1244,50", "246,90", "1491,40", "EUR"],
      ["A-2", "Facture", "380", "2026-11-05", "AC-2", "Client AC-2", "1244,50", "246,90", "1491,40", "EUR"],
    ]);
    expect(rows[1]![10]).toMatch(/^[0-9a-f]{64}$/);
    // Outside tester, item 11: where each invoice stands, and why it was withdrawn (none here).
    expect(rows[0]!.slice(-2)).toEqual(["Statut", "Motif du retrait"]);
    expect(rows.slice(1).map((r) => r.slice(-2))).toEqual([
      ["En ligne", ""],
      ["En ligne", ""],
    ]);
    // An export never overwrites an earlier one.
    const again = await runEfacture([...exportArgs, "--out", path.join(out, "acme")], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/cannot write .*audit\.jsonl: .*EEXIST/);

    const bad = await runEfacture(["audit", "verify", "--from", "2026-02-30"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--from expects a date YYYY-MM-DD, got "2026-02-30"');
    expect((await runEfacture(["audit", "export", "--tenant", "acme"], env)).code).toBe(2);
    expect((await runEfacture(["audit", "verify", "--tenant", "nope"], env)).stderr).toContain(
      'no tenant "nope"',
    );

    await withServices((s) =>
      s.db.query(
        "update audit_entries set ip = '198.51.100.1' where seq = 2 and tenant_id = (select id from tenants where slug = 'acme')",
      ),
    );
    const broken = await runEfacture(["audit", "verify", "--tenant", "acme"], env);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^ {2}acme +\d+ entries.*: BROKEN: entry 2 \(.*\) was altered/m);
    expect(broken.stdout).toMatch(/^FAILED: /m);
    expect(existsSync(path.join(out, "acme", "liste-recapitulative.csv"))).toBe(true);
  }, 400_000);

  it("runs while the server runs (through its control socket on PGlite)", async () => {
    // The same alteration as above (idempotent), so this test stands alone.
    await withServices((s) =>
      s.db.query(
        "update audit_entries set ip = '198.51.100.1' where seq = 2 and tenant_id = (select id from tenants where slug = 'acme')",
      ),
    );
    const server = startEfacture(["start"], env, /listening on (http:\/\/[\d.:]+)/);
    try {
      await server.ready;
      const result = await runEfacture(["audit", "verify", "--tenant", "acme"], env);
      // The verdict on the altered chain comes back through the running server.
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/BROKEN: entry 2/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);
});
