import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker } from "../src/app.js";
import { setAccountPassword } from "../src/db/accounts.repository.js";
import { createApiKey } from "../src/domain/api-keys/create-api-key.js";
import { upsertCustomer } from "../src/domain/customers/upsert-customer.js";
import { type PublishDeps, publishInvoice, publishInvoices } from "../src/domain/invoices/publish-invoice.js";
import { buildFacturX, type FacturXInput } from "../src/einvoice/index.js";
import { buildWebApp } from "../src/http/web-app.js";
import { corpusFiles, corpusPresent, independentFacts } from "./support/corpus.js";
import { invoiceInput, makeTenant, multipart } from "./support/factories.js";
import { ENGINES, openTestServices, waitFor } from "./support/services.js";

type TestServices = Awaited<ReturnType<typeof openTestServices>>;
const actor = { type: "issuer" as const, id: "test" };

/** The policy for each flawed corpus file: refused with this code, or published with these warnings. */
const FLAWED_OUTCOMES: Record<string, { refused: string } | { warnings: string[] }> = {
  "Avoir_FR_type380_BASIC.pdf": { refused: "credit_note_typed_as_invoice" },
  "Avoir_FR_type380_EN16931.pdf": { refused: "credit_note_typed_as_invoice" },
  "Avoir_FR_type380_MINIMUM.pdf": { refused: "credit_note_typed_as_invoice" },
  "Avoir_FR_type381_BASICWL.pdf": { warnings: ["profile_not_accepted_for_issuing"] },
  "Avoir_FR_type381_EN16931.pdf": { warnings: ["line_amount_inconsistent"] },
  "Avoir_FR_type381_MINIMUM.pdf": { warnings: ["profile_not_accepted_for_issuing"] },
  "Facture_DOM_BASIC.pdf": { warnings: ["line_amount_inconsistent"] },
  "Facture_DOM_EN16931.pdf": { warnings: ["line_amount_inconsistent"] },
  "Facture_FR_BASIC.pdf": { warnings: ["line_amount_inconsistent"] },
  "Facture_FR_EN16931.pdf": { warnings: ["line_amount_inconsistent"] },
  "Facture_UE_BASIC.pdf": { warnings: ["line_amount_inconsistent"] },
  "Facture_UE_EN16931.pdf": { warnings: ["line_amount_inconsistent"] },
  "factur-x-invalid-xml-encoding-attribute.pdf": { warnings: ["xml_declaration_invalid"] },
};

/** FA-2026-0001 for customer C-1 (contract K-1, due 20 November, 300.00 € + VAT), as an ERP would send it. */
function sample(overrides: Partial<FacturXInput> = {}): FacturXInput {
  return invoiceInput("FA-2026-0001", "C-1", {
    dueDate: "2026-11-20",
    seller: { vatId: "FR44443061841" },
    buyer: { name: "Client Un" },
    contractNumber: "K-1",
    lines: [{ description: "Loyer", quantity: "1", unitPrice: "300.00", vatRatePercent: "20" }],
    ...overrides,
  });
}

async function count(services: TestServices, table: string, tenantId: string): Promise<number> {
  const [row] = await services.db.query<{ n: number }>(
    `select count(*)::int as n from ${table} where tenant_id = $1`,
    [tenantId],
  );
  return row!.n;
}

