import type { Readable } from "node:stream";
import type { InvoiceDetailRow } from "../../db/downloads.queries.js";
import { buildProofBundle } from "../audit/build-proof-bundle.js";
import { invoiceFileName } from "./invoice-file-name.js";
import { readStoredXml } from "./invoice-xml.js";
import { recordDownload } from "./record-download.js";
import {
  BlobIntegrityError,
  type IntegrityDeps,
  type IntegritySubject,
  readVerifiedBlob,
  reportIntegrityFailure,
} from "./verified-blob.js";

/**
 * Who takes an invoice: the account, its address, and whether the request came from the portal's own
 * pages. Only then does a download count as taking the invoice: a link on another site must not mark it taken.
 */
export interface Taker {
  tenantId: string;
  accountId: string;
  ip?: string;
  sameOrigin: boolean;
}

/** The name a downloaded file gets: the seller's name when the invoice has one, else the tenant's. */
export function downloadFileName(invoice: InvoiceDetailRow, issuer: string, extension: "pdf" | "xml") {
  return invoiceFileName(
    {
      issuer: invoice.sellerName ?? issuer,
      invoiceNumber: invoice.invoiceNumber,
      issueDate: invoice.issueDate,
    },
    extension,
  );
}

const subjectOf = (taker: Taker, invoice: InvoiceDetailRow, during: IntegritySubject["during"]) => ({
  tenantId: taker.tenantId,
  invoiceId: invoice.id,
  accountId: taker.accountId,
  ip: taker.ip,
  during,
});

/**
 * The PDF, checked against its SHA-256 before a byte is sent and again on its way out (docs/security.md F2,
 * F3). `preview` (the detail page's frame) records nothing: seeing an invoice is not taking it. Otherwise
 * a first download is recorded; the row read before already says whether this one can be one
 * (first_downloaded_at is never cleared), so re-downloads skip the transaction. Throws BlobIntegrityError.
 */
export async function openInvoicePdf(
  deps: IntegrityDeps,
  taker: Taker,
  invoice: InvoiceDetailRow,
  mode: "download" | "preview",
): Promise<{ stream: Readable; first: string[] }> {
  const expected = { sha256: invoice.sha256, sizeBytes: invoice.sizeBytes };
  const stream = await readVerifiedBlob(deps, expected, subjectOf(taker, invoice, "pdf"));
  if (mode === "preview" || invoice.firstDownloadedAt || !taker.sameOrigin) return { stream, first: [] };
  try {
    const first = await recordDownload(deps.db, {
      tenantId: taker.tenantId,
      accountId: taker.accountId,
      invoiceIds: [invoice.id],
      via: "pdf",
      ip: taker.ip,
    });
    return { stream, first };
  } catch (error) {
    stream.destroy();
    throw error;
  }
}

/**
 * The XML stored at publication, checked against xml_sha256 (a download never parses the PDF again), and
 * its first download recorded. `mismatch`: the PDF is intact but the reader no longer extracts the XML that
 * was published, so nothing is served. Throws BlobIntegrityError (reported) when a file is not the published one.
 */
export async function readInvoiceXml(
  deps: IntegrityDeps,
  taker: Taker,
  invoice: InvoiceDetailRow & { xmlSha256: string },
): Promise<{ ok: true; xml: Buffer; first: string[] } | { ok: false; actualSha256: string | null }> {
  let stored: Awaited<ReturnType<typeof readStoredXml>>;
  try {
    stored = await readStoredXml(
      { blobs: deps.blobs },
      { sha256: invoice.sha256, sizeBytes: invoice.sizeBytes, xmlSha256: invoice.xmlSha256 },
    );
  } catch (error) {
    if (error instanceof BlobIntegrityError && !error.reported)
      await reportIntegrityFailure(deps, { ...subjectOf(taker, invoice, "xml"), error });
    throw error;
  }
  if (!stored.ok) return { ok: false, actualSha256: stored.actualSha256 };
  const first =
    invoice.firstDownloadedAt || !taker.sameOrigin
      ? []
      : await recordDownload(deps.db, {
          tenantId: taker.tenantId,
          accountId: taker.accountId,
          invoiceIds: [invoice.id],
          via: "xml",
          ip: taker.ip,
        });
  return { ok: true, xml: stored.xml, first };
}

/**
 * The invoice's proof bundle (original PDF, XML, certificate, audit entries, chain segments, seals). The
 * original is checked before anything is recorded: an altered one is neither bundled nor counted as taken.
 * The bundle holds the original, so it counts as taking the invoice, recorded first so the bundle shows it.
 * Throws BlobIntegrityError (reported).
 */
export async function takeProofBundle(deps: IntegrityDeps, taker: Taker, invoice: InvoiceDetailRow) {
  const subject = subjectOf(taker, invoice, "proof");
  try {
    const expected = { sha256: invoice.sha256, sizeBytes: invoice.sizeBytes };
    await readVerifiedBlob(deps, expected, subject, { open: false });
    const first = taker.sameOrigin
      ? await recordDownload(deps.db, {
          tenantId: taker.tenantId,
          accountId: taker.accountId,
          invoiceIds: [invoice.id],
          via: "proof",
          ip: taker.ip,
        })
      : [];
    const bundle = await buildProofBundle(
      { db: deps.db, blobs: deps.blobs },
      { tenantId: taker.tenantId, invoiceId: invoice.id },
    );
    return { bundle, first };
  } catch (error) {
    // The bundle reads the files again: a change meanwhile is reported like the first check's.
    if (error instanceof BlobIntegrityError && !error.reported)
      await reportIntegrityFailure(deps, { ...subject, error });
    throw error;
  }
}
