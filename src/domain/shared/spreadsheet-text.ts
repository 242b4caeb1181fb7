// A cell whose first character makes a spreadsheet read a formula (OWASP "CSV injection"): = + - @, a
// tab or CR before one of them, and the fullwidth forms ＝ ＋ － ＠ that Excel also takes for operators.
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/** A text for a CSV cell, prefixed with an apostrophe when a spreadsheet would run it as a formula. */
export function defuseFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * One CSV field: quoted when it holds the separator, a quote, CR or LF (quotes doubled, RFC 4180). A text
 * that a spreadsheet would read as a formula (`defuseFormula`: = + - @, fullwidth too) gets a leading apostrophe (OWASP
 * "CSV injection"); our own amount columns are written by `amountField` (src/http/invoice-csv.ts) and never pass
 * through this.
 */
export function csvField(
  value: string,
  separator: string,
  options: { text: boolean } = { text: true },
): string {
  const safe = options.text ? defuseFormula(value) : value;
  return safe.includes(separator) || /["\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
