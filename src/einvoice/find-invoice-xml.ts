import {
  decodePdfText,
  isDict,
  type PdfDict,
  PdfRef,
  PdfStream,
  PdfString,
  type PdfValue,
} from "./pdf-objects.js";

/** What locating the invoice XML needs from a PDF, whichever parser provides it. */
export interface PdfObjectReader {
  catalog(): PdfDict | undefined;
  resolve(v: PdfValue | undefined): PdfValue | undefined;
}

/** An embedded file that carries the invoice XML. */
export interface InvoiceXmlAttachment {
  filename: string;
  stream: PdfStream;
  /** Listed in the catalog's /AF (PDF/A-3 associated files), as Factur-X requires. */
  associated: boolean;
}

/** Names used by Factur-X 1.0, ZUGFeRD 2.x and XRechnung-in-PDF, in order of preference. */
export const INVOICE_XML_NAMES = ["factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml"] as const;

const MAX_NAME_TREE_DEPTH = 32;
const MAX_FILESPECS = 10_000;

function refKey(v: PdfValue | undefined): string | undefined {
  return v instanceof PdfRef ? `${v.num} ${v.gen}` : undefined;
}

function preference(filename: string): number {
  const base = filename.split(/[\\/]/).pop()?.toLowerCase() ?? "";
  return (INVOICE_XML_NAMES as readonly string[]).indexOf(base);
}

/**
 * Embedded files named like an invoice XML, best first. Looks in the catalog's /AF array and in the
 * /EmbeddedFiles name tree; an attachment reachable both ways counts once.
 */
export function findInvoiceXmlAttachments(reader: PdfObjectReader): InvoiceXmlAttachment[] {
  const catalog = reader.catalog();
  if (!catalog) return [];
  const found = new Map<string | PdfStream, InvoiceXmlAttachment>();

  const consider = (spec: PdfValue | undefined, associated: boolean, treeKey?: string) => {
    if (found.size >= MAX_FILESPECS) return;
    const dict = reader.resolve(spec);
    if (!isDict(dict)) return;
    const names: string[] = [];
    for (const key of ["UF", "F"]) {
      const v = reader.resolve(dict.get(key));
      if (v instanceof PdfString) names.push(decodePdfText(v));
    }
    if (treeKey !== undefined) names.push(treeKey);
    const filename = names.find((n) => preference(n) >= 0);
    if (filename === undefined) return;
    const ef = reader.resolve(dict.get("EF"));
    if (!isDict(ef)) return;
    const streamRef = ef.get("UF") ?? ef.get("F");
    const stream = reader.resolve(streamRef);
    if (!(stream instanceof PdfStream)) return;
    const key = refKey(streamRef) ?? stream;
    const known = found.get(key);
    if (known) {
      known.associated ||= associated;
      return;
    }
    found.set(key, { filename, stream, associated });
  };

  const af = reader.resolve(catalog.get("AF"));
  if (Array.isArray(af)) for (const spec of af) consider(spec, true);

  const names = reader.resolve(catalog.get("Names"));
  if (isDict(names)) {
    const visited = new Set<string>();
    const walk = (nodeValue: PdfValue | undefined, depth: number) => {
      const key = refKey(nodeValue);
      if (depth > MAX_NAME_TREE_DEPTH || (key !== undefined && visited.has(key))) return;
      if (key !== undefined) visited.add(key);
      const node = reader.resolve(nodeValue);
      if (!isDict(node)) return;
      const leaf = reader.resolve(node.get("Names"));
      if (Array.isArray(leaf)) {
        for (let i = 0; i + 1 < leaf.length; i += 2) {
          const k = reader.resolve(leaf[i]);
          consider(leaf[i + 1], false, k instanceof PdfString ? decodePdfText(k) : undefined);
        }
      }
      const kids = reader.resolve(node.get("Kids"));
      if (Array.isArray(kids)) for (const kid of kids) walk(kid, depth + 1);
    };
    walk(names.get("EmbeddedFiles"), 0);
  }

  return [...found.values()].sort(
    (a, b) => preference(a.filename) - preference(b.filename) || Number(b.associated) - Number(a.associated),
  );
}
