import { createHash } from "node:crypto";
import { type ParserPool, sharedParserPool } from "../../einvoice/index.js";
import type { BlobStore } from "../../storage/blob-store.js";
import { BlobIntegrityError } from "./verified-blob.js";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** What the database says about an invoice's files. */
export interface InvoiceXmlRef {
  sha256: string;
  sizeBytes: number;
  xmlSha256: string;
}

export type StoredXml =
  | { ok: true; xml: Buffer; extracted: boolean }
  /** The PDF is intact but its embedded XML is not (or no longer read as) the one published. */
  | { ok: false; problem: "extraction_mismatch"; actualSha256: string | null };

/**
 * The invoice's XML as extracted and stored at publication, checked against `xml_sha256`: a download
 * costs a file read, never a parse of the PDF (issue 12: a hostile PDF stalled every /xml download).
 * Invoices published before the XML was stored get it extracted once, through the parser pool (bounded),
 * then stored. Throws BlobIntegrityError when the stored XML or the PDF is not the published bytes.
 * `pdf`: the PDF already read and verified by the caller, if it has it.
 */
export async function readStoredXml(
  deps: { blobs: BlobStore; parsers?: ParserPool },
  invoice: InvoiceXmlRef,
  pdf?: Uint8Array,
): Promise<StoredXml> {
  const stored = await deps.blobs.read(invoice.xmlSha256);
  if (stored) {
    const actual = sha256(stored);
    if (actual !== invoice.xmlSha256)
      throw new BlobIntegrityError(
        "hash_mismatch",
        { sha256: invoice.xmlSha256, sizeBytes: stored.byteLength },
        { sha256: actual, sizeBytes: stored.byteLength },
      );
    return { ok: true, xml: Buffer.from(stored), extracted: false };
  }
  const bytes = pdf ?? (await readVerifiedPdf(deps.blobs, invoice));
  const document = await (deps.parsers ?? sharedParserPool()).read(bytes);
  const xml = document.xml ? Buffer.from(document.xml) : undefined;
  const actual = xml ? sha256(xml) : null;
  if (!xml || actual !== invoice.xmlSha256)
    return { ok: false, problem: "extraction_mismatch", actualSha256: actual };
  await deps.blobs.put(xml);
  return { ok: true, xml, extracted: true };
}

async function readVerifiedPdf(blobs: BlobStore, invoice: InvoiceXmlRef): Promise<Uint8Array> {
  const expected = { sha256: invoice.sha256, sizeBytes: invoice.sizeBytes };
  const bytes = await blobs.read(invoice.sha256);
  if (!bytes) throw new BlobIntegrityError("missing", expected, {});
  const actual = { sha256: sha256(bytes), sizeBytes: bytes.byteLength };
  if (actual.sizeBytes !== expected.sizeBytes)
    throw new BlobIntegrityError("size_mismatch", expected, actual);
  if (actual.sha256 !== expected.sha256) throw new BlobIntegrityError("hash_mismatch", expected, actual);
  return bytes;
}
