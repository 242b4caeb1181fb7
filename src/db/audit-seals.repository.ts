import type { Sql } from "./database.js";
import type { auditEntries, auditSeals } from "./schema.js";

const ZERO_UUID = "00000000-0000-0000-0000-000000000000";
/** Matches one chain: a tenant's, or the platform's (tenant null). Uses the chain key index. */
const CHAIN = `coalesce(tenant_id, '${ZERO_UUID}'::uuid) = coalesce($1::uuid, '${ZERO_UUID}'::uuid)`;

/** An audit entry as the schema types it (hashVersion 1: hash = SHA-256(prev + canonical); 2: hash = SHA-256(prev ‖ SHA-256(canonical)), audit-chain.ts). */
export type AuditEntryRow = Omit<typeof auditEntries.$inferSelect, "id">;

const ENTRY_COLUMNS = `tenant_id as "tenantId", seq, at, actor_type as "actorType", actor_id as "actorId", action,
  target_type as "targetType", target_id as "targetId", ip, details, prev_hash as "prevHash", hash,
  hash_version as "hashVersion"`;

export type AuditSealRow = typeof auditSeals.$inferSelect;

const SEAL_COLUMNS = `id, tenant_id as "tenantId", day, head_seq as "headSeq", head_hash as "headHash", payload,
  key_id as "keyId", public_key as "publicKey", signature, tsa_url as "tsaUrl", tsa_token as "tsaToken", sealed_at as "sealedAt"`;

/** Every chain: each tenant's, and the platform's (null) when it has entries or seals, with its slug. */
export async function listAuditChains(
  sql: Sql,
  tenantId?: string,
): Promise<{ tenantId: string | null; slug: string | null }[]> {
  if (tenantId) return sql.query(`select id as "tenantId", slug from tenants where id = $1`, [tenantId]);
  return sql.query(
    `select null::uuid as "tenantId", null::text as slug
      where exists (select 1 from audit_entries where tenant_id is null)
         or exists (select 1 from audit_seals where tenant_id is null)
     union all
     select id, slug from (select id, slug from tenants order by slug) t`,
  );
}

/** The last entry of a chain (its head), or undefined for an empty chain. */
export async function findChainHead(
  sql: Sql,
  tenantId: string | null,
): Promise<{ seq: number; hash: string } | undefined> {
  const [row] = await sql.query<{ seq: number; hash: string }>(
    `select seq, hash from audit_entries where ${CHAIN} order by seq desc limit 1`,
    [tenantId],
  );
  return row;
}

/** Entries of a chain with seq > afterSeq (and <= toSeq), in chain order, one page. */
export async function listAuditEntries(
  sql: Sql,
  tenantId: string | null,
  afterSeq: number,
  limit: number,
  toSeq = Number.MAX_SAFE_INTEGER,
): Promise<AuditEntryRow[]> {
  return sql.query<AuditEntryRow>(
    `select ${ENTRY_COLUMNS} from audit_entries where ${CHAIN} and seq > $2 and seq <= $4 order by seq limit $3`,
    [tenantId, afterSeq, limit, toSeq],
  );
}

/** The entry at `seq` of a chain. */
export async function findAuditEntry(
  sql: Sql,
  tenantId: string | null,
  seq: number,
): Promise<AuditEntryRow | undefined> {
  const [row] = await sql.query<AuditEntryRow>(
    `select ${ENTRY_COLUMNS} from audit_entries where ${CHAIN} and seq = $2`,
    [tenantId, seq],
  );
  return row;
}

/** The seq of the first entry of a chain at or after `from`. */
export async function firstSeqFrom(
  sql: Sql,
  tenantId: string | null,
  from: Date,
): Promise<number | undefined> {
  const [row] = await sql.query<{ seq: number | null }>(
    `select min(seq) as seq from audit_entries where ${CHAIN} and at >= $2`,
    [tenantId, from],
  );
  return row?.seq ?? undefined;
}

/** One page of the entries of a tenant's chain recorded in [from, to), with seq > afterSeq, in chain order. */
export async function listTenantAuditEntries(
  sql: Sql,
  input: { tenantId: string; from: Date; to: Date },
  afterSeq: number,
  limit: number,
): Promise<AuditEntryRow[]> {
  return sql.query<AuditEntryRow>(
    `select ${ENTRY_COLUMNS} from audit_entries
      where tenant_id = $1 and at >= $2 and at < $3 and seq > $4
      order by seq limit $5`,
    [input.tenantId, input.from, input.to, afterSeq, limit],
  );
}

