import { createHash, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import formbody from "@fastify/formbody";
import multipartPlugin from "@fastify/multipart";
import ajvFormats from "ajv-formats";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import OpenAPIBackend from "openapi-backend";
import { buildCdar } from "../../src/domain/pa/cdar-build.js";
import { signCallback } from "../../src/domain/pa/pa-webhooks.js";

// A plateforme agréée for the tests and the demo: the AFNOR XP Z12-013 Flow Service 1.3.0 (flows, search with
// cursors, download, webhooks, healthcheck) plus an OAuth2 client-credentials token endpoint. Every request
// under /v1 is validated against the official OpenAPI file (rules/afnor-xp-z12-013/flow-service-1.3.0.json)
// before it is served: a request the standard does not allow is answered 400 and kept in `invalidRequests`,
// so a test that talks to this PA proves our client speaks the standard, not this file's leniency.

export const FLOW_SERVICE_OPENAPI = path.resolve(
  import.meta.dirname,
  "../../rules/afnor-xp-z12-013/flow-service-1.3.0.json",
);

type AckStatus = "Pending" | "Ok" | "Error";

export interface StoredFlow {
  flowId: string;
  clientId: string;
  trackingId?: string;
  name: string;
  processingRule?: string;
  flowSyntax: string;
  flowProfile?: string;
  sha256: string;
  flowType: string;
  flowDirection: "In" | "Out";
  submittedAt: string;
  updatedAt: string;
  ack: {
    status: AckStatus;
    details?: { level: "Error" | "Warning"; item: string; reasonCode: string; reasonMessage: string }[];
  };
  bytes: Buffer;
  contentType: string;
}

/** What the next requests to POST /v1/flows meet (each fault is used once, in order). */
export type FlowFault =
  | "503"
  /** Never answers (until the PA closes): the client times out, nothing stored. */
  | "timeout"
  /** Stores the flow, then never answers: the client times out although the PA has it. */
  | "timeout-after-store"
  /** Stores the flow and acknowledges it with Error (the flow's metadata says why). */
  | "ack-error";

export interface LocalPaRequest {
  method: string;
  path: string;
  clientId: string | undefined;
  operationId: string | undefined;
}

export interface LocalPa {
  /** The Flow Service base URL (`--flow-url`), to which `/v1/...` is appended. */
  readonly flowUrl: string;
  /** The OAuth2 token endpoint (`--token-url`). */
  readonly tokenUrl: string;
  /** Registers an OAuth2 client (one per issuer using this PA). */
  addClient(clientId: string, clientSecret: string): void;
  /** A long-lived bearer token for `--token-file`, acting as `clientId`. */
  addBearerToken(token: string, clientId: string): void;
  /** Queues faults for the next POST /v1/flows. */
  failNextSubmissions(...faults: FlowFault[]): void;
  /** Answers 503 to every request (healthcheck included) while true. */
  down: boolean;
  /** Acknowledgement given to new flows when no fault says otherwise ("Ok" by default). */
  defaultAck: AckStatus;
  /** The flows stored for a client (both directions), oldest first. */
  flows(clientId?: string): StoredFlow[];
  /** Adds an incoming lifecycle flow (CustomerInvoiceLC, CDAR) for `clientId` and notifies its webhooks. */
  emitLifecycle(clientId: string, cdarXml: string, options?: { flowId?: string }): Promise<StoredFlow>;
  /** Every request received, in order. */
  readonly requests: LocalPaRequest[];
  /** Requests refused because they do not follow the OpenAPI file, with the validator's errors. */
  readonly invalidRequests: { method: string; path: string; errors: unknown }[];
  /** Tokens issued by the token endpoint, per client. */
  tokensIssued(clientId: string): number;
  /** Webhooks registered per client. */
  webhooks(clientId: string): { webhookId: string; callbackUrl: string }[];
  /** Lifetime of issued tokens (seconds). */
  tokenLifetimeSeconds: number;
  /** The next `count` callbacks are lost (not delivered), as webhooks sometimes are. */
  loseNextCallbacks(count: number): void;
  /** Callbacks delivered (status answered by the receiver), and lost on demand. */
  readonly callbacks: { callbackUrl: string; flowId: string; status: number | "lost" | "failed" }[];
  /** The signing key the PA gave a webhook (base64), to forge or check signatures in tests. */
  signingKey(webhookId: string): string | undefined;
  /** How callbacks reach the receiver (default: fetch); tests may route them into an in-process server. */
  deliver: (
    url: string,
    init: { method: "POST"; headers: Record<string, string>; body: string },
  ) => Promise<number>;
  close(): Promise<void>;
}

// ajv-formats is CommonJS: under Node's ESM loader its function is the default export's `default`.
const addFormats = ((ajvFormats as unknown as { default?: unknown }).default ?? ajvFormats) as (
  ajv: unknown,
) => void;

let sharedApi: Promise<OpenAPIBackend> | undefined;

/** The official OpenAPI document, loaded and compiled once per test process. */
function flowServiceApi(): Promise<OpenAPIBackend> {
  sharedApi ??= (async () => {
    const api = new OpenAPIBackend({
      definition: JSON.parse(readFileSync(FLOW_SERVICE_OPENAPI, "utf8")),
      strict: true,
      validate: true,
      quick: false,
      customizeAjv: (ajv) => {
        addFormats(ajv);
        return ajv;
      },
    });
    await api.init();
    return api;
  })();
  return sharedApi;
}

/** Starts a local PA on 127.0.0.1 (a port of its own). */
export async function startLocalPa(options: { servicePath?: string } = {}): Promise<LocalPa> {
  const api = await flowServiceApi();
  const servicePath = options.servicePath ?? "/flow-service";
  const clients = new Map<string, string>();
  const bearer = new Map<string, string>();
  const tokens = new Map<string, { clientId: string; expiresAt: number }>();
  const issued = new Map<string, number>();
  const stored: StoredFlow[] = [];
  const faults: FlowFault[] = [];
  const hooks = new Map<
    string,
    { webhookId: string; callbackUrl: string; createdAt: string; signingKey: string }[]
  >();
  const callbacks: LocalPa["callbacks"] = [];
  let toLose = 0;
  let deliver: LocalPa["deliver"] = async (url, init) => {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
    await response.body?.cancel();
    return response.status;
  };
  const requests: LocalPaRequest[] = [];
  const invalidRequests: LocalPa["invalidRequests"] = [];
  const hanging = new Set<() => void>();

  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 110 * 1024 * 1024 });
  await app.register(formbody);
  await app.register(multipartPlugin, { limits: { fileSize: 100 * 1024 * 1024, files: 2 } });

  const state = {
    down: false,
    defaultAck: "Ok" as AckStatus,
    tokenLifetimeSeconds: 3600,
  };

  function clientOf(request: FastifyRequest): string | undefined {
    const header = request.headers.authorization ?? "";
    const match = /^Bearer (.+)$/.exec(header);
    if (!match) return undefined;
    const token = match[1]!;
    const fixed = bearer.get(token);
    if (fixed) return fixed;
    const issuedToken = tokens.get(token);
    if (!issuedToken || issuedToken.expiresAt <= Date.now()) return undefined;
    return issuedToken.clientId;
  }

  function error(reply: FastifyReply, status: number, errorCode: string, errorMessage: string) {
    return reply.code(status).type("application/json").send({ errorCode, errorMessage });
  }

  /** Validates against the OpenAPI file; answers 400 and records it when the request breaks it. */
  function checked(
    request: FastifyRequest,
    reply: FastifyReply,
    body: unknown,
  ): { operationId: string; clientId: string } | undefined {
    const url = new URL(request.url, "http://pa.local");
    const apiPath = url.pathname.slice(servicePath.length);
    const clientId = clientOf(request);
    const operation = api.matchOperation({ method: request.method, path: apiPath, headers: {} });
    requests.push({ method: request.method, path: apiPath, clientId, operationId: operation?.operationId });
    if (state.down) {
      error(reply, 503, "SERVICE_UNAVAILABLE", "maintenance");
      return undefined;
    }
    if (!operation?.operationId) {
      error(reply, 404, "NOT_FOUND", "no such operation");
      return undefined;
    }
    const result = api.validateRequest({
      method: request.method,
      path: apiPath,
      query: Object.fromEntries(url.searchParams),
      headers: request.headers as Record<string, string>,
      body,
    });
    if (!result.valid) {
      invalidRequests.push({ method: request.method, path: apiPath, errors: result.errors });
      error(reply, 400, "INVALID_REQUEST", JSON.stringify(result.errors));
      return undefined;
    }
    // The healthcheck declares no security; everything else takes a bearer token.
    if (operation.operationId !== "getHealth" && !clientId) {
      error(reply, 401, "UNAUTHORIZED", "missing or expired token");
      return undefined;
    }
    return { operationId: operation.operationId, clientId: clientId ?? "" };
  }

  function hang(): Promise<void> {
    return new Promise((resolve) => hanging.add(resolve));
  }

  function metadata(flow: StoredFlow) {
    return {
      flowId: flow.flowId,
      ...(flow.trackingId ? { trackingId: flow.trackingId } : {}),
      name: flow.name,
      processingRule: flow.processingRule ?? "NotApplicable",
      flowSyntax: flow.flowSyntax,
      flowProfile: flow.flowProfile ?? "Undefined",
      sha256: flow.sha256,
      submittedAt: flow.submittedAt,
      updatedAt: flow.updatedAt,
      flowType: flow.flowType,
      processingRuleSource: "Input",
      flowDirection: flow.flowDirection,
      acknowledgement: flow.ack,
    };
  }

  /** Posts the flow's metadata to the client's webhooks, signed as XP Z12-013 says (Afnor-Signature). */
  async function notify(clientId: string, flow: StoredFlow): Promise<void> {
    for (const hook of hooks.get(clientId) ?? []) {
      if (toLose > 0) {
        toLose--;
        callbacks.push({ callbackUrl: hook.callbackUrl, flowId: flow.flowId, status: "lost" });
        continue;
      }
      const body = JSON.stringify(metadata(flow));
      const timestamp = Math.floor(Date.now() / 1000);
      const status = await deliver(hook.callbackUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "afnor-signature": signCallback(hook.signingKey, body, timestamp),
          "afnor-signature-timestamp": String(timestamp),
        },
        body,
      }).catch(() => "failed" as const);
      callbacks.push({ callbackUrl: hook.callbackUrl, flowId: flow.flowId, status });
    }
  }

  // RFC 6749 §4.4: client credentials in the body or in HTTP Basic.
  app.post("/auth/token", async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string>;
    let clientId = body.client_id;
    let clientSecret = body.client_secret;
    const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? "");
    if (basic) {
      const [id, secret] = Buffer.from(basic[1]!, "base64").toString("utf8").split(":");
      clientId = decodeURIComponent(id ?? "");
      clientSecret = decodeURIComponent(secret ?? "");
    }
    requests.push({ method: "POST", path: "/auth/token", clientId, operationId: "token" });
    if (state.down) return error(reply, 503, "SERVICE_UNAVAILABLE", "maintenance");
    if (body.grant_type !== "client_credentials")
      return reply.code(400).send({ error: "unsupported_grant_type" });
    if (!clientId || clients.get(clientId) !== clientSecret)
      return reply.code(401).send({ error: "invalid_client" });
    const accessToken = randomBytes(24).toString("base64url");
    tokens.set(accessToken, { clientId, expiresAt: Date.now() + state.tokenLifetimeSeconds * 1000 });
    issued.set(clientId, (issued.get(clientId) ?? 0) + 1);
    return { access_token: accessToken, token_type: "Bearer", expires_in: state.tokenLifetimeSeconds };
  });

  app.get(`${servicePath}/v1/healthcheck`, async (request, reply) => {
    if (!checked(request, reply, undefined)) return reply;
    return reply.code(200).send();
  });

  app.post(`${servicePath}/v1/flows`, async (request, reply) => {
    if (!request.isMultipart()) {
      const ok = checked(request, reply, request.body);
      if (ok) return error(reply, 415, "UNSUPPORTED_MEDIA_TYPE", "multipart/form-data expected");
      return reply;
    }
    let flowInfo: unknown;
    let flowInfoType: string | undefined;
    let file: { bytes: Buffer; type: string } | undefined;
    for await (const part of request.parts()) {
      // flowInfo may come as a plain field or as a part with its own Content-Type (a Blob in FormData).
      const text = part.type === "file" ? undefined : String(part.value);
      if (part.fieldname === "file" && part.type === "file")
        file = { bytes: await part.toBuffer(), type: part.mimetype };
      else if (part.fieldname === "flowInfo") {
        flowInfoType = part.mimetype;
        const raw = text ?? (part.type === "file" ? (await part.toBuffer()).toString("utf8") : "");
        try {
          flowInfo = JSON.parse(raw);
        } catch {
          flowInfo = raw;
        }
      } else if (part.type === "file") await part.toBuffer();
    }
    const ok = checked(request, reply, {
      ...(flowInfo !== undefined ? { flowInfo } : {}),
      ...(file ? { file: "(binary)" } : {}),
    });
    if (!ok) return reply;
    // The OpenAPI file's `encoding`: flowInfo is JSON, the file a PDF or an XML document.
    if (flowInfoType && flowInfoType !== "application/json" && flowInfoType !== "text/plain") {
      invalidRequests.push({ method: "POST", path: "/v1/flows", errors: [`flowInfo as ${flowInfoType}`] });
      return error(reply, 400, "INVALID_REQUEST", "flowInfo must be application/json");
    }
    if (!file || !["application/pdf", "application/xml", "text/xml"].includes(file.type)) {
      invalidRequests.push({ method: "POST", path: "/v1/flows", errors: [`file as ${file?.type}`] });
      return error(reply, 400, "INVALID_REQUEST", "file must be application/pdf or application/xml");
    }
    const info = flowInfo as Record<string, string>;
    const sha256 = createHash("sha256").update(file.bytes).digest("hex");
    if (info.sha256 && info.sha256 !== sha256) return error(reply, 422, "SHA256_MISMATCH", "sha256 mismatch");
    const fault = faults.shift();
    if (fault === "503") return error(reply, 503, "SERVICE_UNAVAILABLE", "try again later");
    if (fault === "timeout") {
      await hang();
      return reply;
    }
    const now = new Date().toISOString();
    const flow: StoredFlow = {
      flowId: randomUUID(),
      clientId: ok.clientId,
      ...(info.trackingId ? { trackingId: info.trackingId } : {}),
      name: info.name!,
      ...(info.processingRule ? { processingRule: info.processingRule } : {}),
      flowSyntax: info.flowSyntax!,
      ...(info.flowProfile ? { flowProfile: info.flowProfile } : {}),
      sha256,
      // A CDAR sent by the seller (our 212 « Encaissée ») is a lifecycle flow; anything else an invoice.
      flowType: info.flowSyntax === "CDAR" ? "CustomerInvoiceLC" : "CustomerInvoice",
      flowDirection: "Out",
      submittedAt: now,
      updatedAt: now,
      ack:
        fault === "ack-error"
          ? {
              status: "Error",
              details: [
                {
                  level: "Error",
                  item: "BT-47",
                  reasonCode: "REJ_SEMAN",
                  reasonMessage: "Identifiant SIREN de l'acheteur absent",
                },
              ],
            }
          : { status: state.defaultAck },
      bytes: file.bytes,
      contentType: file.type,
    };
    stored.push(flow);
    if (fault === "timeout-after-store") {
      await hang();
      return reply;
    }
    const { flowId, submittedAt, trackingId, name, processingRule, flowSyntax, flowProfile } = flow;
    return reply.code(202).send({
      flowId,
      submittedAt,
      ...(trackingId ? { trackingId } : {}),
      name,
      ...(processingRule ? { processingRule } : {}),
      flowSyntax,
      ...(flowProfile ? { flowProfile } : {}),
      sha256,
    });
  });

  app.post(`${servicePath}/v1/flows/search`, async (request, reply) => {
    const ok = checked(request, reply, request.body);
    if (!ok) return reply;
    const {
      where,
      limit = 25,
      cursor,
    } = request.body as {
      where: Record<string, unknown>;
      limit?: number;
      cursor?: string;
    };
    const start = cursor ? Number(Buffer.from(cursor, "base64url").toString("utf8")) : 0;
    const matching = stored
      .map((flow, index) => ({ flow, index }))
      .filter(({ flow, index }) => {
        if (flow.clientId !== ok.clientId || index < start) return false;
        if (where.trackingId !== undefined && flow.trackingId !== where.trackingId) return false;
        if (where.updatedAfter && !(flow.updatedAt > new Date(String(where.updatedAfter)).toISOString()))
          return false;
        if (where.updatedBefore && !(flow.updatedAt < new Date(String(where.updatedBefore)).toISOString()))
          return false;
        if (Array.isArray(where.flowType) && !where.flowType.includes(flow.flowType)) return false;
        if (Array.isArray(where.flowDirection) && !where.flowDirection.includes(flow.flowDirection))
          return false;
        if (Array.isArray(where.processingRule) && !where.processingRule.includes(flow.processingRule))
          return false;
        if (where.ackStatus !== undefined && flow.ack.status !== where.ackStatus) return false;
        return true;
      });
    const page = matching.slice(0, limit);
    const next = matching[limit];
    return {
      limit,
      ...(next ? { nextCursor: Buffer.from(String(next.index)).toString("base64url") } : {}),
      filters: where,
      results: page.map(({ flow }) => metadata(flow)),
    };
  });

  app.get(`${servicePath}/v1/flows/:flowId`, async (request, reply) => {
    const ok = checked(request, reply, undefined);
    if (!ok) return reply;
    const { flowId } = request.params as { flowId: string };
    const docType = (request.query as { docType?: string }).docType ?? "Metadata";
    const flow = stored.find((f) => f.flowId === flowId && f.clientId === ok.clientId);
    if (!flow) return error(reply, 404, "NOT_FOUND", "no such flow");
    if (docType === "Metadata") return metadata(flow);
    if (docType !== "Original") return error(reply, 404, "NOT_FOUND", `no ${docType} document`);
    return reply
      .header("content-disposition", `attachment;filename=${flow.name}`)
      .type("application/octet-stream")
      .send(flow.bytes);
  });

  app.get(`${servicePath}/v1/webhooks`, async (request, reply) => {
    const ok = checked(request, reply, undefined);
    if (!ok) return reply;
    const list = (hooks.get(ok.clientId) ?? []).map(({ webhookId, callbackUrl, createdAt }) => ({
      webhookId,
      callbackUrl,
      createdAt,
    }));
    return { count: list.length, webhooks: list };
  });

  app.post(`${servicePath}/v1/webhooks`, async (request, reply) => {
    const ok = checked(request, reply, request.body);
    if (!ok) return reply;
    const body = request.body as { callbackUrl: string };
    const hook = {
      webhookId: randomUUID(),
      callbackUrl: body.callbackUrl,
      createdAt: new Date().toISOString(),
      signingKey: randomBytes(32).toString("base64"),
    };
    hooks.set(ok.clientId, [...(hooks.get(ok.clientId) ?? []), hook]);
    return reply
      .code(201)
      .send({ webhookId: hook.webhookId, signingKey: hook.signingKey, createdAt: hook.createdAt });
  });

  app.delete(`${servicePath}/v1/webhooks/:webhookUid`, async (request, reply) => {
    const ok = checked(request, reply, undefined);
    if (!ok) return reply;
    const { webhookUid } = request.params as { webhookUid: string };
    const list = hooks.get(ok.clientId) ?? [];
    if (!list.some((h) => h.webhookId === webhookUid))
      return error(reply, 404, "NOT_FOUND", "no such webhook");
    hooks.set(
      ok.clientId,
      list.filter((h) => h.webhookId !== webhookUid),
    );
    return reply.code(204).send();
  });

  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    flowUrl: `${origin}${servicePath}`,
    tokenUrl: `${origin}/auth/token`,
    addClient: (id, secret) => void clients.set(id, secret),
    addBearerToken: (token, clientId) => void bearer.set(token, clientId),
    failNextSubmissions: (...list) => void faults.push(...list),
    get down() {
      return state.down;
    },
    set down(value) {
      state.down = value;
    },
    get defaultAck() {
      return state.defaultAck;
    },
    set defaultAck(value) {
      state.defaultAck = value;
    },
    get tokenLifetimeSeconds() {
      return state.tokenLifetimeSeconds;
    },
    set tokenLifetimeSeconds(value) {
      state.tokenLifetimeSeconds = value;
    },
    flows: (clientId) => stored.filter((f) => clientId === undefined || f.clientId === clientId),
    async emitLifecycle(clientId, cdarXml, options = {}) {
      const now = new Date().toISOString();
      const bytes = Buffer.from(cdarXml, "utf8");
      const flow: StoredFlow = {
        flowId: options.flowId ?? randomUUID(),
        clientId,
        name: "cdar.xml",
        processingRule: "B2B",
        flowSyntax: "CDAR",
        flowProfile: "Undefined",
        sha256: createHash("sha256").update(bytes).digest("hex"),
        flowType: "CustomerInvoiceLC",
        flowDirection: "In",
        submittedAt: now,
        updatedAt: now,
        ack: { status: "Ok" },
        bytes,
        contentType: "application/xml",
      };
      stored.push(flow);
      await notify(clientId, flow);
      return flow;
    },
    requests,
    invalidRequests,
    tokensIssued: (clientId) => issued.get(clientId) ?? 0,
    loseNextCallbacks: (count) => {
      toLose += count;
    },
    callbacks,
    signingKey: (webhookId) =>
      [...hooks.values()].flat().find((hook) => hook.webhookId === webhookId)?.signingKey,
    get deliver() {
      return deliver;
    },
    set deliver(value) {
      deliver = value;
    },
    webhooks: (clientId) =>
      (hooks.get(clientId) ?? []).map(({ webhookId, callbackUrl }) => ({ webhookId, callbackUrl })),
    async close() {
      for (const release of hanging) release();
      await app.close();
    },
  };
}

