import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseCii } from "./parse-cii.js";
import { readInvoicePdf, readInvoicePdfWithPath } from "./read-invoice-pdf.js";
import type { Finding, InvoiceFacts, PartyFacts } from "./types.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const corpus = path.resolve(repoRoot, "..", "shared", "corpus");
const hasCorpus = existsSync(corpus);
const describeCorpus = hasCorpus ? describe : describe.skip;
const skipped = hasCorpus ? "" : ` (skipped: corpus folder ${corpus} not found)`;

function load(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(corpus, rel)));
}

function outcome(findings: Finding[]): string[] {
  return findings.map((f) => `${f.severity} ${f.code}`).sort();
}

// Facts read by hand from the embedded XML of each file.
const auBonMoulin: PartyFacts = {
  name: "Au bon moulin",
  siren: "999999998",
  vatId: "FR11999999998",
  country: "FR",
};
const maJolieBoutique: PartyFacts = {
  name: "Ma jolie boutique",
  siren: "787878784",
  vatId: "FR19787878784",
  country: "FR",
};
const hotelSaintDenis: PartyFacts = {
  name: "Hôtel Saint Denis",
  siren: "343434346",
  vatId: "FR90343434346",
  country: "RE",
};
const meGustaOlive: PartyFacts = { name: "Me gusta olive", vatId: "ESA12345674", country: "ES" };

const BASIC_WL = "urn:factur-x.eu:1p0:basicwl";
const MINIMUM = "urn:factur-x.eu:1p0:minimum";
const BASIC = "urn:cen.eu:en16931:2017:compliant:factur-x.eu:1p0:basic";
const EN16931 = "urn:cen.eu:en16931:2017";

const invoiceFR = (profileId: string, profile: InvoiceFacts["profile"], full: boolean): InvoiceFacts => ({
  invoiceNumber: "FA-2017-0010",
  typeCode: "380",
  issueDate: "2017-11-13",
  currency: "EUR",
  taxBasisTotal: "624.90",
  taxTotal: "46.25",
  grandTotal: "671.15",
  duePayable: "470.15",
  seller: auBonMoulin,
  buyer: maJolieBoutique,
  profileId,
  profile,
  vatBreakdown: full
    ? [
        { categoryCode: "S", ratePercent: "20.00", basisAmount: "81.90", taxAmount: "16.38" },
        { categoryCode: "S", ratePercent: "5.50", basisAmount: "543.00", taxAmount: "29.87" },
      ]
    : [],
  ...(full
    ? {
        lineTotal: "624.90",
        dueDate: "2017-12-13",
        paymentReference: "FA-2017-0010",
        contractNumber: "MSPE2017",
      }
    : {}),
});

const invoiceDOM = (profileId: string, profile: InvoiceFacts["profile"], full: boolean): InvoiceFacts => ({
  invoiceNumber: "FA-2017-0009",
  typeCode: "380",
  issueDate: "2017-11-05",
  currency: "EUR",
  taxBasisTotal: "530.75",
  taxTotal: "0.00",
  grandTotal: "530.75",
  duePayable: "383.75",
  seller: auBonMoulin,
  buyer: hotelSaintDenis,
  profileId,
  profile,
  vatBreakdown: full
    ? [
        {
          categoryCode: "G",
          ratePercent: "0.00",
          basisAmount: "530.75",
          taxAmount: "0.00",
          exemptionReason: "Exonération de TVA selon article 262 I du Code général des impôts",
        },
      ]
    : [],
  ...(full
    ? {
        lineTotal: "530.75",
        dueDate: "2017-12-05",
        paymentReference: "FA-2017-0009",
        contractNumber: "WELCOME_PACK_2017",
      }
    : {}),
});

const invoiceUE = (profileId: string, profile: InvoiceFacts["profile"], full: boolean): InvoiceFacts => ({
  invoiceNumber: "FA-2017-0008",
  typeCode: "380",
  issueDate: "2017-11-03",
  currency: "EUR",
  taxBasisTotal: "2076.76",
  taxTotal: "0.00",
  grandTotal: "2076.76",
  duePayable: "1453.76",
  seller: auBonMoulin,
  buyer: meGustaOlive,
  profileId,
  profile,
  vatBreakdown: full
    ? [
        {
          categoryCode: "K",
          ratePercent: "0.00",
          basisAmount: "2076.76",
          taxAmount: "0.00",
          exemptionReason:
            'French VAT exemption according to articles 262 ter I (for products) and/or 283-2 (for services) of "CGI"',
        },
      ]
    : [],
  ...(full
    ? {
        lineTotal: "2076.76",
        dueDate: "2017-12-03",
        paymentReference: "FA-2017-0008",
        contractNumber: "FROLIVE2017",
      }
    : {}),
});

