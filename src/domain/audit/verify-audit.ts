import { createHash } from "node:crypto";
import { v1View } from "../../db/audit.repository.js";
import {
  type AuditEntryRow,
  type AuditSealRow,
  findAuditEntry,
  firstSeqFrom,
  listAuditChains,
  listAuditEntries,
  listAuditSeals,
} from "../../db/audit-seals.repository.js";
import type { Database } from "../../db/database.js";
import { listLiveInvoiceBlobs, listLiveInvoicesWithBlob } from "../../db/invoices.repository.js";
import type { BlobInventory, BlobStore } from "../../storage/blob-store.js";
import { type OrphanReport, sweepOrphans } from "../blobs/sweep-orphans.js";
import { hashBlob } from "../invoices/verified-blob.js";
import {
  CHAIN_VERSION_ACTION,
  canonicalJson,
  entryHash,
  GENESIS_HASH,
  nextView,
  recordOf,
} from "./audit-chain.js";
import { parseTimeStampResponse } from "./rfc3161.js";
import { keyIdOf, verifySealSignature } from "./seal-key.js";

export interface ChainReport {
  tenantId: string | null;
  slug: string | null;
  /** Entries recomputed. */
  entries: number;
  firstSeq: number | undefined;
  lastSeq: number | undefined;
  seals: number;
  timestamped: number;
  /** The first thing found wrong in this chain, in words; undefined when the chain is intact. */
  problem?: string;
}

export interface BlobProblem {
  sha256: string;
  problem: "missing" | "size_mismatch" | "hash_mismatch";
  invoices: { tenant: string; invoiceNumber: string; id: string }[];
}

export interface VerifyReport {
  ok: boolean;
  chains: ChainReport[];
  blobs: { checked: number; invoices: number; bytes: number; seconds: number; problems: BlobProblem[] };
  /** Leftovers of crashed writes (counted, not removed; the daily sweep removes them). Not a failure. */
  orphans?: OrphanReport;
  seconds: number;
}

const PAGE = 2_000;
const BLOB_CONCURRENCY = 4;

/** Re-exported for the callers that took it from here. */
export { recordOf };

/**
 * Checks the audit trail and the stored originals (docs/security.md G3, F3): each chain recomputed (seq
 * contiguous, prev_hash links, each entry's hash under its version — see checkVersion), each seal's Ed25519 signature by a
 * trusted platform key and the sealed head present with that hash (so cutting the end of a chain is
 * found up to its last seal), and every live invoice's blob present with its size and SHA-256.
 * `from` starts the chains at their first entry of that day (linked to the one before); blobs are all checked.
 */
export async function verifyAudit(
  deps: { db: Database; blobs: BlobStore & BlobInventory; trustedPublicKeys: readonly string[] },
  input: { tenantId?: string; from?: Date; skipBlobs?: boolean; orphans?: boolean } = {},
): Promise<VerifyReport> {
  const started = performance.now();
  const trustedKeyIds = new Set(deps.trustedPublicKeys.map(keyIdOf));
  const chains: ChainReport[] = [];
  for (const chain of await listAuditChains(deps.db, input.tenantId))
    chains.push(await verifyChain(deps.db, chain, trustedKeyIds, input.from));
  const blobs = input.skipBlobs
    ? { checked: 0, invoices: 0, bytes: 0, seconds: 0, problems: [] }
    : await verifyBlobs(deps, input.tenantId);
  const orphans =
    input.orphans && !input.skipBlobs
      ? await sweepOrphans({ db: deps.db, blobs: deps.blobs }, { dryRun: true })
      : undefined;
  return {
    ok: chains.every((c) => !c.problem) && blobs.problems.length === 0,
    chains,
    blobs,
    ...(orphans ? { orphans } : {}),
    seconds: (performance.now() - started) / 1000,
  };
}

