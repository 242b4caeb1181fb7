import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openServices, type Services } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { migrateBlobs } from "../src/domain/blobs/migrate-blobs.js";
import { openBlobStore } from "../src/storage/open-blob-store.js";
import { runEfacture } from "./support/cli.js";
import { facturx, makeCustomer, makeTenant, publishFacturX } from "./support/factories.js";
import { type LocalS3, startS3rver } from "./support/s3rver.js";
import { ENGINES, makeTestEnv, type TestEnv } from "./support/services.js";

// Issue 17 §1: `efacture blobs migrate --to s3://…` (and back to file://): every referenced original copied and
// verified, orphans left behind, resumable after a run that died midway, problems stop the switch, and after the
// switch a process on the old store refuses to start.
describe.each(ENGINES)("efacture blobs migrate on %s", (engine) => {
  let s3: LocalS3;
  let testEnv: TestEnv;
  const folders: string[] = [];
  let referenced: Map<string, Uint8Array>;
  let orphan: string;

  /** Services on the test's database with these variables (never open while a CLI run uses PGlite). */
  async function withServices<T>(env: Record<string, string>, run: (services: Services) => Promise<T>) {
    const services = await openServices(loadConfig(env), { schema: testEnv.schema });
    try {
      return await run(services);
    } finally {
      await services.close();
    }
  }
  const s3Env = () => {
    const { BLOB_STORE: _, ...rest } = s3.env();
    return { ...testEnv.env, ...rest };
  };
  const target = `s3://efacture/migrated-${engine}`;

  beforeAll(async () => {
    s3 = await startS3rver();
    testEnv = makeTestEnv(engine);
    referenced = new Map();
    await withServices(testEnv.env, async (services) => {
      const tenant = await makeTenant(services.db, { slug: `mig${engine}`, displayName: "Mig Location" });
      for (let i = 1; i <= 4; i++) {
        await makeCustomer(services, tenant, `M-${i}`, { email: null });
        const { invoice, bytes } = await publishFacturX(services, tenant, facturx(`MIG-${i}`, `M-${i}`));
        referenced.set(invoice.sha256, bytes);
        const [row] = await services.db.query<{ xml: string | null }>(
          `select xml_sha256 as xml from invoices where id = $1`,
          [invoice.id],
        );
        if (row?.xml) referenced.set(row.xml, (await services.blobs.read(row.xml))!);
      }
      orphan = (await services.blobs.put(randomBytes(1000))).sha256;
    });
  }, 120_000);
  afterAll(async () => {
    await testEnv?.cleanup();
    await s3?.dispose();
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });

  const targetKeys = async () => {
    const store = openBlobStore(loadConfig({ ...s3Env(), BLOB_STORE: target }).blobStore);
    const keys: string[] = [];
    for await (const blob of store.listBlobs()) keys.push(blob.sha256);
    store.close();
    return keys;
  };

  it("says what is wrong with --to", async () => {
    const run = await runEfacture(["blobs", "migrate", "--to", "ftp://nope"], testEnv.env);
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stderr).toContain("--to: expected file:///absolute/path or s3://bucket/prefix");
    const noRegion = await runEfacture(["blobs", "migrate", "--to", "s3://efacture/x"], testEnv.env);
    expect(noRegion.code).toBe(2);
    expect(noRegion.stderr).toContain("S3_REGION: expected the object store's region");
  });

  it("copies what rows reference, resumes a run that died midway, verifies each copy, leaves orphans", async () => {
    expect(referenced.size).toBe(8); // 4 PDFs and their 4 XMLs
    // A first run dies after two copies (as a killed process would).
    const crash = new Error("killed");
    let copies = 0;
    await withServices(s3Env(), async (services) => {
      const store = openBlobStore(loadConfig({ ...s3Env(), BLOB_STORE: target }).blobStore);
      await expect(
        migrateBlobs(
          {
            db: services.db,
            source: { ...services.blobs, identity: services.config.blobStore.identity },
            target: store,
          },
          {
            onBlob(outcome) {
              if (outcome === "copied" && ++copies === 2) throw crash;
            },
          },
        ),
      ).rejects.toBe(crash);
      store.close();
    });
    expect(await targetKeys()).toHaveLength(2);

    const resumed = await runEfacture(["blobs", "migrate", "--to", target], s3Env());
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    expect(resumed.stdout).toContain("Originals a row needs: 8");
    expect(resumed.stdout).toContain("Copied and verified: 6");
    expect(resumed.stdout).toContain("Already in the target: 2");
    expect(resumed.stdout).toContain("Not switched");
    expect(resumed.stderr).toContain("progress: 8/8 blobs");
    expect((await targetKeys()).sort()).toEqual([...referenced.keys()].sort());
    expect(await targetKeys()).not.toContain(orphan);

    const again = await runEfacture(["blobs", "migrate", "--to", target, "--verify-existing"], s3Env());
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Copied and verified: 0");
    expect(again.stdout).toContain("Already in the target: 8");
  }, 120_000);

  it("refuses to switch while an original is missing from the source, then switches; the old store is refused", async () => {
    const [missing, bytes] = [...referenced.entries()][0]!;
    // Absent from the target and from the source: a problem, listed, and no switch.
    const s3Store = openBlobStore(loadConfig({ ...s3Env(), BLOB_STORE: target }).blobStore);
    await s3Store.delete(missing);
    await withServices(testEnv.env, (services) => services.blobs.delete(missing));
    const refused = await runEfacture(["blobs", "migrate", "--to", target, "--switch"], s3Env());
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(`missing_in_source: ${missing}`);
    expect(refused.stdout).toContain("PROBLEMS: 1");
    expect(refused.stdout).toContain("Not switched: fix the problems");
    await withServices(testEnv.env, async (services) => {
      await services.blobs.put(bytes);
    });

    const switched = await runEfacture(["blobs", "migrate", "--to", target, "--switch"], s3Env());
    expect(switched.code, switched.stdout + switched.stderr).toBe(0);
    expect(switched.stdout).toContain("Copied and verified: 1");
    expect(switched.stdout).toContain(`Switched: the database records ${target}`);
    s3Store.close();

    // A process still configured for the folder refuses to start, and says what to set.
    await expect(withServices(testEnv.env, async () => {})).rejects.toThrow(
      `BLOB_STORE is file://${path.join(testEnv.dataDir, "blobs")} but efacture blobs migrate moved the originals to ${target}`,
    );
    // On the bucket: every original is there, whole.
    await withServices({ ...s3Env(), BLOB_STORE: target }, async (services) => {
      for (const [sha256, original] of referenced)
        expect(Buffer.from((await services.blobs.read(sha256))!)).toEqual(Buffer.from(original));
    });
  }, 120_000);

  it("moves back to a folder the same way", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), "efacture-migrate-back-"));
    folders.push(folder);
    const back = await runEfacture(["blobs", "migrate", "--to", `file://${folder}`, "--switch"], {
      ...s3Env(),
      BLOB_STORE: target,
    });
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(back.stdout).toContain("Copied and verified: 8");
    await withServices({ ...testEnv.env, BLOB_STORE: `file://${folder}` }, async (services) => {
      for (const [sha256, original] of referenced)
        expect(Buffer.from((await services.blobs.read(sha256))!)).toEqual(Buffer.from(original));
    });
  }, 120_000);
});
