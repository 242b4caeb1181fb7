import { createHash, randomUUID } from "node:crypto";
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
  code: number;
  /** The sender's role: WK platform, BY buyer, SE seller. */
  role: string;
  reasonCode?: string;
  reasonText?: string;
  at: Date;
}

const xmlText = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const stamp = (at: Date) => at.toISOString().replace(/[-:T]/g, "").slice(0, 14);

/**
 * A CDAR D22B lifecycle message (CrossDomainAcknowledgementAndResponse, XP Z12-012) about one invoice,
 * valid against the FNFE CDAR XSD (rules/fnfe-1.4.0/CDAR/1xsd-CDAR_D22B_uncoupled/).
 */
export function buildDemoCdar(input: DemoCdar): string {
  const at = stamp(input.at);
  const reason =
    input.reasonCode || input.reasonText
      ? `<ram:SpecifiedDocumentStatus>${input.reasonCode ? `<ram:ReasonCode>${xmlText(input.reasonCode)}</ram:ReasonCode>` : ""}${input.reasonText ? `<ram:Reason>${xmlText(input.reasonText)}</ram:Reason>` : ""}</ram:SpecifiedDocumentStatus>`
      : "";
  return `<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossDomainAcknowledgementAndResponse xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100" xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100">
  <rsm:ExchangedDocumentContext><ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>REGULATED</ram:ID></ram:BusinessProcessSpecifiedDocumentContextParameter><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn.cpro.gouv.fr:1p0:CDV:invoice</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument><ram:ID>${randomUUID()}</ram:ID><ram:TypeCode>305</ram:TypeCode><ram:IssueDateTime><udt:DateTimeString format="204">${at}</udt:DateTimeString></ram:IssueDateTime><ram:SenderTradeParty><ram:RoleCode>${xmlText(input.role)}</ram:RoleCode></ram:SenderTradeParty><ram:RecipientTradeParty><ram:RoleCode>SE</ram:RoleCode></ram:RecipientTradeParty></rsm:ExchangedDocument>
  <rsm:AcknowledgementDocument><ram:MultipleReferencesIndicator><udt:Indicator>false</udt:Indicator></ram:MultipleReferencesIndicator><ram:TypeCode>305</ram:TypeCode><ram:IssueDateTime><udt:DateTimeString format="204">${at}</udt:DateTimeString></ram:IssueDateTime>
    <ram:ReferenceReferencedDocument><ram:IssuerAssignedID>${xmlText(input.invoiceNumber)}</ram:IssuerAssignedID><ram:TypeCode>380</ram:TypeCode><ram:FormattedIssueDateTime><qdt:DateTimeString format="102">${input.issueDate.replace(/-/g, "")}</qdt:DateTimeString></ram:FormattedIssueDateTime><ram:ProcessConditionCode>${input.code}</ram:ProcessConditionCode><ram:IssuerTradeParty><ram:GlobalID schemeID="0002">${xmlText(input.sellerSiren)}</ram:GlobalID></ram:IssuerTradeParty>${reason}</ram:ReferenceReferencedDocument>
  </rsm:AcknowledgementDocument>
</rsm:CrossDomainAcknowledgementAndResponse>
`;
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
