import { appendAudits } from "../../db/audit.repository.js";
import type { Database } from "../../db/database.js";
import {
  type AccountRef,
  claimReminders,
  findAnyBlobsInUse,
  findBlobsInUse,
  findBlobsKeptAfterRun,
  insertRemovalEvents,
  listAccountsDueForReminder,
  listDueInvoices,
  listPendingBlobs,
  lockBlobsForDeletion,
  markBlobsSettled,
  previewReminders,
  type ReminderGroup,
  type ReminderWindow,
  removeDueInvoices,
  xmlBlobsOfPending,
} from "../../db/retention.repository.js";
import type { BlobStore } from "../../storage/blob-store.js";
import type { RetentionReminderParams } from "../mail/mail-request.js";
import { queueMail } from "../mail/queue-mail.js";
import type { JobSender } from "../shared/jobs.js";
import { daysOfStep, REMOVED_STATUS, windowEnd } from "./retention-rules.js";

export interface RetentionDeps {
  db: Database;
  blobs: BlobStore;
  queue: JobSender;
  /** Called after each committed batch (the CLI shows progress). */
  onProgress?(progress: RetentionProgress): void;
}

export interface RetentionProgress {
  phase: "reminders" | "removal" | "blobs";
  done: number;
}

export interface RetentionInput {
  /** The run's clock: reminders, removal dates and the recorded times all use it. */
  now: Date;
  /** Only this tenant's invoices (blob sharing is still checked across every tenant). */
  tenantId?: string;
  /** Count what would be done; change nothing. */
  dryRun?: boolean;
  /** Rows per transaction (removal), accounts per transaction (reminders). */
  batchSize?: number;
}

export interface RetentionReport {
  now: Date;
  dryRun: boolean;
  reminders: Record<60 | 15, { mails: number; invoices: number }>;
  removed: number;
  blobs: {
    /** Files deleted (in a dry run: that would be). */
    deleted: number;
    /** Files already absent when their deletion came (a run interrupted after deleting them). */
    alreadyGone: number;
    /** Files kept because a live invoice (any tenant) or a logo holds the same bytes. */
    keptShared: number;
  };
}

const DEFAULT_BATCH = 500;
// Blob files are deleted while their locks are held (publication waits on them): keep those transactions short.
const BLOB_BATCH = 100;

/**
 * The daily retention run, idempotent and resumable:
 * 1. reminders: one digest per activated account and step (60 days, then 15) for its live invoices never
 *    downloaded, each invoice reminded once per step (its `reminder_step` moves in the transaction that
 *    queues the mail); accounts that opted out of new-invoice notices get them too, pending accounts do not;
 * 2. removal: invoices whose `available_until` has come become tombstones (`removed_at`, lifecycle 900,
 *    audit `invoice.removed`), one transaction per batch;
 * 3. after each commit, the bytes of removed invoices are deleted unless a live invoice (any tenant) holds
 *    the same SHA-256; `blob_deleted_at` records that the row's duty is done either way. A crash between
 *    2 and 3 is finished by the next run (invoices_blob_pending_idx); nothing is removed twice.
 */
export async function runRetention(deps: RetentionDeps, input: RetentionInput): Promise<RetentionReport> {
  const { now } = input;
  if (Number.isNaN(now.getTime())) throw new Error("runRetention: invalid now");
  const batchSize = input.batchSize ?? DEFAULT_BATCH;
  const report: RetentionReport = {
    now,
    dryRun: input.dryRun === true,
    reminders: { 60: { mails: 0, invoices: 0 }, 15: { mails: 0, invoices: 0 } },
    removed: 0,
    blobs: { deleted: 0, alreadyGone: 0, keptShared: 0 },
  };
  const window: ReminderWindow = {
    now,
    until60: windowEnd(now, 60),
    until15: windowEnd(now, 15),
    tenantId: input.tenantId,
  };
  if (input.dryRun) return preview(deps, input, window, report);

  // Leftovers of an interrupted run first, so their files go even if nothing new is due.
  await settleBlobs(deps, input, report);
  await sendReminders(deps, window, batchSize, report);
  for (;;) {
    const removed = await deps.db.transaction(async (tx) => {
      const rows = await removeDueInvoices(tx, { now, tenantId: input.tenantId, limit: batchSize });
      await insertRemovalEvents(tx, REMOVED_STATUS, now, rows);
      // Last: the tenants' audit locks are held only for the end of the transaction, taken in a fixed order.
      for (const [tenantId, invoices] of byTenant(rows)) {
        await appendAudits(
          tx,
          invoices.map((invoice) => ({
            tenantId,
            actorType: "system" as const,
            action: "invoice.removed",
            targetType: "invoice",
            targetId: invoice.id,
            at: now,
            details: {
              invoiceNumber: invoice.invoiceNumber,
              sha256: invoice.sha256,
              availableUntil: invoice.availableUntil.toISOString(),
              status: REMOVED_STATUS,
            },
          })),
        );
      }
      return rows.length;
    });
    if (removed === 0) break;
    report.removed += removed;
    deps.onProgress?.({ phase: "removal", done: report.removed });
    await settleBlobs(deps, input, report);
  }
  return report;
}

