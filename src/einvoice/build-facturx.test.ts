import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, PDFString } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { computeInvoiceTotals, type FacturXInput } from "./build-cii-xml.js";
import { buildFacturX, formatMoney } from "./build-facturx.js";
import { readInvoicePdf, readInvoicePdfWithPath } from "./read-invoice-pdf.js";
import type { InvoiceFacts } from "./types.js";

const invoice: FacturXInput = {
  invoiceNumber: "DL-2026-000123",
  typeCode: "380",
  issueDate: "2026-10-05",
  dueDate: "2026-11-04",
  currency: "EUR",
  seller: {
    name: "DIAC Location",
    id: "DIAC",
    siren: "702002221",
    vatId: "FR60702002221",
    address: {
      line1: "14 avenue du Pavé Neuf",
      postcode: "93168",
      city: "Noisy-le-Grand Cedex",
      countryCode: "FR",
    },
  },
  buyer: {
    name: "Boulangerie Martin & Fils",
    id: "C0042317",
    siren: "812345678",
    vatId: "FR27812345678",
    address: { line1: "3 rue de l’Église", postcode: "69003", city: "Lyon", countryCode: "FR" },
  },
  contractNumber: "LLD-88412-B",
  paymentReference: "DL2026000123",
  note: "Prélèvement SEPA — mandat n° RUM-0042317.",
  lines: [
    {
      description: "Loyer location longue durée — octobre 2026",
      quantity: "1",
      unitPrice: "412.50",
      vatRatePercent: "20",
    },
    { description: "Entretien", quantity: "1", unitPrice: "38.90", vatRatePercent: "20.0" },
    { description: "Assurance (exonérée)", quantity: "1", unitPrice: "12.00", vatRatePercent: "0" },
    { description: "Frais de dossier", quantity: "3", unitPrice: "0.335", vatRatePercent: "5.5" },
  ],
};

const expectedFacts: InvoiceFacts = {
  invoiceNumber: "DL-2026-000123",
  typeCode: "380",
  // BT-23, the builder's default cadre de facturation (services, BR-FR-08).
  businessProcess: "S1",
  issueDate: "2026-10-05",
  currency: "EUR",
  lineTotal: "464.41",
  taxBasisTotal: "464.41",
  taxTotal: "90.34",
  grandTotal: "554.75",
  duePayable: "554.75",
  vatBreakdown: [
    { categoryCode: "S", ratePercent: "20.00", basisAmount: "451.40", taxAmount: "90.28" },
    { categoryCode: "Z", ratePercent: "0.00", basisAmount: "12.00", taxAmount: "0.00" },
    { categoryCode: "S", ratePercent: "5.50", basisAmount: "1.01", taxAmount: "0.06" },
  ],
  dueDate: "2026-11-04",
  paymentReference: "DL2026000123",
  contractNumber: "LLD-88412-B",
  seller: { name: "DIAC Location", id: "DIAC", siren: "702002221", vatId: "FR60702002221", country: "FR" },
  buyer: {
    name: "Boulangerie Martin & Fils",
    id: "C0042317",
    siren: "812345678",
    vatId: "FR27812345678",
    country: "FR",
  },
  profileId: "urn:cen.eu:en16931:2017",
  profile: "EN 16931",
};

describe("computeInvoiceTotals", () => {
  it("rounds each line to the cent, then VAT once per rate, half-up", () => {
    const totals = computeInvoiceTotals({
      lines: [
        { description: "a", quantity: "1", unitPrice: "10.01", vatRatePercent: "20" },
        { description: "b", quantity: "1", unitPrice: "10.02", vatRatePercent: "20.00" },
        { description: "c", quantity: "3", unitPrice: "0.335", vatRatePercent: "5.5" },
      ],
    });
    expect(totals.lines.map((l) => l.netAmount)).toEqual(["10.01", "10.02", "1.01"]);
    // 20.03 × 20 % = 4.006 → 4.01 (per-line rounding would give 2.00 + 2.00 = 4.00).
    expect(totals.vatGroups).toEqual([
      { categoryCode: "S", ratePercent: "20.00", basisAmount: "20.03", taxAmount: "4.01" },
      { categoryCode: "S", ratePercent: "5.50", basisAmount: "1.01", taxAmount: "0.06" },
    ]);
    expect(totals).toMatchObject({
      lineTotal: "21.04",
      taxTotal: "4.07",
      grandTotal: "25.11",
      duePayable: "25.11",
    });
  });

  it("refuses amounts that are not decimals", () => {
    expect(() =>
      computeInvoiceTotals({
        lines: [{ description: "a", quantity: "1", unitPrice: "1,50", vatRatePercent: "20" }],
      }),
    ).toThrow(/unitPrice/);
  });
});

