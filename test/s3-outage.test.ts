import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { createApiKey } from "../src/domain/api-keys/create-api-key.js";
import { buildFacturX } from "../src/einvoice/index.js";
import { buildWebApp } from "../src/http/web-app.js";
import {
  facturx,
  loggedInAccount,
  makeCustomer,
  makeTenant,
  multipart,
  publishFacturX,
} from "./support/factories.js";
import { type LocalS3, startS3rver } from "./support/s3rver.js";
import { ENGINES, openTestServices } from "./support/services.js";

// Issue 17 §1/§4: the originals in an S3 store that goes down (s3rver killed) and comes back, under a running
// portal: publication refused cleanly (no row without its file), downloads and readiness 503, then all works
// again without a restart.
describe.each(ENGINES)("S3 blob store outage on %s", (engine) => {
  let s3: LocalS3;
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let tenant: TenantRow;
  let key: string;
  const host = "s3o.localhost:3000";

  beforeAll(async () => {
    s3 = await startS3rver();
    services = await openTestServices(engine, { overrides: s3.env(`outage-${engine}`) });
    tenant = await makeTenant(services.db, { slug: "s3o", displayName: "S3 Location" });
    key = (await createApiKey({ db: services.db, tenantId: tenant.id })).key;
    app = await buildWebApp(services);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
    await s3?.dispose();
  });

  const invoiceCount = async () =>
    (
      await services.db.query<{ n: number }>("select count(*)::int as n from invoices where tenant_id = $1", [
        tenant.id,
      ])
    )[0]!.n;
  const postInvoice = async (number: string, customer: string) => {
    const { payload, contentType } = await multipart({
      file: { bytes: await buildFacturX(facturx(number, customer)), filename: `${number}.pdf` },
    });
    return app.inject({
      method: "POST",
      url: "/api/v1/invoices",
      headers: { host, authorization: `Bearer ${key}`, "content-type": contentType },
      payload,
    });
  };
  const ready = () => app.inject({ url: "/readyz", headers: { host: "localhost:3000" } });

  it("stores published originals in the bucket and serves them from there", async () => {
    expect(services.config.blobStore.kind).toBe("s3");
    const me = await loggedInAccount(services, app, tenant, { numbers: ["S3-1"], email: "s3-1@example.com" });
    const { invoice, bytes } = await publishFacturX(services, tenant, facturx("S3-F-1", "S3-1"));
    const keys: string[] = [];
    for await (const blob of services.blobs.listBlobs()) keys.push(blob.sha256);
    expect(keys).toContain(invoice.sha256);
    const pdf = await me.client.get(`/factures/${invoice.id}/pdf`);
    expect(pdf.statusCode).toBe(200);
    expect(Buffer.from(pdf.rawPayload)).toEqual(Buffer.from(bytes));
  });

  it("while the store is down: publication refused with 503 and no row, downloads 503, not ready; then all works again", async () => {
    const me = await loggedInAccount(services, app, tenant, { numbers: ["S3-2"], email: "s3-2@example.com" });
    await makeCustomer(services, tenant, "S3-3", { email: null });
    const { invoice } = await publishFacturX(services, tenant, facturx("S3-F-2", "S3-2"));
    expect((await ready()).statusCode).toBe(200);
    const before = await invoiceCount();

    await s3.stop();
    try {
      const refused = await postInvoice("S3-F-3", "S3-3");
      expect(refused.statusCode, refused.body).toBe(503);
      expect(refused.headers["retry-after"]).toBe("5");
      expect(refused.json()).toMatchObject({ error: { code: "service_unavailable" } });
      expect(await invoiceCount()).toBe(before); // nothing half-written: no invoice row without its file

      const download = await me.client.get(`/factures/${invoice.id}/pdf`);
      expect(download.statusCode).toBe(503);
      expect(download.headers["content-type"]).toContain("text/html");
      expect(download.body).toContain("<html");
      // Not an integrity failure: the file is not reported damaged while its store is merely down.
      const alerts = await services.db.query("select 1 from audit_entries where action = 'integrity.failed'");
      expect(alerts).toHaveLength(0);

      const notReady = await ready();
      expect(notReady.statusCode).toBe(503);
      expect(notReady.json()).toEqual({ status: "unavailable", reason: "blob store unreachable" });
    } finally {
      await s3.start();
    }

    // Back up: the same process, no restart.
    expect((await ready()).statusCode).toBe(200);
    const again = await postInvoice("S3-F-3", "S3-3");
    expect(again.statusCode, again.body).toBe(201);
    expect(await invoiceCount()).toBe(before + 1);
    const download = await me.client.get(`/factures/${invoice.id}/pdf`);
    expect(download.statusCode).toBe(200);
  }, 60_000);
});
