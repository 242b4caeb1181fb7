import { createHash } from "node:crypto";
import { appendAudit } from "../../db/audit.repository.js";
import type { Database } from "../../db/database.js";
import { findPaConnection } from "../../db/pa.repository.js";
import {
  claimPaymentAttempt,
  findPayment,
  findPaymentInvoice,
  type PaymentRow,
  recordPaymentAck,
  recordPaymentRefused,
  recordPaymentSubmitted,
  releasePaymentLease,
} from "../../db/pa-payments.repository.js";
import type { JobSender } from "../shared/jobs.js";
import { type CdarCheck, cdarRefusal } from "./cdar.js";
import { buildCdar } from "./cdar-build.js";
import { type FlowAckStatus, type FlowApi, FlowApiError, type PaEndpoint } from "./flow-api.js";
import { paPaymentJob } from "./pa-jobs.js";
import { paEndpointOf } from "./pa-secrets.js";

// The CDAR 212 « Encaissée » of a recorded payment, sent to the tenant's PA as a flow (issue #16 item 6,
// docs/pa-bridge.md "Payments"), exactly once in effect like the invoices (src/domain/pa/transmit-invoice.ts):
// lease, start of each POST committed first, search by trackingId (= payment id) before posting again.

export interface PaymentDeps {
  db: Database;
  queue: JobSender;
  flowApi: FlowApi;
  platformSecret: string;
  /** XSD + FNFE CDAR rules (src/pa/cdar-rules.ts): our 212 is checked before it leaves. */
  checkCdar(xml: string): Promise<CdarCheck>;
  ackDelaySeconds?: number;
  leaseSeconds?: number;
  now?: () => Date;
}

/** The payment waits: the invoice has not reached the PA yet, or the tenant has no connection (retried). */
export class PaymentWaiting extends Error {
  override readonly name = "PaymentWaiting";
}

/** The invoice's transmission states from which the PA knows the invoice. */
const INVOICE_AT_PA = new Set(["submitted", "acknowledged"]);
const MAX_ACK_CHECKS = 12;

function statusOfAck(ack: FlowAckStatus): "submitted" | "acknowledged" | "rejected" {
  return ack === "Ok" ? "acknowledged" : ack === "Error" ? "rejected" : "submitted";
}

/** The job's use case: sends a queued payment's 212, or checks the acknowledgement of a submitted one. */
export async function transmitPayment(
  deps: PaymentDeps,
  paymentId: string,
): Promise<PaymentRow["status"] | "none"> {
  const payment = await findPayment(deps.db, paymentId);
  if (!payment) return "none";
  const connection = await findPaConnection(deps.db, payment.tenantId);
  if (payment.status === "submitted") {
    if (!connection || !payment.flowId) return payment.status;
    return checkAck(deps, payment, paEndpointOf(deps.platformSecret, connection));
  }
  if (payment.status !== "queued") return payment.status;
  const invoice = await findPaymentInvoice(deps.db, payment.tenantId, payment.invoiceId);
  if (!invoice) return payment.status;
  if (invoice.transmissionStatus === "rejected") {
    await refuse(deps, payment, [
      {
        level: "Error",
        item: "invoice",
        reasonCode: "INVOICE_REJECTED",
        reasonMessage: "the PA rejected the invoice itself: its payment status cannot be sent",
      },
    ]);
    return "rejected";
  }
  if (!connection) throw new PaymentWaiting("no PA connection for this tenant (efacture pa connect)");
  if (!INVOICE_AT_PA.has(invoice.transmissionStatus ?? ""))
    throw new PaymentWaiting(
      `the invoice has not reached the PA yet (transmission ${invoice.transmissionStatus ?? "none"})`,
    );
  const endpoint = paEndpointOf(deps.platformSecret, connection);
  const now = deps.now?.() ?? new Date();
  if (payment.leaseUntil && payment.leaseUntil > now)
    throw new PaymentWaiting("another worker is sending this payment");
  if (payment.attemptStartedAt) {
    const found = await findByTrackingId(deps.flowApi, endpoint, payment.id);
    if (found) return recordSubmitted(deps, payment, found, found.acknowledgement);
  }
  const xml = buildCdar({
    code: 212,
    invoice: {
      number: invoice.invoiceNumber,
      issueDate: invoice.issueDate,
      sellerSiren: invoice.sellerSiren ?? "",
      typeCode: invoice.typeCode,
    },
    sender: { role: "SE", siren: invoice.sellerSiren ?? "", address: invoice.sellerSiren ?? "" },
    // The buyer, by its SIREN-based electronic address; without one the rules refuse the message (kept, not sent).
    recipient: { role: "BY", ...(invoice.buyerSiren ? { address: invoice.buyerSiren } : {}) },
    amounts: payment.vatBreakdown.map((line) => ({
      typeCode: "MEN" as const,
      amount: line.amount,
      percent: line.rate,
      currency: payment.currency,
    })),
    at: new Date(`${payment.paidOn}T00:00:00Z`),
    documentId: payment.id,
  });
  const refusal = cdarRefusal(await deps.checkCdar(xml));
  if (refusal) {
    // Never send a message the rules refuse: the payment is kept, rejected with the reason, for the operator.
    await refuse(deps, payment, [
      { level: "Error", item: "CDAR", reasonCode: "CDAR_INVALID", reasonMessage: refusal },
    ]);
    return "rejected";
  }
  const bytes = Buffer.from(xml, "utf8");
  const leaseUntil = new Date(now.getTime() + (deps.leaseSeconds ?? 300) * 1000);
  if (!(await claimPaymentAttempt(deps.db, payment.id, now, leaseUntil)))
    throw new PaymentWaiting("another worker is sending this payment");
  let submitted: { flowId: string; submittedAt: string };
  try {
    submitted = await deps.flowApi.submitFlow(
      endpoint,
      {
        trackingId: payment.id,
        name: `212-${invoice.invoiceNumber.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 180)}.xml`,
        processingRule: "B2B",
        flowSyntax: "CDAR",
        sha256: createHash("sha256").update(bytes).digest("hex"),
      },
      { bytes, contentType: "application/xml" },
    );
  } catch (error) {
    if (error instanceof FlowApiError && error.kind === "refused") {
      await refuse(deps, payment, [
        {
          level: "Error",
          item: "request",
          reasonCode: error.details.errorCode ?? `HTTP_${error.details.status ?? "4xx"}`,
          reasonMessage: error.message,
        },
      ]);
      return "rejected";
    }
    await releasePaymentLease(deps.db, payment.id, (error as Error).message);
    throw error;
  }
  return recordSubmitted(deps, payment, submitted, { status: "Pending" });
}

