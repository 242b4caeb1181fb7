import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildCiiXml, type FacturXInput } from "./build-cii-xml.js";
import { buildFacturX } from "./build-facturx.js";
import { FINDING_CODES } from "./findings.js";
import { parseCii } from "./parse-cii.js";
import { readInvoicePdf } from "./read-invoice-pdf.js";
import type { Finding } from "./types.js";

const input: FacturXInput = {
  invoiceNumber: "F-1",
  typeCode: "380",
  issueDate: "2026-01-15",
  currency: "EUR",
  seller: {
    name: "S",
    siren: "552100554",
    address: { line1: "a", postcode: "1", city: "c", countryCode: "FR" },
  },
  buyer: { name: "B", id: "C1", address: { line1: "a", postcode: "1", city: "c", countryCode: "FR" } },
  lines: [{ description: "x", quantity: "2", unitPrice: "3.50", vatRatePercent: "20" }],
};

/** Damage: overwrite a few bytes, cut, or splice a slice of the file elsewhere. */
const damage = (size: number) =>
  fc.oneof(
    fc
      .array(fc.tuple(fc.nat(size - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
      .map((edits) => (b: Uint8Array) => {
        const out = b.slice();
        for (const [at, v] of edits) out[at] = v;
        return out;
      }),
    fc.nat(size).map((n) => (b: Uint8Array) => b.slice(0, n)),
    fc.tuple(fc.nat(size - 1), fc.nat(size - 1), fc.nat(200)).map(([from, to, len]) => (b: Uint8Array) => {
      const out = new Uint8Array(b.length + len);
      out.set(b.subarray(0, to));
      out.set(b.subarray(from, from + len), to);
      out.set(b.subarray(to), to + Math.min(len, b.length - from));
      return out.subarray(0, b.length + Math.min(len, b.length - from));
    }),
  );

function wellFormed(findings: Finding[]) {
  for (const f of findings) {
    expect(Object.keys(FINDING_CODES)).toContain(f.code);
    expect(["error", "warning"]).toContain(f.severity);
  }
}

describe("robustness: damaged input never throws", () => {
  it("reads damaged Factur-X PDFs into findings, never an exception", async () => {
    const pdf = await buildFacturX(input);
    await fc.assert(
      fc.asyncProperty(damage(pdf.length), async (mutate) => {
        const doc = await readInvoicePdf(mutate(pdf));
        wellFormed(doc.findings);
      }),
      { numRuns: 150 },
    );
  });

  it("reads damaged CII XML into findings, never an exception", () => {
    const xml = new TextEncoder().encode(buildCiiXml(input));
    fc.assert(
      fc.property(damage(xml.length), (mutate) => {
        wellFormed(parseCii(mutate(xml)).findings);
      }),
      { numRuns: 500 },
    );
  });
});
