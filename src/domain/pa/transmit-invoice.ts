import { appendAudit } from "../../db/audit.repository.js";
import type { Database, Sql } from "../../db/database.js";
import {
  claimTransmissionAttempt,
  findInvoiceToTransmit,
  findPaConnection,
  findTransmission,
  holdTransmission,
  type InvoiceToTransmitRow,
  recordTransmissionAck,
  recordTransmissionError,
  recordTransmissionRefused,
  recordTransmissionSubmitted,
  releaseTransmissionLease,
  setPendingTransmission,
  type TransmissionRow,
} from "../../db/pa.repository.js";
import type { BlobStore } from "../../storage/blob-store.js";
import { readVerifiedBytes } from "../invoices/verified-blob.js";
import type { JobSender } from "../shared/jobs.js";
import { transmissionHold } from "../validation/transmission-hold.js";
import {
  type FlowAckDetail,
  type FlowAckStatus,
  type FlowApi,
  FlowApiError,
  type FlowMetadata,
  type FlowProcessingRule,
  type FlowProfile,
  type PaEndpoint,
} from "./flow-api.js";
import { paTransmitJob } from "./pa-jobs.js";
import { paEndpointOf } from "./pa-secrets.js";

// Transmission of B2B invoices to the tenant's PA (issue #16 item 3, docs/pa-bridge.md "Transmission").
// At least once: a pg-boss job per invoice, retried with backoff. Exactly once in effect: the start of every
// POST /v1/flows is committed first, and any attempt after one that may have reached the PA (timeout, crash,
// 5xx) searches the PA by trackingId (= our invoice id) before posting again.

/** What queueTransmission decided. */
export type TransmissionDecision = "not_routed" | "queued" | "held" | "unchanged";

/**
 * Decides, in the caller's transaction, whether the invoice goes to the PA: only the `B2B` route, only once
 * its validation passed (or passed with warnings), only with a PA connection; otherwise it is held with the
 * reason. Call it after publication and again whenever the validation status changes: it is idempotent, and a
 * transmission already queued or sent is never touched.
 */
export async function queueTransmission(
  tx: Sql,
  queue: JobSender,
  invoiceId: string,
): Promise<TransmissionDecision> {
  const invoice = await findInvoiceToTransmit(tx, invoiceId);
  if (!invoice || invoice.withdrawnAt || !isTransmitted(invoice)) return "not_routed";
  const holdReason =
    // A B2B flow the PA would reject must not leave: failed rules hold it, no verdict yet waits (one rule for all).
    transmissionHold(invoice)?.reason ??
    ((await findPaConnection(tx, invoice.tenantId)) ? undefined : ("no_connection" as const));
  const changed = await setPendingTransmission(tx, {
    tenantId: invoice.tenantId,
    invoiceId,
    status: holdReason ? "held" : "queued",
    holdReason: holdReason ?? null,
  });
  if (!changed) return "unchanged";
  if (changed.status === "queued") await queue.send(paTransmitJob, { invoiceId }, tx);
  return changed.status === "queued" ? "queued" : "held";
}

/** Routes sent to the PA whatever the tenant says (B2B), and those sent when it opted in to e-reporting. */
const E_REPORTING_RULES = new Set(["B2C", "B2BInt"]);

/** Whether the invoice's route sends it to the PA: B2B always; B2C and B2BInt when the tenant opted in. */
export function isTransmitted(
  invoice: Pick<InvoiceToTransmitRow, "processingRule" | "paEreporting">,
): boolean {
  if (invoice.processingRule === "B2B") return true;
  return invoice.paEreporting && E_REPORTING_RULES.has(invoice.processingRule ?? "");
}

export interface TransmitDeps {
  db: Database;
  blobs: BlobStore;
  queue: JobSender;
  flowApi: FlowApi;
  /** The platform secret the PA secrets are sealed under (the cookie secret, like TOTP secrets). */
  platformSecret: string;
  logger: { error(object: Record<string, unknown>, message: string): void };
  operatorEmail?: string;
  /** First check of a flow's acknowledgement after submission (default 10 s); later checks back off. */
  ackDelaySeconds?: number;
  /** How long one sender holds an invoice (default 5 min: well beyond one request's bound, within the job's expiry). */
  leaseSeconds?: number;
  now?: () => Date;
}

