import type { Services } from "../app.js";
import { queueValidationBacklog } from "../domain/validation/queue-validation-backlog.js";
import type { JobDefinition, JobHandler } from "./queue.js";

export type ValidationBacklogData = Record<string, never>;

/** Every night at 02:30 UTC; a run that takes a full batch queues the next one at once. */
export const VALIDATION_BACKLOG_CRON = "30 2 * * *";
/** Invoices queued for the check per run: bounded so one run is one short transaction. */
export const VALIDATION_BACKLOG_BATCH = 500;

export const validationBacklogJob: JobDefinition<ValidationBacklogData> = {
  name: "validation-backlog",
  retryLimit: 3,
  retryDelaySeconds: 300,
  retryBackoff: true,
  expireInSeconds: 600,
  parse() {
    return {};
  },
};

/** Queues the check of invoices published before it existed, a batch at a time (safe to run twice). */
export function validationBacklogHandler(
  services: Pick<Services, "db" | "queue" | "logger">,
): JobHandler<ValidationBacklogData> {
  return async () => {
    const queued = await queueValidationBacklog(services, { limit: VALIDATION_BACKLOG_BATCH });
    if (queued > 0) services.logger.info({ queued }, "validation backlog: invoices queued for the check");
    // Spaced a minute apart, so the backlog never crowds out the checks of new publications.
    if (queued === VALIDATION_BACKLOG_BATCH)
      await services.queue.send(validationBacklogJob, {}, undefined, { startAfterSeconds: 60 });
  };
}

/** Registers the handler and the nightly schedule (pg-boss keeps one schedule per name: idempotent). */
export async function startValidationBacklogJob(
  services: Pick<Services, "db" | "queue" | "logger">,
): Promise<void> {
  await services.queue.work(validationBacklogJob, validationBacklogHandler(services), { concurrency: 1 });
  await services.queue.boss.schedule(validationBacklogJob.name, VALIDATION_BACKLOG_CRON, {});
}
