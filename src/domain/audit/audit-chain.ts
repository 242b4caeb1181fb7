import { createHash } from "node:crypto";

/** The fields of an audit entry that its hash covers. */
export interface AuditRecord {
  tenantId: string | null;
  seq: number;
  at: string; // ISO instant
  actorType: "platform" | "issuer" | "customer" | "staff" | "system";
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export const GENESIS_HASH = "0".repeat(64);

/** JSON with object keys sorted at every level, so the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** hash = SHA-256(previous hash + canonical JSON of this entry), hex. */
export function chainHash(prevHash: string, record: AuditRecord): string {
  return createHash("sha256").update(prevHash).update(canonicalJson(record)).digest("hex");
}
