// The port through which the domain talks to a plateforme agréée: the AFNOR XP Z12-013 Flow Service 1.3.0
// (rules/afnor-xp-z12-013/flow-service-1.3.0.json). The HTTP adapter is src/pa/flow-client.ts; tests use it
// against the local PA of test/support/local-pa.ts. Names and enums are the OpenAPI file's.

/** How to authenticate: OAuth2 client credentials (token cached until expiry) or a long-lived bearer token. */
export type PaAuth =
  | { kind: "oauth2"; tokenUrl: string; clientId: string; clientSecret: string }
  | { kind: "token"; token: string };

/** One tenant's PA: the Flow Service base URL (the API's /v1/... paths are appended) and its credentials. */
export interface PaEndpoint {
  readonly flowUrl: string;
  readonly auth: PaAuth;
}

export type FlowProcessingRule = "B2B" | "B2BInt" | "B2C" | "OutOfScope" | "ArchiveOnly";
export type FlowSyntax = "CII" | "UBL" | "Factur-X" | "CDAR" | "FRR";
export type FlowProfile = "Basic" | "CIUS" | "Extended-CTC-FR" | "Undefined";
export type FlowAckStatus = "Pending" | "Ok" | "Error";

/** `flowInfo` of POST /v1/flows (FlowInfo). */
export interface FlowInfo {
  trackingId?: string;
  name: string;
  processingRule?: FlowProcessingRule;
  flowSyntax: FlowSyntax;
  flowProfile?: FlowProfile;
  sha256?: string;
}

/** The answer to POST /v1/flows (FullFlowInfo). */
export interface SubmittedFlow {
  flowId: string;
  submittedAt: string;
  trackingId?: string;
}

export interface FlowAckDetail {
  level: "Error" | "Warning";
  item: string;
  reasonCode: string;
  reasonMessage: string;
}

/** A flow's metadata (Flow): GET /v1/flows/{flowId} and the results of a search. */
export interface FlowMetadata extends SubmittedFlow {
  name: string;
  flowSyntax: string;
  flowProfile?: string;
  processingRule?: string;
  flowType: string;
  flowDirection: "In" | "Out";
  updatedAt: string;
  acknowledgement: { status: FlowAckStatus; details?: FlowAckDetail[] };
}

/** POST /v1/flows/search (SearchFlowParams). */
export interface SearchFlowsRequest {
  where: {
    updatedAfter?: string;
    updatedBefore?: string;
    processingRule?: string[];
    flowType?: string[];
    flowDirection?: ("In" | "Out")[];
    trackingId?: string;
    ackStatus?: FlowAckStatus;
  };
  limit?: number;
  cursor?: string;
}

export interface SearchFlowsPage {
  results: FlowMetadata[];
  nextCursor?: string;
}

/** What works with a PA, in the order a request needs it. */
export interface PaHealth {
  /** The token endpoint gave a token ("not_used" with a bearer token). */
  token: "ok" | "refused" | "unreachable" | "not_used";
  /** GET /v1/healthcheck answered 200. */
  service: "ok" | "unavailable" | "unreachable";
  /** An authenticated call (GET /v1/webhooks) was accepted: the credentials open the Flow API. */
  access: "ok" | "refused" | "unknown";
  /** One line per problem, for the operator. */
  problems: string[];
}

export interface FlowApi {
  /** POST /v1/flows: multipart `flowInfo` (JSON) + `file` (the original bytes). */
  submitFlow(
    endpoint: PaEndpoint,
    info: FlowInfo,
    file: { bytes: Uint8Array; contentType: "application/pdf" | "application/xml" },
  ): Promise<SubmittedFlow>;
  /** POST /v1/flows/search, one page. */
  searchFlows(endpoint: PaEndpoint, request: SearchFlowsRequest): Promise<SearchFlowsPage>;
  /** GET /v1/flows/{flowId}?docType=Metadata. */
  getFlow(endpoint: PaEndpoint, flowId: string): Promise<FlowMetadata>;
  /** GET /v1/flows/{flowId}?docType=Original (or another document of the flow). */
  downloadFlow(
    endpoint: PaEndpoint,
    flowId: string,
    docType?: "Original" | "Converted" | "ReadableView",
  ): Promise<Uint8Array>;
  /** Token, GET /v1/healthcheck, then an authenticated read: what works, in words. */
  checkHealth(endpoint: PaEndpoint): Promise<PaHealth>;
  /** POST /v1/webhooks: subscribes `callbackUrl`; the PA gives the webhook's id and (per the standard) a signing key. */
  createWebhook(endpoint: PaEndpoint, params: WebhookParams): Promise<CreatedWebhook>;
  /** GET /v1/webhooks: the webhooks of the token's owner. */
  listWebhooks(endpoint: PaEndpoint): Promise<{ webhookId: string; callbackUrl: string }[]>;
  /** DELETE /v1/webhooks/{webhookUid}. */
  deleteWebhook(endpoint: PaEndpoint, webhookId: string): Promise<void>;
}

/** POST /v1/webhooks (WebhookParams). */
export interface WebhookParams {
  callbackUrl: string;
  flowTypes?: string[];
  flowDirection?: "In" | "Out";
}

/** The answer to POST /v1/webhooks (WebhookIdParam): `signingKey` is base64 (256 or 512 bits). */
export interface CreatedWebhook {
  webhookId: string;
  signingKey?: string;
}

/**
 * Why a call to the PA failed:
 * - `unreachable`: no connection (refused, unknown host) — the PA never saw the request;
 * - `timeout`: no answer in time — the PA may have acted on it;
 * - `unavailable`: 429 or 5xx — retry later;
 * - `unauthorized`: the token endpoint or the Flow API refused our credentials;
 * - `refused`: another 4xx — the PA refuses this request as it is, sending it again changes nothing;
 * - `protocol`: an answer the standard does not allow (not JSON, no flowId).
 */
export type FlowApiErrorKind =
  | "unreachable"
  | "timeout"
  | "unavailable"
  | "unauthorized"
  | "refused"
  | "protocol";

export class FlowApiError extends Error {
  override readonly name = "FlowApiError";
  constructor(
    readonly kind: FlowApiErrorKind,
    message: string,
    readonly details: {
      status?: number;
      /** The PA's `errorCode` (Error schema) when it gave one. */
      errorCode?: string;
      /** True when the PA may have received and acted on the request (a POST may have stored the flow). */
      mayHaveReachedPa: boolean;
    },
  ) {
    super(message);
  }

  /** Worth trying again later (everything but a refusal of the request itself). */
  get retryable(): boolean {
    return this.kind !== "refused";
  }
}
