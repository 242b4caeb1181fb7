import type { PortalInvoiceRow } from "../db/portal-invoices.queries.js";
import { isCreditNote, signedAmount } from "../domain/invoices/credit-note.js";
import { csvField } from "../domain/shared/spreadsheet-text.js";
import { type Messages, messagesFor } from "../i18n/index.js";

/** The export's words in one language: column names (stable from one export to the next) and the type names. */
export type CsvTexts = Messages["csv"];

/**
 * The two CSV flavours of the invoice export.
 * - `excel` (default): what French Excel opens by a double click — UTF-8 with a BOM, `;` between fields,
 *   decimal comma in amounts, times in Paris local time (`AAAA-MM-JJ HH:MM:SS`).
 * - `csv`: plain RFC 4180 for other tools — UTF-8 without BOM, `,`, decimal point, times in ISO 8601 UTC.
 * Both: CRLF line ends, dates `AAAA-MM-JJ`, amounts as the exact decimal strings stored (never floats),
 * signed so that a column sums to what is owed: a credit note's amounts are negative (`signedAmount`), and the
 * type column says « Avoir » / « Facture » with the UNTDID 1001 code in the next one.
 * The column names and type names follow the customer's language (src/i18n, `csv`); the values do not.
 */
export type CsvFlavour = "excel" | "csv";

const BOM = "\uFEFF";

// csvField (quoting, formula defusing) lives in src/domain/shared/spreadsheet-text.ts: the audit export uses it too.
export { csvField };

const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * An amount cell, signed by the document's type. A decimal (leading "-" included) is a number to a
 * spreadsheet, not a formula, so it is written bare and sums; anything else goes through `csvField` as text.
 */
function amountField(value: string | null, typeCode: string, flavour: CsvFlavour, separator: string): string {
  if (value === null) return "";
  const signed = signedAmount(value, typeCode);
  if (!DECIMAL.test(signed)) return csvField(signed, separator);
  return flavour === "excel" ? signed.replace(".", ",") : signed;
}

const PARIS = new Intl.DateTimeFormat("sv-SE", {
  timeZone: "Europe/Paris",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

/** `AAAA-MM-JJ HH:MM:SS` in Paris ("sv-SE" is the locale whose format is ISO-like). */
function parisDateTime(at: Date): string {
  return PARIS.format(at);
}

function timeField(at: Date | null, flavour: CsvFlavour): string {
  if (!at) return "";
  return flavour === "excel" ? parisDateTime(at) : `${at.toISOString().slice(0, 19)}Z`;
}

/** The header line, BOM included for `excel`. */
export function csvHeader(flavour: CsvFlavour, texts: CsvTexts = messagesFor("fr").csv): string {
  const separator = flavour === "excel" ? ";" : ",";
  return `${flavour === "excel" ? BOM : ""}${texts.header.map((h) => csvField(h, separator)).join(separator)}\r\n`;
}

/** One invoice as a CSV line (CRLF included). */
export function csvLine(
  row: PortalInvoiceRow,
  flavour: CsvFlavour,
  texts: CsvTexts = messagesFor("fr").csv,
): string {
  const separator = flavour === "excel" ? ";" : ",";
  const text = (value: string | null) => csvField(value ?? "", separator);
  const amount = (value: string | null) => amountField(value, row.typeCode, flavour, separator);
  const fields = [
    text(row.invoiceNumber),
    text(isCreditNote(row.typeCode) ? texts.creditNote : texts.invoice),
    text(row.typeCode),
    row.issueDate,
    row.dueDate ?? "",
    text(row.contractNumber),
    text(row.customerNumber),
    amount(row.taxBasisTotal),
    amount(row.taxTotal),
    amount(row.grandTotal),
    amount(row.duePayable),
    text(row.currency),
    row.sha256,
    parisDateTime(row.availableUntil).slice(0, 10),
    timeField(row.firstDownloadedAt, flavour),
  ];
  // Only text fields can hold a separator, a quote or a line end; decimal amounts, dates and hashes cannot.
  return `${fields.join(separator)}\r\n`;
}

/** The export as text chunks: the header, then one chunk per batch of rows (the response streams them). */
export async function* invoiceCsv(
  rows: AsyncIterable<PortalInvoiceRow>,
  flavour: CsvFlavour,
  texts: CsvTexts = messagesFor("fr").csv,
  chunkRows = 200,
): AsyncGenerator<string> {
  yield csvHeader(flavour, texts);
  let chunk = "";
  let count = 0;
  for await (const row of rows) {
    chunk += csvLine(row, flavour, texts);
    if (++count % chunkRows === 0) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk) yield chunk;
}
