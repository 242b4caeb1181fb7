// Hostile files of issue 12 (finding 2), generated rather than committed: each is a few kilobytes that
// ask a naive reader for seconds of CPU or gigabytes of memory. Shared by the tests and `npm run bench:hostile`.

import { createDeflate, deflateSync } from "node:zlib";
import type { FacturXInput } from "../build-cii-xml.js";
import { buildFacturX } from "../build-facturx.js";
import { PdfFile } from "../pdf-file.js";
import { PdfRef } from "../pdf-objects.js";
import { makeTestPdf } from "./make-test-pdf.js";

const latin1 = (s: string) => Buffer.from(s, "latin1");

export const HOSTILE_INVOICE: FacturXInput = {
  invoiceNumber: "HOSTILE-1",
  typeCode: "380",
  issueDate: "2026-10-01",
  currency: "EUR",
  seller: {
    name: "Loueur SA",
    siren: "552100554",
    address: { line1: "1 rue A", postcode: "75001", city: "Paris", countryCode: "FR" },
  },
  buyer: {
    name: "Client SARL",
    id: "C-1",
    address: { line1: "2 rue B", postcode: "69001", city: "Lyon", countryCode: "FR" },
  },
  lines: [{ description: "Loyer", quantity: "1", unitPrice: "100.00", vatRatePercent: "20" }],
};

/** `size` zero bytes, deflated without ever holding them: a 128 MB bomb is ~128 KB. */
export async function deflatedZeros(size: number, prefix = ""): Promise<Buffer> {
  const deflate = createDeflate({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    deflate.on("end", resolve);
    deflate.on("error", reject);
  });
  const zeros = Buffer.alloc(1024 * 1024);
  if (prefix) deflate.write(latin1(prefix));
  for (let left = size; left > 0; left -= zeros.length) {
    const part = left >= zeros.length ? zeros : zeros.subarray(0, left);
    if (!deflate.write(part)) await new Promise((r) => deflate.once("drain", r));
  }
  deflate.end();
  await done;
  return Buffer.concat(chunks);
}

interface AppendedXref {
  num: number;
  /** Dictionary entries besides /Type /Length /Filter /Root /Prev. */
  entries: string;
  data: Uint8Array;
  prev: number;
}

/** Appends xref streams as incremental updates, the last one newest; returns the new file. */
function appendXrefStreams(pdf: Uint8Array, root: PdfRef, sections: AppendedXref[]): Uint8Array {
  const parts: Buffer[] = [Buffer.from(pdf)];
  let length = pdf.length;
  let last = 0;
  for (const s of sections) {
    const head = latin1(
      `\n${s.num} 0 obj\n<< /Type /XRef ${s.entries} /Root ${root.num} ${root.gen} R /Prev ${s.prev} /Filter /FlateDecode /Length ${s.data.length} >>\nstream\n`,
    );
    last = length + 1;
    const tail = latin1("\nendstream\nendobj\n");
    parts.push(head, Buffer.from(s.data), tail);
    length += head.length + s.data.length + tail.length;
  }
  parts.push(latin1(`startxref\n${last}\n%%EOF\n`));
  return new Uint8Array(Buffer.concat(parts));
}

function trailerOf(pdf: Uint8Array): { root: PdfRef; size: number; startxref: number } {
  const file = PdfFile.open(pdf);
  const root = file.trailer.get("Root");
  const size = file.trailer.get("Size");
  if (!(root instanceof PdfRef) || typeof size !== "number") throw new Error("fixture: no Root/Size");
  const text = Buffer.from(pdf).toString("latin1");
  const startxref = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)?.[1]);
  return { root, size, startxref };
}

/** The valid Factur-X the attacks start from. */
export function validFacturX(): Promise<Uint8Array> {
  return buildFacturX(HOSTILE_INVOICE);
}

/**
 * The finding's file: a valid Factur-X whose /Prev chain holds an xref stream with /W [0 0 0] and
 * /Index [0 1000000] repeated, behind a newer section that blanks object 0 (so the chain is followed).
 */
