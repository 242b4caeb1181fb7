import type { Services } from "../app.js";
import { runRetention } from "../domain/retention/run-retention.js";
import type { JobDefinition, JobHandler } from "./queue.js";

export type RetentionRunData = Record<string, never>;

/** Every day at 03:00 Paris time (a quiet hour; reminders are then in the morning's mail). */
export const RETENTION_CRON = "0 3 * * *";
export const RETENTION_TIMEZONE = "Europe/Paris";

export const retentionRunJob: JobDefinition<RetentionRunData> = {
  name: "retention-run",
  // A failed run is simply resumed by the retry (or by the next day's run): it is idempotent.
  retryLimit: 3,
  retryDelaySeconds: 300,
  retryBackoff: true,
  // A first run over a large backlog can take long; a job that outlives this is retried, not doubled.
  expireInSeconds: 6 * 3600,
  parse() {
    return {};
  },
};

/** Runs the retention with the real clock. Safe to run twice: a second run finds nothing left to do. */
export function retentionRunHandler(
  services: Pick<Services, "db" | "blobs" | "queue" | "logger">,
  now: () => Date = () => new Date(),
): JobHandler<RetentionRunData> {
  return async () => {
    const report = await runRetention(services, { now: now() });
    services.logger.info(
      {
        reminders60: report.reminders[60],
        reminders15: report.reminders[15],
        removed: report.removed,
        blobs: report.blobs,
      },
      "retention run done",
    );
  };
}

/** Registers the handler and the daily schedule (pg-boss keeps one schedule per name: idempotent). */
export async function startRetentionJob(
  services: Pick<Services, "db" | "blobs" | "queue" | "logger">,
): Promise<void> {
  await services.queue.work(retentionRunJob, retentionRunHandler(services), { concurrency: 1 });
  await services.queue.boss.schedule(retentionRunJob.name, RETENTION_CRON, {}, { tz: RETENTION_TIMEZONE });
}
