import {
  addDecimals,
  compareDecimals,
  type Decimal,
  formatDecimal,
  multiplyDecimals,
  parseDecimal,
  roundHalfUp,
  ZERO,
} from "./decimal.js";
import { EN16931_GUIDELINE } from "./profiles.js";

/** A postal address (BG-5 / BG-8). */
export interface FacturXAddress {
  line1: string;
  postcode: string;
  city: string;
  /** ISO 3166-1 alpha-2 */
  countryCode: string;
}

/** Seller or buyer of a generated invoice. */
export interface FacturXParty {
  name: string;
  /** BT-29 / BT-46; for the buyer, the customer number the portal resolves customers by. */
  id?: string;
  /** 9-digit SIREN, written as legal registration with scheme 0002 (BT-30 / BT-47). */
  siren?: string;
  /** BT-31 / BT-48 */
  vatId?: string;
  /**
   * BT-34 / BT-49, the electronic address (mandatory in France: BR-FR-12, BR-FR-13). Default: the SIREN
   * with scheme 0225 (the French directory's addressing scheme) when the party has one.
   */
  electronicAddress?: { id: string; scheme: string };
  address: FacturXAddress;
}

/** BT-23, the French « cadre de facturation » (BR-FR-08): B goods, S services, M mixed; 1 = ordinary invoice. */
export type BillingFramework =
  | "B1"
  | "S1"
  | "M1"
  | "B2"
  | "S2"
  | "M2"
  | "S3"
  | "B4"
  | "S4"
  | "M4"
  | "S5"
  | "S6"
  | "B7"
  | "S7"
  | "B8"
  | "S8"
  | "M8"
  | "B9"
  | "S9"
  | "M9";

/** The route the invoice declares in a note of subject BAR (BR-FR-20): who must receive it and how. */
export type ProcessingRule = "B2B" | "B2BINT" | "B2C" | "OUTOFSCOPE" | "ARCHIVEONLY";

/**
 * The mentions French law requires on every B2B invoice (Code de commerce L441-9), which the French rules
 * check as notes (BR-FR-05): PMT recovery fee, PMD late-payment penalties, AAB early-payment discount.
 */
export const DEFAULT_LEGAL_NOTES = {
  PMT: "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 €.",
  PMD: "Pénalités de retard : trois fois le taux d'intérêt légal.",
  AAB: "Pas d'escompte pour paiement anticipé.",
} as const;

/** One invoice line; amounts are decimal strings, the unit price is net of VAT. */
export interface FacturXLine {
  description: string;
  quantity: string;
  unitPrice: string;
  vatRatePercent: string;
}

/** Everything needed to generate a Factur-X invoice or credit note (EN 16931 profile). */
export interface FacturXInput {
  invoiceNumber: string;
  typeCode: "380" | "381";
  /** YYYY-MM-DD */
  issueDate: string;
  /** YYYY-MM-DD */
  dueDate?: string;
  currency: string;
  seller: FacturXParty;
  buyer: FacturXParty;
  contractNumber?: string;
  paymentReference?: string;
  note?: string;
  /** BT-23 (default S1: the portal's issuers invoice services, e.g. rents). */
  billingFramework?: BillingFramework;
  /** Written as a BAR note when given (the issuer's route for this invoice). */
  processingRule?: ProcessingRule;
  /** The PMT / PMD / AAB notes (default DEFAULT_LEGAL_NOTES). */
  legalNotes?: { PMT: string; PMD: string; AAB: string };
  lines: FacturXLine[];
}

/** Totals of a generated invoice, all decimal strings with 2 decimals. */
export interface InvoiceTotals {
  lines: { netAmount: string }[];
  vatGroups: { categoryCode: "S" | "Z"; ratePercent: string; basisAmount: string; taxAmount: string }[];
  lineTotal: string;
  taxBasisTotal: string;
  taxTotal: string;
  grandTotal: string;
  duePayable: string;
}

/** A programming error in the input of buildCiiXml / buildFacturX. */
export class InvalidFacturXInput extends Error {
  readonly code = "invalid_facturx_input";
}

function decimalOf(value: string, field: string): Decimal {
  const d = parseDecimal(value);
  if (d === undefined) throw new InvalidFacturXInput(`${field} is not a decimal: "${value}"`);
  return d;
}

/** At least `min` fraction digits, more if the value has them. */
function withScale(d: Decimal, min: number): string {
  return formatDecimal(d.scale >= min ? d : roundHalfUp(d, min));
}

/**
 * Line net amounts (quantity × unit price, rounded half-up to the cent), then one VAT group per rate:
 * tax = basis × rate rounded half-up once per group, as EN 16931 computes it (BR-S-09, BR-CO-14).
 */
