import { appendAudit } from "../../db/audit.repository.js";
import {
  type AuditFilter,
  type AuditRow,
  findCustomerAuditTargets,
  listAuditPage,
} from "../../db/backoffice.queries.js";
import type { Database } from "../../db/database.js";
import { type AuditRecord, entryHash, GENESIS_HASH } from "../audit/audit-chain.js";
import { parisDayStart } from "./paris-time.js";
import type { StaffActor } from "./staff-accounts.js";

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

/** The journal's filter form, already read: each field checked, empty when not used; days are YYYY-MM-DD in Paris. */
export interface JournalCriteria {
  actor: string;
  customer: string;
  action: string;
  from: string;
  to: string;
}

/**
 * The audit filter for the journal's criteria (`before`: the keyset position of the next page, digits only).
 * Undefined when no customer of the tenant has the number asked for. A customer's entries are those
 * about it and about its current account.
 */
export async function journalFilter(
  db: Database,
  input: { tenantId: string; criteria: JournalCriteria; before?: string },
): Promise<AuditFilter | undefined> {
  const q = input.criteria;
  const filter: AuditFilter = {};
  if (q.actor) filter.actorId = q.actor;
  if (q.action) filter.action = q.action;
  if (q.from) filter.from = parisDayStart(q.from);
  if (q.to) filter.to = new Date(parisDayStart(q.to).getTime() + 86400_000);
  if (input.before && /^\d{1,15}$/.test(input.before)) filter.beforeSeq = Number(input.before);
  if (q.customer) {
    const customer = await findCustomerAuditTargets(db, input.tenantId, q.customer);
    if (!customer) return undefined;
    filter.targetIds = [customer.id, ...(customer.accountId ? [customer.accountId] : [])];
  }
  return filter;
}

/** The journal page: the entries matching the criteria, or `unknownCustomer` when the customer number matches none. */
export async function viewJournal(
  db: Database,
  input: { tenantId: string; criteria: JournalCriteria; before?: string },
): Promise<{ entries: JournalEntry[]; nextBefore?: number; unknownCustomer: boolean }> {
  const filter = await journalFilter(db, input);
  if (!filter) return { entries: [], nextBefore: undefined, unknownCustomer: true };
  return { ...(await listJournal(db, { tenantId: input.tenantId, filter })), unknownCustomer: false };
}

/**
 * A staff member exports the journal: the export is itself audited (with the criteria) before the first
 * line is read, then the matching entries come in batches. An unknown customer number exports nothing.
 */
export async function exportJournal(
  db: Database,
  input: { tenantId: string; criteria: JournalCriteria; actor: StaffActor; ip: string | null },
): Promise<AsyncGenerator<JournalEntry[]>> {
  const filter = (await journalFilter(db, input)) ?? { targetIds: [] };
  await db.transaction((tx) =>
    appendAudit(tx, {
      tenantId: input.tenantId,
      actorType: "staff",
      actorId: input.actor.id,
      action: "audit.exported",
      ip: input.ip,
      details: { by: input.actor.name, filter: { ...input.criteria } },
    }),
  );
  return journalBatches(db, { tenantId: input.tenantId, filter });
}
