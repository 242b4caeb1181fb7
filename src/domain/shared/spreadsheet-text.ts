// A cell whose first character makes a spreadsheet read a formula (OWASP "CSV injection"): = + - @, a
// tab or CR before one of them, and the fullwidth forms ＝ ＋ － ＠ that Excel also takes for operators.
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/** A text for a CSV cell, prefixed with an apostrophe when a spreadsheet would run it as a formula. */
export function defuseFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}
