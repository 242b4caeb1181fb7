import { defuseFormula } from "../shared/spreadsheet-text.js";
import { signedAmount } from "./credit-note.js";

/** One invoice as the ZIP's `index.csv` lists it. Amounts are decimal strings. */
export interface ZipIndexRow {
  invoiceNumber: string;
  typeCode: string;
  issueDate: string;
  contractNumber: string | null;
  customerNumber: string;
  taxBasisTotal: string | null;
  taxTotal: string | null;
  grandTotal: string;
  duePayable: string | null;
  currency: string;
  sha256: string;
  /** Path of the PDF inside the archive (`2026/…pdf`). */
  path: string;
}

const TYPE_LABELS: Record<string, string> = {
  "380": "Facture",
  "381": "Avoir",
  "384": "Facture rectificative",
  "386": "Facture d’acompte",
  "389": "Autofacture",
};

/** French label of an invoice type code (UNTDID 1001), the code itself when unknown. */
export function invoiceTypeLabel(typeCode: string): string {
  return TYPE_LABELS[typeCode] ?? `Type ${typeCode}`;
}

const HEADER = [
  "Numéro",
  "Type",
  "Code type",
  "Date",
  "Contrat",
  "N° client",
  "Total HT",
  "TVA",
  "Total TTC",
  "Net à payer",
  "Devise",
  "SHA-256",
  "Fichier",
];

/**
 * French Excel reads `;` files with decimal commas; the value is the issuer's decimal string, negated for a
 * credit note (`signedAmount`) so that a column sums to what is owed. A decimal is a number to a spreadsheet.
 */
function amount(value: string | null, typeCode: string): string {
  if (value === null) return "";
  const signed = signedAmount(value, typeCode);
  return /^-?\d+(\.\d+)?$/.test(signed) ? signed.replace(".", ",") : defuseFormula(signed);
}

// Issuer texts may start like a formula: written as text, the same way as every other export.
function text(value: string | null): string {
  if (value === null) return "";
  return defuseFormula(value);
}

function cell(value: string): string {
  return /[;"\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The header of index.csv: UTF-8 BOM, `;` separated, CRLF (what French Excel opens as is). */
export function zipIndexHeader(): string {
  return `\uFEFF${HEADER.map(cell).join(";")}\r\n`;
}

/** One line of index.csv. */
export function zipIndexLine(row: ZipIndexRow): string {
  return `${[
    text(row.invoiceNumber),
    invoiceTypeLabel(row.typeCode),
    text(row.typeCode),
    row.issueDate,
    text(row.contractNumber),
    text(row.customerNumber),
    amount(row.taxBasisTotal, row.typeCode),
    amount(row.taxTotal, row.typeCode),
    amount(row.grandTotal, row.typeCode),
    amount(row.duePayable, row.typeCode),
    row.currency,
    row.sha256,
    row.path,
  ]
    .map(cell)
    .join(";")}\r\n`;
}
