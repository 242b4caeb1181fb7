import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishDeps } from "../src/app.js";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { publishInvoice } from "../src/domain/invoices/publish-invoice.js";
import { connectPa } from "../src/domain/pa/connect-pa.js";
import { validateInvoiceJob } from "../src/domain/shared/jobs.js";
import type { InvoiceValidator } from "../src/einvoice/validation/types.js";
import { createValidatorPool } from "../src/einvoice/validation/validator-pool.js";
import { validateInvoiceHandler } from "../src/jobs/validate-invoice.job.js";
import { plainPdf } from "./retention-fixtures.js";
import { facturx, issuer, makeCustomer, makeTenant, publishFacturX } from "./support/factories.js";
import { type LocalPa, startLocalPa } from "./support/local-pa.js";
import { ENGINES, openTestServices } from "./support/services.js";

// The whole path with the REAL rules (the FNFE-MPE pool, not a stand-in): publication → the check's job → the
// verdict → the PA transmission it allows or holds (docs/compliance.md, docs/pa-bridge.md).
const pool = createValidatorPool({ threads: 1 });
const shared: InvoiceValidator = {
  validate: (bytes, options) => pool.validate(bytes, options),
  close: async () => {},
};
afterAll(() => pool.close());

describe.each(ENGINES)("compliance check to PA transmission, with the official rules (%s)", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let pa: LocalPa;
  let tenant: TenantRow;
  let n = 0;

  beforeAll(async () => {
    pa = await startLocalPa();
    pa.addClient("client-c", "secret-of-c");
    services = await openTestServices(engine, { validator: shared });
    tenant = await makeTenant(services.db, { slug: `conf-${engine}`, displayName: "Bail Conformité" });
    await connectPa(
      { db: services.db, queue: services.queue, platformSecret: services.cookieSecret },
      {
        tenantId: tenant.id,
        flowUrl: pa.flowUrl,
        tokenUrl: pa.tokenUrl,
        clientId: "client-c",
        clientSecret: "secret-of-c",
        actor: { type: "platform", id: "test" },
      },
    );
  });
  afterAll(async () => {
    await services?.dispose();
    await pa?.close();
  });

  /** Runs the check's job for the invoice, as a worker would (the job queued by the publication). */
  async function check(invoiceId: string) {
    await validateInvoiceHandler(services)(validateInvoiceJob.parse({ tenantId: tenant.id, invoiceId }), {
      jobId: "test",
      retryCount: 0,
      retryLimit: validateInvoiceJob.retryLimit,
      lastAttempt: false,
    });
    const [row] = await services.db.query<{
      validation_status: string;
      validation_findings: { rule: string; flag: string }[];
      processing_rule: string;
    }>(`select validation_status, validation_findings, processing_rule from invoices where id = $1`, [
      invoiceId,
    ]);
    const [transmission] = await services.db.query<{ status: string; hold_reason: string | null }>(
      `select status, hold_reason from pa_transmissions where invoice_id = $1`,
      [invoiceId],
    );
    return { ...row!, transmission };
  }

  it("queues for the PA a B2B invoice the rules pass, in the transaction that stores its verdict", async () => {
    n++;
    await makeCustomer(services, tenant, `B${n}`);
    const { id } = await publishFacturX(
      services,
      tenant,
      facturx(`CONF-${n}`, `B${n}`, {
        processingRule: "B2B",
        buyer: {
          name: "Transports Durand SARL",
          id: `B${n}`,
          siren: "552100554",
          address: { line1: "2 rue B", postcode: "69001", city: "Lyon", countryCode: "FR" },
        },
      }),
    );
    const result = await check(id);
    expect(result.processing_rule).toBe("B2B");
    expect(result.validation_findings.filter((f) => f.flag === "fatal")).toEqual([]);
    expect(["passed", "warnings"]).toContain(result.validation_status);
    expect(result.transmission).toEqual({ status: "queued", hold_reason: null });
  });

  it("holds a B2B invoice without the buyer's SIREN: BR-FR-11 from the official rules, never sent", async () => {
    n++;
    await makeCustomer(services, tenant, `B${n}`);
    const { id } = await publishFacturX(
      services,
      tenant,
      facturx(`CONF-${n}`, `B${n}`, { processingRule: "B2B" }),
    );
    const result = await check(id);
    expect(result.validation_status).toBe("failed");
    expect(result.validation_findings).toContainEqual(
      expect.objectContaining({ rule: "BR-FR-11", flag: "fatal" }),
    );
    expect(result.transmission).toEqual({ status: "held", hold_reason: "validation_failed" });
    expect(pa.flows("client-c").some((f) => f.trackingId === id)).toBe(false);
  });

  it("keeps the French B2B rules as warnings for a B2C invoice to an individual (no SIREN, no electronic address)", async () => {
    n++;
    await makeCustomer(services, tenant, `I${n}`);
    const { id } = await publishFacturX(
      services,
      tenant,
      facturx(`CONF-${n}`, `I${n}`, { processingRule: "B2C" }),
    );
    const result = await check(id);
    expect(result.processing_rule).toBe("B2C");
    expect(result.validation_status).toBe("warnings");
    expect(result.validation_findings).toContainEqual(
      expect.objectContaining({ rule: "BR-FR-12", flag: "warning" }),
    );
    expect(result.transmission).toBeUndefined();
  });

  it("gives a plain PDF published with metadata a verdict instead of retrying forever: a warning for B2C, fatal for B2B", async () => {
    const verdicts: Record<string, unknown> = {};
    for (const route of ["B2C", "B2B"]) {
      n++;
      await makeCustomer(services, tenant, `P${n}`);
      const { invoice } = await publishInvoice(publishDeps(services), {
        tenant,
        bytes: await plainPdf(`plain ${n}`),
        metadata: {
          customerNumber: `P${n}`,
          invoiceNumber: `PLAIN-${n}`,
          issueDate: "2026-11-05",
          grandTotal: "120.00",
          currency: "EUR",
          processingRule: route,
        },
        actor: issuer,
      });
      const result = await check(invoice.id);
      verdicts[route] = {
        status: result.validation_status,
        findings: result.validation_findings.map((f) => `${f.rule}:${f.flag}`),
        transmission: result.transmission?.status ?? null,
      };
    }
    expect(verdicts).toEqual({
      B2C: { status: "warnings", findings: ["NO-STRUCTURED-DATA:warning"], transmission: null },
      B2B: {
        status: "failed",
        findings: expect.arrayContaining(["NO-STRUCTURED-DATA:fatal", "BR-FR-11:fatal"]),
        transmission: "held",
      },
    });
  });
});
