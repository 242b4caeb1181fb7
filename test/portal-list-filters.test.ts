import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "../src/domain/shared/errors.js";
import {
  filtersToQuery,
  type InvoiceFilters,
  parseCursor,
  parseInvoiceFilters,
  periodOf,
} from "../src/http/invoice-filters.js";
import { money } from "../src/http/views/invoices.view.js";

const parse = (query: string) => parseInvoiceFilters(Object.fromEntries(new URLSearchParams(query)));

describe("parseInvoiceFilters", () => {
  it("reads nothing as the whole list, newest first", () => {
    expect(parse("")).toEqual({ sort: "date_desc" });
    expect(parse("q=&du=&au=&type=&contrat=&client=&periode=&nouvelles=")).toEqual({ sort: "date_desc" });
  });

  it("reads every filter under its French name", () => {
    expect(
      parse(
        "q=+LLD+&du=2026-01-01&au=2026-03-31&contrat=K-1&client=C-1&type=avoir&nouvelles=1&retrait=60&tri=montant-asc",
      ),
    ).toEqual({
      q: "LLD",
      from: "2026-01-01",
      to: "2026-03-31",
      contract: "K-1",
      customer: "C-1",
      type: "381",
      notDownloaded: true,
      leavingWithinDays: 60,
      sort: "amount_asc",
    });
    expect(parse("type=facture").type).toBe("380");
    expect(parse("type=381").type).toBe("381");
  });

  it("turns a month, a year or the form's period into a range, and intersects the period fields", () => {
    expect(parse("mois=2024-02")).toMatchObject({ from: "2024-02-01", to: "2024-02-29" });
    expect(parse("annee=2025")).toMatchObject({ from: "2025-01-01", to: "2025-12-31" });
    expect(parse("periode=2026-11")).toMatchObject({ from: "2026-11-01", to: "2026-11-30" });
    expect(parse("periode=2026")).toMatchObject({ from: "2026-01-01", to: "2026-12-31" });
    expect(parse("annee=2026&du=2026-06-15")).toMatchObject({ from: "2026-06-15", to: "2026-12-31" });
    // Nothing in common: kept as given, matches nothing (the page explains it).
    expect(parse("annee=2025&mois=2026-03")).toMatchObject({ from: "2026-03-01", to: "2025-12-31" });
  });

  it.each([
    "type=devis",
    "du=2026-02-29",
    "du=26-01-01",
    "au=2026-1-1",
    "mois=2026-00",
    "mois=2026",
    "annee=2026-01",
    "periode=janvier",
    "tri=random",
    "retrait=0",
    "retrait=99999",
    "retrait=-5",
    "nouvelles=2",
    `q=${"é".repeat(101)}`,
    "client=a%0Ab",
  ])("refuses %s with invalid_filter", (query) => {
    expect(() => parse(query)).toThrow(expect.objectContaining({ code: "invalid_filter" }));
  });

  it("refuses a repeated or structured parameter", () => {
    expect(() => parseInvoiceFilters({ q: ["a", "b"] })).toThrow(DomainError);
    expect(() => parseInvoiceFilters({ type: { a: 1 } })).toThrow(DomainError);
  });
});

describe("filtersToQuery", () => {
  it("writes whole months and years as mois= / annee=, other ranges as du= / au=, and leaves defaults out", () => {
    expect(filtersToQuery({ sort: "date_desc" }).toString()).toBe("");
    expect(filtersToQuery({ from: "2026-02-01", to: "2026-02-28", sort: "date_desc" }).toString()).toBe(
      "mois=2026-02",
    );
    expect(filtersToQuery({ from: "2026-01-01", to: "2026-12-31", sort: "date_asc" }).toString()).toBe(
      "annee=2026&tri=date-asc",
    );
    expect(filtersToQuery({ from: "2026-01-02", sort: "date_desc" }).toString()).toBe("du=2026-01-02");
    expect(
      filtersToQuery({
        notDownloaded: true,
        leavingWithinDays: 60,
        type: "381",
        sort: "amount_desc",
      }).toString(),
    ).toBe("type=avoir&nouvelles=1&retrait=60&tri=montant-desc");
    expect(periodOf({ from: "2026-02-01", to: "2026-02-27" })).toBeUndefined();
  });

  it("round-trips any filters through the URL", () => {
    const day = fc
      .date({
        min: new Date("1990-01-01T00:00:00Z"),
        max: new Date("2100-12-31T00:00:00Z"),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().slice(0, 10));
    const text = fc
      .string({ minLength: 1, maxLength: 100, unit: "grapheme" })
      .filter(
        (s) =>
          s.trim() === s &&
          s.length > 0 &&
          s.length <= 100 &&
          [...s].every((c) => c.charCodeAt(0) > 0x1f && c !== "\u007f"),
      );
    const filters: fc.Arbitrary<InvoiceFilters> = fc.record(
      {
        from: day,
        to: day,
        contract: text,
        customer: text,
        type: fc.constantFrom("380" as const, "381" as const),
        notDownloaded: fc.constant(true),
        leavingWithinDays: fc.integer({ min: 1, max: 3660 }),
        q: text,
        sort: fc.constantFrom(
          "date_desc" as const,
          "date_asc" as const,
          "amount_desc" as const,
          "amount_asc" as const,
        ),
      },
      { requiredKeys: ["sort"] },
    );
    fc.assert(
      fc.property(filters, (f) => {
        const query = filtersToQuery(f).toString();
        expect(parse(query)).toEqual(f);
      }),
      { numRuns: 500 },
    );
  });
});

describe("parseCursor", () => {
  const id = "0b6c5b2e-8d1c-4a4e-9f57-2b1f4c3d2e1a";
  it("reads a date position for date sorts and an amount position for amount sorts", () => {
    expect(parseCursor(`2026-11-05_${id}`, "date_desc")).toEqual({ key: "2026-11-05", id });
    expect(parseCursor(`-12.50_${id}`, "amount_asc")).toEqual({ key: "-12.50", id });
  });
  it.each([`2026-11-05_${id}`, `x_${id}`, "", `12_${id.toUpperCase()}`, `1e5_${id}`])(
    "refuses %j for an amount sort",
    (value) => {
      expect(() => parseCursor(value, "amount_desc")).toThrow(
        expect.objectContaining({ code: "invalid_cursor" }),
      );
    },
  );
});

describe("money", () => {
  it("formats decimal strings exactly in French, whatever their size", () => {
    expect(money("1234.5", "EUR")).toBe("1\u202f234,50\u00a0€");
    expect(money("-0.10", "EUR")).toBe("-0,10\u00a0€");
    expect(money("12345678901234567.89", "EUR")).toBe(
      "12\u202f345\u202f678\u202f901\u202f234\u202f567,89\u00a0€",
    );
    expect(money("99.5", "USD")).toBe("99,50\u00a0$US");
    expect(money("3", "XYZ")).toContain("3,00");
  });
});
