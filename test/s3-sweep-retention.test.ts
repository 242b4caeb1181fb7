import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { sweepOrphans } from "../src/domain/blobs/sweep-orphans.js";
import { runRetention } from "../src/domain/retention/run-retention.js";
import { facturx, makeCustomer, makeTenant, publishFacturX } from "./support/factories.js";
import { type LocalS3, startS3rver } from "./support/s3rver.js";
import { ENGINES, openTestServices } from "./support/services.js";

// The orphan sweep and the retention run through the S3 store: same listing, same deletes as the folder.
describe.each(ENGINES)("sweep and retention through the S3 store on %s", (engine) => {
  let s3: LocalS3;
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let tenant: TenantRow;

  beforeAll(async () => {
    s3 = await startS3rver();
    services = await openTestServices(engine, { overrides: s3.env(`sweep-${engine}`) });
    tenant = await makeTenant(services.db, { slug: "s3r", displayName: "S3 Retention" });
  }, 120_000);
  afterAll(async () => {
    await services?.dispose();
    await s3?.dispose();
  });

  it("the sweep removes an old unreferenced object and keeps the published ones", async () => {
    expect(services.config.blobStore.kind).toBe("s3");
    await makeCustomer(services, tenant, "SW-1", { email: null });
    const { invoice } = await publishFacturX(services, tenant, facturx("SW-F-1", "SW-1"));
    const orphan = (await services.blobs.put(randomBytes(2048))).sha256;
    // Within the grace period: kept.
    const young = await sweepOrphans({ db: services.db, blobs: services.blobs });
    expect(young).toMatchObject({ orphanBlobs: 0, youngUnreferenced: 1, tmpFiles: 0 });
    expect(await services.blobs.has(orphan)).toBe(true);
    // Past it (the objects' LastModified is their age): removed, the invoice's file kept.
    const swept = await sweepOrphans({ db: services.db, blobs: services.blobs }, { graceMs: -60_000 });
    expect(swept).toMatchObject({ orphanBlobs: 1, orphanBytes: 2048 });
    expect(await services.blobs.has(orphan)).toBe(false);
    expect(await services.blobs.has(invoice.sha256)).toBe(true);
  });

  it("retention deletes a removed invoice's object from the bucket", async () => {
    await makeCustomer(services, tenant, "RT-1", { email: null });
    const { invoice } = await publishFacturX(services, tenant, facturx("RT-F-1", "RT-1"));
    expect(await services.blobs.has(invoice.sha256)).toBe(true);
    const report = await runRetention(
      { db: services.db, blobs: services.blobs, queue: services.queue },
      { now: new Date(invoice.availableUntil.getTime() + 86_400_000), tenantId: tenant.id },
    );
    expect(report.removed).toBeGreaterThanOrEqual(1);
    expect(report.blobs.deleted).toBeGreaterThanOrEqual(1);
    expect(await services.blobs.has(invoice.sha256)).toBe(false);
  });
});
