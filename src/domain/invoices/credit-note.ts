import { isCreditNote } from "../../einvoice/document-types.js";

export { CREDIT_NOTE_TYPE_CODES, isCreditNote } from "../../einvoice/document-types.js";

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