/** A reason each status that needs one (206, 207, 208, 210, 213) accepts (BR-FR-CDV-CL-09). */
const DEFAULT_REASONS: Record<number, string> = {
  206: "QTE_ERR",
  207: "MONTANTTOTAL_ERR",
  208: "JUSTIF_ABS",
  210: "NON_CONFORME",
  213: "REJ_SEMAN",
};

/** The buyer of the factories' invoices. */
const BUYER_SIREN = "552081317";

/**
 * A lifecycle message (CDAR "CDV", D22B, XP Z12-012) about one invoice, as a PA emits it: status `code`
 * (200–213) for the invoice `invoiceNumber` of `issueDate` issued by `sellerSiren`, valid against the XSD and the
 * FNFE rules BR-FR-CDV (src/domain/pa/cdar-build.ts): the transmission phase (200–203, 213) from the platform
 * (WK), the processing phase from `role` (BY by default, SE for 212) with its SIREN; a reason where the rules
 * need one; for 212 the amount collected per VAT rate.
 */
export function cdarStatus(input: {
  invoiceNumber: string;
  issueDate: string;
  sellerSiren: string;
  code: number;
  role?: string;
  reasonCode?: string;
  reasonText?: string;
  at?: Date;
  amounts?: { amount: string; percent: string }[];
}): string {
  const transmission = [200, 201, 202, 203, 213].includes(input.code);
  const role = transmission ? "WK" : (input.role ?? (input.code === 212 ? "SE" : "BY"));
  const siren = role === "SE" ? input.sellerSiren : BUYER_SIREN;
  const reasonCode = input.reasonCode ?? DEFAULT_REASONS[input.code];
  return buildCdar({
    code: input.code,
    invoice: { number: input.invoiceNumber, issueDate: input.issueDate, sellerSiren: input.sellerSiren },
    sender: transmission ? { role: "WK" } : { role, siren, address: siren },
    recipient: { role: "SE", address: input.sellerSiren },
    ...(reasonCode ? { reasonCode } : {}),
    ...(input.reasonText ? { reasonText: input.reasonText } : {}),
    ...(input.code === 212
      ? {
          amounts: (input.amounts ?? [{ amount: "120.00", percent: "20.00" }]).map((a) => ({
            typeCode: "MEN" as const,
            ...a,
          })),
        }
      : {}),
    at: input.at ?? new Date(),
  });
}