export async function poisonedPrevXref(pairs = 8): Promise<Uint8Array> {
  const pdf = await validFacturX();
  const { root, size, startxref } = trailerOf(pdf);
  const poisonAt = pdf.length + 1;
  return appendXrefStreams(pdf, root, [
    {
      num: size,
      entries: `/Size ${size + 2} /W [0 0 0] /Index [${"0 1000000 ".repeat(pairs)}]`,
      data: deflateSync(Buffer.alloc(0)),
      prev: startxref,
    },
    {
      num: size + 1,
      entries: `/Size ${size + 2} /W [1 4 2] /Index [0 1]`,
      data: deflateSync(Buffer.from([0, 0, 0, 0, 0, 0xff, 0xff])),
      prev: poisonAt,
    },
  ]);
}

/** /W [0 0 0] with an /Index that stays within /Size, repeated: zero-byte rows, any number of times. */
export async function zeroWidthXref(pairs = 2000): Promise<Uint8Array> {
  const pdf = await validFacturX();
  const { root, size, startxref } = trailerOf(pdf);
  return appendXrefStreams(pdf, root, [
    {
      num: size,
      entries: `/Size ${size + 1} /W [0 0 0] /Index [${`0 ${size} `.repeat(pairs)}]`,
      data: deflateSync(Buffer.alloc(0)),
      prev: startxref,
    },
  ]);
}

/** A newest xref stream of one row whose data inflates to `inflated` bytes (under the old 64 MB cap). */
export async function decodedSizeBomb(inflated = 60 * 1024 * 1024): Promise<Uint8Array> {
  const pdf = await validFacturX();
  const { root, size, startxref } = trailerOf(pdf);
  return appendXrefStreams(pdf, root, [
    {
      num: size,
      entries: `/Size ${size + 1} /W [1 4 2] /Index [0 1]`,
      data: await deflatedZeros(inflated),
      prev: startxref,
    },
  ]);
}

/**
 * A PDF whose startxref points nowhere (so the reader falls back to pdf-lib) and which holds an object
 * stream inflating to `inflated` bytes: pdf-lib inflates every object stream, without a bound.
 */
export async function objectStreamBomb(inflated = 128 * 1024 * 1024): Promise<Uint8Array> {
  const data = await deflatedZeros(inflated, "4 0 ");
  const parts = [
    latin1("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),
    latin1("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"),
    latin1("2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"),
    latin1(
      `3 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length ${data.length} >>\nstream\n`,
    ),
    data,
    latin1("\nendstream\nendobj\n"),
    latin1("trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n999999999\n%%EOF\n"),
  ];
  return new Uint8Array(Buffer.concat(parts));
}

const CII_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?><rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">';
const CII_CLOSE = "</rsm:CrossIndustryInvoice>";

/** 1.2 million empty elements: 4.8 MB of XML (under the 5 MB limit), a few kilobytes deflated. */
export function xmlElementBomb(elements = 1_200_000): Promise<Uint8Array> {
  const xml = `${CII_OPEN}${"<a/>".repeat(elements)}${CII_CLOSE}`;
  return makeTestPdf([{ filename: "factur-x.xml", data: latin1(xml) }]);
}

/** Elements nested `depth` deep (an invoice needs about ten levels). */
export function xmlDeepNesting(depth = 200): Promise<Uint8Array> {
  const xml = `${CII_OPEN}${"<a>".repeat(depth)}${"</a>".repeat(depth)}${CII_CLOSE}`;
  return makeTestPdf([{ filename: "factur-x.xml", data: latin1(xml) }]);
}

/** An element with many attributes. */
export function xmlAttributeBomb(attributes = 300_000): Promise<Uint8Array> {
  const attrs = Array.from({ length: attributes }, (_, i) => ` a${i}=""`).join("");
  const xml = `${CII_OPEN}<a${attrs}/>${CII_CLOSE}`;
  return makeTestPdf([{ filename: "factur-x.xml", data: latin1(xml) }]);
}

/** Every class, by name, for loops in tests and the benchmark. */
export const HOSTILE_CLASSES: Record<string, () => Promise<Uint8Array>> = {
  "poisoned /Prev xref (/W [0 0 0], /Index 8×1M)": () => poisonedPrevXref(),
  "zero-width xref rows within /Size": () => zeroWidthXref(),
  "decoded-size bomb (60 MB xref stream)": () => decodedSizeBomb(),
  "object-stream flate bomb, pdf-lib path (128 MB)": () => objectStreamBomb(),
  "XML element bomb (1.2 M elements)": () => xmlElementBomb(),
  "XML deep nesting (200 levels)": () => xmlDeepNesting(),
  "XML attribute bomb (300 k attributes)": () => xmlAttributeBomb(),
};