describe("buildFacturX", () => {
  it("round-trips: the reader finds the same facts and no finding", async () => {
    const pdf = await buildFacturX(invoice);
    const r = await readInvoicePdfWithPath(pdf);
    expect(r.path).toBe("fast");
    expect(r.document.kind).toBe("facturx");
    expect(r.document.xmlFilename).toBe("factur-x.xml");
    expect(r.document.facts).toEqual(expectedFacts);
    expect(r.document.findings).toEqual([]);
  });

  it("round-trips a 381 credit note with positive amounts", async () => {
    const credit: FacturXInput = { ...invoice, typeCode: "381", invoiceNumber: "AV-2026-0007" };
    delete credit.dueDate;
    const doc = await readInvoicePdf(await buildFacturX(credit));
    expect(doc.findings).toEqual([]);
    const { dueDate: _dueDate, ...rest } = expectedFacts;
    expect(doc.facts).toEqual({ ...rest, typeCode: "381", invoiceNumber: "AV-2026-0007" });
  });

  it("gives identical bytes for identical input", async () => {
    const a = await buildFacturX(invoice, { brandColor: "#c8102e" });
    const b = await buildFacturX(structuredClone(invoice), { brandColor: "#c8102e" });
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
    const c = await buildFacturX({ ...invoice, invoiceNumber: "DL-2026-000124" }, { brandColor: "#c8102e" });
    expect(Buffer.compare(Buffer.from(a), Buffer.from(c))).not.toBe(0);
  });

  it("embeds factur-x.xml as a PDF/A-3 associated file with Factur-X XMP metadata", async () => {
    const doc = await PDFDocument.load(await buildFacturX(invoice), { updateMetadata: false });
    const catalog = doc.catalog;
    const af = catalog.lookup(PDFName.of("AF"), PDFArray);
    expect(af.size()).toBe(1);
    const spec = af.lookup(0, PDFDict);
    expect(spec.lookup(PDFName.of("AFRelationship"))).toBe(PDFName.of("Data"));
    expect(spec.lookup(PDFName.of("F"), PDFString).asString()).toBe("factur-x.xml");
    const stream = spec.lookup(PDFName.of("EF"), PDFDict).lookup(PDFName.of("F"));
    if (!(stream instanceof PDFRawStream)) throw new Error("embedded file stream expected");
    expect(stream.dict.lookup(PDFName.of("Subtype"))).toBe(PDFName.of("text/xml"));
    const params = stream.dict.lookup(PDFName.of("Params"), PDFDict);
    expect(params.lookup(PDFName.of("ModDate"), PDFString).asString()).toBe("D:20261005000000Z");

    const metadata = catalog.lookup(PDFName.of("Metadata"));
    if (!(metadata instanceof PDFRawStream)) throw new Error("metadata stream expected");
    const xmp = new TextDecoder().decode(metadata.contents);
    expect(xmp).toContain("<pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>");
    expect(xmp).toContain("<fx:DocumentType>INVOICE</fx:DocumentType>");
    expect(xmp).toContain("<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>");
    expect(xmp).toContain("<fx:Version>1.0</fx:Version>");
    expect(xmp).toContain("<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>");
    expect(xmp).toContain(
      "<pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI>",
    );
    expect(xmp).toContain("<xmp:CreateDate>2026-10-05T00:00:00Z</xmp:CreateDate>");
    expect(doc.getCreationDate()?.toISOString()).toBe("2026-10-05T00:00:00.000Z");
    expect(doc.getTitle()).toBe("Facture DL-2026-000123 - DIAC Location");
  });

  it("keeps text the standard fonts cannot draw in the XML, and draws a substitute", async () => {
    const exotic: FacturXInput = {
      ...invoice,
      buyer: { ...invoice.buyer, name: "Łódź “Zakład” 株式会社 🚗" },
      lines: [
        { description: "Ω-service ≥ 3 ans\tbis", quantity: "1", unitPrice: "10", vatRatePercent: "20" },
      ],
    };
    const doc = await readInvoicePdf(await buildFacturX(exotic));
    expect(doc.facts?.buyer.name).toBe("Łódź “Zakład” 株式会社 🚗");
    expect(doc.findings).toEqual([]);
  });

  it("continues long invoices on further pages", async () => {
    const lines = Array.from({ length: 70 }, (_, i) => ({
      description: `Ligne ${i + 1} — une désignation assez longue pour passer sur deux lignes dans le tableau des lignes`,
      quantity: "2",
      unitPrice: "1.25",
      vatRatePercent: i % 2 === 0 ? "20" : "10",
    }));
    const pdf = await buildFacturX({ ...invoice, lines });
    expect((await PDFDocument.load(pdf)).getPageCount()).toBeGreaterThan(2);
    const doc = await readInvoicePdf(pdf);
    expect(doc.findings).toEqual([]);
    expect(doc.facts?.lineTotal).toBe("175.00");
  });

  it("formats amounts the French way", () => {
    expect(formatMoney("1234567.5", "EUR")).toBe("1 234 567,50 €");
    expect(formatMoney("-12.30", "USD")).toBe("-12,30 USD");
  });
});
