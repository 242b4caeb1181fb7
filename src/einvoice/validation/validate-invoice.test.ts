// The validator in-process (one rule engine for the file: each profile's stylesheets load once), on the
// corpus, on our builder's invoices and on small hand-made files that each break one frequent rule.
// The worker pool is tested in validator-pool.test.ts.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildCiiXml, type FacturXInput } from "../build-cii-xml.js";
import { buildFacturX } from "../build-facturx.js";
import { createRuleEngine } from "./rule-engine.js";
import { RULES_VERSION } from "./rule-sets.js";
import type { ValidationReport } from "./types.js";
import { NotAnInvoiceError, validateInvoiceFile } from "./validate-invoice.js";

const engine = createRuleEngine();
const validate = (bytes: Uint8Array | string) =>
  validateInvoiceFile(typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes, { engine });
const fatalRules = (report: ValidationReport) =>
  [...new Set(report.findings.filter((f) => f.flag === "fatal").map((f) => f.rule))].sort();

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const corpus = path.resolve(repoRoot, "..", "shared", "corpus");

/** A B2B invoice as our builder writes it: it passes every rule of its profile (EN 16931). */
const b2b: FacturXInput = {
  invoiceNumber: "F-2026-0001",
  typeCode: "380",
  issueDate: "2026-11-05",
  dueDate: "2026-12-05",
  currency: "EUR",
  processingRule: "B2B",
  seller: {
    name: "Acme Location SAS",
    siren: "443061841",
    vatId: "FR44443061841",
    address: { line1: "1 rue de la Paix", postcode: "75002", city: "Paris", countryCode: "FR" },
  },
  buyer: {
    name: "Boulangerie Martin",
    id: "C-001",
    siren: "552081317",
    vatId: "FR12552081317",
    address: { line1: "2 rue B", postcode: "69001", city: "Lyon", countryCode: "FR" },
  },
  lines: [{ description: "Loyer", quantity: "1", unitPrice: "1234.50", vatRatePercent: "20" }],
};
const xml = buildCiiXml(b2b);
const ONE_LINE = /<ram:IncludedSupplyChainTradeLineItem>[\s\S]*<\/ram:IncludedSupplyChainTradeLineItem>\n/;

