import type { Services } from "../app.js";
import type { FlowApi } from "../domain/pa/flow-api.js";
import { type PaTransmitData, paTransmitJob } from "../domain/pa/pa-jobs.js";
import { transmitInvoice } from "../domain/pa/transmit-invoice.js";
import { createFlowClient } from "../pa/flow-client.js";
import type { JobHandler } from "./queue.js";

export { paTransmitJob };

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

/** Starts the PA transmission workers (the worker role), with one Flow API client (one token cache) for them. */
export async function startPaJobs(
  services: Pick<Services, "db" | "blobs" | "queue" | "logger" | "cookieSecret" | "config">,
  flowApi: FlowApi = createFlowClient(),
): Promise<void> {
  await services.queue.work(paTransmitJob, paTransmitHandler(services, flowApi), { concurrency: 2 });
}
