import { createHash, randomBytes } from "node:crypto";
import { switchChainToVersion2 } from "../../db/audit.repository.js";
import {
  type AuditSealRow,
  addSealTimestamp,
  findAuditSeal,
  findChainHead,
  insertAuditSeal,
  listAuditChains,
  listAuditSeals,
  listSealsWithoutTimestamp,
} from "../../db/audit-seals.repository.js";
import type { Database, Sql } from "../../db/database.js";
import { canonicalJson } from "./audit-chain.js";
import { buildTimeStampRequest, nonceHex, parseTimeStampResponse, SHA256_ALGORITHM } from "./rfc3161.js";
import type { SealKey } from "./seal-key.js";

/** An RFC 3161 timestamp authority: sends a DER TimeStampReq, returns the DER TimeStampResp. */
export interface TimestampAuthority {
  readonly url: string;
  request(query: Buffer): Promise<Buffer>;
}

/** What a seal signs: the exact canonical JSON stored in `audit_seals.payload`. */
export interface SealPayload {
  tenant: string | null;
  day: string;
  headSeq: number;
  headHash: string;
  sealedAt: string;
}

export interface SealRunReport {
  sealed: { tenantId: string | null; slug: string | null; headSeq: number; timestamped: boolean }[];
  alreadySealed: number;
  timestampsAdded: number;
  timestampFailures: number;
}

/** The seals of every chain (or one tenant's) from `fromDay` on, chain by chain (platform first, then by slug), oldest first. */
export async function listSeals(
  sql: Sql,
  input: { tenantId?: string; fromDay: string },
): Promise<{ slug: string | null; seal: AuditSealRow }[]> {
  const seals: { slug: string | null; seal: AuditSealRow }[] = [];
  for (const chain of await listAuditChains(sql, input.tenantId))
    for (const seal of await listAuditSeals(sql, chain.tenantId, input.fromDay))
      seals.push({ slug: chain.slug, seal });
  return seals;
}

/** How far back seals without a token are retried (a later token still proves the seal existed then). */
const TIMESTAMP_RETRY_DAYS = 30;

/**
 * Seals the head of every audit chain (each tenant's, and the platform's) for the UTC day of `now`:
 * signs {tenant, day, headSeq, headHash, sealedAt} with the platform's Ed25519 key and, when a TSA is
 * configured, timestamps the SHA-256 of that payload. A chain is sealed every day even without new
 * entries, so that cutting the end of a chain is detected up to the last day. An unreachable TSA never
 * blocks a seal: it is stored without a token, logged, and the token is asked for again at the next run.
 * Idempotent: a chain already sealed that day is left as it is. A chain still in hash version 1 is
 * switched to version 2 first (its cut-over entry), so the seal covers the switch.
 */
export async function sealAuditChains(
  deps: {
    db: Database;
    sealKey: SealKey;
    tsa?: TimestampAuthority;
    logger: { warn(object: Record<string, unknown>, message: string): void };
  },
  input: { now?: Date; tenantId?: string } = {},
): Promise<SealRunReport> {
  const { db, sealKey, tsa, logger } = deps;
  const now = input.now ?? new Date();
  const day = now.toISOString().slice(0, 10);
  const report: SealRunReport = { sealed: [], alreadySealed: 0, timestampsAdded: 0, timestampFailures: 0 };

  if (tsa) {
    const since = new Date(now.getTime() - TIMESTAMP_RETRY_DAYS * 86_400_000).toISOString().slice(0, 10);
    for (const seal of await listSealsWithoutTimestamp(db, since)) {
      if (input.tenantId && seal.tenantId !== input.tenantId) continue;
      const token = await timestamp(tsa, seal.payload, logger, seal.tenantId);
      if (!token) {
        report.timestampFailures++;
        continue;
      }
      await addSealTimestamp(db, seal.id, tsa.url, token);
      report.timestampsAdded++;
    }
  }

  for (const chain of await listAuditChains(db, input.tenantId)) {
    if (await findAuditSeal(db, chain.tenantId, day)) {
      report.alreadySealed++;
      continue;
    }
    // A chain still in hash version 1 switches before its seal, so the cut-over is sealed tonight.
    await db.transaction((tx) => switchChainToVersion2(tx, chain.tenantId));
    const head = await findChainHead(db, chain.tenantId);
    if (!head) continue;
    const payload = canonicalJson({
      tenant: chain.tenantId,
      day,
      headSeq: head.seq,
      headHash: head.hash,
      sealedAt: now.toISOString(),
    } satisfies SealPayload);
    const token = tsa ? await timestamp(tsa, payload, logger, chain.tenantId) : undefined;
    if (tsa && !token) report.timestampFailures++;
    const inserted = await insertAuditSeal(db, {
      tenantId: chain.tenantId,
      day,
      headSeq: head.seq,
      headHash: head.hash,
      payload,
      keyId: sealKey.keyId,
      publicKey: sealKey.publicKeyPem,
      signature: sealKey.sign(payload),
      tsaUrl: token ? tsa!.url : null,
      tsaToken: token ?? null,
      sealedAt: now,
    });
    if (inserted)
      report.sealed.push({
        tenantId: chain.tenantId,
        slug: chain.slug,
        headSeq: head.seq,
        timestamped: !!token,
      });
    else report.alreadySealed++;
  }
  return report;
}

/** A checked TimeStampResp (base64 DER) for this payload, or undefined when the TSA failed (logged). */
async function timestamp(
  tsa: TimestampAuthority,
  payload: string,
  logger: { warn(object: Record<string, unknown>, message: string): void },
  tenantId: string | null,
): Promise<string | undefined> {
  const digest = createHash("sha256").update(payload, "utf8").digest();
  const nonce = randomBytes(8);
  try {
    const der = await tsa.request(buildTimeStampRequest(digest, nonce));
    const response = parseTimeStampResponse(der);
    if (response.status > 1) throw new Error(`TSA refused the request (status ${response.status})`);
    if (response.hashAlgorithm !== SHA256_ALGORITHM || !response.imprint?.equals(digest))
      throw new Error("TSA token is not for this seal (message imprint differs)");
    if (response.nonce !== nonceHex(nonce)) throw new Error("TSA token nonce differs from the request");
    return der.toString("base64");
  } catch (error) {
    logger.warn(
      { event: "seal.timestamp_failed", tsa: tsa.url, tenant: tenantId, err: error },
      "timestamp authority failed: seal stored without token, retried at the next run",
    );
    return undefined;
  }
}
