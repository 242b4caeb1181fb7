import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAudit } from "../src/domain/audit/verify-audit.js";
import { sweepOrphans } from "../src/domain/blobs/sweep-orphans.js";
import { createFsBlobStore } from "../src/storage/fs-blob-store.js";
import { plainPdf, retentionFixture } from "./retention-fixtures.js";
import { runEfacture } from "./support/cli.js";
import { ENGINES, makeTestEnv, openTestServices } from "./support/services.js";

type Services = Awaited<ReturnType<typeof openTestServices>>;

const TWO_DAYS_AGO = new Date(Date.now() - 2 * 24 * 3600_000);

describe.each(ENGINES)("orphan sweep on %s", (engine) => {
  let services: Services;
  let root: string;
  let store: ReturnType<typeof createFsBlobStore>;
  let fixture: ReturnType<typeof retentionFixture>;
  const age = (file: string, when = TWO_DAYS_AGO) => utimesSync(file, when, when);

  beforeAll(async () => {
    services = await openTestServices(engine);
    root = path.join(services.testEnv.dataDir, "blobs");
    store = createFsBlobStore(root);
    fixture = retentionFixture(services);
  });
  afterAll(async () => {
    await services?.dispose();
  });

  it("removes old temporary files and unreferenced old blobs, keeps the rest, audits, and the verifier reports both", async () => {
    const tenant = await fixture.tenant("sweep");
    const { customerNumber } = await fixture.customer(tenant, "C-1", "c1@example.com");
    const invoice = await fixture.publish(tenant, customerNumber, new Date());
    const [row] = await services.db.query<{ sha256: string }>("select sha256 from invoices where id = $1", [
      invoice.id,
    ]);
    const published = row!.sha256;
    const logo = (await store.put(randomBytes(64))).sha256;
    await services.db.query("update tenants set logo_sha256 = $2 where id = $1", [tenant.id, logo]);
    const orphan = (await store.put(randomBytes(64))).sha256;
    const young = (await store.put(randomBytes(64))).sha256;
    for (const sha of [published, logo, orphan]) age(store.pathOf(sha));
    mkdirSync(path.join(root, "tmp"), { recursive: true });
    const oldTmp = path.join(root, "tmp", `${orphan}.aaaaaa.tmp`);
    const newTmp = path.join(root, "tmp", `${orphan}.bbbbbb.tmp`);
    writeFileSync(oldTmp, "partial");
    writeFileSync(newTmp, "in progress");
    age(oldTmp);

    const preview = await sweepOrphans({ db: services.db, blobs: store }, { dryRun: true });
    expect(preview).toMatchObject({ tmpFiles: 1, orphanBlobs: 1, youngUnreferenced: 1, removed: false });
    expect(existsSync(store.pathOf(orphan))).toBe(true);
    expect(existsSync(oldTmp)).toBe(true);

    const verified = await verifyAudit(
      {
        db: services.db,
        blobs: store,
        trustedPublicKeys: [services.sealKey().publicKeyPem],
      },
      { orphans: true },
    );
    expect(verified.ok).toBe(true);
    expect(verified.orphans).toMatchObject({ tmpFiles: 1, orphanBlobs: 1 });

    const swept = await sweepOrphans({ db: services.db, blobs: store });
    expect(swept).toMatchObject({ tmpFiles: 1, orphanBlobs: 1, youngUnreferenced: 1, removed: true });
    expect(existsSync(store.pathOf(orphan))).toBe(false);
    expect(existsSync(oldTmp)).toBe(false);
    for (const kept of [store.pathOf(published), store.pathOf(logo), store.pathOf(young), newTmp])
      expect(existsSync(kept)).toBe(true);
    const [entry] = await services.db.query<{ details: Record<string, number> }>(
      "select details from audit_entries where action = 'blob.orphan_removed' order by at desc limit 1",
    );
    expect(entry?.details).toMatchObject({ tmpFiles: 1, blobs: 1 });

    // Nothing left: a second sweep removes nothing and writes no audit entry.
    const again = await sweepOrphans({ db: services.db, blobs: store });
    expect(again).toMatchObject({ tmpFiles: 0, orphanBlobs: 0 });
  });

  it("never leaves a publication without its bytes when it reuses an old orphan's", async () => {
    const tenant = await fixture.tenant("race");
    const { customerNumber } = await fixture.customer(tenant, "C-2", "c2@example.com");
    for (let i = 0; i < 5; i++) {
      const bytes = await plainPdf(`race ${i}`);
      // Left by a publication that crashed: stored, no row, old. The next one reuses it (put writes nothing).
      const { sha256 } = await store.put(bytes);
      age(store.pathOf(sha256));
      const [invoice] = await Promise.all([
        fixture.publish(tenant, customerNumber, new Date(), { number: `R-${i}`, bytes }),
        sweepOrphans({ db: services.db, blobs: store }),
      ]);
      expect(invoice).toBeDefined();
      expect(existsSync(store.pathOf(sha256))).toBe(true);
    }
  });
});

describe("efacture blobs sweep", () => {
  it("counts without removing under --dry-run, then removes", async () => {
    const testEnv = makeTestEnv("pglite");
    try {
      const tmp = path.join(testEnv.dataDir, "blobs", "tmp");
      mkdirSync(tmp, { recursive: true });
      const leftover = path.join(tmp, "crashed.tmp");
      writeFileSync(leftover, "partial");
      utimesSync(leftover, TWO_DAYS_AGO, TWO_DAYS_AGO);
      const dry = await runEfacture(["blobs", "sweep", "--dry-run"], testEnv.env);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain("Temporary files older than 1 h: 1 (would remove)");
      expect(existsSync(leftover)).toBe(true);
      const real = await runEfacture(["blobs", "sweep"], testEnv.env);
      expect(real.stdout).toContain("Temporary files older than 1 h: 1 (removed)");
      expect(existsSync(leftover)).toBe(false);
    } finally {
      await testEnv.cleanup();
    }
  }, 120_000);
});