async function verifyChain(
  db: Database,
  chain: { tenantId: string | null; slug: string | null },
  trustedKeyIds: Set<string>,
  from: Date | undefined,
): Promise<ChainReport> {
  const report: ChainReport = {
    ...chain,
    entries: 0,
    firstSeq: undefined,
    lastSeq: undefined,
    seals: 0,
    timestamped: 0,
  };
  const fromDay = from?.toISOString().slice(0, 10);
  const seals = await listAuditSeals(db, chain.tenantId, fromDay);
  report.seals = seals.length;
  // Seals first: a forged or foreign seal is reported even when the entries are fine.
  for (const seal of seals) {
    const problem = checkSeal(seal, chain.tenantId, trustedKeyIds);
    if (problem) return { ...report, problem };
    if (seal.tsaToken) report.timestamped++;
  }
  const sealsAtSeq = new Map<number, AuditSealRow[]>();
  for (const seal of seals)
    sealsAtSeq.set(Number(seal.headSeq), [...(sealsAtSeq.get(Number(seal.headSeq)) ?? []), seal]);

  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  const versions: VersionState = { v2From: undefined, view: GENESIS_HASH };
  if (from) {
    const start = await firstSeqFrom(db, chain.tenantId, from);
    if (start !== undefined && start > 1) {
      const before = await findAuditEntry(db, chain.tenantId, start - 1);
      if (!before)
        return { ...report, problem: `entry ${start - 1} is missing (the chain jumps to ${start})` };
      expectedSeq = start;
      prevHash = before.hash;
      // Started mid-chain: the v1 view is rebuilt only if the cut-over lies in the checked range.
      versions.view = undefined;
      if (Number(before.hashVersion) === 2) versions.v2From = 0;
    } else if (start === undefined) {
      expectedSeq = Number.MAX_SAFE_INTEGER;
    }
  }
  // Seals whose head lies before the checked range: their head entry is looked up directly.
  for (const seal of seals) {
    if (Number(seal.headSeq) >= expectedSeq) continue;
    const entry = await findAuditEntry(db, chain.tenantId, Number(seal.headSeq));
    if (entry?.hash !== seal.headHash)
      return { ...report, problem: sealHeadProblem(seal, entry ? "has another hash" : "is missing") };
  }

  let after = expectedSeq - 1;
  if (expectedSeq !== Number.MAX_SAFE_INTEGER) {
    for (;;) {
      const page = await listAuditEntries(db, chain.tenantId, after, PAGE);
      if (page.length === 0) break;
      for (const row of page) {
        const seq = Number(row.seq);
        if (seq !== expectedSeq)
          return {
            ...report,
            problem:
              seq > expectedSeq
                ? `entry ${expectedSeq} is missing (the chain jumps to ${seq})`
                : `entry ${seq} is out of order`,
          };
        if (row.prevHash !== prevHash)
          return {
            ...report,
            problem: `entry ${seq} (${row.action}, ${new Date(row.at).toISOString()}) does not link to entry ${seq - 1}: prev_hash ${row.prevHash} instead of ${prevHash}`,
          };
        const versionProblem = await checkVersion(db, chain.tenantId, row, versions);
        if (versionProblem) return { ...report, problem: versionProblem };
        const hash = entryHash(Number(row.hashVersion), prevHash, recordOf(row));
        if (hash !== row.hash)
          return {
            ...report,
            problem: `entry ${seq} (${row.action}, ${new Date(row.at).toISOString()}) was altered: its content hashes to ${hash}, not to the stored ${row.hash}`,
          };
        for (const seal of sealsAtSeq.get(seq) ?? [])
          if (seal.headHash !== row.hash)
            return { ...report, problem: sealHeadProblem(seal, "has another hash") };
        report.firstSeq ??= seq;
        report.lastSeq = seq;
        report.entries++;
        prevHash = row.hash;
        expectedSeq++;
      }
      after = Number(page.at(-1)!.seq);
    }
  }
  const lastSeq = expectedSeq - 1;
  for (const seal of seals)
    if (Number(seal.headSeq) > lastSeq && Number(seal.headSeq) >= (report.firstSeq ?? 0))
      return {
        ...report,
        problem: `the chain ends at entry ${lastSeq} but the seal of ${seal.day} names entry ${seal.headSeq} as its head: entries were removed from its end`,
      };
  return report;
}

interface VersionState {
  /** Seq of the chain's first version 2 entry (0: before the checked range); undefined while all v1. */
  v2From: number | undefined;
  /** The v2 view of the v1 entries seen so far; undefined when the walk did not start at entry 1. */
  view: string | undefined;
}

/**
 * Hash versions (audit-chain.ts): a chain is version 1 up to its cut-over, then version 2 for good. A
 * chain that had v1 entries switches with a CHAIN_VERSION_ACTION entry holding the v2 view of all of
 * them, rebuilt here; a v1 entry after the switch is refused (a v2 entry relabelled v1 also fails its
 * hash: its canonical JSON carries hashVersion 2), and so is a second cut-over.
 */
