/**
 * UNTDID 1001 document types (BT-3) that are credit notes: those EN 16931 accepts (81, 83, 261, 262, 296, 308,
 * 381, 396, 420, 458, 532) and those the French reform adds (502 self-billed factored, 503 prepayment credit
 * note). A credit note is issued with positive amounts: what it means is "this much back to the customer".
 * One list for the reader's checks, the portal's labels and filters, and the signed amounts of the exports.
 */
export const CREDIT_NOTE_TYPE_CODES: ReadonlySet<string> = new Set(
  "81 83 261 262 296 308 381 396 420 458 502 503 532".split(" "),
);

/** True when the document type code (BT-3) is a credit note's. */
export function isCreditNote(typeCode: string): boolean {
  return CREDIT_NOTE_TYPE_CODES.has(typeCode);
}
