import { isIP } from "node:net";
import {
  type AuditRecord,
  CHAIN_VERSION_ACTION,
  CURRENT_HASH_VERSION,
  entryHash,
  GENESIS_HASH,
  nextView,
  recordOf,
} from "../domain/audit/audit-chain.js";
import { listAuditEntries } from "./audit-seals.repository.js";
import type { Sql } from "./database.js";

export type AuditInput = Omit<
  AuditRecord,
  "seq" | "at" | "targetType" | "targetId" | "ip" | "details" | "actorId" | "hashVersion"
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
 * Defence in depth: an IP reaches the chain (and every proof that shows the entry) only when it is one.
 * A forged X-Forwarded-For ("<script>", 5,000 characters) is stored as null.
 */
export function auditIp(ip: string | null | undefined): string | null {
  return typeof ip === "string" && isIP(ip) !== 0 ? ip : null;
}

type Appended = { seq: number; hash: string }[] & { switched?: boolean };

/**
 * Appends entries of one chain (same tenant) in order, with one lock, one read of the chain's end and
 * one insert. The lock is held until the caller's transaction ends: call this last in it.
 * New entries are hash version 2. The first append to a chain whose head is version 1 first writes the
 * cut-over entry (CHAIN_VERSION_ACTION) carrying the v2 view of the whole v1 part, so the next seal
 * covers both the switch and that view; v1 entries are never rewritten.
 */
export async function appendAudits(tx: Sql, inputs: AuditInput[]): Promise<{ seq: number; hash: string }[]> {
  if (inputs.length === 0) return [];
  const tenantId = inputs[0]!.tenantId;
  if (inputs.some((input) => input.tenantId !== tenantId))
    throw new Error("appendAudits: one chain at a time");
  return appendToChain(tx, tenantId, inputs);
}

/**
 * Switches a chain still in hash version 1 to version 2 now (its cut-over entry), without waiting for
 * its next entry: the nightly seal calls it first, so every chain's switch is sealed the first night.
 * True when it wrote the cut-over. Same lock as appends: call it alone in its transaction.
 */
export async function switchChainToVersion2(tx: Sql, tenantId: string | null): Promise<boolean> {
  return (await appendToChain(tx, tenantId, [])).switched === true;
}

async function appendToChain(tx: Sql, tenantId: string | null, inputs: AuditInput[]): Promise<Appended> {
  await tx.query("select pg_advisory_xact_lock(hashtextextended($1, 0))", [
    `audit:${tenantId ?? "platform"}`,
  ]);
  const [last] = await tx.query<{ seq: number; hash: string; hashVersion: number }>(
    `select seq, hash, hash_version as "hashVersion" from audit_entries
      where coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid) = coalesce($1::uuid, '00000000-0000-0000-0000-000000000000'::uuid)
      order by seq desc limit 1`,
    [tenantId],
  );
  let seq = Number(last?.seq ?? 0);
  let prevHash = last?.hash ?? GENESIS_HASH;
  const all: (AuditInput & { internal?: true })[] = [...inputs];
  if (last && Number(last.hashVersion) < CURRENT_HASH_VERSION) {
    all.unshift({
      tenantId,
      actorType: "system",
      action: CHAIN_VERSION_ACTION,
      at: inputs[0]?.at,
      details: {
        hashVersion: CURRENT_HASH_VERSION,
        v1HeadSeq: seq,
        v1View: await v1View(tx, tenantId, seq),
      },
      internal: true,
    });
  }
  const appended: Appended = [];
  appended.switched = all.length > inputs.length;
  if (all.length === 0) return appended;
  const params: unknown[] = [];
  const rows: string[] = [];
  for (const input of all) {
    const record: AuditRecord = {
      tenantId: input.tenantId,
      seq: ++seq,
      at: (input.at ?? new Date()).toISOString(),
      actorType: input.actorType,
      actorId: input.actorId ?? null,
      action: input.action,
      targetType: input.targetType ?? null,
      targetId: input.targetId ?? null,
      ip: auditIp(input.ip),
      details: input.details ?? {},
      hashVersion: 2,
    };
    const hash = entryHash(CURRENT_HASH_VERSION, prevHash, record);
    const base = params.length;
    rows.push(`(${Array.from({ length: 13 }, (_, i) => `$${base + i + 1}`).join(", ")})`);
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
      CURRENT_HASH_VERSION,
    );
    if (!input.internal) appended.push({ seq: record.seq, hash });
    prevHash = hash;
  }
  await tx.query(
    `insert into audit_entries (tenant_id, seq, at, actor_type, actor_id, action, target_type, target_id, ip, details, prev_hash, hash, hash_version)
     values ${rows.join(", ")}`,
    params,
  );
  return appended;
}

/** The v2 view of entries 1..toSeq of a chain (all version 1), read page by page. */
export async function v1View(sql: Sql, tenantId: string | null, toSeq: number): Promise<string> {
  let view = GENESIS_HASH;
  for (let after = 0; after < toSeq; ) {
    const page = await listAuditEntries(sql, tenantId, after, 5_000, toSeq);
    if (page.length === 0) break;
    for (const row of page) view = nextView(view, recordOf(row));
    after = Number(page.at(-1)!.seq);
  }
  return view;
}