async function sendReminders(
  deps: RetentionDeps,
  window: ReminderWindow,
  batchSize: number,
  report: RetentionReport,
): Promise<void> {
  const accounts = await listAccountsDueForReminder(deps.db, window);
  let done = 0;
  for (let start = 0; start < accounts.length; start += batchSize) {
    const batch: AccountRef[] = accounts.slice(start, start + batchSize);
    const groups = await deps.db.transaction(async (tx) => {
      const claimed = await claimReminders(tx, window, batch);
      const mailIds: string[] = [];
      for (const group of claimed) {
        mailIds.push(
          await queueMail(tx, deps.queue, {
            tenantId: group.tenantId,
            accountId: group.accountId,
            kind: "retention-reminder",
            to: group.email,
            language: group.language,
            params: reminderParams(group),
          }),
        );
      }
      // The proof that the customer was warned, and of what: one audit entry per mail.
      const entries = claimed.map((group, i) => ({ group, mailId: mailIds[i]! }));
      for (const [tenantId, items] of byTenant(entries.map((e) => ({ ...e, tenantId: e.group.tenantId })))) {
        await appendAudits(
          tx,
          items.map(({ group, mailId }) => ({
            tenantId,
            actorType: "system" as const,
            action: "retention.reminder_queued",
            targetType: "account",
            targetId: group.accountId,
            at: window.now,
            details: {
              mailId,
              days: daysOfStep(group.step),
              invoices: group.invoices,
              earliest: group.earliest.toISOString(),
            },
          })),
        );
      }
      return claimed;
    });
    count(report, groups);
    done += batch.length;
    deps.onProgress?.({ phase: "reminders", done });
  }
}

function reminderParams(group: ReminderGroup): RetentionReminderParams {
  return { days: daysOfStep(group.step), count: group.invoices, earliest: group.earliest.toISOString() };
}

function count(report: RetentionReport, groups: ReminderGroup[]): void {
  for (const group of groups) {
    const slot = report.reminders[daysOfStep(group.step) as 60 | 15];
    slot.mails++;
    slot.invoices += group.invoices;
  }
}

/**
 * Deals with the bytes of removed invoices, `BLOB_BATCH` SHA-256s per transaction. Each SHA-256 is locked
 * against publication (which takes the same lock shared and puts the bytes back if they are gone), then
 * checked for a live holder in any tenant, then deleted or kept; the rows are marked in the same transaction.
 */
async function settleBlobs(deps: RetentionDeps, input: RetentionInput, report: RetentionReport) {
  for (;;) {
    const outcome = await deps.db.transaction(async (tx) => {
      const pending = await listPendingBlobs(tx, { tenantId: input.tenantId, limit: BLOB_BATCH });
      const counts = { settled: pending.length, deleted: 0, alreadyGone: 0, keptShared: 0 };
      if (pending.length === 0) return counts;
      const xmls = await xmlBlobsOfPending(tx, pending);
      await lockBlobsForDeletion(tx, [...pending, ...xmls]);
      const inUse = await findBlobsInUse(tx, pending);
      for (const sha256 of pending) {
        if (inUse.has(sha256)) counts.keptShared++;
        else if (await deps.blobs.has(sha256)) {
          await deps.blobs.delete(sha256);
          counts.deleted++;
        } else counts.alreadyGone++;
      }
      // The extracted XML goes with its PDF (not counted in the report, which counts invoice files).
      const xmlInUse = await findAnyBlobsInUse(tx, xmls);
      for (const sha256 of xmls) if (!xmlInUse.has(sha256)) await deps.blobs.delete(sha256);
      await markBlobsSettled(tx, pending, input.now);
      return counts;
    });
    if (outcome.settled === 0) return;
    report.blobs.deleted += outcome.deleted;
    report.blobs.alreadyGone += outcome.alreadyGone;
    report.blobs.keptShared += outcome.keptShared;
    deps.onProgress?.({
      phase: "blobs",
      done: report.blobs.deleted + report.blobs.alreadyGone + report.blobs.keptShared,
    });
  }
}

async function preview(
  deps: RetentionDeps,
  input: RetentionInput,
  window: ReminderWindow,
  report: RetentionReport,
): Promise<RetentionReport> {
  count(report, await previewReminders(deps.db, window));
  const due = await listDueInvoices(deps.db, { now: input.now, tenantId: input.tenantId });
  report.removed = due.count;
  const pending = await listPendingBlobs(deps.db, { tenantId: input.tenantId, limit: 1_000_000 });
  const candidates = [...new Set([...due.sha256s, ...pending])];
  const kept = await findBlobsKeptAfterRun(deps.db, candidates, input);
  for (const sha256 of candidates) {
    if (kept.has(sha256)) report.blobs.keptShared++;
    else if (await deps.blobs.has(sha256)) report.blobs.deleted++;
    else report.blobs.alreadyGone++;
  }
  return report;
}

/** Items grouped by tenant, tenants in a fixed order (audit locks are always taken in that order). */
function byTenant<T extends { tenantId: string }>(items: T[]): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(item.tenantId);
    if (group) group.push(item);
    else groups.set(item.tenantId, [item]);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
