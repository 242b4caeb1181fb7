import { createHash } from "node:crypto";
import {
  type CreatedWebhook,
  type FlowApi,
  FlowApiError,
  type FlowInfo,
  type FlowMetadata,
  type PaEndpoint,
  type PaHealth,
  type SearchFlowsPage,
  type SearchFlowsRequest,
  type SubmittedFlow,
} from "../domain/pa/flow-api.js";

// The HTTP client of the AFNOR XP Z12-013 Flow Service 1.3.0 (rules/afnor-xp-z12-013/flow-service-1.3.0.json),
// the adapter of the domain's FlowApi port (src/domain/pa/flow-api.ts). Every call is bounded in time; every
// failure is a FlowApiError that says whether the PA may have acted on the request (docs/pa-bridge.md).

export interface FlowClientOptions {
  /** Bound of one Flow API call (default 30 s). A POST /v1/flows carries up to 100 MB. */
  requestTimeoutMs?: number;
  /** Bound of one token request (default 10 s). */
  tokenTimeoutMs?: number;
  /** A token is renewed this long before its announced expiry (default 30 s). */
  tokenMarginSeconds?: number;
  now?: () => number;
}

interface CachedToken {
  accessToken: string;
  expiresAt: number;
}

/** A Flow API client; its token cache is per (token URL, client id, client secret), so tenants never share one. */
export function createFlowClient(options: FlowClientOptions = {}): FlowApi {
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const tokenTimeoutMs = options.tokenTimeoutMs ?? 10_000;
  const marginMs = (options.tokenMarginSeconds ?? 30) * 1000;
  const now = options.now ?? Date.now;
  const tokens = new Map<string, CachedToken>();
  const pending = new Map<string, Promise<CachedToken>>();

  function cacheKey(endpoint: PaEndpoint): string {
    const { auth } = endpoint;
    if (auth.kind !== "oauth2") return "";
    // The secret is part of the key (hashed): a rotated secret never reuses the old secret's token.
    const secret = createHash("sha256").update(auth.clientSecret).digest("hex");
    return `${auth.tokenUrl}\0${auth.clientId}\0${secret}`;
  }

  async function fetchToken(endpoint: PaEndpoint): Promise<CachedToken> {
    const { auth } = endpoint;
    if (auth.kind !== "oauth2") throw new Error("fetchToken without OAuth2");
    const started = now();
    const response = await send(auth.tokenUrl, tokenTimeoutMs, "token endpoint", {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
        // RFC 6749 §2.3.1: client_secret_basic, with both parts form-encoded.
        authorization: `Basic ${Buffer.from(
          `${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`,
        ).toString("base64")}`,
      },
      body: new URLSearchParams({ grant_type: "client_credentials" }).toString(),
    });
    if (response.status === 400 || response.status === 401 || response.status === 403)
      throw new FlowApiError(
        "unauthorized",
        `the token endpoint refused the client credentials (HTTP ${response.status})`,
        {
          status: response.status,
          mayHaveReachedPa: false,
        },
      );
    if (!response.ok) throw statusError(response.status, "token endpoint", await errorBody(response), false);
    const body = (await response.json().catch(() => undefined)) as
      | { access_token?: unknown; expires_in?: unknown; token_type?: unknown }
      | undefined;
    if (typeof body?.access_token !== "string" || body.access_token === "")
      throw new FlowApiError("protocol", "the token endpoint answered without an access_token", {
        status: response.status,
        mayHaveReachedPa: false,
      });
    const lifetimeMs =
      (typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 300) * 1000;
    return {
      accessToken: body.access_token,
      expiresAt: started + lifetimeMs - Math.min(marginMs, lifetimeMs / 2),
    };
  }

  async function bearer(endpoint: PaEndpoint, fresh = false): Promise<string> {
    const { auth } = endpoint;
    if (auth.kind === "token") return auth.token;
    const key = cacheKey(endpoint);
    const cached = tokens.get(key);
    if (!fresh && cached && cached.expiresAt > now()) return cached.accessToken;
    let request = pending.get(key);
    if (!request) {
      request = fetchToken(endpoint).finally(() => pending.delete(key));
      pending.set(key, request);
    }
    const token = await request;
    tokens.set(key, token);
    return token.accessToken;
  }

  /** One authenticated call; a 401 with a cached token gets one more try with a new token. */
  async function call(
    endpoint: PaEndpoint,
    path: string,
    init: { method: string; headers?: Record<string, string>; body?: string | FormData },
    mayActOnServer: boolean,
  ): Promise<Response> {
    const url = `${endpoint.flowUrl.replace(/\/+$/, "")}${path}`;
    for (let attempt = 0; ; attempt++) {
      const token = await bearer(endpoint, attempt > 0);
      const response = await send(url, requestTimeoutMs, path, {
        ...init,
        headers: { ...init.headers, authorization: `Bearer ${token}` },
      });
      if (response.status === 401 && attempt === 0 && endpoint.auth.kind === "oauth2") {
        await response.body?.cancel();
        tokens.delete(cacheKey(endpoint));
        continue;
      }
      if (response.ok) return response;
      throw statusError(response.status, path, await errorBody(response), mayActOnServer);
    }
  }

  return {
    async submitFlow(endpoint, info: FlowInfo, file): Promise<SubmittedFlow> {
      const form = new FormData();
      // The OpenAPI file's encoding: flowInfo as application/json, the file as PDF or XML.
      form.append(
        "flowInfo",
        new Blob([JSON.stringify(info)], { type: "application/json" }),
        "flowInfo.json",
      );
      form.append("file", new Blob([new Uint8Array(file.bytes)], { type: file.contentType }), info.name);
      const response = await call(endpoint, "/v1/flows", { method: "POST", body: form }, true);
      const body = (await response.json().catch(() => undefined)) as Partial<SubmittedFlow> | undefined;
      if (typeof body?.flowId !== "string" || typeof body.submittedAt !== "string")
        throw new FlowApiError("protocol", "POST /v1/flows answered without flowId/submittedAt", {
          status: response.status,
          mayHaveReachedPa: true,
        });
      return {
        flowId: body.flowId,
        submittedAt: body.submittedAt,
        ...(body.trackingId ? { trackingId: body.trackingId } : {}),
      };
    },

    async searchFlows(endpoint, request: SearchFlowsRequest): Promise<SearchFlowsPage> {
      const response = await call(
        endpoint,
        "/v1/flows/search",
        {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify(request),
        },
        false,
      );
      const body = (await response.json().catch(() => undefined)) as Partial<SearchFlowsPage> | undefined;
      if (!body || !Array.isArray(body.results ?? []))
        throw new FlowApiError("protocol", "POST /v1/flows/search answered without results", {
          status: response.status,
          mayHaveReachedPa: false,
        });
      return { results: body.results ?? [], ...(body.nextCursor ? { nextCursor: body.nextCursor } : {}) };
    },

    async getFlow(endpoint, flowId): Promise<FlowMetadata> {
      const response = await call(
        endpoint,
        `/v1/flows/${encodeURIComponent(flowId)}?docType=Metadata`,
        { method: "GET", headers: { accept: "application/json" } },
        false,
      );
      const body = (await response.json().catch(() => undefined)) as FlowMetadata | undefined;
      if (typeof body?.flowId !== "string" || typeof body.acknowledgement?.status !== "string")
        throw new FlowApiError("protocol", "GET /v1/flows/{flowId} answered without flowId/acknowledgement", {
          status: response.status,
          mayHaveReachedPa: false,
        });
      return body;
    },

    async downloadFlow(endpoint, flowId, docType = "Original"): Promise<Uint8Array> {
      const response = await call(
        endpoint,
        `/v1/flows/${encodeURIComponent(flowId)}?docType=${docType}`,
        { method: "GET", headers: { accept: "application/octet-stream" } },
        false,
      );
      return new Uint8Array(await response.arrayBuffer());
    },

    async createWebhook(endpoint, params): Promise<CreatedWebhook> {
      const response = await call(
        endpoint,
        "/v1/webhooks",
        {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify(params),
        },
        true,
      );
      const body = (await response.json().catch(() => undefined)) as
        | { webhookId?: unknown; signingKey?: unknown }
        | undefined;
      if (typeof body?.webhookId !== "string" || body.webhookId === "")
        throw new FlowApiError("protocol", "POST /v1/webhooks answered without webhookId", {
          status: response.status,
          mayHaveReachedPa: true,
        });
      return {
        webhookId: body.webhookId,
        ...(typeof body.signingKey === "string" && body.signingKey !== ""
          ? { signingKey: body.signingKey }
          : {}),
      };
    },

    async listWebhooks(endpoint) {
      const response = await call(
        endpoint,
        "/v1/webhooks",
        { method: "GET", headers: { accept: "application/json" } },
        false,
      );
      const body = (await response.json().catch(() => undefined)) as
        | { webhooks?: unknown }
        | unknown[]
        | undefined;
      // The standard's WebhookListResponse; a bare array is read too.
      const list = Array.isArray(body)
        ? body
        : Array.isArray((body as { webhooks?: unknown })?.webhooks)
          ? (body as { webhooks: unknown[] }).webhooks
          : [];
      return list.flatMap((item) => {
        const hook = (item ?? {}) as { webhookId?: unknown; callbackUrl?: unknown };
        return typeof hook.webhookId === "string" && typeof hook.callbackUrl === "string"
          ? [{ webhookId: hook.webhookId, callbackUrl: hook.callbackUrl }]
          : [];
      });
    },

    async deleteWebhook(endpoint, webhookId) {
      const response = await call(
        endpoint,
        `/v1/webhooks/${encodeURIComponent(webhookId)}`,
        { method: "DELETE" },
        true,
      );
      await response.body?.cancel();
    },

    async checkHealth(endpoint): Promise<PaHealth> {
      const problems: string[] = [];
      let token: PaHealth["token"] = "not_used";
      if (endpoint.auth.kind === "oauth2") {
        try {
          await bearer(endpoint, true);
          token = "ok";
        } catch (error) {
          token = error instanceof FlowApiError && error.kind === "unauthorized" ? "refused" : "unreachable";
          problems.push(`token endpoint ${endpoint.auth.tokenUrl}: ${(error as Error).message}`);
        }
      }
      let service: PaHealth["service"] = "ok";
      try {
        const response = await send(
          `${endpoint.flowUrl.replace(/\/+$/, "")}/v1/healthcheck`,
          requestTimeoutMs,
          "/v1/healthcheck",
          { method: "GET" },
        );
        await response.body?.cancel();
        if (response.status !== 200) {
          service = "unavailable";
          problems.push(`GET /v1/healthcheck answered HTTP ${response.status}`);
        }
      } catch (error) {
        service = "unreachable";
        problems.push(`${endpoint.flowUrl}: ${(error as Error).message}`);
      }
      let access: PaHealth["access"] = "unknown";
      if (service === "ok" && token !== "refused" && token !== "unreachable") {
        try {
          const response = await call(
            endpoint,
            "/v1/webhooks",
            { method: "GET", headers: { accept: "application/json" } },
            false,
          );
          await response.body?.cancel();
          access = "ok";
        } catch (error) {
          access = error instanceof FlowApiError && error.kind === "unauthorized" ? "refused" : "unknown";
          problems.push(`GET /v1/webhooks: ${(error as Error).message}`);
        }
      }
      return { token, service, access, problems };
    },
  };
}

