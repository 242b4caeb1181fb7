import {
  findInvoiceXmlAttachments,
  type InvoiceXmlAttachment,
  type PdfObjectReader,
} from "./find-invoice-xml.js";
import { error, warning } from "./findings.js";
import { DecodeBudget, ParseBudgetError } from "./parse-budget.js";
import { parseCii } from "./parse-cii.js";
import { indexOfBytes, lastIndexOfBytes, PdfFile } from "./pdf-file.js";
import { openWithPdfLib } from "./pdf-lib-reader.js";
import { isDict, PdfSyntaxError } from "./pdf-objects.js";
import { decodeStream, StreamDecodeError } from "./pdf-stream-decode.js";
import { DEFAULT_MAX_XML_BYTES, type Finding, type InvoiceDocument, type ReadOptions } from "./types.js";

const enc = new TextEncoder();
const PDF_HEADER = enc.encode("%PDF-");
const EOF_MARKER = enc.encode("%%EOF");
const ENCRYPT_KEY = enc.encode("/Encrypt");
const ENCRYPT_VALUE = /^\s*(?:\d+\s+\d+\s+R|<<)/;
/** Names as pdf-lib reads them: `/XRef`, or the same spelled with `#xx` escapes (`/X#52ef`). */
const ESCAPED_NAME = /\/[^\s/<>[\]()%{}]*#[0-9A-Fa-f]{2}[^\s/<>[\]()%{}]*/g;

/** Which parser answered: exposed for tests and benchmarks. */
export type PdfReadPath = "fast" | "recovery" | "pdf-lib";

/**
 * Reads a published PDF: finds the embedded Factur-X / ZUGFeRD XML, extracts the invoice facts and
 * reports what is wrong. Never throws on bad input: every problem is a finding.
 */
export async function readInvoicePdf(bytes: Uint8Array, options: ReadOptions = {}): Promise<InvoiceDocument> {
  return (await readInvoicePdfWithPath(bytes, options)).document;
}

const plain = (findings: Finding[]): InvoiceDocument => ({ kind: "plain-pdf", findings });

/**
 * The checks that cost nothing (empty, not a PDF, no %%EOF): the refusal they lead to, or undefined when
 * the file must be read. Run before a file is handed to a parser worker, so junk never occupies one.
 */
export function precheckInvoicePdf(bytes: Uint8Array): InvoiceDocument | undefined {
  if (bytes.length === 0) return plain([error("empty_file", "The file is empty.")]);
  if (indexOfBytes(bytes, PDF_HEADER, 0, PDF_HEADER.length) !== 0) {
    return plain([error("not_pdf", notPdfMessage(bytes))]);
  }
  if (lastIndexOfBytes(bytes, EOF_MARKER) < 0) {
    return plain([
      error("pdf_unreadable", "The PDF has no end-of-file marker (%%EOF): the file is truncated or damaged."),
    ]);
  }
  return undefined;
}

