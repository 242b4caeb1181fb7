// Issue 12, finding 2: each class of hostile file is refused (or bounded) quickly, with little memory.
// The bounds asserted here are loose on purpose (timing goals live in `npm run bench:hostile`).
import { describe, expect, it } from "vitest";
import {
  decodedSizeBomb,
  objectStreamBomb,
  poisonedPrevXref,
  validFacturX,
  xmlAttributeBomb,
  xmlDeepNesting,
  xmlElementBomb,
  zeroWidthXref,
} from "./__fixtures__/hostile-pdfs.js";
import { readInvoicePdf, readInvoicePdfWithPath } from "./read-invoice-pdf.js";

const errorCodes = (doc: { findings: { severity: string; code: string }[] }) =>
  doc.findings.filter((f) => f.severity === "error").map((f) => f.code);

/** Reads `bytes`, returning the document, the time it took and how much the RSS grew meanwhile (sampled). */
async function measure(bytes: Uint8Array) {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const started = performance.now();
  const result = await readInvoicePdfWithPath(bytes);
  const ms = performance.now() - started;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { ...result, ms, grewMb: (peak - before) / 1024 / 1024 };
}

describe("readInvoicePdf: hostile files are refused with bounded work", () => {
  it("still reads the valid Factur-X the attacks start from", async () => {
    expect(errorCodes(await readInvoicePdf(await validFacturX()))).toEqual([]);
  });

  it("refuses a poisoned /Prev xref stream (/W [0 0 0], /Index [0 1000000] × 8) before reading its entries", async () => {
    const bytes = await poisonedPrevXref();
    expect(bytes.length).toBeLessThan(10_000);
    const { document, ms } = await measure(bytes);
    expect(errorCodes(document)).toEqual(["pdf_too_complex"]);
    expect(document.findings[0]!.message).toMatch(/trop complexe/);
    expect(ms).toBeLessThan(2_000);
  });

  it("refuses xref rows of zero bytes even when /Index stays within /Size", async () => {
    const { document, ms } = await measure(await zeroWidthXref());
    expect(errorCodes(document)).toEqual(["pdf_too_complex"]);
    expect(document.findings[0]!.message).toMatch(/\/W \[0 0 0\]/);
    expect(ms).toBeLessThan(2_000);
  });

  it("stops inflating at the document's decode budget (a 60 MB xref stream)", async () => {
    const { document, grewMb } = await measure(await decodedSizeBomb());
    expect(errorCodes(document)).toEqual(["pdf_too_complex"]);
    expect(grewMb).toBeLessThan(200);
  });

  it("never hands an object-stream flate bomb to pdf-lib (128 MB inflated from ~128 KB)", async () => {
    const bytes = await objectStreamBomb();
    expect(bytes.length).toBeLessThan(300_000);
    const { document, ms, grewMb } = await measure(bytes);
    expect(errorCodes(document)).toEqual(["pdf_too_complex"]);
    expect(ms).toBeLessThan(2_000);
    expect(grewMb).toBeLessThan(100);
  });

  it("refuses an embedded XML of 1.2 million empty elements", async () => {
    const { document, ms } = await measure(await xmlElementBomb());
    expect(errorCodes(document)).toEqual(["xml_too_complex"]);
    expect(document.findings[0]!.message).toMatch(/trop complexe.*elements/);
    expect(ms).toBeLessThan(5_000);
  });

  it("refuses elements nested 200 levels deep", async () => {
    const { document } = await measure(await xmlDeepNesting());
    expect(errorCodes(document)).toEqual(["xml_too_complex"]);
  });

  it("refuses 300,000 attributes", async () => {
    const { document } = await measure(await xmlAttributeBomb());
    expect(errorCodes(document)).toEqual(["xml_too_complex"]);
  });
});

describe("readInvoicePdf: the pdf-lib fallback", () => {
  it("is not reached by an object stream whose /Type is spelled with #-escapes (/Obj#53tm)", async () => {
    const bomb = Buffer.from(await objectStreamBomb());
    const at = bomb.indexOf("/ObjStm");
    // Two bytes longer: nothing after it is found by offset (the xref is broken on purpose anyway).
    const escaped = Buffer.concat([bomb.subarray(0, at), Buffer.from("/Obj#53tm"), bomb.subarray(at + 7)]);
    expect(escaped.includes("/ObjStm")).toBe(false);
    const { path, grewMb } = await measure(new Uint8Array(escaped));
    expect(path).toBe("recovery");
    expect(grewMb).toBeLessThan(100);
  });
});
