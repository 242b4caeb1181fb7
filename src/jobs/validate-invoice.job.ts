import type { Services } from "../app.js";
import { type ValidateInvoiceData, validateInvoiceJob } from "../domain/shared/jobs.js";
import {
  createPublicationBurstGate,
  type PublicationBurstGateOptions,
} from "../domain/validation/publication-burst.js";
import { validatePublishedInvoice } from "../domain/validation/validate-invoice.js";
import type { JobHandler } from "./queue.js";

export { type ValidateInvoiceData, validateInvoiceJob };

/** The job's concurrency in a worker: the validator pool's threads (two on the reference machine). */
export const VALIDATE_INVOICE_CONCURRENCY = 2;

/** Checks one published invoice against the official rules (src/domain/validation/validate-invoice.ts). */
export function validateInvoiceHandler(
  deps: Pick<Services, "db" | "blobs" | "queue" | "logger" | "config" | "validator">,
): JobHandler<ValidateInvoiceData> {
  return async (data) => {
    await validatePublishedInvoice({ ...deps, operatorEmail: deps.config.operatorEmail ?? undefined }, data);
  };
}

/**
 * The handler a worker registers: the check waits while a publication burst queues checks (validation runs
 * behind publication: src/domain/validation/publication-burst.ts), then runs as `validateInvoiceHandler`.
 * One gate per worker, shared by its concurrent checks.
 */
export function validateInvoiceWorkerHandler(
  deps: Pick<Services, "db" | "blobs" | "queue" | "logger" | "config" | "validator">,
  gate: Omit<PublicationBurstGateOptions, "recentChecks"> = {},
): JobHandler<ValidateInvoiceData> {
  const burst = createPublicationBurstGate({
    ...gate,
    recentChecks: (seconds) => deps.queue.queuedSince(validateInvoiceJob, seconds),
  });
  const handler = validateInvoiceHandler(deps);
  return async (data, context) => {
    await burst.wait();
    await handler(data, context);
  };
}

/**
 * Whether a worker keeps its validator threads warm: with PostgreSQL (a deployment), outside the test suite
 * (NODE_ENV=test: dozens of short-lived workers, each of which would spend ~3.3 s of CPU per thread loading
 * rules few of them use; the pool's own tests cover warm threads).
 */
export function warmsValidator(config: Pick<Services["config"], "databaseUrl" | "nodeEnv">): boolean {
  return Boolean(config.databaseUrl) && config.nodeEnv !== "test";
}

/**
 * Registers the validation job in a worker, each check waiting behind a publication burst
 * (`validateInvoiceWorkerHandler`). With PostgreSQL (a deployment: the worker role runs for days) the
 * validator's threads start now, load the stylesheets at the idle priority and stay (validator-pool.ts
 * `warm`), so a publication burst never pays their start; it resolves without waiting for them. The embedded
 * PGlite process (`npm start`, the demo) stays lazy: threads start on the first invoice and end after a
 * minute idle, so a laptop does not keep ~100 MB per thread for a portal that rarely validates
 * (docs/compliance.md "Publication while validating").
 */
export async function startValidateInvoiceJob(
  services: Pick<Services, "db" | "blobs" | "queue" | "logger" | "config" | "validator">,
): Promise<void> {
  // drain: a backlog of checks goes at the validator's pace, not pg-boss's one fetch per worker and second.
  await services.queue.work(validateInvoiceJob, validateInvoiceWorkerHandler(services), {
    concurrency: VALIDATE_INVOICE_CONCURRENCY,
    drain: true,
  });
  if (warmsValidator(services.config) && services.validator.warm) {
    const started = performance.now();
    services.validator.warm().then(
      ({ threads, failed }) =>
        failed.length > 0
          ? services.logger.error({ failed }, "validator threads could not preload their stylesheets")
          : services.logger.info(
              { threads, ms: Math.round(performance.now() - started) },
              "validator threads warm",
            ),
      (error) => services.logger.error({ err: error }, "validator warm-up failed"),
    );
  }
}
