import { type AuditFilter, type AuditRow, listAuditPage } from "../../db/backoffice.queries.js";
import type { Database } from "../../db/database.js";
import { type AuditRecord, entryHash, GENESIS_HASH } from "../audit/audit-chain.js";

export const JOURNAL_PAGE_SIZE = 50;

export interface JournalEntry extends AuditRow {
  /** The entry's hash recomputes from its content and the previous entry's hash. */
  chainOk: boolean;
}

/** Recomputes one link of the chain: this entry's hash from its fields and the previous entry's hash. */
export function checkLink(tenantId: string, row: AuditRow): boolean {
  const expectedPrev = row.seq === 1 ? GENESIS_HASH : row.previousEntryHash;
  if (expectedPrev === null || row.prevHash !== expectedPrev) return false;
  const record: AuditRecord = {
    tenantId,
    seq: Number(row.seq),
    at: new Date(row.at).toISOString(),
    actorType: row.actorType as AuditRecord["actorType"],
    actorId: row.actorId,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    ip: row.ip,
    details: row.details ?? {},
  };
  return entryHash(Number(row.hashVersion), expectedPrev, record) === row.hash;
}

/** A page of the tenant's audit trail, newest first (keyset on the chain's sequence), each link checked. */
export async function listJournal(
  db: Database,
  input: { tenantId: string; filter: AuditFilter; limit?: number },
): Promise<{ entries: JournalEntry[]; nextBefore?: number }> {
  const limit = input.limit ?? JOURNAL_PAGE_SIZE;
  const rows = await listAuditPage(db, input.tenantId, input.filter, limit + 1);
  const entries = rows.slice(0, limit).map((row) => ({ ...row, chainOk: checkLink(input.tenantId, row) }));
  return { entries, nextBefore: rows.length > limit ? Number(entries.at(-1)!.seq) : undefined };
}

/** Every matching entry, in pages of 1,000, for a streamed export (never the whole trail in memory). */
export async function* journalBatches(
  db: Database,
  input: { tenantId: string; filter: AuditFilter },
): AsyncGenerator<JournalEntry[]> {
  let before = input.filter.beforeSeq;
  for (;;) {
    const { entries, nextBefore } = await listJournal(db, {
      tenantId: input.tenantId,
      filter: { ...input.filter, beforeSeq: before },
      limit: 1000,
    });
    if (entries.length > 0) yield entries;
    if (nextBefore === undefined) return;
    before = nextBefore;
  }
}