async function findByTrackingId(flowApi: FlowApi, endpoint: PaEndpoint, trackingId: string) {
  let cursor: string | undefined;
  for (let page = 0; page < 10; page++) {
    const result = await flowApi.searchFlows(endpoint, {
      where: { trackingId, flowDirection: ["Out"] },
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    const found = result.results.find((flow) => flow.trackingId === trackingId);
    if (found) return found;
    cursor = result.nextCursor;
    if (!cursor) return undefined;
  }
  return undefined;
}

async function recordSubmitted(
  deps: PaymentDeps,
  payment: PaymentRow,
  flow: { flowId: string; submittedAt: string },
  ack: { status: FlowAckStatus; details?: unknown[] },
): Promise<PaymentRow["status"]> {
  const status = statusOfAck(ack.status);
  const moved = await deps.db.transaction(async (tx) => {
    const ok = await recordPaymentSubmitted(tx, payment.id, {
      flowId: flow.flowId,
      submittedAt: new Date(flow.submittedAt),
      status,
      ackStatus: ack.status,
      reasons: ack.details ?? [],
    });
    if (ok)
      await appendAudit(tx, {
        tenantId: payment.tenantId,
        actorType: "system",
        actorId: null,
        action: "pa.payment_transmitted",
        targetType: "invoice",
        targetId: payment.invoiceId,
        details: { paymentId: payment.id, flowId: flow.flowId, ackStatus: ack.status },
      });
    return ok;
  });
  if (moved && status === "submitted")
    await deps.queue.send(paPaymentJob, { paymentId: payment.id }, undefined, {
      startAfterSeconds: deps.ackDelaySeconds ?? 10,
    });
  return status;
}

async function checkAck(
  deps: PaymentDeps,
  payment: PaymentRow,
  endpoint: PaEndpoint,
): Promise<PaymentRow["status"]> {
  const flow = await deps.flowApi.getFlow(endpoint, payment.flowId!);
  const status = statusOfAck(flow.acknowledgement.status);
  await deps.db.transaction(async (tx) => {
    await recordPaymentAck(tx, payment.id, {
      status,
      ackStatus: flow.acknowledgement.status,
      reasons: flow.acknowledgement.details ?? [],
    });
    if (status !== "submitted")
      await appendAudit(tx, {
        tenantId: payment.tenantId,
        actorType: "system",
        actorId: null,
        action: status === "acknowledged" ? "pa.payment_acknowledged" : "pa.payment_rejected",
        targetType: "invoice",
        targetId: payment.invoiceId,
        details: {
          paymentId: payment.id,
          flowId: payment.flowId,
          reasons: flow.acknowledgement.details ?? [],
        },
      });
  });
  if (status === "submitted" && payment.attempts < MAX_ACK_CHECKS)
    await deps.queue.send(paPaymentJob, { paymentId: payment.id }, undefined, {
      startAfterSeconds: Math.min((deps.ackDelaySeconds ?? 10) * 4, 3600),
    });
  return status;
}

async function refuse(deps: PaymentDeps, payment: PaymentRow, reasons: unknown[]): Promise<void> {
  await deps.db.transaction(async (tx) => {
    if (!(await recordPaymentRefused(tx, payment.id, reasons))) return;
    await appendAudit(tx, {
      tenantId: payment.tenantId,
      actorType: "system",
      actorId: null,
      action: "pa.payment_refused",
      targetType: "invoice",
      targetId: payment.invoiceId,
      details: { paymentId: payment.id, reasons },
    });
  });
}
