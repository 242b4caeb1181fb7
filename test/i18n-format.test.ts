import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatsFor, type Locale } from "../src/i18n/format.js";

// The list page formats amounts and days without calling Intl for the usual values (src/i18n/format.ts):
// the output must be Intl's own, character for character, whatever the value.

const TAGS: Record<Locale, string> = { fr: "fr-FR", en: "en-GB" };
const CURRENCIES = ["EUR", "USD", "GBP", "CHF", "JPY", "TND", "XPF"];

const decimalString = fc
  .tuple(
    fc.boolean(),
    fc.oneof(fc.integer({ min: 0, max: 9_999 }), fc.bigInt({ min: 0n, max: 10n ** 18n })),
    fc.option(fc.stringMatching(/^\d{1,4}$/), { nil: undefined }),
  )
  .map(
    ([negative, integer, fraction]) => `${negative ? "-" : ""}${integer}${fraction ? `.${fraction}` : ""}`,
  );

describe("money and day formats match Intl exactly", () => {
  for (const locale of ["fr", "en"] as const) {
    it(`amounts in ${locale}, every currency, any decimal string`, () => {
      const f = formatsFor(locale);
      fc.assert(
        fc.property(decimalString, fc.constantFrom(...CURRENCIES), (value, currency) => {
          const intl = new Intl.NumberFormat(TAGS[locale], { style: "currency", currency });
          expect(f.money(value, currency)).toBe(intl.format(value as `${number}`));
        }),
        { numRuns: 3_000 },
      );
    });

    it(`amounts in ${locale}: the edges`, () => {
      const f = formatsFor(locale);
      const intl = new Intl.NumberFormat(TAGS[locale], { style: "currency", currency: "EUR" });
      for (const value of [
        "0",
        "-0",
        "0.00",
        "-0.00",
        "999",
        "1000",
        "-1000.1",
        "100000.00",
        "0.005",
        "012.5",
      ])
        expect(f.money(value, "EUR")).toBe(intl.format(value as `${number}`));
    });

    it(`Paris days in ${locale} (short and long), any moment including the clock changes`, () => {
      const f = formatsFor(locale);
      const intl = new Intl.DateTimeFormat(TAGS[locale], {
        day: "2-digit",
        month: "2-digit",
        year: "numeric",
        timeZone: "Europe/Paris",
      });
      const moment = fc.oneof(
        fc.date({
          min: new Date("1900-01-01T00:00:00Z"),
          max: new Date("2100-01-01T00:00:00Z"),
          noInvalidDate: true,
        }),
        // Around the 2026 changes (29 March, 25 October, 01:00 UTC) and Paris midnight, to the millisecond.
        fc
          .constantFrom(
            "2026-03-29T01:00:00Z",
            "2026-10-25T01:00:00Z",
            "2026-06-30T22:00:00Z",
            "2026-12-31T23:00:00Z",
          )
          .chain((at) =>
            fc.integer({ min: -7_200_000, max: 7_200_000 }).map((ms) => new Date(Date.parse(at) + ms)),
          ),
      );
      const long = new Intl.DateTimeFormat(TAGS[locale], { dateStyle: "long", timeZone: "Europe/Paris" });
      fc.assert(
        fc.property(moment, (at) => {
          expect(f.date(at)).toBe(intl.format(at));
          expect(f.longDate(at)).toBe(long.format(at));
        }),
        { numRuns: 5_000 },
      );
    });
  }
});