describe.each(ENGINES)("publishing invoices on %s", (engine) => {
  let services: TestServices;
  let deps: PublishDeps;
  let seq = 0;

  async function tenantWithCustomer(
    customer: { number?: string; email?: string | null; contracts?: string[] } = {},
  ) {
    const tenant = await makeTenant(services.db, {
      slug: `t${engine.slice(0, 2)}${++seq}`,
      displayName: `Tenant ${seq}`,
    });
    const { customer: row } = await upsertCustomer(services.db, {
      queue: services.queue,
      tenantId: tenant.id,
      customerNumber: customer.number ?? "C-1",
      name: "Client Un",
      email: customer.email === undefined ? `client${seq}@example.com` : customer.email,
      contracts: customer.contracts ?? [],
      actor,
    });
    return { tenant, customer: row };
  }

  beforeAll(async () => {
    services = await openTestServices(engine, { overrides: { NOTICE_DELAY_SECONDS: "1" } });
    deps = {
      db: services.db,
      blobs: services.blobs,
      queue: services.queue,
      maxPdfBytes: services.config.maxPdfBytes,
      noticeDelaySeconds: 1,
    };
    await startWorker(services);
  }, 120_000);
  afterAll(() => services.dispose());

  describe.skipIf(!corpusPresent)("the corpus", () => {
    it.each(corpusFiles("facturx-valid").map((f) => [f.name, f] as const))(
      "publishes %s with the facts of its XML, bytes unchanged",
      async (_name, file) => {
        const expected = await independentFacts(file.bytes);
        const { tenant, customer } = await tenantWithCustomer({ number: "CORPUS-1" });
        const result = await publishInvoice(deps, {
          tenant,
          bytes: file.bytes,
          metadata: { customerNumber: "CORPUS-1" },
          actor,
        });
        expect(result.created).toBe(true);
        const [row] = await services.db.query<Record<string, unknown>>(
          `select invoice_number, type_code, issue_date, currency, grand_total, due_payable, seller_name, buyer_name, customer_id, sha256, size_bytes
           from invoices where id = $1`,
          [result.invoice.id],
        );
        expect(row).toMatchObject({
          invoice_number: expected.invoiceNumber,
          type_code: expected.typeCode,
          issue_date: expected.issueDate,
          currency: expected.currency,
          grand_total: expected.grandTotal,
          due_payable: expected.duePayable,
          seller_name: expected.sellerName,
          buyer_name: expected.buyerName,
          customer_id: customer.id,
          size_bytes: file.bytes.byteLength,
        });
        expect(Buffer.from((await services.blobs.read(String(row!.sha256)))!).equals(file.bytes)).toBe(true);
        // Publishing the same bytes again gives the same invoice.
        const again = await publishInvoice(deps, {
          tenant,
          bytes: file.bytes,
          metadata: { customerNumber: "CORPUS-1" },
          actor,
        });
        expect(again).toMatchObject({ created: false, invoice: { id: result.invoice.id } });
      },
    );

    it.each(corpusFiles("facturx-flawed").map((f) => [f.name, f] as const))(
      "gives %s its deliberate outcome",
      async (name, file) => {
        const outcome = FLAWED_OUTCOMES[name];
        expect(outcome, `no policy written for ${name}`).toBeDefined();
        const { tenant } = await tenantWithCustomer({ number: "CORPUS-1" });
        const publishing = publishInvoice(deps, {
          tenant,
          bytes: file.bytes,
          metadata: { customerNumber: "CORPUS-1" },
          actor,
        });
        if (outcome && "refused" in outcome) {
          await expect(publishing).rejects.toMatchObject({ code: outcome.refused });
          expect(await count(services, "invoices", tenant.id)).toBe(0);
          expect(await count(services, "mails", tenant.id)).toBe(0);
        } else {
          const result = await publishing;
          expect(result.warnings.map((w) => w.code).sort()).toEqual(
            [...(outcome as { warnings: string[] }).warnings].sort(),
          );
          const [row] = await services.db.query<{ findings: { code: string }[] }>(
            "select findings from invoices where id = $1",
            [result.invoice.id],
          );
          expect(row!.findings.map((f) => f.code)).toEqual(
            expect.arrayContaining((outcome as { warnings: string[] }).warnings),
          );
          expect(Buffer.from((await services.blobs.read(result.invoice.sha256))!).equals(file.bytes)).toBe(
            true,
          );
        }
      },
    );

    it("publishes the plain PDF only with metadata", async () => {
      const [file] = corpusFiles("plain-pdf");
      const { tenant } = await tenantWithCustomer({ number: "CORPUS-1" });
      await expect(
        publishInvoice(deps, { tenant, bytes: file!.bytes, metadata: { customerNumber: "CORPUS-1" }, actor }),
      ).rejects.toMatchObject({
        code: "missing_metadata",
        details: { fields: ["invoiceNumber", "issueDate", "grandTotal", "currency"] },
      });
      const result = await publishInvoice(deps, {
        tenant,
        bytes: file!.bytes,
        metadata: {
          customerNumber: "CORPUS-1",
          invoiceNumber: "R0005532486",
          issueDate: "2016-01-19",
          grandTotal: "23.80",
          currency: "eur",
        },
        actor,
      });
      expect(result.invoice).toMatchObject({
        invoiceNumber: "R0005532486",
        issueDate: "2016-01-19",
        grandTotal: "23.80",
        currency: "EUR",
      });
    });

    it.each(corpusFiles("cii-xml").map((f) => [f.name, f] as const))(
      "refuses the bare XML %s as not a PDF",
      async (_name, file) => {
        const { tenant } = await tenantWithCustomer({ number: "CORPUS-1" });
        await expect(
          publishInvoice(deps, {
            tenant,
            bytes: file.bytes,
            metadata: { customerNumber: "CORPUS-1" },
            actor,
          }),
        ).rejects.toMatchObject({
          code: "not_pdf",
        });
        expect(await count(services, "invoices", tenant.id)).toBe(0);
      },
    );

    it("treats the same number with other bytes as a conflict", async () => {
      const [minimum] = corpusFiles("facturx-valid").filter((f) => f.name === "Facture_FR_MINIMUM.pdf");
      const [basicwl] = corpusFiles("facturx-valid").filter((f) => f.name === "Facture_FR_BASICWL.pdf");
      const { tenant } = await tenantWithCustomer({ number: "CORPUS-1" });
      await publishInvoice(deps, {
        tenant,
        bytes: minimum!.bytes,
        metadata: { customerNumber: "CORPUS-1" },
        actor,
      });
      await expect(
        publishInvoice(deps, {
          tenant,
          bytes: basicwl!.bytes,
          metadata: { customerNumber: "CORPUS-1" },
          actor,
        }),
      ).rejects.toMatchObject({
        code: "invoice_number_conflict",
      });
      expect(await count(services, "invoices", tenant.id)).toBe(1);
    });
  });

  it("finds the customer by metadata, then buyer id (BT-46), then contract (BT-12), else refuses", async () => {
    const { tenant, customer } = await tenantWithCustomer({ number: "C-1", contracts: ["K-9"] });
    const byBuyer = await publishInvoice(deps, {
      tenant,
      bytes: await buildFacturX(sample({ invoiceNumber: "A1" })),
      actor,
    });
    expect(byBuyer.invoice.customerId).toBe(customer.id);
    const byContract = await publishInvoice(deps, {
      tenant,
      bytes: await buildFacturX(
        sample({ invoiceNumber: "A2", buyer: { ...sample().buyer, id: "UNKNOWN" }, contractNumber: "K-9" }),
      ),
      actor,
    });
    expect(byContract.invoice.customerId).toBe(customer.id);
    await expect(
      publishInvoice(deps, {
        tenant,
        bytes: await buildFacturX(
          sample({ invoiceNumber: "A3", buyer: { ...sample().buyer, id: "X" }, contractNumber: "K-0" }),
        ),
        actor,
      }),
    ).rejects.toMatchObject({ code: "unknown_customer" });
    await expect(
      publishInvoice(deps, {
        tenant,
        bytes: await buildFacturX(sample({ invoiceNumber: "A4" })),
        metadata: { customerNumber: "NOPE" },
        actor,
      }),
    ).rejects.toMatchObject({ code: "unknown_customer" });
    // Another tenant's customer number is simply unknown here.
    const other = await tenantWithCustomer({ number: "OTHER-1" });
    await expect(
      publishInvoice(deps, {
        tenant,
        bytes: await buildFacturX(sample({ invoiceNumber: "A5" })),
        metadata: { customerNumber: "OTHER-1" },
        actor,
      }),
    ).rejects.toMatchObject({ code: "unknown_customer" });
    expect(await count(services, "invoices", other.tenant.id)).toBe(0);
  });

  it("refuses metadata that disagrees with the Factur-X data", async () => {
    const { tenant } = await tenantWithCustomer();
    const bytes = await buildFacturX(sample({ invoiceNumber: "M1" }));
    await expect(
      publishInvoice(deps, { tenant, bytes, metadata: { invoiceNumber: "M2", grandTotal: "1.00" }, actor }),
    ).rejects.toMatchObject({
      code: "metadata_mismatch",
      details: { fields: ["invoiceNumber", "grandTotal"] },
    });
    // 360.00 and 360.0 are the same amount.
    const ok = await publishInvoice(deps, {
      tenant,
      bytes,
      metadata: { invoiceNumber: "M1", grandTotal: "360.0", issueDate: "2026-11-05", currency: "EUR" },
      actor,
    });
    expect(ok.created).toBe(true);
  });

  it("publishes one invoice when the same file arrives twice at once", async () => {
    const { tenant } = await tenantWithCustomer();
    const bytes = await buildFacturX(sample({ invoiceNumber: "P1" }));
    const results = await Promise.all([1, 2, 3].map(() => publishInvoice(deps, { tenant, bytes, actor })));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.invoice.id)).size).toBe(1);
    expect(await count(services, "invoices", tenant.id)).toBe(1);
    expect(await count(services, "invoice_events", tenant.id)).toBe(1);
  });

  it("publishes concurrent batches for one pending account without a deadlock, and mails it once", async () => {
    const { tenant } = await tenantWithCustomer({ email: "fleet.concurrent@example.com" });
    // Deadlocks are retried by publishInvoices, so count them where they surface: at the transaction.
    let deadlocks = 0;
    const db = new Proxy(services.db, {
      get(target, key) {
        if (key === "transaction")
          return async (fn: Parameters<typeof target.transaction>[0]) => {
            try {
              return await target.transaction(fn);
            } catch (error) {
              if ((error as { code?: string }).code === "40P01") deadlocks++;
              throw error;
            }
          };
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    for (let round = 0; round < 3; round++)
      await Promise.all(
        [0, 1, 2, 3, 4, 5].map(async (b) => {
          const outcomes = await publishInvoices(
            { ...deps, db },
            {
              tenant,
              actor,
              items: await Promise.all(
                [0, 1].map(async (i) => ({
                  bytes: await buildFacturX(sample({ invoiceNumber: `CC-${round}-${b}-${i}` })),
                })),
              ),
            },
          );
          for (const outcome of outcomes) expect(outcome.ok).toBe(true);
        }),
      );
    expect(deadlocks).toBe(0);
    expect(await count(services, "invoices", tenant.id)).toBe(36);
    const mails = await services.db.query(
      "select 1 from mails where tenant_id = $1 and kind = 'activation'",
      [tenant.id],
    );
    expect(mails).toHaveLength(1);
  });

  it("leaves nothing visible when the transaction fails midway", async () => {
    const { tenant } = await tenantWithCustomer();
    const failing: PublishDeps = {
      ...deps,
      queue: { ...services.queue, send: async () => Promise.reject(new Error("queue down")) },
    };
    await expect(
      publishInvoice(failing, { tenant, bytes: await buildFacturX(sample({ invoiceNumber: "X1" })), actor }),
    ).rejects.toThrow("queue down");
    for (const table of ["invoices", "invoice_events", "mails"])
      expect(await count(services, table, tenant.id), table).toBe(0);
    const audit = await services.db.query(
      "select 1 from audit_entries where tenant_id = $1 and action = 'invoice.published'",
      [tenant.id],
    );
    expect(audit).toEqual([]);
  });

  it("sends one activation mail per address, whatever the number of invoices, and none without an address", async () => {
    const { tenant } = await tenantWithCustomer({ email: "Pending.Client@Example.com " });
    for (let i = 1; i <= 4; i++)
      await publishInvoice(deps, {
        tenant,
        bytes: await buildFacturX(sample({ invoiceNumber: `ACT-${i}` })),
        actor,
      });
    const mails = await services.db.query<{
      kind: string;
      to_address: string;
      params: Record<string, unknown>;
    }>("select kind, to_address, params from mails where tenant_id = $1", [tenant.id]);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({
      kind: "activation",
      to_address: "pending.client@example.com",
      params: { email: "pending.client@example.com" },
    });
    expect(String(mails[0]!.params.identifier)).toMatch(/^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$/);

    const silent = await tenantWithCustomer({ email: null });
    await publishInvoice(deps, {
      tenant: silent.tenant,
      bytes: await buildFacturX(sample({ invoiceNumber: "NOMAIL-1" })),
      actor,
    });
    expect(await count(services, "invoices", silent.tenant.id)).toBe(1);
    expect(await count(services, "mails", silent.tenant.id)).toBe(0);
  });

  it("takes NOTICE_DELAY_SECONDS from the configuration on the API path too", async () => {
    const { tenant, customer } = await tenantWithCustomer();
    await setAccountPassword(services.db, tenant.id, customer.accountId!, "$argon2id$placeholder");
    const key = (await createApiKey({ db: services.db, tenantId: tenant.id })).key;
    const app = await buildWebApp(services);
    try {
      const bytes = await buildFacturX(sample({ invoiceNumber: "DELAY-1" }));
      const body = await multipart({ file: { bytes, filename: "invoice.pdf" } });
      const before = Date.now();
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/invoices",
        headers: {
          host: `${tenant.slug}.localhost:3000`,
          authorization: `Bearer ${key}`,
          "content-type": body.contentType,
        },
        payload: body.payload,
      });
      expect(res.statusCode).toBe(201);
      const [row] = await services.db.query<{ due: Date | null }>(
        "select notice_due_at as due from accounts where id = $1",
        [customer.accountId],
      );
      // NOTICE_DELAY_SECONDS=1 here; the route used to ignore it and wait the default 600 s.
      expect(row!.due).not.toBeNull();
      expect(new Date(row!.due!).getTime() - before).toBeLessThan(60_000);
    } finally {
      await app.close();
    }
  });

  it("sends an active account one digest for a burst of invoices, and none when it opted out", async () => {
    const { tenant, customer } = await tenantWithCustomer();
    await setAccountPassword(services.db, tenant.id, customer.accountId!, "$argon2id$placeholder");
    for (let i = 1; i <= 3; i++)
      await publishInvoice(deps, {
        tenant,
        bytes: await buildFacturX(sample({ invoiceNumber: `DIG-${i}` })),
        actor,
      });
    const digest = await waitFor(
      async () =>
        (
          await services.db.query<{
            kind: string;
            params: { count: number; invoices: { invoiceNumber: string }[] };
          }>("select kind, params from mails where tenant_id = $1", [tenant.id])
        )[0],
      20_000,
      "digest mail",
    );
    expect(digest.kind).toBe("new-invoices");
    expect(digest.params.count).toBe(3);
    expect(digest.params.invoices.map((i) => i.invoiceNumber).sort()).toEqual(["DIG-1", "DIG-2", "DIG-3"]);
    // A later invoice gets its own digest; nothing is announced twice.
    await publishInvoice(deps, {
      tenant,
      bytes: await buildFacturX(sample({ invoiceNumber: "DIG-4" })),
      actor,
    });
    await waitFor(async () => (await count(services, "mails", tenant.id)) === 2, 20_000, "second digest");
    const [second] = await services.db.query<{ params: { count: number } }>(
      "select params from mails where tenant_id = $1 order by queued_at desc limit 1",
      [tenant.id],
    );
    expect(second!.params.count).toBe(1);

    const quiet = await tenantWithCustomer();
    await setAccountPassword(
      services.db,
      quiet.tenant.id,
      quiet.customer.accountId!,
      "$argon2id$placeholder",
    );
    await services.db.query("update accounts set notify_new_invoice = false where id = $1", [
      quiet.customer.accountId,
    ]);
    await publishInvoice(deps, {
      tenant: quiet.tenant,
      bytes: await buildFacturX(sample({ invoiceNumber: "Q-1" })),
      actor,
    });
    await new Promise((r) => setTimeout(r, 2500));
    expect(await count(services, "mails", quiet.tenant.id)).toBe(0);
  });
});
