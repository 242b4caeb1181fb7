// Bounds on the work one untrusted file may cause (issue 12, finding 2). A few kilobytes of PDF can
// describe millions of xref entries or gigabytes of inflated data, and a few kilobytes of deflated XML
// millions of elements: every structure we decode or build is counted against these limits, and a file
// that goes past one is refused (code `pdf_too_complex` / `xml_too_complex`) instead of being read.

/** The limits, generous for real invoices (the largest corpus file uses well under 1% of each). */
export const PARSE_LIMITS = {
  /** Bytes inflated for one document, all streams together (xref streams, object streams, the XML). */
  maxDecodedBytes: 32 * 1024 * 1024,
  /** Entries read from all cross-reference sections of a document (a Factur-X has a few hundred). */
  maxXrefEntries: 500_000,
  /** Object streams decoded for one document, and the objects one may declare. */
  maxObjectStreams: 256,
  maxObjectsPerStream: 100_000,
  /** XML: elements, attributes (all together) and nesting depth of the embedded invoice. */
  maxXmlElements: 200_000,
  maxXmlAttributes: 200_000,
  maxXmlDepth: 64,
} as const;

export type BudgetCode = "pdf_too_complex" | "xml_too_complex";

/**
 * A limit was reached: the file is refused, never handed to a more lenient parser. Deliberately not a
 * PdfSyntaxError (which sends the file to the pdf-lib fallback).
 */
export class ParseBudgetError extends Error {
  constructor(
    readonly code: BudgetCode,
    message: string,
  ) {
    super(message);
    this.name = "ParseBudgetError";
  }
}

/** The French text an issuer reads for a PDF refused by a limit (the API answers 422 with it). */
export function pdfTooComplexMessage(detail: string): string {
  return `Le PDF est trop complexe pour être lu sans risque (${detail}). Exportez-le de nouveau depuis votre logiciel de facturation (PDF/A-3 standard) et republiez-le.`;
}

export function xmlTooComplexMessage(detail: string): string {
  return `Le XML Factur-X embarqué est trop complexe pour être lu sans risque (${detail}). Une facture réelle en est loin : vérifiez le fichier produit par votre logiciel.`;
}

/** Counts the bytes inflated for one document. */
export class DecodeBudget {
  private used = 0;

  constructor(readonly maxBytes: number = PARSE_LIMITS.maxDecodedBytes) {}

  /** How many more bytes one stream may inflate to. */
  remaining(): number {
    return Math.max(0, this.maxBytes - this.used);
  }

  /** Records `bytes` decoded; throws once the document's total passes the limit. */
  spend(bytes: number): void {
    this.used += bytes;
    if (this.used > this.maxBytes) throw this.exhausted();
  }

  exhausted(): ParseBudgetError {
    return new ParseBudgetError(
      "pdf_too_complex",
      pdfTooComplexMessage(`plus de ${this.maxBytes} octets à décompresser`),
    );
  }
}
