import { describe, expect, it } from "vitest";
import { buildCiiXml, type FacturXInput } from "./build-cii-xml.js";
import { FINDING_CODES, hasErrors } from "./findings.js";
import { parseCii } from "./parse-cii.js";
import { profileFromGuideline } from "./profiles.js";
import type { Finding } from "./types.js";

const codes = (findings: Finding[]) => findings.map((f) => `${f.severity} ${f.code}`).sort();

const input: FacturXInput = {
  invoiceNumber: "F-2026-0042",
  typeCode: "380",
  issueDate: "2026-03-31",
  dueDate: "2026-04-30",
  currency: "EUR",
  seller: {
    name: "Loueur & Fils",
    id: "SELLER-1",
    siren: "552100554",
    vatId: "FR03552100554",
    address: { line1: "1 rue A", postcode: "75001", city: "Paris", countryCode: "FR" },
  },
  buyer: {
    name: "Client <SARL>",
    id: "C-0042",
    siren: "41234567800012",
    address: { line1: "2 rue B", postcode: "69001", city: "Lyon", countryCode: "FR" },
  },
  contractNumber: "CT-9",
  paymentReference: "PAY-42",
  lines: [
    { description: "Loyer", quantity: "1", unitPrice: "100.00", vatRatePercent: "20" },
    { description: "Frais", quantity: "3", unitPrice: "0.335", vatRatePercent: "5.5" },
  ],
};
const xml = buildCiiXml(input);