/** The credit note AV-2017-0005; typed 380 it is the flawed variant with negative amounts. */
const creditNote = (
  profileId: string,
  profile: InvoiceFacts["profile"],
  full: boolean,
  typeCode: "380" | "381",
): InvoiceFacts => {
  const s = typeCode === "380" ? "-" : "";
  return {
    invoiceNumber: "AV-2017-0005",
    typeCode,
    issueDate: "2017-11-16",
    currency: "EUR",
    taxBasisTotal: `${s}218.48`,
    taxTotal: `${s}14.99`,
    grandTotal: `${s}233.47`,
    duePayable: `${s}233.47`,
    seller: auBonMoulin,
    buyer: maJolieBoutique,
    profileId,
    profile,
    vatBreakdown: full
      ? [
          { categoryCode: "S", ratePercent: "20.00", basisAmount: `${s}20.48`, taxAmount: `${s}4.10` },
          { categoryCode: "S", ratePercent: "5.50", basisAmount: `${s}198.00`, taxAmount: `${s}10.89` },
        ]
      : [],
    ...(full
      ? {
          lineTotal: `${s}218.48`,
          dueDate: "2017-11-16",
          paymentReference: "AV-2017-0005",
          contractNumber: "MSPE2017",
        }
      : {}),
    precedingInvoiceNumber: "FA-2017-0010",
  };
};

const mustang: InvoiceFacts = {
  invoiceNumber: "RE-20201121/508",
  typeCode: "380",
  issueDate: "2020-11-21",
  currency: "EUR",
  lineTotal: "496.00",
  taxBasisTotal: "496.00",
  taxTotal: "75.04",
  grandTotal: "571.04",
  duePayable: "571.04",
  vatBreakdown: [
    { categoryCode: "S", ratePercent: "7.00", basisAmount: "160.00", taxAmount: "11.20" },
    { categoryCode: "S", ratePercent: "19.00", basisAmount: "336.00", taxAmount: "63.84" },
  ],
  dueDate: "2020-12-12",
  paymentReference: "RE-20201121/508",
  buyerReference: "AB321",
  seller: { name: "Bei Spiel GmbH", vatId: "DE136695976", country: "DE" },
  buyer: { name: "Theodor Est", id: "2", country: "DE" },
  profileId: EN16931,
  profile: "EN 16931",
};

const PROFILE_WARNING = "warning profile_not_accepted_for_issuing";
const LINE_WARNING = "warning line_amount_inconsistent";

const valid: Record<string, { facts: InvoiceFacts; outcome: string[] }> = {
  "Avoir_FR_type381_BASIC.pdf": { facts: creditNote(BASIC, "BASIC", true, "381"), outcome: [LINE_WARNING] },
  "Facture_DOM_BASICWL.pdf": { facts: invoiceDOM(BASIC_WL, "BASIC WL", true), outcome: [PROFILE_WARNING] },
  "Facture_DOM_MINIMUM.pdf": { facts: invoiceDOM(MINIMUM, "MINIMUM", false), outcome: [PROFILE_WARNING] },
  "Facture_FR_BASICWL.pdf": { facts: invoiceFR(BASIC_WL, "BASIC WL", true), outcome: [PROFILE_WARNING] },
  "Facture_FR_MINIMUM.pdf": { facts: invoiceFR(MINIMUM, "MINIMUM", false), outcome: [PROFILE_WARNING] },
  "Facture_UE_BASICWL.pdf": { facts: invoiceUE(BASIC_WL, "BASIC WL", true), outcome: [PROFILE_WARNING] },
  "Facture_UE_MINIMUM.pdf": { facts: invoiceUE(MINIMUM, "MINIMUM", false), outcome: [PROFILE_WARNING] },
  "MustangGnuaccountingBeispielRE-20201121_508.pdf": { facts: mustang, outcome: [] },
  "MustangGnuaccountingBeispielRE-20201121_508_withBOM.pdf": { facts: mustang, outcome: [] },
};

