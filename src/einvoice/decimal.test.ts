import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addDecimals,
  compareDecimals,
  decimalStringsEqual,
  divideDecimals,
  formatDecimal,
  multiplyDecimals,
  normalizeDecimal,
  parseDecimal,
  roundHalfUp,
} from "./decimal.js";

const d = (s: string) => {
  const v = parseDecimal(s);
  if (!v) throw new Error(s);
  return v;
};

describe("decimal", () => {
  it.each([
    ["671.15", "671.15"],
    [" +0671.150 ", "671.150"],
    ["-0.00", "0.00"],
    [".5", "0.5"],
    ["5.", "5"],
    ["-12", "-12"],
  ])("normalises %j to %j", (input, out) => {
    expect(normalizeDecimal(input)).toBe(out);
  });

  it.each(["", "1,5", "1e3", "12.5.1", "- 1", "abc", "0x10", "1".repeat(40)])("refuses %j", (input) => {
    expect(parseDecimal(input)).toBeUndefined();
  });

  it("adds and compares exactly where floats do not", () => {
    expect(formatDecimal(addDecimals(d("0.1"), d("0.2")))).toBe("0.3");
    expect(compareDecimals(addDecimals(d("0.1"), d("0.2")), d("0.30"))).toBe(0);
    expect(decimalStringsEqual("1.50", "1.5")).toBe(true);
    expect(decimalStringsEqual("1.50", "x")).toBeUndefined();
  });

  it("rounds half away from zero", () => {
    expect(formatDecimal(roundHalfUp(multiplyDecimals(d("3"), d("0.335")), 2))).toBe("1.01");
    expect(formatDecimal(roundHalfUp(d("1.005"), 2))).toBe("1.01");
    expect(formatDecimal(roundHalfUp(d("-1.005"), 2))).toBe("-1.01");
    expect(formatDecimal(roundHalfUp(d("1.0049999"), 2))).toBe("1.00");
    expect(formatDecimal(roundHalfUp(d("2"), 2))).toBe("2.00");
  });

  it("divides with correct rounding near ties", () => {
    expect(formatDecimal(divideDecimals(d("1"), d("3"), 2))).toBe("0.33");
    expect(formatDecimal(divideDecimals(d("2"), d("3"), 2))).toBe("0.67");
    expect(formatDecimal(divideDecimals(d("0.125"), d("1"), 2))).toBe("0.13");
    expect(formatDecimal(divideDecimals(d("-0.125"), d("1"), 2))).toBe("-0.13");
    expect(formatDecimal(divideDecimals(d("1.0050001"), d("1"), 2))).toBe("1.01");
    expect(formatDecimal(divideDecimals(d("-0.001"), d("3"), 2))).toBe("0.00");
  });

  it("agrees with integer arithmetic on cents (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        (a, b) => {
          const x = { units: a, scale: 2 };
          const y = { units: b, scale: 2 };
          expect(addDecimals(x, y)).toEqual({ units: a + b, scale: 2 });
          expect(compareDecimals(x, y)).toBe(a < b ? -1 : a > b ? 1 : 0);
          expect(parseDecimal(formatDecimal(x))).toEqual(x);
        },
      ),
    );
  });
});
