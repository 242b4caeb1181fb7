/** A problem found while reading an invoice: errors block publication, warnings are recorded with it. */
export interface Finding {
  severity: "error" | "warning";
  code: string;
  message: string;
  /** The fact concerned, as a path into InvoiceFacts (e.g. `grandTotal`, `seller.name`). */
  field?: string;
}

/** A seller (BG-4) or buyer (BG-7) as read from the CII XML. */
export interface PartyFacts {
  name?: string;
  /** BT-29 (seller) / BT-46 (buyer): the first `ID` of the party. */
  id?: string;
  /** The first `GlobalID` of the party (BT-29/BT-46 with a scheme). */
  globalId?: string;
  /** 9-digit SIREN, from a legal organisation ID with scheme 0002 (SIREN or SIRET) or 0009 (SIRET). */
  siren?: string;
  /** BT-31 / BT-48: the tax registration with scheme `VA`. */
  vatId?: string;
  /** BT-40 / BT-55: ISO 3166-1 alpha-2 country of the postal address. */
  country?: string;
}

/** One VAT breakdown line (BG-23). Amounts are decimal strings. */
export interface VatBreakdownLine {
  categoryCode: string;
  ratePercent?: string;
  basisAmount: string;
  taxAmount: string;
  exemptionReason?: string;
}

/** Factur-X / ZUGFeRD profile named by the guideline identifier (BT-24). */
export type ProfileName =
  | "MINIMUM"
  | "BASIC WL"
  | "BASIC"
  | "EN 16931"
  | "EXTENDED"
  | "XRECHNUNG"
  | "UNKNOWN";

/** The facts of a CII invoice the portal stores and shows. Money is a decimal string, never a float. */
export interface InvoiceFacts {
  /** BT-1 */
  invoiceNumber?: string;
  /** BT-3 (380 invoice, 381 credit note, ...) */
  typeCode?: string;
  /** BT-2 as YYYY-MM-DD */
  issueDate?: string;
  /** BT-5 */
  currency?: string;
  /** BT-106 */
  lineTotal?: string;
  /** BT-109 */
  taxBasisTotal?: string;
  /** BT-110 (in the invoice currency) */
  taxTotal?: string;
  /** BT-112, decimal string as in the XML (no '+', no spaces) */
  grandTotal?: string;
  /** BT-115 */
  duePayable?: string;
  vatBreakdown: VatBreakdownLine[];
  /** BT-9 as YYYY-MM-DD */
  dueDate?: string;
  /** BT-83 */
  paymentReference?: string;
  /** BT-10 */
  buyerReference?: string;
  /** BT-12 */
  contractNumber?: string;
  /** BT-25: the invoice a credit note or corrective invoice refers to (first one). */
  precedingInvoiceNumber?: string;
  seller: PartyFacts;
  buyer: PartyFacts;
  /** Guideline URN (BT-24) */
  profileId?: string;
  /**
   * The route the file states: the content of its note with subject code BAR (BR-FR-20: `B2B`, `B2BINT`,
   * `B2C`, `OUTOFSCOPE`, `ARCHIVEONLY`), trimmed, as written (src/domain/invoices/processing-rule.ts reads it).
   */
  routeNote?: string;
  /** BT-23, the business process (« cadre de facturation », e.g. `S1`, `B1`, `M1`). */
  businessProcess?: string;
  profile: ProfileName;
}

/** What a published PDF turned out to be, with the facts of its embedded XML if any. */
export interface InvoiceDocument {
  kind: "facturx" | "plain-pdf";
  /** Name of the embedded XML as written in the PDF (e.g. `factur-x.xml`). */
  xmlFilename?: string;
  /** The embedded XML, decompressed, byte for byte. */
  xml?: Uint8Array;
  facts?: InvoiceFacts;
  findings: Finding[];
}

/** Limits applied while reading. */
export interface ReadOptions {
  /** Largest embedded XML accepted, after decompression (default 5 MB). */
  maxXmlBytes?: number;
}

export const DEFAULT_MAX_XML_BYTES = 5 * 1024 * 1024;
