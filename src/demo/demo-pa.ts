import { createHash, randomUUID } from "node:crypto";
import { buildCdar } from "../domain/pa/cdar-build.js";
import type {
  FlowApi,
  FlowInfo,
  FlowMetadata,
  PaHealth,
  SearchFlowsPage,
  SubmittedFlow,
} from "../domain/pa/flow-api.js";

// The demo's plateforme agréée (issue #16 item 7, demo part): a Flow API in memory, behind the same port
// (src/domain/pa/flow-api.ts) as the HTTP client, so the demo's B2B invoices are transmitted by
// `transmitInvoice` and their lifecycle statuses recorded by `ingestLifecycleFlow`, the real domain paths.
// It lives only while the demo is seeded; the tests' full local PA (HTTP, OpenAPI-checked) is test/support/local-pa.ts.

/** One lifecycle status the demo's PA reports about an invoice (a CDAR "CDV" message). */
export interface DemoCdar {
  invoiceNumber: string;
  /** YYYY-MM-DD */
  issueDate: string;
  sellerSiren: string;
  buyerSiren: string;
  code: number;
  /** The sender's role: WK platform, BY buyer, SE seller. */
  role: string;
  reasonCode?: string;
  reasonText?: string;
  /** For 212: the amount collected per VAT rate. */
  amounts?: { amount: string; percent: string }[];
  at: Date;
}

/**
 * A CDAR D22B lifecycle message about one invoice, as a PA emits it, through the builder our own 212 uses
 * (src/domain/pa/cdar-build.ts): valid against the FNFE CDAR XSD and rules BR-FR-CDV, which the intake checks.
 * The processing phase's statuses are issued by the buyer (its SIREN and directory address); a 212 carries the
 * amount collected per VAT rate.
 */
export function buildDemoCdar(input: DemoCdar): string {
  const transmission = [200, 201, 202, 203, 213].includes(input.code);
  const siren = input.role === "SE" ? input.sellerSiren : input.buyerSiren;
  return buildCdar({
    code: input.code,
    invoice: { number: input.invoiceNumber, issueDate: input.issueDate, sellerSiren: input.sellerSiren },
    sender: transmission ? { role: "WK" } : { role: input.role, siren, address: siren },
    recipient: { role: "SE", address: input.sellerSiren },
    ...(input.reasonCode ? { reasonCode: input.reasonCode } : {}),
    ...(input.reasonText ? { reasonText: input.reasonText } : {}),
    ...(input.amounts ? { amounts: input.amounts.map((a) => ({ typeCode: "MEN" as const, ...a })) } : {}),
    at: input.at,
  });
}

/**
 * A Flow API kept in memory: it takes the flows submitted (acknowledging them Ok at once) and serves the
 * lifecycle flows given to `emit` for download. `now` dates what it records (the demo's clock).
 */
export function createDemoPa(now: () => Date) {
  const flows = new Map<string, { meta: FlowMetadata; bytes: Uint8Array }>();
  const flowApi: FlowApi = {
    async submitFlow(_endpoint, info: FlowInfo, file): Promise<SubmittedFlow> {
      const flowId = `demo-${randomUUID()}`;
      const at = now().toISOString();
      if (info.sha256 && info.sha256 !== createHash("sha256").update(file.bytes).digest("hex"))
        throw new Error("the demo PA got a file whose SHA-256 is not the one announced");
      flows.set(flowId, {
        bytes: file.bytes,
        meta: {
          flowId,
          submittedAt: at,
          updatedAt: at,
          ...(info.trackingId ? { trackingId: info.trackingId } : {}),
          name: info.name,
          flowSyntax: info.flowSyntax,
          ...(info.flowProfile ? { flowProfile: info.flowProfile } : {}),
          ...(info.processingRule ? { processingRule: info.processingRule } : {}),
          flowType: "CustomerInvoice",
          flowDirection: "Out",
          acknowledgement: { status: "Ok" },
        },
      });
      return { flowId, submittedAt: at, ...(info.trackingId ? { trackingId: info.trackingId } : {}) };
    },
    async searchFlows(_endpoint, request): Promise<SearchFlowsPage> {
      const results = [...flows.values()]
        .map((flow) => flow.meta)
        .filter(
          (meta) =>
            (!request.where.trackingId || meta.trackingId === request.where.trackingId) &&
            (!request.where.flowDirection || request.where.flowDirection.includes(meta.flowDirection)) &&
            (!request.where.flowType || request.where.flowType.includes(meta.flowType)),
        );
      return { results };
    },
    async getFlow(_endpoint, flowId) {
      const flow = flows.get(flowId);
      if (!flow) throw new Error(`the demo PA has no flow ${flowId}`);
      return flow.meta;
    },
    async downloadFlow(_endpoint, flowId) {
      const flow = flows.get(flowId);
      if (!flow) throw new Error(`the demo PA has no flow ${flowId}`);
      return flow.bytes;
    },
    // The demo's connection is saved without a webhook: its statuses are read by one poll.
    async createWebhook() {
      throw new Error("the demo PA takes no webhook");
    },
    async listWebhooks() {
      return [];
    },
    async deleteWebhook() {},
    async checkHealth(): Promise<PaHealth> {
      return { token: "not_used", service: "ok", access: "ok", problems: [] };
    },
  };
  return {
    flowApi,
    /** Makes a lifecycle flow (direction In, CustomerInvoiceLC) available; returns its flow id. */
    emit(cdar: DemoCdar): string {
      // One id per (invoice, status): a re-run of an interrupted seed finds the flows already read ("seen").
      const flowId = `demo-lc-${cdar.invoiceNumber}-${cdar.code}`;
      const at = cdar.at.toISOString();
      flows.set(flowId, {
        bytes: new TextEncoder().encode(buildDemoCdar(cdar)),
        meta: {
          flowId,
          submittedAt: at,
          updatedAt: at,
          name: `${cdar.invoiceNumber}-${cdar.code}.xml`,
          flowSyntax: "CDAR",
          flowType: "CustomerInvoiceLC",
          flowDirection: "In",
          acknowledgement: { status: "Ok" },
        },
      });
      return flowId;
    },
  };
}
