import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Config } from "../config.js";
import { canonicalIp } from "../domain/shared/ip-network.js";

/**
 * Fastify's `trustProxy` from TRUSTED_PROXIES (docs/security.md H2): false when unset, so X-Forwarded-For
 * from anyone is ignored and the socket's peer is the client.
 */
export function trustProxyOption(
  trusted: Config["trustedProxies"],
): false | string[] | ((address: string, hop: number) => boolean) {
  if (trusted === undefined) return false;
  if (typeof trusted === "number") return (_address, hop) => hop < trusted;
  return [...trusted];
}

/**
 * The client's address as Fastify computes it from the trusted proxies, if it is an IP address;
 * otherwise (a trusted hop forwarded junk such as `<script>`) the socket's peer, never the text.
 */
export function validatedClientIp(request: Pick<FastifyRequest, "ip" | "socket">): string {
  let forwarded: unknown;
  try {
    forwarded = request.ip;
  } catch {
    forwarded = undefined;
  }
  return canonicalIp(forwarded) ?? canonicalIp(request.socket?.remoteAddress) ?? "0.0.0.0";
}

/**
 * Makes `request.ip` the validated address for every later reader (audit, logs, throttles, sessions,
 * the API rate limiter): the first hook of the application replaces Fastify's getter on the request.
 */
export function installValidatedClientIp(app: FastifyInstance): void {
  app.addHook("onRequest", async (request) => {
    Object.defineProperty(request, "ip", {
      value: validatedClientIp(request),
      enumerable: true,
      configurable: true,
    });
  });
}
