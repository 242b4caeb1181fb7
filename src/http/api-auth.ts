import type { FastifyReply, FastifyRequest } from "fastify";
import type { Database } from "../db/database.js";
import { apiKeyPrefix } from "../domain/api-keys/api-key-secret.js";
import { createApiKeyAuthenticator, Unauthorized } from "../domain/api-keys/authenticate-api-key.js";
import { DomainError } from "../domain/shared/errors.js";
import { ipNetwork } from "../domain/shared/ip-network.js";
import type { TenantRequest } from "./tenant-scope.js";

/** An accepted issuer API key (never the key itself: its id, prefix and label). */
export type AcceptedApiKey = Awaited<ReturnType<ReturnType<typeof createApiKeyAuthenticator>>>;

declare module "fastify" {
  interface FastifyRequest {
    /** The issuer API key of this request, once `authenticate` accepted it. */
    apiKey: AcceptedApiKey | null;
    apiKeyRefusal: Unauthorized | null;
  }
}

/**
 * The tenant of a request to an API route: hooks are typed by Fastify (a plain request), but they run inside
 * the tenant scope, after its own onRequest hook set `request.tenant`.
 */
function tenantIn(request: FastifyRequest): TenantRequest["tenant"] {
  return (request as TenantRequest).tenant;
}

/**
 * Bearer-key authentication of the issuer API, in two steps so that the rate limiter, which runs in
 * between, can count refused requests by IP: `identify` never throws, `require` refuses.
 */
export function apiKeyAuth(db: Database) {
  const authenticate = createApiKeyAuthenticator(db);
  return {
    async identify(request: FastifyRequest): Promise<void> {
      try {
        request.apiKey = await authenticate(tenantIn(request).id, request.headers.authorization);
      } catch (error) {
        if (!(error instanceof Unauthorized)) throw error;
        request.apiKeyRefusal = error;
      }
    },

    async require(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      if (request.apiKey) return;
      const refusal =
        request.apiKeyRefusal ??
        new Unauthorized("send the API key as: Authorization: Bearer <key>", "missing");
      // docs/security.md G1: refused access is logged with the tenant and IP; of the key, only its prefix.
      const presented = /^Bearer[ ]+(\S+)/i.exec(request.headers.authorization ?? "")?.[1];
      request.log.warn(
        {
          event: "api_key_refused",
          tenant: tenantIn(request).slug,
          reason: refusal.reason,
          keyPrefix: presented ? (apiKeyPrefix(presented) ?? null) : null,
          ip: request.ip,
        },
        "issuer API request refused",
      );
      // RFC 6750: a refused bearer token names the scheme, and says when the token itself was wrong.
      reply.header(
        "www-authenticate",
        refusal.reason === "missing"
          ? 'Bearer realm="efacture"'
          : 'Bearer realm="efacture", error="invalid_token"',
      );
      throw refusal;
    },
  };
}

/** The API answers only on a tenant's host: elsewhere every API path is unknown. */
export async function requireTenantSite(request: FastifyRequest): Promise<void> {
  if (request.site.kind !== "tenant") throw new DomainError("not_found", "no such resource");
}

/**
 * What the API rate limiter counts by: the accepted API key, otherwise the client's network (request.ip,
 * validated against TRUSTED_PROXIES; an IPv6 /64 is one client, as in the login throttles).
 */
export function apiRateLimitKey(request: FastifyRequest): string {
  return request.apiKey ? `key:${request.apiKey.id}` : `ip:${ipNetwork(request.ip)}`;
}