/** Another worker is sending this invoice now: try again later (it will have finished, or its lease run out). */
export class TransmissionBusy extends Error {
  override readonly name = "TransmissionBusy";
  constructor() {
    super("another worker is sending this invoice to the PA");
  }
}

/** How many times a Pending acknowledgement is checked again before the status intake takes over. */
const MAX_ACK_CHECKS = 12;

/**
 * The job's use case: sends a queued invoice (searching first when an earlier attempt may have reached the
 * PA), or checks the acknowledgement of a submitted one. Throws a FlowApiError to be retried later.
 */
export async function transmitInvoice(
  deps: TransmitDeps,
  invoiceId: string,
): Promise<TransmissionRow["status"] | "none"> {
  const transmission = await findTransmission(deps.db, invoiceId);
  if (!transmission) return "none";
  if (transmission.status === "queued") return sendQueued(deps, transmission);
  if (transmission.status === "submitted") return checkAcknowledgement(deps, transmission);
  return transmission.status;
}

async function endpointFor(deps: TransmitDeps, tenantId: string): Promise<PaEndpoint | undefined> {
  const connection = await findPaConnection(deps.db, tenantId);
  return connection ? paEndpointOf(deps.platformSecret, connection) : undefined;
}

async function sendQueued(
  deps: TransmitDeps,
  transmission: TransmissionRow,
): Promise<TransmissionRow["status"]> {
  const now = deps.now?.() ?? new Date();
  const invoice = await findInvoiceToTransmit(deps.db, transmission.invoiceId);
  // The transmission's tenant is the invoice's: the credentials used are always that tenant's own.
  if (!invoice || invoice.tenantId !== transmission.tenantId) return transmission.status;
  const endpoint = await endpointFor(deps, transmission.tenantId);
  if (!endpoint) {
    await holdTransmission(deps.db, transmission.id, "no_connection");
    return "held";
  }
  if (transmission.leaseUntil && transmission.leaseUntil > now) throw new TransmissionBusy();
  if (transmission.attemptStartedAt) {
    // An earlier attempt began: the PA may have stored the flow although we never recorded its answer.
    const found = await findFlowByTrackingId(deps.flowApi, endpoint, invoice.id);
    if (found) return recordSubmitted(deps, transmission, found, found.acknowledgement);
  }
  const bytes = await readOriginal(deps, invoice);
  const leaseUntil = new Date(now.getTime() + (deps.leaseSeconds ?? 300) * 1000);
  if (!(await claimTransmissionAttempt(deps.db, transmission.id, now, leaseUntil)))
    throw new TransmissionBusy();
  const isPdf = Buffer.from(bytes.subarray(0, 5)).toString("latin1") === "%PDF-";
  const profile = flowProfileOf(invoice.validationProfile ?? invoice.profile);
  let submitted: { flowId: string; submittedAt: string };
  try {
    submitted = await deps.flowApi.submitFlow(
      endpoint,
      {
        trackingId: invoice.id,
        name: `${invoice.invoiceNumber.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 200)}.${isPdf ? "pdf" : "xml"}`,
        processingRule:
          invoice.processingRule === "B2B" ? "B2B" : (invoice.processingRule as FlowProcessingRule),
        flowSyntax: isPdf ? "Factur-X" : "CII",
        ...(profile ? { flowProfile: profile } : {}),
        sha256: invoice.sha256,
      },
      { bytes, contentType: isPdf ? "application/pdf" : "application/xml" },
    );
  } catch (error) {
    if (error instanceof FlowApiError && error.kind === "refused") {
      await refused(deps, transmission, error);
      return "rejected";
    }
    await recordTransmissionError(deps.db, transmission.id, (error as Error).message);
    await releaseTransmissionLease(deps.db, transmission.id);
    throw error;
  }
  return recordSubmitted(deps, transmission, submitted, { status: "Pending" });
}

