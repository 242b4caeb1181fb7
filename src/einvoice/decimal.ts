// Exact decimal arithmetic on scaled BigInts: invoice amounts must never pass through a float.

/** A decimal number: `units / 10^scale`. */
export interface Decimal {
  units: bigint;
  scale: number;
}

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?$/;
/** Beyond this many fraction digits a value is not an amount, quantity or price we accept. */
const MAX_SCALE = 20;

/** Parses `12`, `-12.50`, `+0.5`, `.5`, `5.` (XSD decimal lexical space, surrounding spaces ignored). */
export function parseDecimal(text: string): Decimal | undefined {
  const m = DECIMAL_RE.exec(text.trim());
  if (!m) return undefined;
  const intPart = m[2] ?? "";
  const fracPart = m[3] ?? "";
  if (intPart === "" && fracPart === "") return undefined;
  if (fracPart.length > MAX_SCALE || intPart.length > 30) return undefined;
  const units = BigInt((intPart || "0") + fracPart);
  return { units: m[1] === "-" ? -units : units, scale: fracPart.length };
}

/** Canonical text of a decimal keeping its scale: no '+', no spaces, no leading zeros, no "-0". */
export function formatDecimal(d: Decimal): string {
  const negative = d.units < 0n;
  const digits = (negative ? -d.units : d.units).toString().padStart(d.scale + 1, "0");
  const intPart = digits.slice(0, digits.length - d.scale);
  const fracPart = digits.slice(digits.length - d.scale);
  return (negative ? "-" : "") + intPart + (d.scale > 0 ? `.${fracPart}` : "");
}

/** `" +0671.150 "` → `"671.150"`; undefined when the text is not a decimal. */
export function normalizeDecimal(text: string): string | undefined {
  const d = parseDecimal(text);
  return d === undefined ? undefined : formatDecimal(d);
}

function rescale(d: Decimal, scale: number): bigint {
  return d.units * 10n ** BigInt(scale - d.scale);
}

export function addDecimals(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return { units: rescale(a, scale) + rescale(b, scale), scale };
}

export function subtractDecimals(a: Decimal, b: Decimal): Decimal {
  return addDecimals(a, { units: -b.units, scale: b.scale });
}

export function multiplyDecimals(a: Decimal, b: Decimal): Decimal {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

/** -1, 0 or 1. `1.50` equals `1.5`. */
export function compareDecimals(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const x = rescale(a, scale);
  const y = rescale(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Compares two decimal strings numerically; undefined if either is not a decimal. */
export function decimalStringsEqual(a: string, b: string): boolean | undefined {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  return x === undefined || y === undefined ? undefined : compareDecimals(x, y) === 0;
}

/** Rounds half away from zero ("commercial" rounding, what EN 16931 calls rounding) to `scale` digits. */
export function roundHalfUp(d: Decimal, scale: number): Decimal {
  if (d.scale <= scale) return { units: rescale(d, scale), scale };
  const divisor = 10n ** BigInt(d.scale - scale);
  const negative = d.units < 0n;
  const abs = negative ? -d.units : d.units;
  let q = abs / divisor;
  if ((abs % divisor) * 2n >= divisor) q += 1n;
  return { units: negative ? -q : q, scale };
}

/** Divides by a positive or negative decimal, rounding half up to `scale` digits. */
export function divideDecimals(a: Decimal, b: Decimal, scale: number): Decimal {
  if (b.units === 0n) throw new RangeError("division by zero");
  // a/b = (a.units * 10^b.scale) / (b.units * 10^a.scale), truncated with guard digits; a sticky
  // last digit records a non-zero remainder so that rounding a value just above or below a tie is exact.
  const extra = scale + 2;
  const num = a.units * 10n ** BigInt(b.scale + extra);
  const den = b.units * 10n ** BigInt(a.scale);
  const q = num / den;
  const sticky = num % den === 0n ? 0n : q < 0n || (q === 0n && num < 0n !== den < 0n) ? -1n : 1n;
  return roundHalfUp({ units: q * 10n + sticky, scale: extra + 1 }, scale);
}

export function absDecimal(d: Decimal): Decimal {
  return d.units < 0n ? { units: -d.units, scale: d.scale } : d;
}

export const ZERO: Decimal = { units: 0n, scale: 0 };
