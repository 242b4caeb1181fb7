import type { TenantRow } from "../../db/tenants.repository.js";
import { DomainError } from "../shared/errors.js";
import {
  type InvoiceMetadata,
  type PublishActor,
  type PublishDeps,
  type PublishItemOutcome,
  publishInvoices,
} from "./publish-invoice.js";

/** One file to publish: read only when its turn comes, so a run of 100,000 files keeps a flat memory. */
export interface InvoiceSource {
  /** How the file is named in reports. */
  name: string;
  /** The file's bytes; throws a DomainError when the file cannot be had (missing, too large, …). */
  read(): Promise<Uint8Array>;
  metadata?: InvoiceMetadata;
  /** Known before reading (a bad manifest line, …): the file is rejected with this reason. */
  problem?: { code: string; message: string };
}

/** A warning the Factur-X reader noted on a file that is (or would be) published anyway. */
export type ImportWarning = { code: string; message: string };

export type InvoiceImportOutcome =
  | { status: "published" | "already_present"; invoiceNumber: string; warnings: ImportWarning[] }
  /** Dry run: every check passed, nothing was stored. */
  | { status: "would_publish"; invoiceNumber: string; warnings: ImportWarning[] }
  | { status: "rejected"; code: string; message: string };

export interface InvoiceImportOptions {
  tenant: TenantRow;
  sources: AsyncIterable<InvoiceSource> | Iterable<InvoiceSource>;
  actor: PublishActor;
  /** Batches published at the same time (default 4). */
  concurrency?: number;
  /** Files per publication batch: one transaction, one audit lock (default 50). */
  batchSize?: number;
  /** Do every check, store nothing. */
  dryRun?: boolean;
  onOutcome(source: InvoiceSource, outcome: InvoiceImportOutcome): void;
}

/**
 * Publishes many files through the one publication path, `concurrency` batches at a time. Each file
 * gets its own outcome; one bad file never stops the others. Holds at most concurrency × batchSize files.
 */
export async function importInvoices(deps: PublishDeps, options: InvoiceImportOptions): Promise<void> {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const batchSize = Math.max(1, options.batchSize ?? 50);
  const iterator = (
    Symbol.asyncIterator in options.sources
      ? options.sources[Symbol.asyncIterator]()
      : (options.sources as Iterable<InvoiceSource>)[Symbol.iterator]()
  ) as AsyncIterator<InvoiceSource> | Iterator<InvoiceSource>;
  let exhausted = false;
  // In a dry run nothing is stored, so files of this run that repeat an invoice number are compared here.
  const seenInRun = new Map<string, string>();

  async function nextBatch(): Promise<InvoiceSource[]> {
    const batch: InvoiceSource[] = [];
    while (!exhausted && batch.length < batchSize) {
      const next = await iterator.next();
      if (next.done) exhausted = true;
      else batch.push(next.value);
    }
    return batch;
  }

  async function publishBatch(batch: InvoiceSource[]): Promise<void> {
    const read = await Promise.all(
      batch.map(async (source): Promise<Uint8Array | InvoiceImportOutcome> => {
        if (source.problem) return { status: "rejected", ...source.problem };
        try {
          return await source.read();
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          return { status: "rejected", code: error.code, message: error.message };
        }
      }),
    );
    const ready: { source: InvoiceSource; bytes: Uint8Array }[] = [];
    batch.forEach((source, i) => {
      const bytes = read[i]!;
      if (bytes instanceof Uint8Array) ready.push({ source, bytes });
      else options.onOutcome(source, bytes);
    });
    if (ready.length === 0) return;
    const outcomes = await publishInvoices(deps, {
      tenant: options.tenant,
      actor: options.actor,
      dryRun: options.dryRun,
      items: ready.map(({ source, bytes }) => ({ bytes, metadata: source.metadata })),
    });
    outcomes.forEach((outcome, i) => {
      options.onOutcome(ready[i]!.source, toImportOutcome(outcome, seenInRun));
    });
  }

  async function worker(): Promise<void> {
    for (;;) {
      const batch = await nextBatch();
      if (batch.length === 0) return;
      await publishBatch(batch);
    }
  }

  await Promise.all(Array.from({ length: concurrency }, worker));
}

function toImportOutcome(outcome: PublishItemOutcome, seenInRun: Map<string, string>): InvoiceImportOutcome {
  if (!outcome.ok) return { status: "rejected", code: outcome.error.code, message: outcome.error.message };
  const warnings = outcome.warnings.map(({ code, message }) => ({ code, message }));
  if (!("dryRun" in outcome)) {
    const { invoiceNumber } = outcome.invoice;
    return { status: outcome.created ? "published" : "already_present", invoiceNumber, warnings };
  }
  const { invoiceNumber } = outcome;
  if (!outcome.created) return { status: "already_present", invoiceNumber, warnings };
  const key = `${outcome.sellerKey}\u0000${invoiceNumber}`;
  const earlier = seenInRun.get(key);
  if (earlier === undefined) {
    seenInRun.set(key, outcome.sha256);
    return { status: "would_publish", invoiceNumber, warnings };
  }
  if (earlier === outcome.sha256) return { status: "already_present", invoiceNumber, warnings };
  return {
    status: "rejected",
    code: "invoice_number_conflict",
    message: `invoice ${invoiceNumber} is already in this run with other content`,
  };
}
