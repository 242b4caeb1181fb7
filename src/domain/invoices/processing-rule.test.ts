import { describe, expect, it } from "vitest";
import { buildCiiXml, type FacturXInput } from "../../einvoice/build-cii-xml.js";
import { parseCii } from "../../einvoice/parse-cii.js";
import { decideProcessingRule } from "./processing-rule.js";

const input: FacturXInput = {
  invoiceNumber: "R-1",
  typeCode: "380",
  issueDate: "2026-11-05",
  currency: "EUR",
  seller: {
    name: "Acme",
    siren: "443061841",
    address: { line1: "1 rue A", postcode: "75001", city: "Paris", countryCode: "FR" },
  },
  buyer: {
    name: "Client",
    id: "C-1",
    siren: "552100554",
    address: { line1: "2 rue B", postcode: "69001", city: "Lyon", countryCode: "FR" },
  },
  note: "Loyer de novembre",
  lines: [{ description: "Loyer", quantity: "1", unitPrice: "100.00", vatRatePercent: "20" }],
};

/** The builder's XML with a BAR note (and a BT-23) added as an issuer's software would write them. */
function withRoute(xml: string, bar: string | undefined, businessProcess?: string): string {
  let out = xml;
  if (bar !== undefined)
    out = out.replace(
      "</rsm:ExchangedDocument>",
      `<ram:IncludedNote><ram:Content>${bar}</ram:Content><ram:SubjectCode>BAR</ram:SubjectCode></ram:IncludedNote></rsm:ExchangedDocument>`,
    );
  if (businessProcess !== undefined)
    out = out.replace(
      "<rsm:ExchangedDocumentContext>",
      `<rsm:ExchangedDocumentContext><ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>${businessProcess}</ram:ID></ram:BusinessProcessSpecifiedDocumentContextParameter>`,
    );
  return out;
}

describe("parseCii reads the route the file states", () => {
  it("reads the BAR note, not the other notes, and BT-23", () => {
    const { facts } = parseCii(withRoute(buildCiiXml(input), " B2BINT ", "S1"));
    expect(facts?.routeNote).toBe("B2BINT");
    expect(facts?.businessProcess).toBe("S1");
  });

  it("reads nothing when the file has no BAR note (a plain note is not a route)", () => {
    const { facts } = parseCii(buildCiiXml(input));
    expect(facts?.routeNote).toBeUndefined();
    // BT-23 is not a route: the builder writes its default cadre de facturation (BR-FR-08) all the same.
    expect(facts?.businessProcess).toBe("S1");
  });
});

describe("decideProcessingRule", () => {
  const base = { metadataRule: undefined, tenantDefault: "B2C" as const, buyerSiren: "552100554" };

  it.each([
    ["B2B", "B2B"],
    ["B2BINT", "B2BInt"],
    ["B2C", "B2C"],
    ["OUTOFSCOPE", "OutOfScope"],
    ["ARCHIVEONLY", "ArchiveOnly"],
    ["archiveonly", "ArchiveOnly"],
  ] as const)("takes the BAR note %s as %s (source invoice)", (note, rule) => {
    const decision = decideProcessingRule({ ...base, routeNote: note });
    expect(decision).toEqual({ processingRule: rule, source: "invoice", findings: [] });
  });

  it("takes the metadata's rule when the file has none", () => {
    const decision = decideProcessingRule({ ...base, routeNote: undefined, metadataRule: "OutOfScope" });
    expect(decision).toEqual({ processingRule: "OutOfScope", source: "metadata", findings: [] });
  });

  it("falls back to the tenant's default", () => {
    expect(decideProcessingRule({ ...base, routeNote: undefined })).toEqual({
      processingRule: "B2C",
      source: "tenant",
      findings: [],
    });
    expect(
      decideProcessingRule({ ...base, routeNote: undefined, tenantDefault: "ArchiveOnly" }).processingRule,
    ).toBe("ArchiveOnly");
  });

  it("lets the file win a conflict with the metadata, and says so", () => {
    const decision = decideProcessingRule({ ...base, routeNote: "B2C", metadataRule: "B2B" });
    expect(decision.processingRule).toBe("B2C");
    expect(decision.source).toBe("invoice");
    expect(decision.findings.map((f) => f.code)).toEqual(["route_conflict"]);
    expect(decision.findings[0]!.message).toContain("the file wins");
  });

  it("does not call an agreeing metadata a conflict", () => {
    const decision = decideProcessingRule({ ...base, routeNote: "B2BINT", metadataRule: "B2BInt" });
    expect(decision.findings).toEqual([]);
  });

  it("ignores an unknown BAR value with a finding, and routes by the metadata", () => {
    const decision = decideProcessingRule({ ...base, routeNote: "B2G", metadataRule: "B2C" });
    expect(decision.processingRule).toBe("B2C");
    expect(decision.source).toBe("metadata");
    expect(decision.findings.map((f) => f.code)).toEqual(["route_note_unknown"]);
  });

  it.each([
    ["the file", { routeNote: "B2B" }],
    ["the metadata", { routeNote: undefined, metadataRule: "B2B" as const }],
    ["the tenant's default", { routeNote: undefined, tenantDefault: "B2B" as const }],
  ])("notes BR-FR-11 for a B2B route from %s without the buyer's SIREN", (_, source) => {
    const decision = decideProcessingRule({ ...base, ...source, buyerSiren: undefined });
    expect(decision.processingRule).toBe("B2B");
    expect(decision.findings.map((f) => f.code)).toEqual(["buyer_siren_missing"]);
    expect(decision.findings[0]!.message).toContain("BR-FR-11");
  });

  it("does not ask a B2C invoice for the buyer's SIREN", () => {
    expect(decideProcessingRule({ ...base, routeNote: "B2C", buyerSiren: undefined }).findings).toEqual([]);
  });
});
