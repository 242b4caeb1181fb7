import { appendAudits } from "../../db/audit.repository.js";
import type { Database } from "../../db/database.js";
import {
  findInvoiceByReference,
  findPaConnection,
  inboundMessageExists,
  insertInboundMessage,
  insertLifecycleStatus,
  listConnectionsDueForPoll,
  recordPaPoll,
} from "../../db/pa.repository.js";
import { type CdarCheck, type CdarStatus, cdarRefusal, LIFECYCLE_LABELS, readCdar } from "./cdar.js";
import { type FlowApi, FlowApiError, type PaEndpoint } from "./flow-api.js";
import { paEndpointOf } from "./pa-secrets.js";

// Statuses back from the PA (issue #16 item 4, docs/pa-bridge.md "Statuses"): lifecycle flows
// (CustomerInvoiceLC, CDAR) are read by polling the Flow API, checked against the CDAR XSD, matched to our
// invoice (number + issue date + seller SIREN) and recorded once per (invoice, flow, code). A message that
// cannot be read or matched is kept with its reason, never dropped.

export interface IntakeDeps {
  db: Database;
  flowApi: FlowApi;
  platformSecret: string;
  /** The XSD and FNFE rules (BR-FR-CDV) check of a CDAR document (src/pa/cdar-rules.ts). */
  checkCdar(xml: string): Promise<CdarCheck>;
  now?: () => Date;
}

export type IntakeOutcome = "recorded" | "unmatched" | "invalid" | "seen";

export interface IntakeReport {
  read: number;
  recorded: number;
  unmatched: number;
  invalid: number;
}

/** Pages of search results read in one poll, at most (the next poll goes on from the bookmark). */
const MAX_PAGES = 50;
/** `updatedAfter` is strict: look a little back so flows sharing the bookmark's instant are not missed. */
const OVERLAP_MS = 5_000;

/** Reads one lifecycle flow of the tenant's PA and records what it says (once, whatever the way it came). */
export async function ingestLifecycleFlow(
  deps: IntakeDeps,
  endpoint: PaEndpoint,
  tenantId: string,
  flowId: string,
  via: "poll" | "webhook",
): Promise<IntakeOutcome> {
  if (await inboundMessageExists(deps.db, tenantId, flowId)) return "seen";
  let xml: string;
  try {
    xml = Buffer.from(await deps.flowApi.downloadFlow(endpoint, flowId, "Original")).toString("utf8");
  } catch (error) {
    // The PA refuses to give this flow (404…): keep the fact, so it is shown and not asked again.
    if (!(error instanceof FlowApiError) || error.kind !== "refused") throw error;
    return keep(deps, { tenantId, flowId, via, outcome: "invalid", detail: error.message, document: null });
  }
  // XSD, then the FNFE CDAR rules: a message failing either is kept as invalid with the rule ids, not read.
  const refusal = cdarRefusal(await deps.checkCdar(xml));
  if (refusal)
    return keep(deps, { tenantId, flowId, via, outcome: "invalid", detail: refusal, document: xml });
  const reading = readCdar(xml);
  if (!reading.ok)
    return keep(deps, { tenantId, flowId, via, outcome: "invalid", detail: reading.problem, document: xml });
  const matched: { status: CdarStatus; invoiceId: string }[] = [];
  const unmatched: string[] = [];
  for (const status of reading.statuses) {
    const invoice = await findInvoiceByReference(deps.db, tenantId, status);
    if (invoice) matched.push({ status, invoiceId: invoice.id });
    else unmatched.push(`${status.invoiceNumber} of ${status.issueDate} (seller ${status.sellerSiren})`);
  }
  return deps.db.transaction(async (tx) => {
    const kept = await insertInboundMessage(tx, {
      tenantId,
      flowId,
      receivedVia: via,
      outcome: unmatched.length > 0 ? "unmatched" : "recorded",
      detail: unmatched.length > 0 ? `no invoice ${unmatched.join(", ")}` : null,
      invoiceId: matched[0]?.invoiceId ?? null,
      document: xml,
    });
    if (!kept) return "seen";
    const audits = [];
    for (const { status, invoiceId } of matched) {
      const label = LIFECYCLE_LABELS[status.code]!.fr;
      const inserted = await insertLifecycleStatus(tx, {
        tenantId,
        invoiceId,
        code: status.code,
        label,
        at: status.at,
        source: "pa",
        role: status.role,
        reasonCode: status.reasonCode,
        reasonText: status.reasonText,
        flowId,
      });
      if (inserted)
        audits.push({
          tenantId,
          actorType: "system" as const,
          actorId: null,
          action: "pa.status_recorded",
          targetType: "invoice",
          targetId: invoiceId,
          details: { code: status.code, label, flowId, role: status.role, reasonCode: status.reasonCode },
        });
    }
    await appendAudits(tx, audits);
    return unmatched.length > 0 ? "unmatched" : "recorded";
  });
}

