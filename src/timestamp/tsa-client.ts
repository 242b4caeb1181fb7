import type { TimestampAuthority } from "../domain/audit/seal-audit-chains.js";

/** An RFC 3161 timestamp authority over HTTP (RFC 3161 §3.4): POST application/timestamp-query. */
export function createHttpTimestampAuthority(url: URL, timeoutMs = 15_000): TimestampAuthority {
  return {
    url: url.toString(),
    async request(query: Buffer): Promise<Buffer> {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/timestamp-query", accept: "application/timestamp-reply" },
        body: new Uint8Array(query),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) throw new Error(`TSA answered HTTP ${response.status}`);
      const type = response.headers.get("content-type") ?? "";
      if (!type.startsWith("application/timestamp-reply"))
        throw new Error(`TSA answered ${type || "no content type"}, not application/timestamp-reply`);
      return Buffer.from(await response.arrayBuffer());
    },
  };
}