/** fetch bounded by `timeoutMs`, its failures told apart: never connected vs. no answer in time. */
async function send(url: string, timeoutMs: number, what: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: "error", signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const name = (error as Error).name;
    if (name === "TimeoutError" || name === "AbortError")
      throw new FlowApiError("timeout", `${what}: no answer within ${Math.round(timeoutMs / 1000)} s`, {
        mayHaveReachedPa: true,
      });
    const code = (error as { cause?: { code?: string } }).cause?.code;
    // Refused or unknown host: the request never left. Anything else (reset mid-way): it may have arrived.
    const neverSent = code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN";
    throw new FlowApiError("unreachable", `${what}: ${code ?? (error as Error).message}`, {
      mayHaveReachedPa: !neverSent,
    });
  }
}

async function errorBody(response: Response): Promise<{ errorCode?: string; errorMessage?: string }> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { errorCode?: unknown; errorMessage?: unknown };
    return {
      ...(typeof body.errorCode === "string" ? { errorCode: body.errorCode } : {}),
      ...(typeof body.errorMessage === "string" ? { errorMessage: body.errorMessage.slice(0, 500) } : {}),
    };
  } catch {
    return {};
  }
}

function statusError(
  status: number,
  what: string,
  body: { errorCode?: string; errorMessage?: string },
  mayActOnServer: boolean,
): FlowApiError {
  const said = body.errorCode ? ` ${body.errorCode}${body.errorMessage ? `: ${body.errorMessage}` : ""}` : "";
  const message = `${what}: HTTP ${status}${said}`;
  const details = { status, ...(body.errorCode ? { errorCode: body.errorCode } : {}) };
  if (status === 401 || status === 403)
    return new FlowApiError("unauthorized", message, { ...details, mayHaveReachedPa: false });
  // 429 and 503 are answered before the request is taken in; other 5xx may come after the PA acted on it.
  if (status === 429 || status === 503)
    return new FlowApiError("unavailable", message, { ...details, mayHaveReachedPa: false });
  if (status >= 500)
    return new FlowApiError("unavailable", message, { ...details, mayHaveReachedPa: mayActOnServer });
  return new FlowApiError("refused", message, { ...details, mayHaveReachedPa: false });
}