/**
 * A flow a webhook callback named (the `pa-webhook-flow` job): its metadata is asked of the tenant's own PA
 * first, and only an incoming lifecycle flow is read, by the same intake as polling. The callback's payload is
 * not used beyond the flow id.
 */
export async function ingestNotifiedFlow(
  deps: IntakeDeps,
  tenantId: string,
  flowId: string,
): Promise<IntakeOutcome | "ignored"> {
  const connection = await findPaConnection(deps.db, tenantId);
  if (!connection) return "ignored";
  if (await inboundMessageExists(deps.db, tenantId, flowId)) return "seen";
  const endpoint = paEndpointOf(deps.platformSecret, connection);
  let flow: Awaited<ReturnType<FlowApi["getFlow"]>>;
  try {
    flow = await deps.flowApi.getFlow(endpoint, flowId);
  } catch (error) {
    // No such flow at this tenant's PA (a forged or mistaken callback): nothing to read, nothing recorded.
    if (error instanceof FlowApiError && error.kind === "refused") return "ignored";
    throw error;
  }
  if (flow.flowDirection !== "In" || flow.flowType !== "CustomerInvoiceLC") return "ignored";
  return ingestLifecycleFlow(deps, endpoint, tenantId, flowId, "webhook");
}

async function keep(
  deps: IntakeDeps,
  input: {
    tenantId: string;
    flowId: string;
    via: "poll" | "webhook";
    outcome: "invalid";
    detail: string;
    document: string | null;
  },
): Promise<IntakeOutcome> {
  const kept = await insertInboundMessage(deps.db, {
    tenantId: input.tenantId,
    flowId: input.flowId,
    receivedVia: input.via,
    outcome: input.outcome,
    detail: input.detail,
    invoiceId: null,
    document: input.document,
  });
  return kept ? input.outcome : "seen";
}

/**
 * Polls the tenant's PA for lifecycle flows updated since the bookmark (`POST /v1/flows/search`, flowDirection
 * In, flowType CustomerInvoiceLC, page by page) and ingests each; the bookmark moves only past what was read.
 */
export async function pollPaStatuses(deps: IntakeDeps, tenantId: string): Promise<IntakeReport> {
  const now = deps.now?.() ?? new Date();
  const connection = await findPaConnection(deps.db, tenantId);
  const report: IntakeReport = { read: 0, recorded: 0, unmatched: 0, invalid: 0 };
  if (!connection) return report;
  const endpoint = paEndpointOf(deps.platformSecret, connection);
  const since = connection.pollUpdatedAfter
    ? new Date(connection.pollUpdatedAfter.getTime() - OVERLAP_MS).toISOString()
    : undefined;
  let latest: Date | null = null;
  let cursor: string | undefined;
  try {
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await deps.flowApi.searchFlows(endpoint, {
        where: {
          flowDirection: ["In"],
          flowType: ["CustomerInvoiceLC"],
          ...(since ? { updatedAfter: since } : {}),
        },
        limit: 100,
        ...(cursor ? { cursor } : {}),
      });
      for (const flow of result.results) {
        const outcome = await ingestLifecycleFlow(deps, endpoint, tenantId, flow.flowId, "poll");
        if (outcome !== "seen") {
          report.read++;
          report[outcome]++;
        }
        const updatedAt = new Date(flow.updatedAt);
        if (!Number.isNaN(updatedAt.getTime()) && (!latest || updatedAt > latest)) latest = updatedAt;
      }
      cursor = result.nextCursor;
      if (!cursor) break;
    }
  } catch (error) {
    // The bookmark stays: the next poll reads again from it (what was read is kept, and seen again cheaply).
    await recordPaPoll(deps.db, tenantId, now, null);
    throw error;
  }
  await recordPaPoll(deps.db, tenantId, now, latest);
  return report;
}

/** The worker's periodic run: every tenant whose poll is due, each on its own (one PA down stops no other). */
export async function pollDuePaStatuses(
  deps: IntakeDeps & { logger: { warn(object: Record<string, unknown>, message: string): void } },
): Promise<IntakeReport> {
  const total: IntakeReport = { read: 0, recorded: 0, unmatched: 0, invalid: 0 };
  for (const { tenantId } of await listConnectionsDueForPoll(deps.db, deps.now?.() ?? new Date())) {
    try {
      const report = await pollPaStatuses(deps, tenantId);
      for (const key of Object.keys(total) as (keyof IntakeReport)[]) total[key] += report[key];
    } catch (error) {
      deps.logger.warn({ tenantId, err: { message: (error as Error).message } }, "PA status poll failed");
    }
  }
  return total;
}