/** The entries of one tenant's chain about one target (an invoice), in chain order. */
export async function listAuditEntriesForTarget(
  sql: Sql,
  tenantId: string,
  targetType: string,
  targetId: string,
): Promise<AuditEntryRow[]> {
  return sql.query<AuditEntryRow>(
    `select ${ENTRY_COLUMNS} from audit_entries
      where tenant_id = $1 and target_type = $2 and target_id = $3 order by seq`,
    [tenantId, targetType, targetId],
  );
}

export type NewAuditSeal = Omit<AuditSealRow, "id">;

/** Stores a seal; false when the chain already has one for that day (a concurrent run won). */
export async function insertAuditSeal(sql: Sql, seal: NewAuditSeal): Promise<boolean> {
  const rows = await sql.query(
    `insert into audit_seals (tenant_id, day, head_seq, head_hash, payload, key_id, public_key, signature, tsa_url, tsa_token, sealed_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     on conflict do nothing returning id`,
    [
      seal.tenantId,
      seal.day,
      seal.headSeq,
      seal.headHash,
      seal.payload,
      seal.keyId,
      seal.publicKey,
      seal.signature,
      seal.tsaUrl,
      seal.tsaToken,
      seal.sealedAt,
    ],
  );
  return rows.length > 0;
}

/**
 * Adds the timestamp token to a seal that has none. The only UPDATE the application makes on seals
 * (column privilege on tsa_url, tsa_token only): it adds evidence, the signed payload stays as it was.
 */
export async function addSealTimestamp(
  sql: Sql,
  id: number,
  tsaUrl: string,
  tsaToken: string,
): Promise<void> {
  await sql.query("update audit_seals set tsa_url = $2, tsa_token = $3 where id = $1 and tsa_token is null", [
    id,
    tsaUrl,
    tsaToken,
  ]);
}

/** The seal of a chain for one day. */
export async function findAuditSeal(
  sql: Sql,
  tenantId: string | null,
  day: string,
): Promise<AuditSealRow | undefined> {
  const [row] = await sql.query<AuditSealRow>(
    `select ${SEAL_COLUMNS} from audit_seals where ${CHAIN} and day = $2`,
    [tenantId, day],
  );
  return row;
}

/** Seals without a timestamp token since `sinceDay`, to retry. */
export async function listSealsWithoutTimestamp(sql: Sql, sinceDay: string): Promise<AuditSealRow[]> {
  return sql.query<AuditSealRow>(
    `select ${SEAL_COLUMNS} from audit_seals where tsa_token is null and day >= $1 order by day, id`,
    [sinceDay],
  );
}

/** The seals of a chain (from a day on), oldest first. */
export async function listAuditSeals(
  sql: Sql,
  tenantId: string | null,
  fromDay = "0001-01-01",
): Promise<AuditSealRow[]> {
  return sql.query<AuditSealRow>(
    `select ${SEAL_COLUMNS} from audit_seals where ${CHAIN} and day >= $2 order by day`,
    [tenantId, fromDay],
  );
}

/** The first seal of a chain whose head is at or after `seq`: the one that covers that entry. */
export async function findCoveringSeal(
  sql: Sql,
  tenantId: string | null,
  seq: number,
): Promise<AuditSealRow | undefined> {
  const [row] = await sql.query<AuditSealRow>(
    `select ${SEAL_COLUMNS} from audit_seals where ${CHAIN} and head_seq >= $2 order by head_seq, day limit 1`,
    [tenantId, seq],
  );
  return row;
}

/**
 * Where a chain's hash version 2 starts: the seq of its first v2 entry (1 for a chain born in v2, the
 * cut-over entry otherwise), or undefined while the chain is all version 1 (or empty).
 */
export async function findVersion2Start(sql: Sql, tenantId: string | null): Promise<number | undefined> {
  // Walks the chain key index from the start: bounded by the frozen v1 part.
  const [row] = await sql.query<{ seq: number }>(
    `select seq from audit_entries where ${CHAIN} and hash_version = 2 order by seq limit 1`,
    [tenantId],
  );
  return row ? Number(row.seq) : undefined;
}