describe("validateInvoiceFile", () => {
  it("passes the builder's B2B invoice as bare CII, and reports the rules version", async () => {
    const report = await validate(xml);
    expect(report).toEqual({
      profile: "EN16931",
      rulesVersion: RULES_VERSION,
      status: "passed",
      findings: [],
    });
  });

  it("passes the builder's Factur-X PDFs (B2B, and demo-like with a note and two VAT rates) but for one warning", async () => {
    const demo: FacturXInput = {
      ...b2b,
      note: "Prélèvement SEPA",
      lines: [
        ...b2b.lines,
        { description: "Assurance", quantity: "1", unitPrice: "10.00", vatRatePercent: "0" },
      ],
    };
    for (const input of [b2b, demo]) {
      const report = await validate(await buildFacturX(input));
      // The XSD requires ApplicableHeaderTradeDelivery, which the builder leaves empty (docs/compliance.md).
      expect(report.findings.map((f) => `${f.flag} ${f.rule}`)).toEqual(["warning PEPPOL-EN16931-R008"]);
      expect(report.status).toBe("warnings");
    }
  });

  it("reports BR-FR-12 for a buyer with no SIREN and no electronic address (an individual), and nothing else", async () => {
    const { siren: _s, vatId: _v, ...person } = b2b.buyer;
    const report = await validate(buildCiiXml({ ...b2b, processingRule: "B2C", buyer: person }));
    expect(fatalRules(report)).toEqual(["BR-FR-12"]);
    expect(report.findings[0]!.explanation?.fr).toMatch(/adresse électronique/);
  });

  it.each([
    [
      "BR-FR-10 (seller SIREN)",
      xml.replace(">443061841</ram:ID>", ">44306184</ram:ID>"),
      ["BR-FR-10", "BR-FR-32"],
    ],
    [
      "BR-FR-11 (buyer SIREN, B2B)",
      xml.replace(">552081317</ram:ID>", ">55208131</ram:ID>"),
      ["BR-FR-11", "BR-FR-32"],
    ],
    [
      "BR-FR-08 (cadre de facturation)",
      xml.replace("<ram:ID>S1</ram:ID>", "<ram:ID>S0</ram:ID>"),
      ["BR-FR-08"],
    ],
    ["BR-16 (no line)", xml.replace(ONE_LINE, ""), ["BR-16", "BR-CO-10", "BR-S-08"]],
    [
      "CII-DT-031 (currencyID on an amount)",
      xml.replace("<ram:GrandTotalAmount>", '<ram:GrandTotalAmount currencyID="EUR">'),
      ["CII-DT-031"],
    ],
    [
      "BR-CO-15 (a wrong total)",
      xml.replace(">1481.40</ram:GrandTotalAmount>", ">1481.41</ram:GrandTotalAmount>"),
      ["BR-CO-15", "BR-CO-16"],
    ],
  ])("reports %s with its rule id", async (_name, broken, expected) => {
    const report = await validate(broken);
    expect(report.status).toBe("failed");
    expect(fatalRules(report)).toEqual(expected);
    for (const f of report.findings) expect(f.explanation).not.toBeNull();
  });

  it("runs the EXTENDED rules to the end (SaxonJS round() typing patched in the SEF)", async () => {
    const extended = xml.replace(
      "<ram:ID>urn:cen.eu:en16931:2017</ram:ID>",
      "<ram:ID>urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended</ram:ID>",
    );
    const report = await validate(extended);
    expect(report.profile).toBe("EXTENDED");
    expect(report.findings.filter((f) => f.rule === "RULES-ERROR")).toEqual([]);
    expect(fatalRules(report)).toEqual([]);
  });

  it("reports a crash of the French rules (two due dates, BR-FR-CO-07) as RULES-ERROR, never passed", async () => {
    const twoDueDates = xml.replace(
      "</ram:SpecifiedTradePaymentTerms>",
      '</ram:SpecifiedTradePaymentTerms><ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime><udt:DateTimeString format="102">20261220</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>',
    );
    const report = await validate(twoDueDates);
    expect(report.status).toBe("failed");
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        rule: "RULES-ERROR",
        flag: "fatal",
        message: expect.stringMatching(/^BR-FR-Flux2/),
      }),
    );
  });

  it("refuses what is not an invoice with a reason, and fails XML that is not well-formed", async () => {
    await expect(validate("bonjour")).rejects.toThrow(NotAnInvoiceError);
    await expect(validate(new Uint8Array())).rejects.toThrow(/empty/);
    await expect(
      validate('<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'),
    ).rejects.toThrow(/UBL/);
    const broken = await validate("<rsm:CrossIndustryInvoice");
    expect(broken.status).toBe("failed");
    expect(fatalRules(broken)).toEqual(["XSD"]);
  });
});

