import type { Finding } from "./types.js";

/** Every finding code this module can emit, with what it means. */
export const FINDING_CODES = {
  empty_file: "The file is empty.",
  not_pdf: "The file does not start with %PDF-; XML-only invoices (CII or UBL) are not supported yet.",
  pdf_unreadable: "The PDF structure cannot be read (truncated or damaged file).",
  pdf_encrypted: "The PDF is encrypted; its embedded invoice data cannot be read.",
  pdf_too_complex:
    "The PDF asks for more work than a parser budget allows (decoded bytes, xref entries, object streams, or the time and memory of a parser worker): refused.",
  xml_unreadable: "The embedded XML stream cannot be decoded (unsupported filter or damaged data).",
  xml_too_large: "The XML is larger than the accepted limit.",
  xml_too_complex: "The XML has more elements, attributes or nesting levels than an invoice needs: refused.",
  xml_doctype_forbidden: "The XML contains a DOCTYPE; DTDs and entities are refused for safety.",
  xml_malformed: "The XML is not well-formed (or not valid UTF-8).",
  xml_declaration_invalid: "The XML declaration is invalid (e.g. unknown encoding name); read as UTF-8.",
  xml_not_cii: "The XML is not a UN/CEFACT CII invoice (CrossIndustryInvoice), e.g. UBL or ZUGFeRD 1.0.",
  xml_not_associated:
    "The invoice XML is attached but not listed as a PDF/A-3 associated file (/AF), as Factur-X requires.",
  multiple_invoice_xml: "The PDF embeds more than one invoice XML; the preferred one was read.",
  missing_field: "A mandatory invoice fact is missing.",
  invalid_date: "A date is not a valid YYYYMMDD date with format 102.",
  invalid_amount: "An amount is not a decimal number.",
  invalid_currency: "The invoice currency is not an ISO 4217 three-letter code.",
  credit_note_typed_as_invoice:
    "The document is typed 380 (invoice) but its grand total is negative: it is a credit note and must be typed 381.",
  credit_note_negative_total: "The document is typed 381 (credit note) with a negative grand total.",
  type_code_unknown: "The document type code (BT-3) is not an invoice or credit note code of UNTDID 1001.",
  profile_not_accepted_for_issuing:
    "Profile MINIMUM or BASIC WL: not a full invoice under the French e-invoicing reform (published anyway).",
  profile_unknown: "The guideline identifier (BT-24) is missing or not a known Factur-X / ZUGFeRD profile.",
  totals_inconsistent: "The document totals do not add up (EN 16931 rules BR-CO-10 to BR-CO-16).",
  vat_breakdown_inconsistent: "A VAT breakdown tax amount is not its basis times its rate.",
  line_amount_inconsistent:
    "A line net amount is not quantity times net price (plus charges, minus allowances).",
  siren_invalid: "A SIREN/SIRET identifier (scheme 0002 or 0009) does not have 9 or 14 digits.",
} as const satisfies Record<string, string>;

export type FindingCode = keyof typeof FINDING_CODES;

/** True when at least one finding blocks publication. */
export function hasErrors(findings: Finding[]): boolean {
  return findings.some((f) => f.severity === "error");
}

export function error(code: FindingCode, message: string, field?: string): Finding {
  return field === undefined
    ? { severity: "error", code, message }
    : { severity: "error", code, message, field };
}

export function warning(code: FindingCode, message: string, field?: string): Finding {
  return field === undefined
    ? { severity: "warning", code, message }
    : { severity: "warning", code, message, field };
}
