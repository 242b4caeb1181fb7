import type { FastifyRequest } from "fastify";
import type { TenantRow } from "../../../db/tenants.repository.js";

/** The tenant of an API request (the API context only runs on tenant hosts). */
export function tenantOf(request: FastifyRequest): TenantRow {
  if (request.site.kind !== "tenant") throw new Error("issuer API reached outside a tenant host");
  return request.site.tenant;
}

/** The audit actor of an API request: the issuer, named by its key id. */
export function issuerOf(request: FastifyRequest): { type: "issuer"; id: string | null } {
  return { type: "issuer", id: request.apiKey?.id ?? null };
}
