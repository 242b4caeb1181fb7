import { checkInvoice, type DocumentAmounts, type LineAmounts } from "./check-invoice.js";
import { formatDecimal, parseDecimal } from "./decimal.js";
import { decodeXmlText } from "./decode-xml-text.js";
import { error, warning } from "./findings.js";
import { xmlTooComplexMessage } from "./parse-budget.js";
import { profileFromGuideline } from "./profiles.js";
import {
  DEFAULT_MAX_XML_BYTES,
  type Finding,
  type InvoiceFacts,
  type PartyFacts,
  type ReadOptions,
  type VatBreakdownLine,
} from "./types.js";
import {
  attributeOf,
  child,
  children,
  localName,
  namespaceOf,
  parseXmlTree,
  textOf,
  type XmlElement,
} from "./xml-tree.js";

export const CII_NAMESPACE = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";

const DOCTYPE = /<!DOCTYPE|<!ENTITY/i;

/** Reads the facts of a UN/CEFACT CII invoice (the XML of Factur-X / ZUGFeRD 2 / XRechnung CII). */
export function parseCii(
  xml: Uint8Array | string,
  options: ReadOptions = {},
): { facts?: InvoiceFacts; findings: Finding[] } {
  const decoded = decodeXmlText(xml, options.maxXmlBytes ?? DEFAULT_MAX_XML_BYTES);
  const findings = decoded.findings;
  const text = decoded.text;
  if (text === undefined) return { findings };

  // No DTD processing at all: external entities (XXE) and entity expansion bombs are refused outright.
  if (DOCTYPE.test(text)) {
    findings.push(
      error("xml_doctype_forbidden", "The XML contains a DOCTYPE or ENTITY declaration, refused."),
    );
    return { findings };
  }
  const parsed = parseXmlTree(text);
  if (!parsed.ok) {
    findings.push(
      parsed.tooComplex
        ? error("xml_too_complex", xmlTooComplexMessage(parsed.message))
        : error("xml_malformed", `The XML is not well-formed: ${parsed.message}`),
    );
    return { findings };
  }
  const rootLocal = localName(parsed.root.name);
  if (rootLocal !== "CrossIndustryInvoice") {
    const what =
      rootLocal === "Invoice" || rootLocal === "CreditNote"
        ? "a UBL invoice: UBL is not supported yet, only CII (Factur-X / ZUGFeRD 2)"
        : rootLocal === "CrossIndustryDocument"
          ? "a ZUGFeRD 1.0 invoice, which is not supported: only Factur-X / ZUGFeRD 2 CII"
          : `not a CII invoice (root element <${parsed.root.name}>)`;
    findings.push(error("xml_not_cii", `The XML is ${what}.`));
    return { findings };
  }
  const ns = namespaceOf(parsed.root);
  if (ns !== CII_NAMESPACE) {
    findings.push(
      error("xml_not_cii", `The root element is in namespace "${ns ?? ""}", not ${CII_NAMESPACE}.`),
    );
    return { findings };
  }

  const extracted = extractFacts(parsed.root, findings);
  findings.push(...checkInvoice(extracted.facts, extracted.amounts, findings));
  return { facts: extracted.facts, findings };
}

class FactReader {
  constructor(readonly findings: Finding[]) {}

  amount(el: XmlElement | undefined, field: string): string | undefined {
    const raw = textOf(el);
    if (raw === undefined) return undefined;
    const d = parseDecimal(raw);
    if (d === undefined) {
      this.findings.push(error("invalid_amount", `${field} is not a decimal number: "${raw}".`, field));
      return undefined;
    }
    return formatDecimal(d);
  }

