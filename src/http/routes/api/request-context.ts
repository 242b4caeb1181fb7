import type { FastifyRequest } from "fastify";

/** The audit actor of an API request: the issuer, named by its key id. */
export function issuerOf(request: FastifyRequest): { type: "issuer"; id: string | null } {
  return { type: "issuer", id: request.apiKey?.id ?? null };
}