const CREDIT_AS_INVOICE = "error credit_note_typed_as_invoice";
const flawed: Record<string, { facts: InvoiceFacts; outcome: string[]; why: string }> = {
  "Avoir_FR_type380_BASIC.pdf": {
    facts: creditNote(BASIC, "BASIC", true, "380"),
    outcome: [CREDIT_AS_INVOICE, LINE_WARNING],
    why: "a credit note typed 380 with negative totals is refused",
  },
  "Avoir_FR_type380_EN16931.pdf": {
    facts: creditNote(EN16931, "EN 16931", true, "380"),
    outcome: [CREDIT_AS_INVOICE, LINE_WARNING],
    why: "a credit note typed 380 with negative totals is refused",
  },
  "Avoir_FR_type380_MINIMUM.pdf": {
    facts: creditNote(MINIMUM, "MINIMUM", false, "380"),
    outcome: [CREDIT_AS_INVOICE, PROFILE_WARNING],
    why: "a credit note typed 380 with negative totals is refused",
  },
  "Avoir_FR_type381_BASICWL.pdf": {
    facts: creditNote(BASIC_WL, "BASIC WL", true, "381"),
    outcome: [PROFILE_WARNING],
    why: "BASIC WL is not accepted by the reform: published with a warning",
  },
  "Avoir_FR_type381_EN16931.pdf": {
    facts: creditNote(EN16931, "EN 16931", true, "381"),
    outcome: [LINE_WARNING],
    why: "line 1 is 5 × 4.10 = 20.50 but states 20.48: published with a warning",
  },
  "Avoir_FR_type381_MINIMUM.pdf": {
    facts: creditNote(MINIMUM, "MINIMUM", false, "381"),
    outcome: [PROFILE_WARNING],
    why: "MINIMUM is not accepted by the reform: published with a warning",
  },
  "Facture_DOM_BASIC.pdf": {
    facts: invoiceDOM(BASIC, "BASIC", true),
    outcome: [LINE_WARNING],
    why: "line 1 is 50 × 4.10 = 205.00 but states 204.75",
  },
  "Facture_DOM_EN16931.pdf": {
    facts: invoiceDOM(EN16931, "EN 16931", true),
    outcome: [LINE_WARNING],
    why: "line 1 is 50 × 4.10 = 205.00 but states 204.75",
  },
  "Facture_FR_BASIC.pdf": {
    facts: invoiceFR(BASIC, "BASIC", true),
    outcome: [LINE_WARNING],
    why: "line 1 is 20 × 4.10 = 82.00 but states 81.90",
  },
  "Facture_FR_EN16931.pdf": {
    facts: invoiceFR(EN16931, "EN 16931", true),
    outcome: [LINE_WARNING],
    why: "line 1 is 20 × 4.10 = 82.00 but states 81.90",
  },
  "Facture_UE_BASIC.pdf": {
    facts: invoiceUE(BASIC, "BASIC", true),
    outcome: [LINE_WARNING],
    why: "line 1 is 8 × 4.10 = 32.80 but states 32.76",
  },
  "Facture_UE_EN16931.pdf": {
    facts: invoiceUE(EN16931, "EN 16931", true),
    outcome: [LINE_WARNING],
    why: "line 1 is 8 × 4.10 = 32.80 but states 32.76",
  },
  "factur-x-invalid-xml-encoding-attribute.pdf": {
    facts: mustang,
    outcome: ["warning xml_declaration_invalid"],
    why: 'encoding="UTF-8-W/O-BOM" is read as UTF-8 with a warning',
  },
};

const ciiXml: Record<string, InvoiceFacts> = {
  "EN16931_Einfach.cii.xml": {
    invoiceNumber: "471102",
    typeCode: "380",
    issueDate: "2018-03-05",
    currency: "EUR",
    lineTotal: "473.00",
    taxBasisTotal: "473.00",
    taxTotal: "56.87",
    grandTotal: "529.87",
    duePayable: "529.87",
    vatBreakdown: [
      { categoryCode: "S", ratePercent: "7.00", basisAmount: "275.00", taxAmount: "19.25" },
      { categoryCode: "S", ratePercent: "19.00", basisAmount: "198.00", taxAmount: "37.62" },
    ],
    seller: {
      name: "Lieferant GmbH",
      id: "549910",
      globalId: "4000001123452",
      vatId: "DE123456789",
      country: "DE",
    },
    buyer: { name: "Kunden AG Mitte", id: "GE2020211", country: "DE" },
    profileId: EN16931,
    profile: "EN 16931",
  },
  "EN16931_Gutschrift.cii.xml": {
    invoiceNumber: "471102",
    typeCode: "389",
    issueDate: "2018-03-05",
    currency: "EUR",
    lineTotal: "473.00",
    taxBasisTotal: "473.00",
    taxTotal: "56.87",
    grandTotal: "529.87",
    duePayable: "529.87",
    vatBreakdown: [
      { categoryCode: "S", ratePercent: "7.00", basisAmount: "275.00", taxAmount: "19.25" },
      { categoryCode: "S", ratePercent: "19.00", basisAmount: "198.00", taxAmount: "37.62" },
    ],
    seller: {
      name: "Lieferant GmbH",
      id: "549910",
      globalId: "4000001123452",
      vatId: "DE123456789",
      country: "DE",
    },
    buyer: { name: "Kunden AG Mitte", id: "GE2020211", vatId: "DE136695976", country: "DE" },
    profileId: EN16931,
    profile: "EN 16931",
  },
};

