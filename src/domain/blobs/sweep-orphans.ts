import { appendAudit } from "../../db/audit.repository.js";
import type { Database } from "../../db/database.js";
import { findReferencedBlobs, lockBlobsForDeletion } from "../../db/retention.repository.js";
import type { BlobInventory, BlobStore } from "../../storage/blob-store.js";

/** A file in `blobs/tmp` older than this is a write that crashed (a live write lasts seconds). */
export const TMP_MAX_AGE_MS = 3_600_000;
/** A stored blob that no row references is removed only once its file is older than this. */
export const ORPHAN_GRACE_MS = 24 * 3_600_000;
const BATCH = 500;

export interface OrphanReport {
  /** Temporary files older than TMP_MAX_AGE_MS (removed unless dry run). */
  tmpFiles: number;
  /** Blobs referenced by no invoice (bytes or XML) nor logo, older than the grace period. */
  orphanBlobs: number;
  orphanBytes: number;
  /** Unreferenced blobs still within the grace period: a publication may be about to commit them. */
  youngUnreferenced: number;
  /** Blobs looked at. */
  scanned: number;
  removed: boolean;
}

/**
 * Finds, and unless `dryRun` removes, what crashed writes leave behind (issue 18): temporary files and
 * blobs that no row references. A blob is removed only past the grace period (by its file's mtime) and
 * under the same exclusive per-SHA-256 lock the retention run takes: a publication in flight holds that
 * lock shared from before its commit and puts back bytes it finds gone (holdBlobsForPublication), so a
 * publication is never robbed of its file. One `blob.orphan_removed` audit entry sums up a sweep that
 * removed anything.
 */
export async function sweepOrphans(
  deps: { db: Database; blobs: BlobStore & BlobInventory },
  options: { now?: Date; dryRun?: boolean; tmpMaxAgeMs?: number; graceMs?: number } = {},
): Promise<OrphanReport> {
  const now = (options.now ?? new Date()).getTime();
  const dryRun = options.dryRun ?? false;
  const report: OrphanReport = {
    tmpFiles: 0,
    orphanBlobs: 0,
    orphanBytes: 0,
    youngUnreferenced: 0,
    scanned: 0,
    removed: !dryRun,
  };

  for await (const file of deps.blobs.listTemp()) {
    if (now - file.mtimeMs <= (options.tmpMaxAgeMs ?? TMP_MAX_AGE_MS)) continue;
    report.tmpFiles++;
    if (!dryRun) await deps.blobs.removeTemp(file.name);
  }

  const grace = options.graceMs ?? ORPHAN_GRACE_MS;
  let batch: { sha256: string; size: number; old: boolean }[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    await deps.db.transaction(async (tx) => {
      const candidates = items.filter((i) => i.old).map((i) => i.sha256);
      // Locked before the references are read, so a publication cannot commit one in between.
      if (!dryRun) await lockBlobsForDeletion(tx, candidates);
      const referenced = await findReferencedBlobs(
        tx,
        items.map((i) => i.sha256),
      );
      for (const item of items) {
        if (referenced.has(item.sha256)) continue;
        if (!item.old) {
          report.youngUnreferenced++;
          continue;
        }
        report.orphanBlobs++;
        report.orphanBytes += item.size;
        if (!dryRun) await deps.blobs.delete(item.sha256);
      }
    });
  };
  for await (const blob of deps.blobs.listBlobs()) {
    report.scanned++;
    batch.push({ sha256: blob.sha256, size: blob.size, old: now - blob.mtimeMs > grace });
    if (batch.length >= BATCH) await flush();
  }
  await flush();

  if (!dryRun && (report.tmpFiles > 0 || report.orphanBlobs > 0)) {
    await deps.db.transaction((tx) =>
      appendAudit(tx, {
        tenantId: null,
        actorType: "system",
        action: "blob.orphan_removed",
        details: {
          tmpFiles: report.tmpFiles,
          blobs: report.orphanBlobs,
          bytes: report.orphanBytes,
          scanned: report.scanned,
        },
      }),
    );
  }
  return report;
}
