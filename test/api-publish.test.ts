import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { createApiKey } from "../src/domain/api-keys/create-api-key.js";
import { makeTestPdf } from "../src/einvoice/__fixtures__/make-test-pdf.js";
import { buildWebApp } from "../src/http/web-app.js";
import { makeTenant, multipart } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CORPUS = path.resolve(ROOT, "..", "shared", "corpus");
const corpus = (file: string) => readFileSync(path.join(CORPUS, file));
const ENCRYPTED = readFileSync(path.join(ROOT, "src/einvoice/__fixtures__/encrypted-facturx.pdf"));
const PLAIN_PDF = "plain-pdf/RE-E-974-Hetzner_2016-01-19_R0005532486.pdf";
const MAX_PDF_BYTES = 200_000;
const HOST = "pub.localhost:3000";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** The facts of the corpus files used here, read by hand from their embedded XML. */
const FR_BASICWL = {
  invoiceNumber: "FA-2017-0010",
  typeCode: "380",
  issueDate: "2017-11-13",
  currency: "EUR",
  grandTotal: "671.15",
  duePayable: "470.15",
  sellerName: "Au bon moulin",
  buyerName: "Ma jolie boutique",
  buyerId: null,
  contractNumber: "MSPE2017",
  profile: "BASIC WL",
};
const MUSTANG = {
  invoiceNumber: "RE-20201121/508",
  typeCode: "380",
  issueDate: "2020-11-21",
  currency: "EUR",
  grandTotal: "571.04",
  duePayable: "571.04",
  sellerName: "Bei Spiel GmbH",
  buyerName: "Theodor Est",
  buyerId: "2",
  contractNumber: null,
  profile: "EN 16931",
};

