import { randomUUID } from "node:crypto";

// Writing a lifecycle message (CDAR "CDV", UN/CEFACT CrossDomainAcknowledgementAndResponse D22B, XP Z12-012),
// in the element order of its XSD (rules/fnfe-1.4.0/CDAR/1xsd-CDAR_D22B_uncoupled/) and following the FNFE
// rules BR-FR-CDV (rules/fnfe-1.4.0/CDAR/2xslt/): the 212 « Encaissée » we send for a collected invoice, and,
// in the tests, the statuses a PA emits. Checked by src/pa/cdar-rules.ts before anything is sent.

/** Statuses of the transmission phase (AcknowledgementDocument TypeCode 305, emitted by a platform, role WK). */
const TRANSMISSION_PHASE = new Set([200, 201, 202, 203, 213]);

export interface CdarParty {
  /** UNTDID 3035 role: WK platform, SE seller, BY buyer… */
  role: string;
  /** SIREN (schemeID 0002) — required for the processing phase's issuer. */
  siren?: string;
  /** Electronic address (schemeID 0225, the SIREN-based address of the directory), required for a recipient that is not a platform. */
  address?: string;
}

export interface CdarInput {
  /** MDT-105: 200–213. */
  code: number;
  invoice: { number: string; issueDate: string; sellerSiren: string; typeCode?: string };
  /** Who sends the message (and issues the status, MDT-40): a platform for the transmission phase. */
  sender: CdarParty;
  recipient: CdarParty;
  /** MDT-113 and its text (required for 206, 207, 208, 210, 213). */
  reasonCode?: string;
  reasonText?: string;
  /** MDG-43: for 212, one `MEN` per VAT rate with the amount collected and the rate. */
  amounts?: { typeCode: "MEN"; amount: string; percent: string; currency?: string }[];
  at: Date;
  documentId?: string;
}

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** UN/CEFACT format 204 (CCYYMMDDHHMMSS, UTC). */
function dateTime204(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

function party(element: string, p: CdarParty, withGlobalId: boolean): string {
  return `<ram:${element}>${withGlobalId && p.siren ? `<ram:GlobalID schemeID="0002">${esc(p.siren)}</ram:GlobalID>` : ""}<ram:RoleCode>${esc(p.role)}</ram:RoleCode>${p.address ? `<ram:URIUniversalCommunication><ram:URIID schemeID="0225">${esc(p.address)}</ram:URIID></ram:URIUniversalCommunication>` : ""}</ram:${element}>`;
}

/** The CDAR document (UTF-8 text). */
export function buildCdar(input: CdarInput): string {
  const transmission = TRANSMISSION_PHASE.has(input.code);
  const typeCode = transmission ? "305" : "23";
  const at = dateTime204(input.at);
  const issuer: CdarParty = transmission ? { role: "WK" } : input.sender;
  const amounts = (input.amounts ?? [])
    .map(
      (a) =>
        `<ram:SpecifiedDocumentCharacteristic><ram:TypeCode>${a.typeCode}</ram:TypeCode><ram:ValueAmount${a.currency ? ` currencyID="${esc(a.currency)}"` : ""}>${esc(a.amount)}</ram:ValueAmount><ram:ValuePercent>${esc(a.percent)}</ram:ValuePercent></ram:SpecifiedDocumentCharacteristic>`,
    )
    .join("");
  const status =
    input.reasonCode || input.reasonText || amounts
      ? `<ram:SpecifiedDocumentStatus>${input.reasonCode ? `<ram:ReasonCode>${esc(input.reasonCode)}</ram:ReasonCode>` : ""}${input.reasonText ? `<ram:Reason>${esc(input.reasonText)}</ram:Reason>` : ""}<ram:SequenceNumeric>1</ram:SequenceNumeric>${amounts}</ram:SpecifiedDocumentStatus>`
      : "";
  return `<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossDomainAcknowledgementAndResponse xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100" xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100">
  <rsm:ExchangedDocumentContext><ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>REGULATED</ram:ID></ram:BusinessProcessSpecifiedDocumentContextParameter><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn.cpro.gouv.fr:1p0:CDV:invoice</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument><ram:ID>${esc(input.documentId ?? randomUUID())}</ram:ID><ram:IssueDateTime><udt:DateTimeString format="204">${at}</udt:DateTimeString></ram:IssueDateTime>${party("SenderTradeParty", input.sender, false)}${party("IssuerTradeParty", issuer, !transmission)}${party("RecipientTradeParty", input.recipient, false)}</rsm:ExchangedDocument>
  <rsm:AcknowledgementDocument><ram:MultipleReferencesIndicator><udt:Indicator>false</udt:Indicator></ram:MultipleReferencesIndicator><ram:TypeCode>${typeCode}</ram:TypeCode><ram:IssueDateTime><udt:DateTimeString format="204">${at}</udt:DateTimeString></ram:IssueDateTime>
    <ram:ReferenceReferencedDocument><ram:IssuerAssignedID>${esc(input.invoice.number)}</ram:IssuerAssignedID><ram:TypeCode>${esc(input.invoice.typeCode ?? "380")}</ram:TypeCode><ram:FormattedIssueDateTime><qdt:DateTimeString format="102">${input.invoice.issueDate.replace(/-/g, "")}</qdt:DateTimeString></ram:FormattedIssueDateTime><ram:ProcessConditionCode>${input.code}</ram:ProcessConditionCode><ram:IssuerTradeParty><ram:GlobalID schemeID="0002">${esc(input.invoice.sellerSiren)}</ram:GlobalID><ram:RoleCode>SE</ram:RoleCode></ram:IssuerTradeParty>${status}</ram:ReferenceReferencedDocument>
  </rsm:AcknowledgementDocument>
</rsm:CrossDomainAcknowledgementAndResponse>
`;
}
