import { readFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { makeTestPdf } from "./__fixtures__/make-test-pdf.js";
import { buildCiiXml, type FacturXInput } from "./build-cii-xml.js";
import { buildFacturX } from "./build-facturx.js";
import { hasErrors } from "./findings.js";
import { readInvoicePdf, readInvoicePdfWithPath } from "./read-invoice-pdf.js";
import type { Finding } from "./types.js";

const codes = (findings: Finding[]) => findings.map((f) => `${f.severity} ${f.code}`).sort();
const utf8 = (s: string) => new TextEncoder().encode(s);

const input: FacturXInput = {
  invoiceNumber: "F-2026-0001",
  typeCode: "380",
  issueDate: "2026-10-01",
  dueDate: "2026-10-31",
  currency: "EUR",
  seller: {
    name: "Loueur SA",
    siren: "552100554",
    vatId: "FR03552100554",
    address: { line1: "1 rue A", postcode: "75001", city: "Paris", countryCode: "FR" },
  },
  buyer: {
    name: "Client SARL",
    id: "C-1",
    address: { line1: "2 rue B", postcode: "69001", city: "Lyon", countryCode: "FR" },
  },
  lines: [{ description: "Loyer", quantity: "1", unitPrice: "100.00", vatRatePercent: "20" }],
};
const ciiXml = utf8(buildCiiXml(input));

describe("readInvoicePdf: files that are not readable PDFs", () => {
  it("reports an empty file", async () => {
    expect(await readInvoicePdf(new Uint8Array())).toEqual({
      kind: "plain-pdf",
      findings: [{ severity: "error", code: "empty_file", message: "The file is empty." }],
    });
  });

  it("refuses bytes that do not start with %PDF-", async () => {
    const doc = await readInvoicePdf(utf8("MZ\x90\x00 this is an executable"));
    expect(codes(doc.findings)).toEqual(["error not_pdf"]);
    expect(doc.findings[0]?.message).toMatch(/not a PDF/);
  });

  it("refuses a bare CII XML with a message saying XML-only invoices are not supported yet", async () => {
    const doc = await readInvoicePdf(ciiXml);
    expect(codes(doc.findings)).toEqual(["error not_pdf"]);
    expect(doc.findings[0]?.message).toMatch(/bare CII XML invoice.*XML-only invoices are not supported yet/);
  });

  it("refuses a truncated PDF as unreadable", async () => {
    const pdf = await buildFacturX(input);
    const doc = await readInvoicePdf(pdf.subarray(0, Math.floor(pdf.length / 2)));
    expect(doc.kind).toBe("plain-pdf");
    expect(codes(doc.findings)).toEqual(["error pdf_unreadable"]);
    expect(doc.findings[0]?.message).toMatch(/truncated/);
  });

  it("refuses garbage behind a PDF header as unreadable", async () => {
    const doc = await readInvoicePdf(utf8("%PDF-1.7\nthis is not a pdf at all\n%%EOF\n"));
    expect(codes(doc.findings)).toEqual(["error pdf_unreadable"]);
  });

  it("refuses an encrypted PDF (AES-256, empty user password)", async () => {
    const bytes = new Uint8Array(
      readFileSync(new URL("./__fixtures__/encrypted-facturx.pdf", import.meta.url)),
    );
    const fast = await readInvoicePdfWithPath(bytes);
    expect(fast.path).toBe("fast");
    expect(codes(fast.document.findings)).toEqual(["error pdf_encrypted"]);
    const slow = await readInvoicePdfWithPath(bytes, { forcePath: "pdf-lib" });
    expect(codes(slow.document.findings)).toEqual(["error pdf_encrypted"]);
  });
});

describe("readInvoicePdf: finding the embedded XML", () => {
  it("reads a plain PDF without attachments as plain-pdf", async () => {
    expect(await readInvoicePdf(await makeTestPdf([]))).toEqual({ kind: "plain-pdf", findings: [] });
  });

  it("ignores attachments with other names", async () => {
    const pdf = await makeTestPdf([{ filename: "invoice-data.xml", data: ciiXml }]);
    expect(await readInvoicePdf(pdf)).toEqual({ kind: "plain-pdf", findings: [] });
  });

  it.each([
    ["factur-x.xml", "flate", true],
    ["ZUGFeRD-invoice.xml", "none", true],
    ["zugferd-invoice.xml", "flate", false],
    ["XRECHNUNG.XML", "none", false],
  ] as const)("finds %s (stored %s, in /AF: %s)", async (filename, encoding, inAssociatedFiles) => {
    const pdf = await makeTestPdf([{ filename, data: ciiXml, encoding, inAssociatedFiles }]);
    const doc = await readInvoicePdf(pdf);
    expect(doc.kind).toBe("facturx");
    expect(doc.xmlFilename).toBe(filename);
    expect(doc.xml).toEqual(ciiXml);
    expect(doc.facts?.invoiceNumber).toBe("F-2026-0001");
    expect(hasErrors(doc.findings)).toBe(false);
    expect(codes(doc.findings)).toEqual(inAssociatedFiles ? [] : ["warning xml_not_associated"]);
  });

  it("reads object streams and xref streams on the fast path", async () => {
    const pdf = await makeTestPdf([{ filename: "factur-x.xml", data: ciiXml }], { objectStreams: true });
    const r = await readInvoicePdfWithPath(pdf);
    expect(r.path).toBe("fast");
    expect(r.document.facts?.grandTotal).toBe("120.00");
  });

  it("prefers factur-x.xml when several invoice XMLs are embedded, with a warning", async () => {
    const other = utf8(buildCiiXml({ ...input, invoiceNumber: "OTHER" }));
    const pdf = await makeTestPdf([
      { filename: "zugferd-invoice.xml", data: other },
      { filename: "factur-x.xml", data: ciiXml },
    ]);
    const doc = await readInvoicePdf(pdf);
    expect(doc.xmlFilename).toBe("factur-x.xml");
    expect(doc.facts?.invoiceNumber).toBe("F-2026-0001");
    expect(codes(doc.findings)).toEqual(["warning multiple_invoice_xml"]);
  });

  it("reports an embedded XML stored with a filter it cannot decode", async () => {
    const pdf = await makeTestPdf([{ filename: "factur-x.xml", data: ciiXml, encoding: "ascii-hex" }]);
    const doc = await readInvoicePdf(pdf);
    expect(doc.kind).toBe("facturx");
    expect(doc.facts).toBeUndefined();
    expect(codes(doc.findings)).toEqual(["error xml_unreadable"]);
    expect(doc.findings[0]?.message).toMatch(/ASCIIHexDecode/);
  });

  it("stops decompressing an oversized XML (deflate bomb) at the limit", async () => {
    const big = utf8(`<a>${" ".repeat(6 * 1024 * 1024)}</a>`);
    const pdf = await makeTestPdf([{ filename: "factur-x.xml", data: big }]);
    expect(pdf.length).toBeLessThan(64 * 1024);
    const doc = await readInvoicePdf(pdf);
    expect(codes(doc.findings)).toEqual(["error xml_too_large"]);
    const small = await readInvoicePdf(await makeTestPdf([{ filename: "factur-x.xml", data: ciiXml }]), {
      maxXmlBytes: 100,
    });
    expect(codes(small.findings)).toEqual(["error xml_too_large"]);
  });

  it("refuses an embedded XML with a DOCTYPE (XXE attempt) without resolving it", async () => {
    const xxe = utf8(
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">&x;</rsm:CrossIndustryInvoice>',
    );
    const doc = await readInvoicePdf(await makeTestPdf([{ filename: "factur-x.xml", data: xxe }]));
    expect(doc.kind).toBe("facturx");
    expect(doc.facts).toBeUndefined();
    expect(codes(doc.findings)).toEqual(["error xml_doctype_forbidden"]);
  });

  it("rebuilds the cross-reference data itself when the offset is wrong (object streams: never pdf-lib)", async () => {
    const pdf = Buffer.from(await buildFacturX(input));
    const at = pdf.lastIndexOf("startxref");
    const broken = Buffer.concat([pdf.subarray(0, at), Buffer.from("startxref\n12\n%%EOF\n")]);
    const r = await readInvoicePdfWithPath(new Uint8Array(broken));
    expect(r.path).toBe("recovery");
    expect(r.document.kind).toBe("facturx");
    expect(r.document.facts?.invoiceNumber).toBe("F-2026-0001");
    expect(r.document.findings).toEqual([]);
  });

  it("reads the newest revision of an incrementally updated PDF", async () => {
    // Append a revision that replaces the embedded file stream (object of the original) with another XML.
    const base = Buffer.from(await makeTestPdf([{ filename: "factur-x.xml", data: ciiXml }]));
    const original = await readInvoicePdfWithPath(new Uint8Array(base));
    expect(original.path).toBe("fast");
    const streamNum = Number(/(\d+) 0 obj\s*<<[^>]*\/Type \/EmbeddedFile/.exec(base.toString("latin1"))?.[1]);
    const updated = utf8(buildCiiXml({ ...input, invoiceNumber: "F-2026-0001-R2" }));
    const body = deflateSync(updated);
    const objOffset = base.length;
    const obj = Buffer.concat([
      Buffer.from(
        `${streamNum} 0 obj\n<< /Type /EmbeddedFile /Subtype /text#2Fxml /Filter /FlateDecode /Length ${body.length} >>\nstream\n`,
      ),
      body,
      Buffer.from("\nendstream\nendobj\n"),
    ]);
    const prevXref = Number(
      /startxref\s+(\d+)/.exec(base.subarray(base.lastIndexOf("startxref")).toString())?.[1],
    );
    const trailer = /trailer\s*<<([\s\S]*?)>>\s*startxref/.exec(base.toString("latin1"))?.[1] ?? "";
    const size = /\/Size (\d+)/.exec(trailer)?.[1];
    const root = /\/Root (\d+ \d+ R)/.exec(trailer)?.[1];
    const xrefOffset = objOffset + obj.length;
    const xref = `xref\n${streamNum} 1\n${String(objOffset).padStart(10, "0")} 00000 n \ntrailer\n<< /Size ${size} /Root ${root} /Prev ${prevXref} >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
    const revised = new Uint8Array(Buffer.concat([base, obj, Buffer.from(xref)]));
    const r = await readInvoicePdfWithPath(revised);
    expect(r.path).toBe("fast");
    expect(r.document.facts?.invoiceNumber).toBe("F-2026-0001-R2");
  });
});
