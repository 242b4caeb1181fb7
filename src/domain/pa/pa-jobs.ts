import { type JobDefinition, PermanentJobFailure } from "../shared/jobs.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface PaTransmitData {
  invoiceId: string;
}

/**
 * Sends one invoice to its tenant's PA, or checks the acknowledgement of the flow already sent
 * (src/jobs/pa-transmit.job.ts → transmitInvoice). At least once: retried with backoff for about a day
 * (30 s, 1 min, 2 min … capped by pg-boss at its own maximum), then the row stays `queued` with its last error
 * until `efacture pa connect` queues it again; exactly once in effect through the search by trackingId.
 */
export const paTransmitJob: JobDefinition<PaTransmitData> = {
  name: "pa-transmit",
  retryLimit: 12,
  retryDelaySeconds: 30,
  retryBackoff: true,
  // A POST carries up to 100 MB: leave room for slow uploads before pg-boss declares the worker dead.
  expireInSeconds: 900,
  parse(data) {
    const invoiceId = (data as { invoiceId?: unknown })?.invoiceId;
    if (typeof invoiceId !== "string" || !UUID.test(invoiceId))
      throw new PermanentJobFailure("pa-transmit: bad invoiceId");
    return { invoiceId };
  },
};

/** Polls the PAs whose poll is due for lifecycle statuses (src/jobs/pa-transmit.job.ts → pollDuePaStatuses). */
export const paPollJob: JobDefinition<Record<string, never>> = {
  name: "pa-poll",
  // The next minute's run is the retry: statuses wait at the PA, nothing is lost.
  retryLimit: 0,
  retryDelaySeconds: 60,
  retryBackoff: false,
  expireInSeconds: 600,
  parse() {
    return {};
  },
};

export interface PaWebhookFlowData {
  tenantId: string;
  flowId: string;
}

/**
 * Reads one flow a webhook callback named (src/jobs/pa-transmit.job.ts → ingestNotifiedFlow): downloaded from
 * the tenant's PA and recorded by the same intake as polling. Retried while the PA is down; the poll catches
 * whatever is still missing after that.
 */
export const paWebhookFlowJob: JobDefinition<PaWebhookFlowData> = {
  name: "pa-webhook-flow",
  retryLimit: 8,
  retryDelaySeconds: 15,
  retryBackoff: true,
  expireInSeconds: 300,
  parse(data) {
    const { tenantId, flowId } = (data ?? {}) as { tenantId?: unknown; flowId?: unknown };
    if (
      typeof tenantId !== "string" ||
      !UUID.test(tenantId) ||
      typeof flowId !== "string" ||
      flowId.length > 128
    )
      throw new PermanentJobFailure("pa-webhook-flow: bad data");
    return { tenantId, flowId };
  },
};

export interface PaPaymentData {
  paymentId: string;
}

/**
 * Sends one payment's CDAR 212 to the tenant's PA, or checks its acknowledgement
 * (src/jobs/pa-transmit.job.ts → transmitPayment). At least once with backoff; exactly once in effect by the
 * search by trackingId (= payment id) after an uncertain failure. Waits (retried) while the invoice itself has
 * not reached the PA.
 */
export const paPaymentJob: JobDefinition<PaPaymentData> = {
  name: "pa-payment",
  retryLimit: 12,
  retryDelaySeconds: 30,
  retryBackoff: true,
  expireInSeconds: 300,
  parse(data) {
    const paymentId = (data as { paymentId?: unknown })?.paymentId;
    if (typeof paymentId !== "string" || !UUID.test(paymentId))
      throw new PermanentJobFailure("pa-payment: bad paymentId");
    return { paymentId };
  },
};
