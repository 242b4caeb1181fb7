import type { Services } from "../app.js";
import type { FlowApi } from "../domain/pa/flow-api.js";
import { ingestNotifiedFlow, pollDuePaStatuses } from "../domain/pa/ingest-statuses.js";
import {
  type PaPaymentData,
  type PaTransmitData,
  type PaWebhookFlowData,
  paPaymentJob,
  paPollJob,
  paTransmitJob,
  paWebhookFlowJob,
} from "../domain/pa/pa-jobs.js";
import { transmitInvoice } from "../domain/pa/transmit-invoice.js";
import { transmitPayment } from "../domain/pa/transmit-payment.js";
import { checkCdar } from "../pa/cdar-rules.js";
import { createFlowClient } from "../pa/flow-client.js";
import type { JobHandler } from "./queue.js";

export { paPaymentJob, paPollJob, paTransmitJob, paWebhookFlowJob };

/** Every minute; each tenant is polled every `poll_seconds` of its connection (efacture pa connect). */
export const PA_POLL_CRON = "* * * * *";

/** Sends one invoice to its tenant's PA, or checks its acknowledgement (src/domain/pa/transmit-invoice.ts). */
export function paTransmitHandler(
  services: Pick<Services, "db" | "blobs" | "queue" | "logger" | "cookieSecret" | "config">,
  flowApi: FlowApi,
): JobHandler<PaTransmitData> {
  return async ({ invoiceId }) => {
    await transmitInvoice(
      {
        db: services.db,
        blobs: services.blobs,
        queue: services.queue,
        flowApi,
        platformSecret: services.cookieSecret,
        logger: services.logger,
        ...(services.config.operatorEmail ? { operatorEmail: services.config.operatorEmail } : {}),
      },
      invoiceId,
    );
  };
}

/**
 * pa-transmit workers, and how many jobs each takes per fetch. pg-boss 10 lets a worker fetch again only one
 * polling interval (1 s) after its previous fetch, however short the job: with one job per fetch, two workers
 * sent at most 2 jobs/s — 1 invoice/s, as each invoice also has its acknowledgement check — far below the
 * validator pool's ~8 invoices/s on 2 cores (docs/pa-bridge.md "Benchmark"). A transmission is one HTTP call and
 * a few statements: 2 workers × 10 jobs per fetch run up to 20 jobs/s, with the idle cost of 2 fetches/s.
 */
export const PA_TRANSMIT_WORKERS = 2;
export const PA_TRANSMIT_BATCH = 10;

/** Starts the PA transmission workers (the worker role), with one Flow API client (one token cache) for them. */
export async function startPaJobs(
  services: Pick<Services, "db" | "blobs" | "queue" | "logger" | "cookieSecret" | "config">,
  flowApi: FlowApi = createFlowClient(),
): Promise<void> {
  await services.queue.work(paTransmitJob, paTransmitHandler(services, flowApi), {
    concurrency: PA_TRANSMIT_WORKERS,
    batchSize: PA_TRANSMIT_BATCH,
  });
  await services.queue.work(paPollJob, paPollHandler(services, flowApi));
  await services.queue.work(paWebhookFlowJob, paWebhookFlowHandler(services, flowApi), { concurrency: 2 });
  await services.queue.work(paPaymentJob, paPaymentHandler(services, flowApi), { concurrency: 2 });
  await services.queue.boss.schedule(paPollJob.name, PA_POLL_CRON, {}, { tz: "UTC" });
}

/** Reads the lifecycle statuses of every PA whose poll is due (src/domain/pa/ingest-statuses.ts). */
export function paPollHandler(
  services: Pick<Services, "db" | "logger" | "cookieSecret">,
  flowApi: FlowApi,
): JobHandler<Record<string, never>> {
  return async () => {
    const report = await pollDuePaStatuses({
      db: services.db,
      flowApi,
      platformSecret: services.cookieSecret,
      checkCdar,
      logger: services.logger,
    });
    if (report.read > 0) services.logger.info(report, "PA statuses read");
  };
}

/** Reads the flow a webhook callback named (src/domain/pa/ingest-statuses.ts ingestNotifiedFlow). */
export function paWebhookFlowHandler(
  services: Pick<Services, "db" | "cookieSecret">,
  flowApi: FlowApi,
): JobHandler<PaWebhookFlowData> {
  return async ({ tenantId, flowId }) => {
    await ingestNotifiedFlow(
      { db: services.db, flowApi, platformSecret: services.cookieSecret, checkCdar },
      tenantId,
      flowId,
    );
  };
}

/** Sends one payment's CDAR 212, or checks its acknowledgement (src/domain/pa/transmit-payment.ts). */
export function paPaymentHandler(
  services: Pick<Services, "db" | "queue" | "cookieSecret">,
  flowApi: FlowApi,
): JobHandler<PaPaymentData> {
  return async ({ paymentId }) => {
    await transmitPayment(
      { db: services.db, queue: services.queue, flowApi, platformSecret: services.cookieSecret, checkCdar },
      paymentId,
    );
  };
}