const BILLION_LAUGHS = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE rsm:CrossIndustryInvoice [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">
  <rsm:ExchangedDocument><ram:ID>&lol9;</ram:ID><ram:TypeCode>380</ram:TypeCode></rsm:ExchangedDocument>
</rsm:CrossIndustryInvoice>`;

const EXTERNAL_ENTITY = `<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">
  <rsm:ExchangedDocument><ram:ID>&xxe;</ram:ID></rsm:ExchangedDocument>
</rsm:CrossIndustryInvoice>`;

describe.each(ENGINES)("publishing invoices through the issuer API on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let tenant: TenantRow;
  let other: TenantRow;
  let key: string;

  beforeAll(async () => {
    services = await openTestServices(engine, { overrides: { MAX_PDF_BYTES: String(MAX_PDF_BYTES) } });
    tenant = await makeTenant(services.db, { slug: "pub", displayName: "Pub Location" });
    other = await makeTenant(services.db, { slug: "other", displayName: "Other" });
    key = (await createApiKey({ db: services.db, tenantId: tenant.id })).key;
    app = await buildWebApp(services);
    // Resolved by contract (BT-12): the FNFE samples carry no buyer id.
    await putCustomer("MJB-1", {
      name: "Ma jolie boutique",
      email: "compta@mjb.example.fr",
      contracts: ["MSPE2017"],
    });
    // Resolved by buyer id (BT-46): the Mustang sample's buyer id is "2".
    await putCustomer("2", { name: "Theodor Est", email: null });
    await putCustomer("OLIVE", { name: "Me gusta olive", email: null, contracts: ["FROLIVE2017"] });
    await putCustomer("PLAIN-1", { name: "Plain", email: null });
    await putCustomer(
      "B-1",
      { name: "Other's customer", email: null },
      "other.localhost:3000",
      (await createApiKey({ db: services.db, tenantId: other.id })).key,
    );
  });
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  const putCustomer = async (customerNumber: string, body: object, host = HOST, apiKey = key) => {
    const res = await app.inject({
      method: "PUT",
      url: `/api/v1/customers/${encodeURIComponent(customerNumber)}`,
      headers: { host, authorization: `Bearer ${apiKey}` },
      payload: body,
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
  };

  const post = async (parts: Parameters<typeof multipart>[0], host = HOST) => {
    const { payload, contentType } = await multipart(parts);
    return app.inject({
      method: "POST",
      url: "/api/v1/invoices",
      headers: { host, authorization: `Bearer ${key}`, "content-type": contentType },
      payload,
    });
  };
  const publish = (
    bytes: Uint8Array,
    metadata?: string | Record<string, unknown>,
    filename = "invoice.pdf",
  ) =>
    post({
      file: { bytes, filename },
      ...(metadata === undefined
        ? {}
        : { metadata: typeof metadata === "string" ? metadata : JSON.stringify(metadata) }),
    });

  /** What a refusal must leave untouched: no invoice, event, mail or publication audit entry. */
  const stored = async () => {
    const count = async (sql: string) =>
      Number((await services.db.query<{ n: number }>(sql, [tenant.id]))[0]!.n);
    return {
      invoices: await count("select count(*) as n from invoices where tenant_id = $1"),
      events: await count("select count(*) as n from invoice_events where tenant_id = $1"),
      mails: await count("select count(*) as n from mails where tenant_id = $1"),
      published: await count(
        "select count(*) as n from audit_entries where tenant_id = $1 and action = 'invoice.published'",
      ),
    };
  };

  const expectRefused = async (
    response: Promise<Awaited<ReturnType<typeof post>>>,
    status: number,
    code: string,
  ) => {
    const before = await stored();
    const res = await response;
    expect(res.statusCode, res.body).toBe(status);
    const { error } = res.json();
    expect(error.code, res.body).toBe(code);
    expect(error.message.length).toBeGreaterThan(10);
    expect(error.details).toBeTypeOf("object");
    expect(await stored()).toEqual(before);
    return error as { code: string; message: string; details: Record<string, unknown> };
  };

  it("publishes a Factur-X file with the facts of its XML (201), and the exact bytes", async () => {
    const bytes = corpus("facturx-valid/Facture_FR_BASICWL.pdf");
    const res = await publish(bytes);
    expect(res.statusCode, res.body).toBe(201);
    const invoice = res.json();
    expect(invoice).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      ...FR_BASICWL,
      customerNumber: "MJB-1",
      sha256: sha256(bytes),
      sizeBytes: bytes.byteLength,
      publishedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      availableUntil: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      firstDownloadedAt: null,
      removedAt: null,
      withdrawnAt: null,
      withdrawalReason: null,
      status: { code: "203", label: "Mise à disposition" },
      findings: [
        {
          code: "profile_not_accepted_for_issuing",
          severity: "warning",
          message: expect.stringContaining("BASIC WL"),
          field: "profile",
        },
      ],
      // No BAR note, no metadata route: the portal's default; checked just after publication (#15, #16).
      processingRule: "B2C",
      validation: { status: "pending", rulesVersion: null, findings: [], transmissionHold: null },
      // Not routed to a PA: B2C.
      transmission: null,
      // B2C: the portal makes the original available (203), no PA status (#16).
      lifecycle: [{ code: "203", label: "Mise à disposition", at: invoice.publishedAt, source: "portal" }],
    });
    const published = new Date(invoice.publishedAt);
    const until = new Date(invoice.availableUntil);
    expect(until.getUTCFullYear() * 12 + until.getUTCMonth()).toBe(
      published.getUTCFullYear() * 12 + published.getUTCMonth() + 24,
    );
    expect(res.headers.location).toBe(`/api/v1/invoices/${invoice.id}`);
    expect(Buffer.from((await services.blobs.read(invoice.sha256))!).equals(bytes)).toBe(true);
    // The pending account of the customer gets its activation mail with this first invoice, once.
    const mails = await services.db.query<{ kind: string; to_address: string }>(
      "select kind, to_address from mails where tenant_id = $1",
      [tenant.id],
    );
    expect(mails).toEqual([{ kind: "activation", to_address: "compta@mjb.example.fr" }]);
  });

  it("answers 200 with the same invoice when the same bytes are published again", async () => {
    const bytes = corpus("facturx-valid/Facture_FR_BASICWL.pdf");
    const first = await app.inject({
      url: "/api/v1/invoices?customerNumber=MJB-1",
      headers: { host: HOST, authorization: `Bearer ${key}` },
    });
    const [existing] = first.json().items;
    const before = await stored();
    const res = await publish(bytes);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(existing);
    expect(await stored()).toEqual(before);
  });

  it("refuses another file under a published number with 409 invoice_number_conflict", async () => {
    // Same seller (SIREN 999999998), same number FA-2017-0010, MINIMUM profile: other bytes.
    const error = await expectRefused(
      publish(corpus("facturx-valid/Facture_FR_MINIMUM.pdf")),
      409,
      "invoice_number_conflict",
    );
    expect(error.message).toContain("FA-2017-0010");
    expect(error.details.invoiceId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("finds the customer by the buyer id, and refuses the same number from the same seller with other bytes", async () => {
    const bytes = corpus("facturx-valid/MustangGnuaccountingBeispielRE-20201121_508.pdf");
    const res = await publish(bytes);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ ...MUSTANG, customerNumber: "2", sha256: sha256(bytes) });
    await expectRefused(
      publish(corpus("facturx-valid/MustangGnuaccountingBeispielRE-20201121_508_withBOM.pdf")),
      409,
      "invoice_number_conflict",
    );
  });

  it("publishes the same file sent twice in parallel exactly once (one 201, one 200)", async () => {
    const bytes = corpus("facturx-valid/Facture_UE_BASICWL.pdf");
    const before = await stored();
    const results = await Promise.all([publish(bytes), publish(bytes)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 201]);
    expect(results[0]!.json().id).toBe(results[1]!.json().id);
    const after = await stored();
    expect(after.invoices).toBe(before.invoices + 1);
    expect(after.events).toBe(before.events + 1);
    expect(after.published).toBe(before.published + 1);
  });

  describe("bad input: a clear error and nothing half-stored", () => {
    it("refuses an empty file", async () => {
      await expectRefused(publish(new Uint8Array(0)), 422, "empty_file");
    });

    it("refuses a text file renamed .pdf, and a bare XML invoice", async () => {
      await expectRefused(
        publish(Buffer.from("Hello, this is not a PDF\n"), undefined, "facture.pdf"),
        422,
        "not_pdf",
      );
      const error = await expectRefused(publish(corpus("cii-xml/EN16931_Einfach.cii.xml")), 422, "not_pdf");
      expect(error.message).toMatch(/PDF/);
    });

    it("refuses a truncated PDF", async () => {
      const bytes = corpus("facturx-valid/Facture_DOM_BASICWL.pdf");
      await expectRefused(publish(bytes.subarray(0, 2_000)), 422, "pdf_unreadable");
    });

    it("refuses an encrypted PDF", async () => {
      await expectRefused(publish(ENCRYPTED), 422, "pdf_encrypted");
    });

    it("refuses a file over MAX_PDF_BYTES with 413 file_too_large, storing nothing", async () => {
      const blobsBefore = readdirSync(path.join(services.testEnv.dataDir, "blobs"), {
        recursive: true,
      }).length;
      const big = Buffer.alloc(MAX_PDF_BYTES + 1, 0x20);
      big.write("%PDF-1.7\n");
      const error = await expectRefused(publish(big), 413, "file_too_large");
      expect(error.message).toContain(String(MAX_PDF_BYTES));
      const blobsAfter = readdirSync(path.join(services.testEnv.dataDir, "blobs"), {
        recursive: true,
      }).length;
      expect(blobsAfter).toBe(blobsBefore);
    });

    it("refuses embedded XML with a DOCTYPE: billion laughs and external entities", async () => {
      for (const xml of [BILLION_LAUGHS, EXTERNAL_ENTITY]) {
        const pdf = await makeTestPdf([{ filename: "factur-x.xml", data: new TextEncoder().encode(xml) }]);
        const error = await expectRefused(publish(pdf), 422, "xml_doctype_forbidden");
        expect(error.details.findings).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ code: "xml_doctype_forbidden", severity: "error" }),
          ]),
        );
        expect(JSON.stringify(error)).not.toContain("root:");
      }
    });

    it("refuses a credit note typed as an invoice, with the reader's findings in details", async () => {
      const error = await expectRefused(
        publish(corpus("facturx-flawed/Avoir_FR_type380_BASIC.pdf")),
        422,
        "credit_note_typed_as_invoice",
      );
      expect(error.details.findings).toEqual(
        expect.arrayContaining([expect.objectContaining({ code: "credit_note_typed_as_invoice" })]),
      );
    });

    it("refuses metadata that is not JSON, not an object, or has unknown keys or non-string values", async () => {
      const bytes = corpus("facturx-valid/Facture_DOM_BASICWL.pdf");
      for (const metadata of [
        "{customerNumber: OLIVE}",
        "[1,2]",
        '"text"',
        '{"customer_number":"OLIVE"}',
        '{"grandTotal":530.75}',
      ]) {
        await expectRefused(publish(bytes, metadata), 422, "invalid_metadata");
      }
    });

    it("refuses metadata that disagrees with the Factur-X XML", async () => {
      const bytes = corpus("facturx-valid/Facture_DOM_BASICWL.pdf");
      const error = await expectRefused(
        publish(bytes, { invoiceNumber: "FA-2017-9999", grandTotal: "530.75", issueDate: "2017-11-06" }),
        422,
        "metadata_mismatch",
      );
      expect(error.details.fields).toEqual(["invoiceNumber", "issueDate"]);
    });

    it("refuses an invoice no customer matches, and another tenant's customer number", async () => {
      const bytes = corpus("facturx-valid/Facture_DOM_BASICWL.pdf");
      await expectRefused(publish(bytes), 422, "unknown_customer");
      const error = await expectRefused(publish(bytes, { customerNumber: "B-1" }), 422, "unknown_customer");
      expect(error.message).toContain("B-1");
    });

    it("refuses a plain PDF without metadata, naming the missing fields", async () => {
      const error = await expectRefused(
        publish(corpus(PLAIN_PDF), { customerNumber: "PLAIN-1" }),
        422,
        "missing_metadata",
      );
      expect(error.details.fields).toEqual(["invoiceNumber", "issueDate", "grandTotal", "currency"]);
      await expectRefused(
        publish(corpus(PLAIN_PDF), {
          customerNumber: "PLAIN-1",
          invoiceNumber: "R0005532486",
          issueDate: "19/01/2016",
          grandTotal: "23.80",
          currency: "EUR",
        }),
        422,
        "invalid_metadata",
      );
    });

    it("refuses a request without a file part, with two files, or that is not multipart", async () => {
      await expectRefused(post({ metadata: "{}" }), 422, "missing_file");
      const bytes = corpus(PLAIN_PDF);
      // An extra part is ignored: the refusal is about the missing facts of this plain PDF.
      await expectRefused(
        post({ file: { bytes, filename: "a.pdf" }, note: "x", metadata: "{}" }),
        422,
        "missing_metadata",
      );
      const twice = new FormData();
      twice.append("file", new Blob([new Uint8Array(bytes)]), "a.pdf");
      twice.append("file", new Blob([new Uint8Array(bytes)]), "b.pdf");
      const body = new Response(twice);
      await expectRefused(
        app.inject({
          method: "POST",
          url: "/api/v1/invoices",
          headers: {
            host: HOST,
            authorization: `Bearer ${key}`,
            "content-type": body.headers.get("content-type")!,
          },
          payload: Buffer.from(await body.arrayBuffer()),
        }),
        400,
        "invalid_request",
      );
      await expectRefused(
        app.inject({
          method: "POST",
          url: "/api/v1/invoices",
          headers: { host: HOST, authorization: `Bearer ${key}` },
          payload: { file: "JVBERi0=" },
        }),
        400,
        "invalid_request",
      );
    });
  });

  describe("plain PDF with metadata", () => {
    const base = { customerNumber: "PLAIN-1", issueDate: "2016-01-19", grandTotal: "23.80", currency: "eur" };

    it("publishes with the metadata's facts, and accepts metadata sent as a JSON file part", async () => {
      const bytes = corpus(PLAIN_PDF);
      const res = await publish(bytes, { ...base, invoiceNumber: "R0005532486", contractNumber: "HZ-1" });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({
        invoiceNumber: "R0005532486",
        typeCode: "380",
        issueDate: "2016-01-19",
        currency: "EUR",
        grandTotal: "23.80",
        duePayable: null,
        sellerName: null,
        buyerId: null,
        contractNumber: "HZ-1",
        customerNumber: "PLAIN-1",
        profile: null,
        sha256: sha256(bytes),
      });
      const asFile = await post({
        file: { bytes, filename: "a.pdf" },
        metadata: {
          bytes: new TextEncoder().encode(JSON.stringify({ ...base, invoiceNumber: "R-FILE-PART" })),
          filename: "metadata.json",
          type: "application/json",
        },
      });
      expect(asFile.statusCode, asFile.body).toBe(201);
      expect(asFile.json().invoiceNumber).toBe("R-FILE-PART");
    });

    it("keeps odd but printable invoice numbers verbatim, and refuses control characters and huge ones", async () => {
      const bytes = corpus(PLAIN_PDF);
      for (const invoiceNumber of [
        "../../etc/passwd",
        "FA 2024/001 – é€",
        "<script>alert(1)</script>",
        "A;DROP TABLE invoices",
      ]) {
        const res = await publish(bytes, { ...base, invoiceNumber });
        expect(res.statusCode, invoiceNumber).toBe(201);
        expect(res.json().invoiceNumber).toBe(invoiceNumber);
      }
      for (const invoiceNumber of ["A\u0000B", "A\nB", "A\rB", "x".repeat(201)]) {
        const error = await expectRefused(
          publish(bytes, { ...base, invoiceNumber }),
          422,
          "invalid_metadata",
        );
        expect(error.details.field).toBe("invoiceNumber");
      }
      await expectRefused(publish(bytes, { ...base, invoiceNumber: "   " }), 422, "missing_metadata");
    });
  });

  it("accepts a file larger than the JSON body limit (1 MB) when MAX_PDF_BYTES allows it", async () => {
    const big = await openTestServices(engine);
    try {
      const bigTenant = await makeTenant(big.db, { slug: "big", displayName: "Big" });
      const bigKey = (await createApiKey({ db: big.db, tenantId: bigTenant.id })).key;
      const bigApp = await buildWebApp(big);
      const bytes = Buffer.alloc(1_500_000, 0x20);
      bytes.write("%PDF-1.7\n");
      const { payload, contentType } = await multipart({ file: { bytes, filename: "big.pdf" } });
      const res = await bigApp.inject({
        method: "POST",
        url: "/api/v1/invoices",
        headers: {
          host: "big.localhost:3000",
          authorization: `Bearer ${bigKey}`,
          "content-type": contentType,
        },
        payload,
      });
      // Read whole and refused by the PDF reader, not by a body size limit.
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().error.code).toBe("pdf_unreadable");
      await bigApp.close();
    } finally {
      await big.dispose();
    }
  });
});