  /** A `DateTimeString format="102"` (YYYYMMDD) as YYYY-MM-DD. */
  date(el: XmlElement | undefined, field: string): string | undefined {
    const dts = child(el, "DateTimeString");
    const raw = textOf(dts);
    if (raw === undefined) return undefined;
    const format = attributeOf(dts, "format");
    const m = /^(\d{4})(\d{2})(\d{2})$/.exec(raw);
    if ((format !== undefined && format !== "102") || !m) {
      this.findings.push(
        error(
          "invalid_date",
          `${field} "${raw}" (format ${format ?? "none"}) is not a YYYYMMDD date.`,
          field,
        ),
      );
      return undefined;
    }
    const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const probe = new Date(Date.UTC(year, month - 1, day));
    if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
      this.findings.push(error("invalid_date", `${field} "${raw}" is not a calendar date.`, field));
      return undefined;
    }
    return `${m[1]}-${m[2]}-${m[3]}`;
  }

  party(el: XmlElement | undefined, field: string): PartyFacts {
    const party: PartyFacts = {};
    if (el === undefined) return party;
    assign(party, "name", textOf(child(el, "Name")));
    assign(party, "id", textOf(child(el, "ID")));
    assign(party, "globalId", textOf(child(el, "GlobalID")));
    assign(party, "country", textOf(child(el, "PostalTradeAddress", "CountryID")));
    for (const reg of children(el, "SpecifiedTaxRegistration")) {
      const id = child(reg, "ID");
      if (attributeOf(id, "schemeID") === "VA" && party.vatId === undefined)
        assign(party, "vatId", textOf(id));
    }
    // SIREN: ICD 0002 (SIRENE: 9-digit SIREN or 14-digit SIRET) or 0009 (SIRET), preferring the legal registration.
    const candidates = [
      child(el, "SpecifiedLegalOrganization", "ID"),
      ...children(el, "GlobalID"),
      ...children(el, "ID"),
    ];
    for (const id of candidates) {
      const scheme = attributeOf(id, "schemeID");
      const value = textOf(id)?.replace(/\s/g, "");
      if ((scheme !== "0002" && scheme !== "0009") || value === undefined) continue;
      if (/^\d{9}(\d{5})?$/.test(value)) {
        party.siren = value.slice(0, 9);
      } else {
        this.findings.push(
          warning(
            "siren_invalid",
            `${field} identifier "${value}" (scheme ${scheme}) is not a SIREN or SIRET.`,
            `${field}.siren`,
          ),
        );
      }
      break;
    }
    return party;
  }
}

function assign<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