describe("parseCii", () => {
  it("reads the facts of a CII invoice", () => {
    const { facts, findings } = parseCii(xml);
    expect(findings).toEqual([]);
    expect(facts).toEqual({
      invoiceNumber: "F-2026-0042",
      typeCode: "380",
      businessProcess: "S1",
      issueDate: "2026-03-31",
      currency: "EUR",
      lineTotal: "101.01",
      taxBasisTotal: "101.01",
      taxTotal: "20.06",
      grandTotal: "121.07",
      duePayable: "121.07",
      vatBreakdown: [
        { categoryCode: "S", ratePercent: "20.00", basisAmount: "100.00", taxAmount: "20.00" },
        { categoryCode: "S", ratePercent: "5.50", basisAmount: "1.01", taxAmount: "0.06" },
      ],
      dueDate: "2026-04-30",
      paymentReference: "PAY-42",
      contractNumber: "CT-9",
      seller: {
        name: "Loueur & Fils",
        id: "SELLER-1",
        siren: "552100554",
        vatId: "FR03552100554",
        country: "FR",
      },
      buyer: { name: "Client <SARL>", id: "C-0042", siren: "412345678", country: "FR" },
      profileId: "urn:cen.eu:en16931:2017",
      profile: "EN 16931",
    });
  });

  it("matches elements on local names, whatever the namespace prefixes", () => {
    const renamed = xml
      .replaceAll("rsm:", "inv:")
      .replaceAll("xmlns:rsm=", "xmlns:inv=")
      .replaceAll("ram:", "r:")
      .replaceAll("xmlns:ram=", "xmlns:r=")
      .replaceAll("udt:", "u:")
      .replaceAll("xmlns:udt=", "xmlns:u=");
    expect(renamed).toContain("<inv:CrossIndustryInvoice");
    expect(parseCii(renamed)).toEqual(parseCii(xml));
  });

  it("accepts a default namespace on the root", () => {
    const defaulted = xml
      .replace("<rsm:CrossIndustryInvoice xmlns:rsm=", "<CrossIndustryInvoice xmlns=")
      .replace("</rsm:CrossIndustryInvoice>", "</CrossIndustryInvoice>")
      .replaceAll("rsm:", "");
    expect(parseCii(defaulted).facts?.grandTotal).toBe("121.07");
  });

  it("decodes character references and strips a UTF-8 BOM", () => {
    const withRefs = xml.replace(
      "<ram:Name>Client &lt;SARL&gt;</ram:Name>",
      "<ram:Name>Soci&#233;t&#xE9; &amp;#38;</ram:Name>",
    );
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(withRefs)]);
    const { facts, findings } = parseCii(bytes);
    expect(findings).toEqual([]);
    expect(facts?.buyer.name).toBe("Société &#38;");
  });

  it("reads an ISO-8859-1 document as declared", () => {
    const latin = xml.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace("Loueur & Fils", "Crème");
    const bytes = Uint8Array.from(Buffer.from(latin.replace("Loueur &amp; Fils", "Crème"), "latin1"));
    expect(parseCii(bytes).facts?.seller.name).toBe("Crème");
  });

  it("reads a document with a bogus encoding declaration as UTF-8, with a warning", () => {
    const bogus = xml.replace('encoding="UTF-8"', 'encoding="UTF-8_W/O_BOM"');
    const { facts, findings } = parseCii(new TextEncoder().encode(bogus));
    expect(facts?.invoiceNumber).toBe("F-2026-0042");
    expect(codes(findings)).toEqual(["warning xml_declaration_invalid"]);
  });

  it("refuses a DOCTYPE, internal entities included (billion laughs)", () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><lolz>&lol2;</lolz>`;
    expect(codes(parseCii(laughs).findings)).toEqual(["error xml_doctype_forbidden"]);
    const xxe = xml.replace(
      "<rsm:CrossIndustryInvoice",
      '<!DOCTYPE x SYSTEM "http://evil.test/x.dtd"><rsm:CrossIndustryInvoice',
    );
    expect(parseCii(xxe)).toEqual({
      findings: [expect.objectContaining({ severity: "error", code: "xml_doctype_forbidden" })],
    });
  });

  it("refuses an XML larger than the limit before parsing it", () => {
    expect(codes(parseCii(xml, { maxXmlBytes: 1000 }).findings)).toEqual(["error xml_too_large"]);
    expect(codes(parseCii(new TextEncoder().encode(xml), { maxXmlBytes: 1000 }).findings)).toEqual([
      "error xml_too_large",
    ]);
  });

  it("refuses malformed XML and invalid UTF-8", () => {
    expect(codes(parseCii(xml.replace("</ram:Name>", "</ram:Nam>")).findings)).toEqual([
      "error xml_malformed",
    ]);
    expect(
      codes(parseCii(new Uint8Array([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e])).findings),
    ).toEqual(["error xml_malformed"]);
  });

  it("keeps hostile element and attribute names out of object prototypes", () => {
    const hostile = xml.replace(
      "<ram:Name>Loueur",
      '<ram:__proto__ constructor="x" __proto__="y"><polluted>1</polluted></ram:__proto__><ram:Name>Loueur',
    );
    expect(parseCii(hostile).facts?.seller.name).toBe("Loueur & Fils");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses XML that is not a CII invoice", () => {
    expect(
      parseCii("<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>").findings[0]
        ?.message,
    ).toMatch(/UBL/);
    expect(
      codes(
        parseCii("<rsm:CrossIndustryDocument xmlns:rsm='urn:ferd:CrossIndustryDocument:invoice:1p0'/>")
          .findings,
      ),
    ).toEqual(["error xml_not_cii"]);
    expect(codes(parseCii("<x:CrossIndustryInvoice xmlns:x='urn:something:else'/>").findings)).toEqual([
      "error xml_not_cii",
    ]);
  });

  it("reports every missing mandatory fact with its field", () => {
    const empty = `<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>`;
    const { facts, findings } = parseCii(empty);
    expect(facts).toEqual({ vatBreakdown: [], seller: {}, buyer: {}, profile: "UNKNOWN" });
    const missing = findings.filter((f) => f.code === "missing_field");
    expect(missing.every((f) => f.severity === "error")).toBe(true);
    expect(missing.map((f) => f.field)).toEqual([
      "invoiceNumber",
      "typeCode",
      "issueDate",
      "currency",
      "grandTotal",
      "seller.name",
      "buyer.name",
    ]);
    expect(codes(findings.filter((f) => f.code !== "missing_field"))).toEqual(["warning profile_unknown"]);
  });

  it("reports invalid dates and amounts once, not also as missing", () => {
    const bad = xml
      .replace(">20260331<", ">20260231<")
      .replace("<ram:GrandTotalAmount>121.07<", "<ram:GrandTotalAmount>121,07<")
      .replace('format="102">20260430', 'format="610">202604');
    const { facts, findings } = parseCii(bad);
    expect(facts?.issueDate).toBeUndefined();
    expect(facts?.grandTotal).toBeUndefined();
    expect(facts?.dueDate).toBeUndefined();
    expect(findings.map((f) => `${f.code} ${f.field}`).sort()).toEqual([
      "invalid_amount grandTotal",
      "invalid_date dueDate",
      "invalid_date issueDate",
    ]);
    expect(hasErrors(findings)).toBe(true);
  });

  it("normalises amounts: no '+', no spaces, no negative zero", () => {
    const odd = xml.replace("<ram:GrandTotalAmount>121.07<", "<ram:GrandTotalAmount> +121.07 <");
    expect(parseCii(odd).facts?.grandTotal).toBe("121.07");
  });

  it("refuses an invoice (380) with a negative grand total as a mistyped credit note", () => {
    const negative = xml.replace("<ram:GrandTotalAmount>121.07<", "<ram:GrandTotalAmount>-121.07<");
    const { findings } = parseCii(negative);
    expect(findings.find((f) => f.code === "credit_note_typed_as_invoice")).toMatchObject({
      severity: "error",
      field: "typeCode",
    });
    const asCredit = negative.replace("<ram:TypeCode>380<", "<ram:TypeCode>381<");
    expect(parseCii(asCredit).findings.map((f) => f.code)).toContain("credit_note_negative_total");
    expect(hasErrors(parseCii(asCredit).findings)).toBe(false);
  });

  it("warns about an unknown type code", () => {
    const odd = xml.replace("<ram:TypeCode>380<", "<ram:TypeCode>999<");
    expect(codes(parseCii(odd).findings)).toEqual(["warning type_code_unknown"]);
  });

  it("warns about profiles MINIMUM and BASIC WL, and unknown profiles, without blocking", () => {
    const withProfile = (id: string) => parseCii(xml.replace("urn:cen.eu:en16931:2017<", `${id}<`)).findings;
    expect(codes(withProfile("urn:factur-x.eu:1p0:minimum"))).toEqual([
      "warning profile_not_accepted_for_issuing",
    ]);
    expect(codes(withProfile("urn:factur-x.eu:1p0:basicwl"))).toEqual([
      "warning profile_not_accepted_for_issuing",
    ]);
    expect(codes(withProfile("urn:example:custom"))).toEqual(["warning profile_unknown"]);
  });

  it("warns when the totals do not add up, computing with exact decimals", () => {
    const off = xml.replace(
      '<ram:TaxTotalAmount currencyID="EUR">20.06<',
      '<ram:TaxTotalAmount currencyID="EUR">20.07<',
    );
    const findings = parseCii(off).findings;
    expect(findings.map((f) => `${f.severity} ${f.code} ${f.field}`).sort()).toEqual([
      "warning totals_inconsistent grandTotal",
      "warning totals_inconsistent taxTotal",
    ]);
  });

  it("warns about a VAT breakdown whose tax is not basis × rate", () => {
    const off = xml.replace("<ram:CalculatedAmount>20.00<", "<ram:CalculatedAmount>19.00<");
    expect(parseCii(off).findings.map((f) => `${f.code} ${f.field}`)).toContain(
      "vat_breakdown_inconsistent vatBreakdown[0].taxAmount",
    );
  });

  it("picks BT-110 in the invoice currency when the VAT total is also given in the accounting currency", () => {
    const twice = xml.replace(
      '<ram:TaxTotalAmount currencyID="EUR">20.06</ram:TaxTotalAmount>',
      '<ram:TaxTotalAmount currencyID="CHF">19.10</ram:TaxTotalAmount><ram:TaxTotalAmount currencyID="EUR">20.06</ram:TaxTotalAmount>',
    );
    expect(parseCii(twice).facts?.taxTotal).toBe("20.06");
  });

  it("warns about a malformed SIREN", () => {
    const bad = xml.replace('schemeID="0002">552100554<', 'schemeID="0002">55210<');
    const { facts, findings } = parseCii(bad);
    expect(facts?.seller.siren).toBeUndefined();
    expect(findings.map((f) => `${f.code} ${f.field}`)).toEqual(["siren_invalid seller.siren"]);
  });
});

describe("profileFromGuideline", () => {
  it.each([
    ["urn:factur-x.eu:1p0:minimum", "MINIMUM"],
    ["urn:factur-x.eu:1p0:basicwl", "BASIC WL"],
    ["urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic", "BASIC"],
    ["urn:cen.eu:en16931:2017:compliant:factur-x.eu:1p0:basic", "BASIC"],
    ["urn:cen.eu:en16931:2017", "EN 16931"],
    ["urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended", "EXTENDED"],
    ["urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0", "XRECHNUNG"],
    ["urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_2.3", "XRECHNUNG"],
    ["urn:example", "UNKNOWN"],
    [undefined, "UNKNOWN"],
  ])("maps %s to %s", (id, profile) => {
    expect(profileFromGuideline(id)).toBe(profile);
  });
});

describe("FINDING_CODES", () => {
  it("explains every code in one line", () => {
    for (const [code, text] of Object.entries(FINDING_CODES)) {
      expect(code).toMatch(/^[a-z_]+$/);
      expect(text).not.toContain("\n");
    }
  });
});
