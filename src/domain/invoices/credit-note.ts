/**
 * UNTDID 1001 document types (BT-3) that are credit notes in the French e-invoicing reform's list: 381 credit
 * note, 261 self-billed, 262 consolidated, 396 factored, 502 self-billed factored, 503 prepayment credit note.
 * EN 16931 issues them with positive amounts: what they mean is "this much back to the customer".
 */
export const CREDIT_NOTE_TYPE_CODES: ReadonlySet<string> = new Set([
  "381",
  "261",
  "262",
  "396",
  "502",
  "503",
]);

/** True when the document type code (BT-3) is a credit note's. */
export function isCreditNote(typeCode: string): boolean {
  return CREDIT_NOTE_TYPE_CODES.has(typeCode);
}

/**
 * An amount (a decimal string as stored) as it adds up in an export: a credit note's amounts count against
 * the invoices, so they are negated; an invoice's stay as issued. Zero stays unsigned.
 */
export function signedAmount(amount: string, typeCode: string): string {
  if (!isCreditNote(typeCode)) return amount;
  if (amount.startsWith("-")) return amount.slice(1);
  if (/^[+]?0*(\.0*)?$/.test(amount)) return amount;
  return `-${amount.replace(/^\+/, "")}`;
}