async function checkVersion(
  db: Database,
  tenantId: string | null,
  row: AuditEntryRow,
  state: VersionState,
): Promise<string | undefined> {
  const seq = Number(row.seq);
  const version = Number(row.hashVersion);
  const what = `entry ${seq} (${row.action}, ${new Date(row.at).toISOString()})`;
  if (version !== 1 && version !== 2) return `${what} has an unknown hash version ${row.hashVersion}`;
  if (version === 1) {
    if (state.v2From !== undefined)
      return `${what} is hash version 1 after the chain switched to version 2${state.v2From ? ` at entry ${state.v2From}` : ""}: a version 1 entry cannot follow the cut-over`;
    if (state.view !== undefined) state.view = nextView(state.view, recordOf(row));
    return undefined;
  }
  if (state.v2From !== undefined) {
    if (row.action === CHAIN_VERSION_ACTION) return `${what} is a second cut-over to version 2`;
    return undefined;
  }
  state.v2From = seq;
  if (seq === 1) return undefined;
  const details = row.details as { v1HeadSeq?: unknown; v1View?: unknown };
  if (row.action !== CHAIN_VERSION_ACTION || details.v1HeadSeq !== seq - 1)
    return `${what} is the chain's first version 2 entry but not its cut-over (${CHAIN_VERSION_ACTION} naming entry ${seq - 1})`;
  const view = state.view ?? (await v1View(db, tenantId, seq - 1));
  if (details.v1View !== view)
    return `${what}: the v1 view it seals (${String(details.v1View)}) is not the one the version 1 entries give (${view})`;
  return undefined;
}

function sealHeadProblem(seal: AuditSealRow, what: string): string {
  return `the seal of ${seal.day} names entry ${seal.headSeq} (hash ${seal.headHash}) as its head, but that entry ${what}`;
}

/** What is wrong with a seal in itself (signature, key, payload against its columns, token), or undefined. */
export function checkSeal(
  seal: AuditSealRow,
  tenantId: string | null,
  trustedKeyIds: Set<string>,
): string | undefined {
  const day = typeof seal.day === "string" ? seal.day : new Date(seal.day).toISOString().slice(0, 10);
  if (!verifySealSignature(seal.publicKey, seal.payload, seal.signature))
    return `the seal of ${day} has a signature that does not verify`;
  let keyId: string;
  try {
    keyId = keyIdOf(seal.publicKey);
  } catch {
    return `the seal of ${day} holds an unreadable public key`;
  }
  if (keyId !== seal.keyId || !trustedKeyIds.has(keyId))
    return `the seal of ${day} is signed by ${keyId}, which is not the platform's sealing key`;
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(seal.payload);
  } catch {
    return `the seal of ${day} has a payload that is not JSON`;
  }
  if (
    payload.tenant !== tenantId ||
    payload.day !== day ||
    payload.headSeq !== Number(seal.headSeq) ||
    payload.headHash !== seal.headHash ||
    canonicalJson(payload) !== seal.payload
  )
    return `the seal of ${day} signs other values than the ones stored beside it`;
  if (seal.tsaToken) {
    try {
      const response = parseTimeStampResponse(Buffer.from(seal.tsaToken, "base64"));
      const digest = createHash("sha256").update(seal.payload, "utf8").digest();
      if (response.status > 1 || !response.imprint?.equals(digest))
        return `the timestamp token of the seal of ${day} is not for that seal`;
    } catch {
      return `the timestamp token of the seal of ${day} is unreadable`;
    }
  }
  return undefined;
}

async function verifyBlobs(
  deps: { db: Database; blobs: BlobStore },
  tenantId: string | undefined,
): Promise<VerifyReport["blobs"]> {
  const started = performance.now();
  const result: VerifyReport["blobs"] = { checked: 0, invoices: 0, bytes: 0, seconds: 0, problems: [] };
  let after = "";
  for (;;) {
    const page = await listLiveInvoiceBlobs(deps.db, { after, limit: 500, tenantId });
    if (page.length === 0) break;
    let next = 0;
    const worker = async () => {
      while (next < page.length) {
        const blob = page[next++]!;
        const actual = await hashBlob(deps.blobs, blob.sha256);
        result.checked++;
        result.invoices += blob.invoices;
        result.bytes += actual?.sizeBytes ?? 0;
        const problem = !actual
          ? "missing"
          : actual.sizeBytes !== Number(blob.sizeBytes)
            ? "size_mismatch"
            : actual.sha256 !== blob.sha256
              ? "hash_mismatch"
              : undefined;
        if (problem) result.problems.push({ sha256: blob.sha256, problem, invoices: [] });
      }
    };
    await Promise.all(Array.from({ length: BLOB_CONCURRENCY }, worker));
    after = page.at(-1)!.sha256;
  }
  for (const problem of result.problems)
    problem.invoices = await listLiveInvoicesWithBlob(deps.db, problem.sha256, tenantId);
  result.problems.sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1));
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