export function computeInvoiceTotals(input: Pick<FacturXInput, "lines">): InvoiceTotals {
  const cents = (d: Decimal) => roundHalfUp(d, 2);
  const lineNets = input.lines.map((line, i) =>
    cents(
      multiplyDecimals(
        decimalOf(line.quantity, `lines[${i}].quantity`),
        decimalOf(line.unitPrice, `lines[${i}].unitPrice`),
      ),
    ),
  );
  const groups: { rate: Decimal; basis: Decimal }[] = [];
  input.lines.forEach((line, i) => {
    const rate = decimalOf(line.vatRatePercent, `lines[${i}].vatRatePercent`);
    const net = lineNets[i]!;
    const group = groups.find((g) => compareDecimals(g.rate, rate) === 0);
    if (group) group.basis = addDecimals(group.basis, net);
    else groups.push({ rate, basis: net });
  });
  const vatGroups = groups.map((g) => {
    const product = multiplyDecimals(g.basis, g.rate);
    const tax = cents({ units: product.units, scale: product.scale + 2 });
    return { rate: g.rate, basis: g.basis, tax };
  });
  const lineTotal = lineNets.reduce(addDecimals, ZERO);
  const taxTotal = vatGroups.map((g) => g.tax).reduce(addDecimals, ZERO);
  const grandTotal = addDecimals(lineTotal, taxTotal);
  return {
    lines: lineNets.map((n) => ({ netAmount: withScale(n, 2) })),
    vatGroups: vatGroups.map((g) => ({
      categoryCode: g.rate.units === 0n ? "Z" : "S",
      ratePercent: withScale(g.rate, 2),
      basisAmount: withScale(g.basis, 2),
      taxAmount: withScale(g.tax, 2),
    })),
    lineTotal: withScale(lineTotal, 2),
    taxBasisTotal: withScale(lineTotal, 2),
    taxTotal: withScale(taxTotal, 2),
    grandTotal: withScale(grandTotal, 2),
    duePayable: withScale(grandTotal, 2),
  };
}