async function findFlowByTrackingId(
  flowApi: FlowApi,
  endpoint: PaEndpoint,
  trackingId: string,
): Promise<FlowMetadata | undefined> {
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

function readOriginal(deps: TransmitDeps, invoice: InvoiceToTransmitRow): Promise<Uint8Array> {
  return readVerifiedBytes(
    deps,
    { sha256: invoice.sha256, sizeBytes: invoice.sizeBytes },
    { tenantId: invoice.tenantId, invoiceId: invoice.id, during: "transmission" },
  );
}

function statusOfAck(ack: FlowAckStatus): "submitted" | "acknowledged" | "rejected" {
  return ack === "Ok" ? "acknowledged" : ack === "Error" ? "rejected" : "submitted";
}

async function recordSubmitted(
  deps: TransmitDeps,
  transmission: TransmissionRow,
  flow: { flowId: string; submittedAt: string },
  ack: { status: FlowAckStatus; details?: FlowAckDetail[] },
): Promise<TransmissionRow["status"]> {
  const status = statusOfAck(ack.status);
  const recorded = await deps.db.transaction(async (tx) => {
    const moved = await recordTransmissionSubmitted(tx, transmission.id, {
      flowId: flow.flowId,
      submittedAt: new Date(flow.submittedAt),
      status,
      ackStatus: ack.status,
      reasons: ack.details ?? [],
    });
    if (!moved) return false;
    await appendAudit(tx, {
      tenantId: transmission.tenantId,
      actorType: "system",
      actorId: null,
      action: "pa.transmitted",
      targetType: "invoice",
      targetId: transmission.invoiceId,
      details: { flowId: flow.flowId, submittedAt: flow.submittedAt, ackStatus: ack.status },
    });
    return true;
  });
  if (recorded && status === "submitted")
    await deps.queue.send(paTransmitJob, { invoiceId: transmission.invoiceId }, undefined, {
      startAfterSeconds: deps.ackDelaySeconds ?? 10,
    });
  return status;
}

async function refused(
  deps: TransmitDeps,
  transmission: TransmissionRow,
  error: FlowApiError,
): Promise<void> {
  const reasons = [
    {
      level: "Error",
      item: "request",
      reasonCode: error.details.errorCode ?? `HTTP_${error.details.status ?? "4xx"}`,
      reasonMessage: error.message,
    },
  ];
  await deps.db.transaction(async (tx) => {
    await recordTransmissionRefused(tx, transmission.id, reasons);
    await appendAudit(tx, {
      tenantId: transmission.tenantId,
      actorType: "system",
      actorId: null,
      action: "pa.refused",
      targetType: "invoice",
      targetId: transmission.invoiceId,
      details: { reasons },
    });
  });
}

async function checkAcknowledgement(
  deps: TransmitDeps,
  transmission: TransmissionRow,
): Promise<TransmissionRow["status"]> {
  const endpoint = await endpointFor(deps, transmission.tenantId);
  if (!endpoint || !transmission.flowId) return transmission.status;
  const flow = await deps.flowApi.getFlow(endpoint, transmission.flowId);
  const status = statusOfAck(flow.acknowledgement.status);
  const recorded = await deps.db.transaction(async (tx) => {
    const changed = await recordTransmissionAck(tx, transmission.id, {
      status,
      ackStatus: flow.acknowledgement.status,
      reasons: flow.acknowledgement.details ?? [],
    });
    // Another check of the same flow (an overlapping job) recorded it first: its audit entry is the one.
    if (changed && status !== "submitted")
      await appendAudit(tx, {
        tenantId: transmission.tenantId,
        actorType: "system",
        actorId: null,
        action: status === "acknowledged" ? "pa.acknowledged" : "pa.rejected",
        targetType: "invoice",
        targetId: transmission.invoiceId,
        details: { flowId: transmission.flowId, reasons: flow.acknowledgement.details ?? [] },
      });
    return changed;
  });
  if (recorded && status === "submitted" && transmission.ackChecks + 1 < MAX_ACK_CHECKS)
    await deps.queue.send(paTransmitJob, { invoiceId: transmission.invoiceId }, undefined, {
      startAfterSeconds: Math.min((deps.ackDelaySeconds ?? 10) * 2 ** (transmission.ackChecks + 1), 3600),
    });
  return status;
}

/** The Flow API's profile of an invoice's Factur-X / CII profile (BT-24). */
export function flowProfileOf(profile: string | null): FlowProfile | undefined {
  if (!profile) return undefined;
  const p = profile.toUpperCase();
  if (p.includes("EXTENDED")) return "Extended-CTC-FR";
  if (p.includes("EN 16931") || p.includes("EN16931") || p === "CIUS" || p.includes("COMFORT")) return "CIUS";
  if (p.includes("BASIC") || p.includes("MINIMUM")) return "Basic";
  return "Undefined";
}
