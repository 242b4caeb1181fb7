import { type AuditRecord, chainHash, GENESIS_HASH } from "../domain/audit/audit-chain.js";
import type { Sql } from "./database.js";

export type AuditInput = Omit<
  AuditRecord,
  "seq" | "at" | "targetType" | "targetId" | "ip" | "details" | "actorId"
> &
  Partial<Pick<AuditRecord, "targetType" | "targetId" | "ip" | "details" | "actorId">> & { at?: Date };

/**
 * Appends one entry to its tenant's chain, inside the caller's transaction. A per-tenant advisory
 * lock serialises appends of one tenant only, so tenants never wait on each other.
 */
export async function appendAudit(tx: Sql, input: AuditInput): Promise<{ seq: number; hash: string }> {
  const chain = input.tenantId ?? "platform";
  await tx.query("select pg_advisory_xact_lock(hashtextextended($1, 0))", [`audit:${chain}`]);
  const [last] = await tx.query<{ seq: number; hash: string }>(
    `select seq, hash from audit_entries
      where coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid) = coalesce($1::uuid, '00000000-0000-0000-0000-000000000000'::uuid)
      order by seq desc limit 1`,
    [input.tenantId],
  );
  const record: AuditRecord = {
    tenantId: input.tenantId,
    seq: (last?.seq ?? 0) + 1,
    at: (input.at ?? new Date()).toISOString(),
    actorType: input.actorType,
    actorId: input.actorId ?? null,
    action: input.action,
    targetType: input.targetType ?? null,
    targetId: input.targetId ?? null,
    ip: input.ip ?? null,
    details: input.details ?? {},
  };
  const prevHash = last?.hash ?? GENESIS_HASH;
  const hash = chainHash(prevHash, record);
  await tx.query(
    `insert into audit_entries (tenant_id, seq, at, actor_type, actor_id, action, target_type, target_id, ip, details, prev_hash, hash)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      record.tenantId,
      record.seq,
      record.at,
      record.actorType,
      record.actorId,
      record.action,
      record.targetType,
      record.targetId,
      record.ip,
      JSON.stringify(record.details),
      prevHash,
      hash,
    ],
  );
  return { seq: record.seq, hash };
}
