import type { Services } from "../app.js";
import { sweepOrphans } from "../domain/blobs/sweep-orphans.js";
import type { JobDefinition, JobHandler } from "./queue.js";

export type BlobSweepData = Record<string, never>;

/** Every day at 04:30 Paris time, after the retention run (03:00) has settled the removed invoices' bytes. */
export const BLOB_SWEEP_CRON = "30 4 * * *";
export const BLOB_SWEEP_TIMEZONE = "Europe/Paris";

export const blobSweepJob: JobDefinition<BlobSweepData> = {
  name: "blob-sweep",
  // Idempotent: a retry or the next day's run simply finds less.
  retryLimit: 3,
  retryDelaySeconds: 600,
  retryBackoff: true,
  expireInSeconds: 6 * 3600,
  parse: () => ({}),
};

export function blobSweepHandler(
  services: Pick<Services, "db" | "blobs" | "config" | "logger">,
): JobHandler<BlobSweepData> {
  return async () => {
    const report = await sweepOrphans({ db: services.db, blobs: services.blobs });
    services.logger.info({ event: "blob.orphan_sweep", ...report }, "orphan blob sweep done");
  };
}

/** Registers the handler and the daily schedule (pg-boss keeps one schedule per name: idempotent). */
export async function startBlobSweepJob(
  services: Pick<Services, "db" | "blobs" | "config" | "logger" | "queue">,
): Promise<void> {
  await services.queue.work(blobSweepJob, blobSweepHandler(services), { concurrency: 1 });
  await services.queue.boss.schedule(blobSweepJob.name, BLOB_SWEEP_CRON, {}, { tz: BLOB_SWEEP_TIMEZONE });
}