describeCorpus(`readInvoicePdf on the corpus${skipped}`, () => {
  const list = (dir: string) => readdirSync(path.join(corpus, dir)).sort();

  it("has an expectation for every corpus file", () => {
    expect(list("facturx-valid")).toEqual(Object.keys(valid).sort());
    expect(list("facturx-flawed")).toEqual(Object.keys(flawed).sort());
    expect(list("cii-xml")).toEqual([...Object.keys(ciiXml), "EN16931_Einfach.ubl.xml"].sort());
    expect(list("plain-pdf")).toHaveLength(1);
  });

  describe("facturx-valid: published with the facts of their XML", () => {
    for (const [file, expected] of Object.entries(valid)) {
      it(`reads ${file}`, async () => {
        const doc = await readInvoicePdf(load(`facturx-valid/${file}`));
        expect(doc.kind).toBe("facturx");
        expect(doc.xmlFilename).toBe("factur-x.xml");
        expect(doc.facts).toEqual(expected.facts);
        expect(outcome(doc.findings)).toEqual(expected.outcome);
        expect(doc.findings.every((f) => f.severity === "warning")).toBe(true);
      });
    }
  });

  describe("facturx-flawed: each gets a deliberate outcome", () => {
    for (const [file, expected] of Object.entries(flawed)) {
      it(`${file}: ${expected.why}`, async () => {
        const doc = await readInvoicePdf(load(`facturx-flawed/${file}`));
        expect(doc.kind).toBe("facturx");
        expect(doc.facts).toEqual(expected.facts);
        expect(outcome(doc.findings)).toEqual(expected.outcome);
      });
    }

    it("names the field and the numbers in the line and type findings", async () => {
      const doc = await readInvoicePdf(load("facturx-flawed/Avoir_FR_type380_BASIC.pdf"));
      const refused = doc.findings.find((f) => f.code === "credit_note_typed_as_invoice");
      expect(refused).toMatchObject({ severity: "error", field: "typeCode" });
      expect(refused?.message).toContain("-233.47");
      const line = doc.findings.find((f) => f.code === "line_amount_inconsistent");
      expect(line).toMatchObject({ field: "lines[0].lineTotal" });
      expect(line?.message).toContain("-20.50");
    });
  });

  it("reads the plain PDF as plain-pdf with no finding", async () => {
    const [file] = list("plain-pdf");
    const doc = await readInvoicePdf(load(`plain-pdf/${file}`));
    expect(doc).toEqual({ kind: "plain-pdf", findings: [] });
  });

  describe("cii-xml: bare XML is not a PDF", () => {
    it.each(list("cii-xml"))("refuses %s with not_pdf and a clear reason", async (file) => {
      const doc = await readInvoicePdf(load(`cii-xml/${file}`));
      expect(doc.kind).toBe("plain-pdf");
      expect(doc.findings).toHaveLength(1);
      expect(doc.findings[0]).toMatchObject({ severity: "error", code: "not_pdf" });
      expect(doc.findings[0]?.message).toMatch(/XML-only invoices are not supported yet/);
      expect(doc.findings[0]?.message).toMatch(file.includes(".ubl.") ? /UBL/ : /CII/);
    });

    for (const [file, facts] of Object.entries(ciiXml)) {
      it(`parseCii reads the facts of ${file}`, () => {
        const result = parseCii(load(`cii-xml/${file}`));
        expect(result.facts).toEqual(facts);
        expect(result.findings).toEqual([]);
      });
    }

    it("parseCii refuses the UBL file as not CII", () => {
      const result = parseCii(load("cii-xml/EN16931_Einfach.ubl.xml"));
      expect(result.facts).toBeUndefined();
      expect(outcome(result.findings)).toEqual(["error xml_not_cii"]);
      expect(result.findings[0]?.message).toMatch(/UBL/);
    });
  });

  describe("the fast path", () => {
    const pdfs = ["facturx-valid", "facturx-flawed", "plain-pdf"].flatMap((d) =>
      list(d).map((f) => `${d}/${f}`),
    );

    it.each(pdfs)("answers %s without pdf-lib, exactly as pdf-lib does", async (rel) => {
      const bytes = load(rel);
      const fast = await readInvoicePdfWithPath(bytes);
      const slow = await readInvoicePdfWithPath(bytes, { forcePath: "pdf-lib" });
      expect(fast.path).toBe("fast");
      expect(slow.path).toBe("pdf-lib");
      expect(fast.document).toEqual(slow.document);
    });

    it("returns the embedded XML byte for byte", async () => {
      const doc = await readInvoicePdf(
        load("facturx-valid/MustangGnuaccountingBeispielRE-20201121_508_withBOM.pdf"),
      );
      const xml = Buffer.from(doc.xml ?? []);
      expect(xml.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      expect(xml.toString("utf8")).toContain("<ram:ID>RE-20201121/508</ram:ID>");
    });
  });
});
