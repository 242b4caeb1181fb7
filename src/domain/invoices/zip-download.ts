import { randomInt } from "node:crypto";
import type { Readable } from "node:stream";
import type { Database } from "../../db/database.js";
import { findInvoicesForAccount, type InvoiceDetailRow } from "../../db/downloads.queries.js";
import { acquireZipLease, releaseZipLease, renewZipLease } from "../../db/downloads.repository.js";
import { type AccountInvoiceFilters, iterateAccountInvoices } from "../../db/portal-invoices.queries.js";
import { downloadFileName, type Taker } from "./invoice-downloads.js";
import { recordDownload } from "./record-download.js";
import { type IntegrityDeps, readVerifiedBlob } from "./verified-blob.js";
import { type ZipIndexRow, zipIndexHeader, zipIndexLine } from "./zip-index.js";

/** What the customer asked to put in the ZIP: every invoice matching the list's filters, or chosen ids. */
export type ZipChoice =
  | { all: true; filters: AccountInvoiceFilters }
  | { all: false; ids: readonly string[] };

export type ZipSelection =
  | { kind: "ready"; rows: InvoiceDetailRow[] }
  /** More files than a ZIP holds: the customer is asked to narrow the filters (or the selection). */
  | { kind: "too_many" }
  /** Nothing to put in it; `removedOnly`: chosen invoices the account may see but that have left the portal. */
  | { kind: "none"; removedOnly: number };

/**
 * The invoices of a ZIP, in list order. Ids the account may not see and removed invoices are left out
 * silently: the answer is the same whether such an invoice exists or not (docs/security.md A2).
 */
export async function selectZipInvoices(
  db: Database,
  input: { tenantId: string; accountId: string; choice: ZipChoice; maxFiles: number },
): Promise<ZipSelection> {
  const { tenantId, accountId, choice, maxFiles } = input;
  if (!choice.all) {
    if (choice.ids.length > maxFiles) return { kind: "too_many" };
    const found = await findInvoicesForAccount(db, tenantId, accountId, choice.ids);
    const rows = found.filter((r) => !r.removedAt);
    return rows.length > 0 ? { kind: "ready", rows } : { kind: "none", removedOnly: found.length };
  }
  // Every invoice matching the list's filters, in list order; removed ones have no file to give.
  const ids: string[] = [];
  let matching = 0;
  for await (const row of iterateAccountInvoices(db, tenantId, accountId, choice.filters, 500)) {
    if (row.removedAt) continue;
    matching++;
    if (ids.length < maxFiles) ids.push(row.id);
    else if (matching > maxFiles) break;
  }
  if (matching > maxFiles) return { kind: "too_many" };
  const byId = new Map<string, InvoiceDetailRow>();
  for (let i = 0; i < ids.length; i += 500)
    for (const row of await findInvoicesForAccount(db, tenantId, accountId, ids.slice(i, i + 500)))
      byId.set(row.id, row);
  const rows: InvoiceDetailRow[] = [];
  for (const id of ids) {
    const row = byId.get(id);
    if (row && !row.removedAt) rows.push(row);
  }
  return rows.length > 0 ? { kind: "ready", rows } : { kind: "none", removedOnly: 0 };
}

/** The account's running ZIP: released once, when the archive ends or its reader is gone. */
export interface ZipLease {
  release(): void;
}

/**
 * One ZIP at a time per account: a lease (a row in `throttles`, see downloads.repository.ts) renewed every
 * third of `leaseSeconds` while the archive is written. Undefined when another ZIP of the account runs.
 */
export async function takeZipLease(
  db: Database,
  input: {
    tenantId: string;
    accountId: string;
    leaseSeconds: number;
    log: { warn(o: object, m: string): void; error(o: object, m: string): void };
  },
): Promise<ZipLease | undefined> {
  const { tenantId, accountId, leaseSeconds, log } = input;
  const token = randomInt(1, 2 ** 31 - 1);
  const now = new Date();
  const until = (from: number) => new Date(from + leaseSeconds * 1000);
  if (!(await acquireZipLease(db, tenantId, accountId, token, now, until(now.getTime())))) return undefined;
  let released = false;
  const renewal = setInterval(
    () => {
      renewZipLease(db, tenantId, accountId, token, until(Date.now())).catch((error) =>
        log.warn({ err: error }, "zip lease renewal failed"),
      );
    },
    (leaseSeconds * 1000) / 3,
  );
  renewal.unref();
  return {
    release() {
      if (released) return;
      released = true;
      clearInterval(renewal);
      releaseZipLease(db, tenantId, accountId, token).catch((error) =>
        log.error({ err: error }, "zip lease release failed"),
      );
    },
  };
}

/** A file of the archive, opened only when the archive reaches it (src/http/zip-stream.ts writes it). */
export interface ZipEntrySource {
  path: string;
  sizeBytes: number;
  mtime: Date;
  open(signal: AbortSignal): Promise<Readable>;
}

/**
 * The archive's contents: `index.csv` (one line per PDF) and the PDFs under `<year>/`, each checked whole
 * before it enters the archive (a corrupt file is never put in it) and again on its way out. Every file
 * counts as a download; recorded in batches, the last before the last PDF is written, so a completed
 * archive always has its downloads recorded (an aborted one records what it reached): `recorded` lists them.
 */
export function prepareZip(
  deps: IntegrityDeps,
  taker: Taker,
  rows: InvoiceDetailRow[],
  options: { issuer: string; recordBatch: number; beforeFile?: (index: number) => Promise<void> | void },
): { index: string; files: ZipEntrySource[]; recorded: string[] } {
  const taken = new Set<string>();
  let index = zipIndexHeader();
  const files: ZipEntrySource[] = [];
  const pending: string[] = [];
  const recorded: string[] = [];

  const flush = async () => {
    if (pending.length === 0) return;
    const ids = pending.splice(0);
    recorded.push(
      ...(await recordDownload(deps.db, {
        tenantId: taker.tenantId,
        accountId: taker.accountId,
        invoiceIds: ids,
        via: "zip",
        ip: taker.ip,
      })),
    );
  };

  rows.forEach((row, position) => {
    const name = downloadFileName(row, options.issuer, "pdf").ascii;
    const year = row.issueDate.slice(0, 4);
    let path = `${year}/${name}`;
    // Two invoices may share a name (same number from two sellers): the second gets a suffix.
    for (let n = 2; taken.has(path.toLowerCase()); n++)
      path = `${year}/${name.replace(/\.pdf$/, `-${n}.pdf`)}`;
    taken.add(path.toLowerCase());
    const entry: ZipIndexRow = { ...row, path };
    index += zipIndexLine(entry);
    const expected = { sha256: row.sha256, sizeBytes: row.sizeBytes };
    const subject = {
      tenantId: taker.tenantId,
      invoiceId: row.id,
      accountId: taker.accountId,
      ip: taker.ip,
      during: "zip" as const,
    };
    files.push({
      path,
      sizeBytes: row.sizeBytes,
      mtime: new Date(`${row.issueDate}T12:00:00Z`),
      async open(signal) {
        await options.beforeFile?.(position);
        signal.throwIfAborted();
        return readVerifiedBlob(deps, expected, subject, {
          beforeOpen: async () => {
            signal.throwIfAborted();
            pending.push(row.id);
            if (pending.length >= options.recordBatch || position === rows.length - 1) await flush();
          },
        });
      },
    });
  });
  return { index, files, recorded };
}