// Characters XML 1.0 cannot carry at all (C0 controls except TAB, LF, CR; lone surrogates; U+FFFE/F).
const XML_FORBIDDEN =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters XML cannot carry.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function escapeXml(s: string): string {
  return s
    .replace(XML_FORBIDDEN, "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

function date102(value: string, field: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const probe = m ? new Date(`${value}T00:00:00Z`) : undefined;
  if (!m || !probe || Number.isNaN(probe.getTime()) || probe.toISOString().slice(0, 10) !== value) {
    throw new InvalidFacturXInput(`${field} is not a YYYY-MM-DD date: "${value}"`);
  }
  return `${m[1]}${m[2]}${m[3]}`;
}

function el(name: string, content: string | undefined, attrs = ""): string {
  return content === undefined ? "" : `<ram:${name}${attrs}>${escapeXml(content)}</ram:${name}>`;
}

function party(tag: "SellerTradeParty" | "BuyerTradeParty", p: FacturXParty): string {
  const electronic =
    p.electronicAddress ?? (p.siren === undefined ? undefined : { id: p.siren, scheme: "0225" });
  return [
    `<ram:${tag}>`,
    el("ID", p.id),
    el("Name", p.name),
    p.siren === undefined
      ? ""
      : `<ram:SpecifiedLegalOrganization>${el("ID", p.siren, ' schemeID="0002"')}</ram:SpecifiedLegalOrganization>`,
    "<ram:PostalTradeAddress>",
    el("PostcodeCode", p.address.postcode),
    el("LineOne", p.address.line1),
    el("CityName", p.address.city),
    el("CountryID", p.address.countryCode),
    "</ram:PostalTradeAddress>",
    electronic === undefined
      ? ""
      : `<ram:URIUniversalCommunication>${el("URIID", electronic.id, ` schemeID="${escapeXml(electronic.scheme)}"`)}</ram:URIUniversalCommunication>`,
    p.vatId === undefined
      ? ""
      : `<ram:SpecifiedTaxRegistration>${el("ID", p.vatId, ' schemeID="VA"')}</ram:SpecifiedTaxRegistration>`,
    `</ram:${tag}>`,
  ].join("\n");
}

/** The CII XML (Factur-X profile EN 16931, `urn:cen.eu:en16931:2017`) of an invoice or credit note. */
export function buildCiiXml(input: FacturXInput): string {
  if (!/^[A-Z]{3}$/.test(input.currency))
    throw new InvalidFacturXInput(`currency is not ISO 4217: "${input.currency}"`);
  if (input.lines.length === 0) throw new InvalidFacturXInput("an invoice needs at least one line");
  const totals = computeInvoiceTotals(input);
  const cur = ` currencyID="${escapeXml(input.currency)}"`;
  const issue = date102(input.issueDate, "issueDate");
  const due = input.dueDate === undefined ? undefined : date102(input.dueDate, "dueDate");

  const lines = input.lines.map((line, i) => {
    const rate = totals.vatGroups.find(
      (g) => compareDecimals(decimalOf(g.ratePercent, "rate"), decimalOf(line.vatRatePercent, "rate")) === 0,
    )!;
    return [
      "<ram:IncludedSupplyChainTradeLineItem>",
      `<ram:AssociatedDocumentLineDocument>${el("LineID", String(i + 1))}</ram:AssociatedDocumentLineDocument>`,
      `<ram:SpecifiedTradeProduct>${el("Name", line.description)}</ram:SpecifiedTradeProduct>`,
      "<ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice>",
      el("ChargeAmount", withScale(decimalOf(line.unitPrice, "unitPrice"), 2)),
      "</ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>",
      `<ram:SpecifiedLineTradeDelivery>${el("BilledQuantity", formatDecimal(decimalOf(line.quantity, "quantity")), ' unitCode="C62"')}</ram:SpecifiedLineTradeDelivery>`,
      "<ram:SpecifiedLineTradeSettlement>",
      `<ram:ApplicableTradeTax>${el("TypeCode", "VAT")}${el("CategoryCode", rate.categoryCode)}${el("RateApplicablePercent", rate.ratePercent)}</ram:ApplicableTradeTax>`,
      `<ram:SpecifiedTradeSettlementLineMonetarySummation>${el("LineTotalAmount", totals.lines[i]!.netAmount)}</ram:SpecifiedTradeSettlementLineMonetarySummation>`,
      "</ram:SpecifiedLineTradeSettlement>",
      "</ram:IncludedSupplyChainTradeLineItem>",
    ].join("\n");
  });

  const vat = totals.vatGroups.map(
    (g) =>
      `<ram:ApplicableTradeTax>${el("CalculatedAmount", g.taxAmount)}${el("TypeCode", "VAT")}${el("BasisAmount", g.basisAmount)}${el("CategoryCode", g.categoryCode)}${el("RateApplicablePercent", g.ratePercent)}</ram:ApplicableTradeTax>`,
  );

  // BR-CO-25: an amount due needs a due date or payment terms.
  const terms =
    due !== undefined
      ? `<ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime><udt:DateTimeString format="102">${due}</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>`
      : `<ram:SpecifiedTradePaymentTerms>${el("Description", "Paiement à réception")}</ram:SpecifiedTradePaymentTerms>`;

  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"' +
      ' xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100"' +
      ' xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"' +
      ' xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">',
    `<rsm:ExchangedDocumentContext><ram:BusinessProcessSpecifiedDocumentContextParameter>${el("ID", input.billingFramework ?? "S1")}</ram:BusinessProcessSpecifiedDocumentContextParameter><ram:GuidelineSpecifiedDocumentContextParameter>${el("ID", EN16931_GUIDELINE)}</ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>`,
    "<rsm:ExchangedDocument>",
    el("ID", input.invoiceNumber),
    el("TypeCode", input.typeCode),
    `<ram:IssueDateTime><udt:DateTimeString format="102">${issue}</udt:DateTimeString></ram:IssueDateTime>`,
    input.note === undefined ? "" : `<ram:IncludedNote>${el("Content", input.note)}</ram:IncludedNote>`,
    ...Object.entries(input.legalNotes ?? DEFAULT_LEGAL_NOTES).map(
      ([subject, text]) =>
        `<ram:IncludedNote>${el("Content", text)}${el("SubjectCode", subject)}</ram:IncludedNote>`,
    ),
    input.processingRule === undefined
      ? ""
      : `<ram:IncludedNote>${el("Content", input.processingRule)}${el("SubjectCode", "BAR")}</ram:IncludedNote>`,
    "</rsm:ExchangedDocument>",
    "<rsm:SupplyChainTradeTransaction>",
    ...lines,
    "<ram:ApplicableHeaderTradeAgreement>",
    party("SellerTradeParty", input.seller),
    party("BuyerTradeParty", input.buyer),
    input.contractNumber === undefined
      ? ""
      : `<ram:ContractReferencedDocument>${el("IssuerAssignedID", input.contractNumber)}</ram:ContractReferencedDocument>`,
    "</ram:ApplicableHeaderTradeAgreement>",
    "<ram:ApplicableHeaderTradeDelivery/>",
    "<ram:ApplicableHeaderTradeSettlement>",
    el("PaymentReference", input.paymentReference),
    el("InvoiceCurrencyCode", input.currency),
    ...vat,
    terms,
    "<ram:SpecifiedTradeSettlementHeaderMonetarySummation>",
    el("LineTotalAmount", totals.lineTotal),
    el("TaxBasisTotalAmount", totals.taxBasisTotal),
    el("TaxTotalAmount", totals.taxTotal, cur),
    el("GrandTotalAmount", totals.grandTotal),
    el("DuePayableAmount", totals.duePayable),
    "</ram:SpecifiedTradeSettlementHeaderMonetarySummation>",
    "</ram:ApplicableHeaderTradeSettlement>",
    "</rsm:SupplyChainTradeTransaction>",
    "</rsm:CrossIndustryInvoice>\n",
  ]
    .filter((part) => part !== "")
    .join("\n");
}
