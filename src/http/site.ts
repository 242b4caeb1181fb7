import type { IncomingMessage } from "node:http";
import type { TenantRow } from "../db/tenants.queries.js";

/** Who a request is for, from its Host header: the platform itself or one tenant's portal. */
export type Site = { kind: "platform" } | { kind: "tenant"; tenant: TenantRow; origin: string };

declare module "fastify" {
  interface FastifyRequest {
    site: Site;
  }
}

// A host name and an optional port, nothing else: no percent-encoding, path, query, fragment, backslash,
// whitespace or user info, which URL parsers "repair" each in their own way (finding 10 of issue 12).
const HOST_HEADER = /^[a-z0-9.-]+(?::[0-9]{1,5})?$/i;

/**
 * Why a request's Host cannot be trusted to pick the portal, or undefined when it can: exactly one
 * Host header of the strict form above, and an absolute-form target (`GET http://x/ HTTP/1.1`, which
 * RFC 9112 says wins over Host) only when it names that same host.
 */
export function hostProblem(raw: IncomingMessage): string | undefined {
  let count = 0;
  for (let i = 0; i < raw.rawHeaders.length; i += 2) if (raw.rawHeaders[i]!.toLowerCase() === "host") count++;
  if (count !== 1) return count === 0 ? "missing" : "repeated";
  const host = raw.headers.host ?? "";
  if (!HOST_HEADER.test(host)) return "malformed";
  const target = raw.url ?? "/";
  if (!target.startsWith("/") && target !== "*") {
    let authority: string;
    try {
      const url = new URL(target);
      authority = url.host;
      if (url.username || url.password || !/^https?:$/.test(url.protocol)) return "absolute_target";
    } catch {
      return "absolute_target";
    }
    // URL drops the scheme's default port; Host may carry it or not.
    const bare = (value: string) => value.toLowerCase().replace(/:(80|443)$/, "");
    if (bare(authority) !== bare(host)) return "absolute_target";
  }
  return undefined;
}
