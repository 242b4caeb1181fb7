import { createHash } from "node:crypto";
import type { Database } from "../../src/db/database.js";
import { canonicalJson } from "../../src/domain/audit/audit-chain.js";

/**
 * Turns a tenant's chain into what it was before hash version 2 (migration 0008): every entry hashed
 * with the v1 formula, hex SHA-256(prev_hash + canonical JSON), and labelled 1. Written out here, not
 * taken from the code under test. For tests of the cut-over; no seal may exist on that chain yet.
 */
export async function rewriteChainAsVersion1(db: Database, tenantId: string): Promise<void> {
  const rows = await db.query<Record<string, unknown> & { id: number; at: Date; seq: number }>(
    `select id, tenant_id as "tenantId", seq, at, actor_type as "actorType", actor_id as "actorId", action,
            target_type as "targetType", target_id as "targetId", ip, details
       from audit_entries where tenant_id = $1 order by seq`,
    [tenantId],
  );
  let prev = "0".repeat(64);
  for (const { id, ...row } of rows) {
    const record = { ...row, seq: Number(row.seq), at: new Date(row.at).toISOString() };
    const hash = createHash("sha256")
      .update(prev + canonicalJson(record))
      .digest("hex");
    await db.query("update audit_entries set prev_hash = $2, hash = $3, hash_version = 1 where id = $1", [
      id,
      prev,
      hash,
    ]);
    prev = hash;
  }
}