// What the official rules say of each corpus file (../shared/corpus, README there). None passes: the
// files predate the French rules (no BR-FR-05 notes, no BT-23, no electronic addresses). MINIMUM is
// judged by BASIC WL's rules (docs/compliance.md) and fails on what it lacks.
const FR_BASE = ["BR-FR-05", "BR-FR-08", "BR-FR-10", "BR-FR-12", "BR-FR-13"];
const MINIMUM = ["BR-12", "BR-CO-13", "FX-SCH-A-000026", "FX-SCH-A-000173", "FX-SCH-A-000189", "XSD"];
const CORPUS: [string, string | null, string[]][] = [
  ["facturx-valid/Avoir_FR_type381_BASIC.pdf", "BASIC", [...FR_BASE, "BR-FR-32"]],
  ["facturx-valid/Facture_DOM_BASICWL.pdf", "BASICWL", [...FR_BASE, "BR-FR-32"]],
  ["facturx-valid/Facture_DOM_MINIMUM.pdf", "MINIMUM", [...FR_BASE, "BR-FR-32", ...MINIMUM, "BR-CO-16"]],
  ["facturx-valid/Facture_FR_BASICWL.pdf", "BASICWL", [...FR_BASE, "BR-FR-32"]],
  [
    "facturx-valid/Facture_FR_MINIMUM.pdf",
    "MINIMUM",
    [...FR_BASE, "BR-FR-32", ...MINIMUM, "BR-CO-14", "BR-CO-16"],
  ],
  ["facturx-valid/Facture_UE_BASICWL.pdf", "BASICWL", [...FR_BASE, "BR-FR-32", "BR-IC-11", "BR-IC-12"]],
  ["facturx-valid/Facture_UE_MINIMUM.pdf", "MINIMUM", [...FR_BASE, "BR-FR-32", ...MINIMUM, "BR-CO-16"]],
  ["facturx-valid/MustangGnuaccountingBeispielRE-20201121_508.pdf", "EN16931", [...FR_BASE, "BR-FR-16"]],
  [
    "facturx-valid/MustangGnuaccountingBeispielRE-20201121_508_withBOM.pdf",
    "EN16931",
    [...FR_BASE, "BR-FR-16"],
  ],
  ["facturx-flawed/Avoir_FR_type380_BASIC.pdf", "BASIC", [...FR_BASE, "BR-FR-32"]],
  ["facturx-flawed/Avoir_FR_type380_EN16931.pdf", "EN16931", [...FR_BASE, "BR-FR-32", "BR-FR-DEC-03"]],
  [
    "facturx-flawed/Avoir_FR_type380_MINIMUM.pdf",
    "MINIMUM",
    [...FR_BASE, "BR-FR-32", ...MINIMUM, "BR-CO-14"],
  ],
  ["facturx-flawed/Avoir_FR_type381_BASICWL.pdf", "BASICWL", [...FR_BASE, "BR-FR-32"]],
  ["facturx-flawed/Avoir_FR_type381_EN16931.pdf", "EN16931", [...FR_BASE, "BR-FR-32"]],
  [
    "facturx-flawed/Avoir_FR_type381_MINIMUM.pdf",
    "MINIMUM",
    [...FR_BASE, "BR-FR-32", ...MINIMUM, "BR-CO-14"],
  ],
  ["facturx-flawed/Facture_DOM_BASIC.pdf", "BASIC", [...FR_BASE, "BR-FR-32"]],
  ["facturx-flawed/Facture_DOM_EN16931.pdf", "EN16931", [...FR_BASE, "BR-FR-32"]],
  ["facturx-flawed/Facture_FR_BASIC.pdf", "BASIC", [...FR_BASE, "BR-FR-32"]],
  ["facturx-flawed/Facture_FR_EN16931.pdf", "EN16931", [...FR_BASE, "BR-FR-32"]],
  ["facturx-flawed/Facture_UE_BASIC.pdf", "BASIC", [...FR_BASE, "BR-FR-32", "BR-IC-11", "BR-IC-12"]],
  ["facturx-flawed/Facture_UE_EN16931.pdf", "EN16931", [...FR_BASE, "BR-FR-32", "BR-IC-11"]],
  // The bogus encoding name in the XML declaration is a schema (parser) error; the rules still run.
  ["facturx-flawed/factur-x-invalid-xml-encoding-attribute.pdf", "EN16931", [...FR_BASE, "BR-FR-16", "XSD"]],
  ["cii-xml/EN16931_Einfach.cii.xml", "EN16931", [...FR_BASE, "BR-FR-16"]],
  ["cii-xml/EN16931_Gutschrift.cii.xml", "EN16931", [...FR_BASE, "BR-FR-16"]],
];
const REFUSED = ["cii-xml/EN16931_Einfach.ubl.xml", "plain-pdf/RE-E-974-Hetzner_2016-01-19_R0005532486.pdf"];

describe.skipIf(!existsSync(corpus))(`the corpus (${corpus})`, () => {
  it.each(CORPUS)("gives %s its verdict (%s)", async (file, profile, rules) => {
    const report = await validate(readFileSync(path.join(corpus, file)));
    expect({ profile: report.profile, status: report.status, rules: fatalRules(report) }).toEqual({
      profile,
      status: "failed",
      rules: [...rules].sort(),
    });
  });

  it.each(REFUSED)("refuses %s: not an invoice", async (file) => {
    await expect(validate(readFileSync(path.join(corpus, file)))).rejects.toThrow(NotAnInvoiceError);
  });
});
