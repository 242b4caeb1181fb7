import { createHash } from "node:crypto";
import {
  countReferencedBlobs,
  listReferencedBlobs,
  switchActiveBlobStore,
} from "../../db/blob-store-state.repository.js";
import type { Database } from "../../db/database.js";
import type { BlobInventory, BlobStore } from "../../storage/blob-store.js";
import { hashBlob } from "../invoices/verified-blob.js";

const PAGE = 500;

export interface MigrationProblem {
  sha256: string;
  problem: "missing_in_source" | "source_damaged" | "copy_mismatch" | "target_conflict";
  detail: string;
}

export interface MigrationReport {
  /** Blobs a row needs (invoices' PDF and XML until retention settles them, logos). */
  referenced: number;
  /** Copied to the target and read back with the right SHA-256 by this run. */
  copied: number;
  copiedBytes: number;
  /** Already in the target (an earlier run, or the same bytes published twice), left as they are. */
  alreadyThere: number;
  problems: MigrationProblem[];
  /** The database now records the target as the active store. */
  switched: boolean;
}

export interface MigrationStore {
  readonly identity: string;
}

/**
 * Copies every blob the database references from `source` (the active store) to `target`, each verified by
 * reading it back and hashing it; what the target already holds is skipped (by its listing, in SHA-256 order,
 * merged with the references), so a second run, or a run after a kill, continues where the last one stopped.
 * Orphans (no row needs them) stay behind: the sweep reaps them where they are. With `switch` and no problem,
 * the database then records the target as the active store (a process configured for the source refuses to
 * start from then on), and one more pass copies what a process still running wrote meanwhile.
 */
export async function migrateBlobs(
  deps: {
    db: Database;
    source: BlobStore & MigrationStore;
    target: BlobStore & BlobInventory & MigrationStore;
  },
  options: {
    switch?: boolean;
    /** Also re-hash what the target already holds (slower: every blob is read). */
    verifyExisting?: boolean;
    onTotal?(total: number): void;
    onBlob?(outcome: "copied" | "already" | "problem", problem?: MigrationProblem): void;
  } = {},
): Promise<MigrationReport> {
  const { db, source, target } = deps;
  if (source.identity === target.identity)
    throw new Error(`the target ${target.identity} is the active store already: nothing to migrate`);
  const report: MigrationReport = {
    referenced: 0,
    copied: 0,
    copiedBytes: 0,
    alreadyThere: 0,
    problems: [],
    switched: false,
  };
  options.onTotal?.(await countReferencedBlobs(db));
  await copyPass(deps, options, report);
  if (options.switch && report.problems.length === 0) {
    const switched = await switchActiveBlobStore(db, source.identity, target.identity);
    if (!switched)
      throw new Error(
        `the database records another active store than ${source.identity} (another migration?): nothing switched`,
      );
    report.switched = true;
    // Catch-up: a process still running on the source may have published since the pass above.
    const referenced = report.referenced;
    report.referenced = 0;
    await copyPass(deps, { ...options, verifyExisting: false }, report);
    report.referenced = Math.max(referenced, report.referenced);
  }
  return report;
}

async function copyPass(
  deps: { db: Database; source: BlobStore; target: BlobStore & BlobInventory },
  options: {
    verifyExisting?: boolean;
    onBlob?(o: "copied" | "already" | "problem", p?: MigrationProblem): void;
  },
  report: MigrationReport,
): Promise<void> {
  const { db, source, target } = deps;
  const listing = target.listBlobs()[Symbol.asyncIterator]();
  let held: { sha256: string; size: number } | undefined;
  let listingDone = false;
  /** Whether the target's listing holds `sha256` (both go in SHA-256 order). */
  const inTarget = async (sha256: string) => {
    while (!listingDone && (!held || held.sha256 < sha256)) {
      const next = await listing.next();
      if (next.done) listingDone = true;
      else held = next.value;
    }
    return held?.sha256 === sha256 ? held : undefined;
  };
  const problem = (p: MigrationProblem) => {
    report.problems.push(p);
    options.onBlob?.("problem", p);
  };

  let after = "";
  for (;;) {
    const page = await listReferencedBlobs(db, after, PAGE);
    if (page.length === 0) break;
    after = page[page.length - 1]!.sha256;
    for (const { sha256, sizeBytes } of page) {
      report.referenced++;
      const there = await inTarget(sha256);
      if (there && (sizeBytes === null || there.size === sizeBytes)) {
        if (!options.verifyExisting || (await hashOf(target, sha256)) === sha256) {
          report.alreadyThere++;
          options.onBlob?.("already");
          continue;
        }
        problem({
          sha256,
          problem: "target_conflict",
          detail: "the target holds other bytes under this name",
        });
        continue;
      }
      const bytes = await source.read(sha256);
      if (!bytes) {
        problem({
          sha256,
          problem: "missing_in_source",
          detail: "referenced by a row but absent from the source",
        });
        continue;
      }
      if (createHash("sha256").update(bytes).digest("hex") !== sha256) {
        problem({
          sha256,
          problem: "source_damaged",
          detail: "the source's bytes do not match their SHA-256",
        });
        continue;
      }
      try {
        await target.put(bytes);
      } catch (error) {
        if ((error as { code?: string }).code !== "blob_write_conflict") throw error;
        problem({ sha256, problem: "target_conflict", detail: (error as Error).message });
        continue;
      }
      if ((await hashOf(target, sha256)) !== sha256) {
        problem({
          sha256,
          problem: "copy_mismatch",
          detail: "read back from the target with another SHA-256",
        });
        continue;
      }
      report.copied++;
      report.copiedBytes += bytes.byteLength;
      options.onBlob?.("copied");
    }
  }
  await listing.return?.();
}

/** The SHA-256 of the stored bytes, read as a stream; undefined when absent. */
async function hashOf(store: BlobStore, sha256: string): Promise<string | undefined> {
  return (await hashBlob(store, sha256))?.sha256;
}
