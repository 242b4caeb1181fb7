import { createHash } from "node:crypto";
import type { AuditEntryRow } from "../../db/audit-seals.repository.js";

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
  /**
   * Absent in version 1 entries (their canonical JSON stays exactly as it was hashed); 2 in version 2
   * entries, so their hash commits to their version: relabelling one as v1 changes what is hashed.
   */
  hashVersion?: 2;
}

/** The formula of new entries. v1 (`SHA-256(prev + canonical)`) is only ever verified, never written. */
export const CURRENT_HASH_VERSION = 2;

/** The entry that opens version 2 in a chain that had version 1 entries (see appendAudits). */
export const CHAIN_VERSION_ACTION = "audit.chain_version";

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

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Version 1: hash = hex SHA-256 of UTF-8 (previous hash hex + canonical JSON of this entry). */
export function chainHash(prevHash: string, record: AuditRecord): string {
  return sha256Hex(prevHash + canonicalJson(record));
}

/** inner = hex SHA-256 of the UTF-8 canonical JSON: what a proof shows for an entry it must not reveal. */
export function innerHash(record: AuditRecord): string {
  return sha256Hex(canonicalJson(record));
}

/**
 * Version 2 link: hash = hex SHA-256 of the 128 ASCII characters (previous hash hex ‖ inner hash hex),
 * i.e. `printf '%s%s' "$prev" "$inner" | sha256sum`. A link is checkable from the inner hash alone, so
 * a proof can carry other people's entries as 64 hex characters. Never equal to a v1 input: a v1
 * canonical entry starts with "{", which is not a hex digit.
 */
export function linkHash(prevHash: string, inner: string): string {
  return sha256Hex(prevHash + inner);
}

/** The hash of an entry under its version (records of version 2 carry `hashVersion: 2`). */
export function entryHash(version: number, prevHash: string, record: AuditRecord): string {
  if (version === 1) return chainHash(prevHash, withoutVersion(record));
  return linkHash(prevHash, innerHash({ ...record, hashVersion: 2 }));
}

function withoutVersion(record: AuditRecord): AuditRecord {
  const { hashVersion: _, ...rest } = record;
  return rest;
}

/**
 * The "v1 view": the version 1 entries of a chain re-linked with the v2 rule, view_0 = GENESIS_HASH and
 * view_i = linkHash(view_{i-1}, innerHash(v1 canonical entry i)). The cut-over entry stores the view of
 * the whole v1 part (details.v1View), so once sealed a proof can link old entries with inner hashes too.
 */
export function nextView(view: string, v1Record: AuditRecord): string {
  return linkHash(view, innerHash(withoutVersion(v1Record)));
}

/** The fields an entry's hash covers, rebuilt from its row exactly as appendAudits built them. */
export function recordOf(row: AuditEntryRow): AuditRecord {
  const record: AuditRecord = {
    tenantId: row.tenantId,
    seq: Number(row.seq),
    at: new Date(row.at).toISOString(),
    actorType: row.actorType as AuditRecord["actorType"],
    actorId: row.actorId,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    ip: row.ip,
    details: row.details,
  };
  if (Number(row.hashVersion) === 2) record.hashVersion = 2;
  return record;
}