function extractFacts(
  root: XmlElement,
  findings: Finding[],
): { facts: InvoiceFacts; amounts: DocumentAmounts } {
  const r = new FactReader(findings);
  const doc = child(root, "ExchangedDocument");
  const tx = child(root, "SupplyChainTradeTransaction");
  const agreement = child(tx, "ApplicableHeaderTradeAgreement");
  const settlement = child(tx, "ApplicableHeaderTradeSettlement");
  const sums = child(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation");
  const profileId = textOf(
    child(root, "ExchangedDocumentContext", "GuidelineSpecifiedDocumentContextParameter", "ID"),
  );
  const currency = textOf(child(settlement, "InvoiceCurrencyCode"));

  // BT-110 may be given twice: in the invoice currency and in the VAT accounting currency (BT-111).
  const taxTotals = children(sums, "TaxTotalAmount");
  const taxTotalEl =
    taxTotals.find((t) => attributeOf(t, "currencyID") === currency) ??
    taxTotals.find((t) => attributeOf(t, "currencyID") === undefined) ??
    taxTotals[0];

  const facts: InvoiceFacts = {
    vatBreakdown: [],
    seller: r.party(child(agreement, "SellerTradeParty"), "seller"),
    buyer: r.party(child(agreement, "BuyerTradeParty"), "buyer"),
    profile: profileFromGuideline(profileId),
  };
  assign(facts, "invoiceNumber", textOf(child(doc, "ID")));
  assign(facts, "typeCode", textOf(child(doc, "TypeCode")));
  assign(facts, "issueDate", r.date(child(doc, "IssueDateTime"), "issueDate"));
  assign(facts, "currency", currency);
  assign(facts, "lineTotal", r.amount(child(sums, "LineTotalAmount"), "lineTotal"));
  assign(facts, "taxBasisTotal", r.amount(child(sums, "TaxBasisTotalAmount"), "taxBasisTotal"));
  assign(facts, "taxTotal", r.amount(taxTotalEl, "taxTotal"));
  assign(facts, "grandTotal", r.amount(child(sums, "GrandTotalAmount"), "grandTotal"));
  assign(facts, "duePayable", r.amount(child(sums, "DuePayableAmount"), "duePayable"));
  const dueDateEl = children(settlement, "SpecifiedTradePaymentTerms")
    .map((terms) => child(terms, "DueDateDateTime"))
    .find((d) => d !== undefined);
  assign(facts, "dueDate", r.date(dueDateEl, "dueDate"));
  assign(facts, "paymentReference", textOf(child(settlement, "PaymentReference")));
  assign(facts, "buyerReference", textOf(child(agreement, "BuyerReference")));
  assign(facts, "contractNumber", textOf(child(agreement, "ContractReferencedDocument", "IssuerAssignedID")));
  assign(
    facts,
    "precedingInvoiceNumber",
    textOf(child(settlement, "InvoiceReferencedDocument", "IssuerAssignedID")),
  );
  assign(facts, "profileId", profileId);
  assign(
    facts,
    "businessProcess",
    textOf(child(root, "ExchangedDocumentContext", "BusinessProcessSpecifiedDocumentContextParameter", "ID")),
  );
  // The French route note (BR-FR-20): the first IncludedNote whose SubjectCode is BAR.
  const routeNote = children(doc, "IncludedNote").find(
    (note) => textOf(child(note, "SubjectCode")) === "BAR",
  );
  assign(facts, "routeNote", textOf(child(routeNote, "Content")));

  children(settlement, "ApplicableTradeTax").forEach((tax, i) => {
    const field = `vatBreakdown[${i}]`;
    const basisAmount = r.amount(child(tax, "BasisAmount"), `${field}.basisAmount`);
    const taxAmount = r.amount(child(tax, "CalculatedAmount"), `${field}.taxAmount`);
    if (basisAmount === undefined || taxAmount === undefined) {
      findings.push(
        warning(
          "vat_breakdown_inconsistent",
          `VAT breakdown line ${i + 1} has no basis or tax amount.`,
          field,
        ),
      );
      return;
    }
    const line: VatBreakdownLine = {
      categoryCode: textOf(child(tax, "CategoryCode")) ?? "",
      basisAmount,
      taxAmount,
    };
    assign(line, "ratePercent", r.amount(child(tax, "RateApplicablePercent"), `${field}.ratePercent`));
    assign(line, "exemptionReason", textOf(child(tax, "ExemptionReason")));
    facts.vatBreakdown.push(line);
  });

  const lines: LineAmounts[] = children(tx, "IncludedSupplyChainTradeLineItem").map((item, i) => {
    const field = `lines[${i}]`;
    const agreementEl = child(item, "SpecifiedLineTradeAgreement", "NetPriceProductTradePrice");
    const lineSettlement = child(item, "SpecifiedLineTradeSettlement");
    const allowanceCharges = children(lineSettlement, "SpecifiedTradeAllowanceCharge").map((ac) => ({
      isCharge: textOf(child(ac, "ChargeIndicator", "Indicator")) === "true",
      amount: r.amount(child(ac, "ActualAmount"), `${field}.allowanceCharge`),
    }));
    return {
      lineId: textOf(child(item, "AssociatedDocumentLineDocument", "LineID")) ?? String(i + 1),
      quantity: r.amount(child(item, "SpecifiedLineTradeDelivery", "BilledQuantity"), `${field}.quantity`),
      netPrice: r.amount(child(agreementEl, "ChargeAmount"), `${field}.netPrice`),
      basisQuantity: r.amount(child(agreementEl, "BasisQuantity"), `${field}.basisQuantity`),
      lineTotal: r.amount(
        child(lineSettlement, "SpecifiedTradeSettlementLineMonetarySummation", "LineTotalAmount"),
        `${field}.lineTotal`,
      ),
      allowanceCharges,
    };
  });

  const amounts: DocumentAmounts = {
    lines,
    allowanceTotal: r.amount(child(sums, "AllowanceTotalAmount"), "allowanceTotal"),
    chargeTotal: r.amount(child(sums, "ChargeTotalAmount"), "chargeTotal"),
    prepaidTotal: r.amount(child(sums, "TotalPrepaidAmount"), "prepaidTotal"),
    roundingAmount: r.amount(child(sums, "RoundingAmount"), "roundingAmount"),
  };
  return { facts, amounts };
}