/** readInvoicePdf, also saying which parser answered; `forcePath: "pdf-lib"` skips the fast path. */
export async function readInvoicePdfWithPath(
  bytes: Uint8Array,
  options: ReadOptions & { forcePath?: PdfReadPath } = {},
): Promise<{ document: InvoiceDocument; path?: PdfReadPath }> {
  const refused = precheckInvoicePdf(bytes);
  if (refused) return { document: refused };

  let path: PdfReadPath = "fast";
  let attachments: InvoiceXmlAttachment[] | undefined;
  let reader: PdfObjectReader | undefined;
  // One budget for the whole document: structure streams and the XML draw on the same bytes.
  const budget = new DecodeBudget();
  if (options.forcePath !== "pdf-lib") {
    try {
      const file = PdfFile.open(bytes, budget);
      if (file.trailer.has("Encrypt")) return { document: plain([encrypted()]), path };
      reader = readerOf(file);
      attachments = findInvoiceXmlAttachments(reader);
    } catch (e) {
      // Past a limit the file is refused: a more lenient parser would only do the same work unbounded.
      if (e instanceof ParseBudgetError) return { document: plain([error(e.code, e.message)]), path };
      // Whatever else stopped the fast path (damaged xref, unexpected syntax), the full parser decides.
      attachments = undefined;
    }
  }
  if (attachments === undefined) {
    // The cross-reference data could not be followed: let pdf-lib parse every object.
    path = "pdf-lib";
    if (hasEncryptEntry(bytes)) return { document: plain([encrypted()]), path };
    // pdf-lib inflates object streams and reads xref streams without any bound (a 1 MB object-stream
    // bomb took 1 GB): files with those structures are rebuilt by our own reader, within its budgets,
    // and pdf-lib only gets the others, where it decodes nothing. forcePath is a test seam.
    if (options.forcePath !== "pdf-lib" && hasCompressedStructures(bytes)) {
      path = "recovery";
      try {
        const file = PdfFile.recover(bytes, budget);
        reader = readerOf(file);
        attachments = findInvoiceXmlAttachments(reader);
      } catch (e) {
        if (e instanceof ParseBudgetError) return { document: plain([error(e.code, e.message)]), path };
        return {
          document: plain([error("pdf_unreadable", `The PDF cannot be read: ${(e as Error).message}`)]),
          path,
        };
      }
    }
  }
  if (attachments === undefined) {
    try {
      const opened = await openWithPdfLib(bytes);
      if (opened.encrypted) return { document: plain([encrypted()]), path };
      reader = opened.reader;
      attachments = findInvoiceXmlAttachments(reader);
    } catch (e) {
      return {
        document: plain([error("pdf_unreadable", `The PDF cannot be read: ${(e as Error).message}`)]),
        path,
      };
    }
  }

  const chosen = attachments[0];
  if (chosen === undefined || reader === undefined) return { document: plain([]), path };

  const findings: Finding[] = [];
  if (attachments.length > 1) {
    findings.push(
      warning(
        "multiple_invoice_xml",
        `The PDF embeds ${attachments.map((a) => a.filename).join(", ")}; ${chosen.filename} was read.`,
      ),
    );
  }
  if (!chosen.associated) {
    findings.push(
      warning(
        "xml_not_associated",
        `${chosen.filename} is attached but missing from the catalog's /AF array (PDF/A-3 associated files).`,
      ),
    );
  }
  const maxXmlBytes = options.maxXmlBytes ?? DEFAULT_MAX_XML_BYTES;
  const cap = Math.min(maxXmlBytes, budget.remaining());
  let xml: Uint8Array;
  try {
    // A copy: the caller keeps it, and it must not alias the PDF bytes or a pooled zlib buffer.
    xml = new Uint8Array(decodeStream(chosen.stream, cap, (v) => reader.resolve(v)));
    budget.spend(xml.length);
  } catch (e) {
    const tooLarge = e instanceof StreamDecodeError && e.reason === "too_large";
    if (e instanceof ParseBudgetError || (tooLarge && cap < maxXmlBytes)) {
      const exhausted = e instanceof ParseBudgetError ? e : budget.exhausted();
      findings.push(error(exhausted.code, exhausted.message));
      return { document: { kind: "facturx", xmlFilename: chosen.filename, findings }, path };
    }
    findings.push(
      tooLarge
        ? error("xml_too_large", `The embedded ${chosen.filename} is larger than ${maxXmlBytes} bytes.`)
        : error(
            "xml_unreadable",
            `The embedded ${chosen.filename} cannot be decoded: ${(e as Error).message}.`,
          ),
    );
    return { document: { kind: "facturx", xmlFilename: chosen.filename, findings }, path };
  }
  const parsed = parseCii(xml, { maxXmlBytes });
  findings.push(...parsed.findings);
  const document: InvoiceDocument = { kind: "facturx", xmlFilename: chosen.filename, xml, findings };
  if (parsed.facts) document.facts = parsed.facts;
  return { document, path };
}

/** An /Encrypt entry of a trailer or xref stream dictionary (those are never encrypted themselves). */
function hasEncryptEntry(bytes: Uint8Array): boolean {
  for (let at = indexOfBytes(bytes, ENCRYPT_KEY); at >= 0; at = indexOfBytes(bytes, ENCRYPT_KEY, at + 1)) {
    const after = new TextDecoder("latin1").decode(
      bytes.subarray(at + ENCRYPT_KEY.length, at + ENCRYPT_KEY.length + 40),
    );
    if (ENCRYPT_VALUE.test(after)) return true;
  }
  return false;
}

function readerOf(file: PdfFile): PdfObjectReader {
  return {
    catalog: () => {
      const root = file.resolve(file.trailer.get("Root"));
      if (!isDict(root)) throw new PdfSyntaxError("no catalog");
      return root;
    },
    resolve: (v) => file.resolve(v),
  };
}

/** Object streams or xref streams, however their /Type is spelled: what pdf-lib would inflate unbounded. */
function hasCompressedStructures(bytes: Uint8Array): boolean {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  if (/\/(?:ObjStm|XRef)(?![^\s/<>[\]()%{}])/.test(text)) return true;
  for (const [name] of text.matchAll(ESCAPED_NAME)) {
    const decoded = name.replace(/#([0-9A-Fa-f]{2})/g, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
    if (decoded === "/ObjStm" || decoded === "/XRef") return true;
  }
  return false;
}

function encrypted(): Finding {
  return error(
    "pdf_encrypted",
    "The PDF is encrypted: its invoice data cannot be read. Publish it unencrypted.",
  );
}

function notPdfMessage(bytes: Uint8Array): string {
  const head = new TextDecoder()
    .decode(bytes.subarray(0, 16_384))
    .replace(/^\uFEFF/, "")
    .trimStart();
  if (head.startsWith("<")) {
    const root = /<(?:[\w.-]+:)?([\w.-]+)/.exec(head.replace(/<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g, ""))?.[1];
    const kind =
      root === "CrossIndustryInvoice"
        ? "a bare CII XML invoice"
        : root === "Invoice" || root === "CreditNote"
          ? "a bare UBL XML invoice"
          : "an XML file";
    return `This is ${kind}, not a PDF: XML-only invoices are not supported yet. Publish the invoice as a PDF (Factur-X).`;
  }
  return "The file is not a PDF (it does not start with %PDF-).";
}
