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
  const [appended] = await appendAudits(tx, [input]);
  return appended!;
}

/**
 * Appends entries of one chain (same tenant) in order, with one lock, one read of the chain's end and
 * one insert. The lock is held until the caller's transaction ends: call this last in it.
 */
export async function appendAudits(tx: Sql, inputs: AuditInput[]): Promise<{ seq: number; hash: string }[]> {
  if (inputs.length === 0) return [];
  const tenantId = inputs[0]!.tenantId;
  if (inputs.some((input) => input.tenantId !== tenantId))
    throw new Error("appendAudits: one chain at a time");
  await tx.query("select pg_advisory_xact_lock(hashtextextended($1, 0))", [
    `audit:${tenantId ?? "platform"}`,
  ]);
  const [last] = await tx.query<{ seq: number; hash: string }>(
    `select seq, hash from audit_entries
      where coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid) = coalesce($1::uuid, '00000000-0000-0000-0000-000000000000'::uuid)
      order by seq desc limit 1`,
    [tenantId],
  );
  let seq = last?.seq ?? 0;
  let prevHash = last?.hash ?? GENESIS_HASH;
  const appended: { seq: number; hash: string }[] = [];
  const params: unknown[] = [];
  const rows: string[] = [];
  for (const input of inputs) {
    const record: AuditRecord = {
      tenantId: input.tenantId,
      seq: ++seq,
      at: (input.at ?? new Date()).toISOString(),
      actorType: input.actorType,
      actorId: input.actorId ?? null,
      action: input.action,
      targetType: input.targetType ?? null,
      targetId: input.targetId ?? null,
      ip: input.ip ?? null,
      details: input.details ?? {},
    };
    const hash = chainHash(prevHash, record);
    const base = params.length;
    rows.push(`(${Array.from({ length: 12 }, (_, i) => `$${base + i + 1}`).join(", ")})`);
    params.push(
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
    );
    appended.push({ seq: record.seq, hash });
    prevHash = hash;
  }
  await tx.query(
    `insert into audit_entries (tenant_id, seq, at, actor_type, actor_id, action, target_type, target_id, ip, details, prev_hash, hash)
     values ${rows.join(", ")}`,
    params,
  );
  return appended;
}
