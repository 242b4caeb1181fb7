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

/** A seal as the nightly job made it before hash version 2: of the chain's (version 1) head as it is. */
export async function sealAsVersion1(
  db: Database,
  sealKey: { keyId: string; publicKeyPem: string; sign(payload: string): string },
  tenantId: string,
  now: Date,
): Promise<void> {
  const [head] = await db.query<{ seq: number; hash: string }>(
    "select seq::int as seq, hash from audit_entries where tenant_id = $1 order by seq desc limit 1",
    [tenantId],
  );
  const day = now.toISOString().slice(0, 10);
  const payload = canonicalJson({
    tenant: tenantId,
    day,
    headSeq: Number(head!.seq),
    headHash: head!.hash,
    sealedAt: now.toISOString(),
  });
  await db.query(
    `insert into audit_seals (tenant_id, day, head_seq, head_hash, payload, key_id, public_key, signature, sealed_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      tenantId,
      day,
      head!.seq,
      head!.hash,
      payload,
      sealKey.keyId,
      sealKey.publicKeyPem,
      sealKey.sign(payload),
      now,
    ],
  );
}
