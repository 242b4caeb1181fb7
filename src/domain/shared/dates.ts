/** `at` plus whole calendar months (UTC); the day is clamped to the target month's last day. */
export function addMonths(at: Date, months: number): Date {
  const result = new Date(at.getTime());
  const day = result.getUTCDate();
  result.setUTCDate(1);
  result.setUTCMonth(result.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(result.getUTCFullYear(), result.getUTCMonth() + 1, 0)).getUTCDate();
  result.setUTCDate(Math.min(day, lastDay));
  return result;
}

/** Two decimal strings denote the same amount ("100.0" and "100.00", "-0" and "0"). */
export function sameAmount(a: string, b: string): boolean {
  const norm = (s: string) => {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(s.trim());
    if (!m) return s.trim();
    const int = (m[2] ?? "").replace(/^0+(?=\d)/, "") || "0";
    const frac = (m[3] ?? "").replace(/0+$/, "");
    const value = frac ? `${int}.${frac}` : int;
    return value === "0" ? "0" : `${m[1] === "-" ? "-" : ""}${value}`;
  };
  return norm(a) === norm(b);
}
