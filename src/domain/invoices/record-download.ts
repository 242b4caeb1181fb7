import { appendAudits } from "../../db/audit.repository.js";
import type { Database } from "../../db/database.js";
import { markFirstDownloaded } from "../../db/downloads.repository.js";
import { insertInvoiceEvents } from "../../db/invoices.repository.js";

/** DGFiP lifecycle status "Prise en charge": the customer took the invoice (its first download). */
export const TAKEN_STATUS = 204;

export interface RecordDownloadInput {
  tenantId: string;
  accountId: string;
  invoiceIds: readonly string[];
  /** What was downloaded: the PDF, the XML data, a ZIP holding the PDF, or its proof bundle (which holds it too). */
  via: "pdf" | "xml" | "zip" | "proof";
  ip?: string;
  at?: Date;
}

/**
 * Records the first download of each invoice: `first_downloaded_at`, lifecycle 204 and an audit entry
 * `invoice.downloaded`, in one transaction and exactly once per invoice even under concurrent downloads
 * (the conditional UPDATE decides). Later downloads change no state and are only logged by the caller:
 * writing them to the audit chain would serialise every download of a tenant on its chain lock.
 * Returns the ids recorded now.
 */
export async function recordDownload(db: Database, input: RecordDownloadInput): Promise<string[]> {
  if (input.invoiceIds.length === 0) return [];
  const at = input.at ?? new Date();
  return db.transaction(async (tx) => {
    const marked = await markFirstDownloaded(tx, input.tenantId, input.accountId, input.invoiceIds, at);
    if (marked.length === 0) return marked;
    const actor = `account:${input.accountId}`;
    await insertInvoiceEvents(
      tx,
      marked.map((invoiceId) => ({ tenantId: input.tenantId, invoiceId, code: TAKEN_STATUS, actor, at })),
    );
    await appendAudits(
      tx,
      marked.map((invoiceId) => ({
        tenantId: input.tenantId,
        actorType: "customer" as const,
        actorId: input.accountId,
        action: "invoice.downloaded",
        targetType: "invoice",
        targetId: invoiceId,
        ip: input.ip ?? null,
        at,
        details: { via: input.via, status: TAKEN_STATUS },
      })),
    );
    return marked;
  });
}
