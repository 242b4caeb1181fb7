import { createHash } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAudit, appendAudits } from "../src/db/audit.repository.js";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { canonicalJson } from "../src/domain/audit/audit-chain.js";
import { sealAuditChains } from "../src/domain/audit/seal-audit-chains.js";
import { verifyAudit } from "../src/domain/audit/verify-audit.js";
import { publishFor } from "./support/audit-fixtures.js";
import { makeTenant } from "./support/factories.js";
import { rewriteChainAsVersion1, sealAsVersion1 } from "./support/legacy-chain.js";
import { ENGINES, openTestServices } from "./support/services.js";

const silent = pino({ level: "silent" });
const sha = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

describe.each(ENGINES)("audit hash versions on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let count = 0;

  beforeAll(async () => {
    services = await openTestServices(engine);
  }, 120_000);
  afterAll(async () => {
    await services?.dispose();
  });

  const problemOf = async (tenantId: string) =>
    (
      await verifyAudit(
        { db: services.db, blobs: services.blobs, trustedPublicKeys: [services.sealKey().publicKeyPem] },
        { tenantId, skipBlobs: true },
      )
    ).chains[0]!.problem;

  type Row = { id: number; seq: number; action: string; hashVersion: number; hash: string; prevHash: string };
  const rowsOf = (tenantId: string) =>
    services.db.query<Row>(
      `select id, seq::int as seq, action, hash_version as "hashVersion", hash, prev_hash as "prevHash"
         from audit_entries where tenant_id = $1 order by seq`,
      [tenantId],
    );

  /** A chain that was version 1 (sealed then), switched to version 2 by new entries, sealed again. */
  async function mixedChain(): Promise<TenantRow> {
    const tenant = await makeTenant(services.db, { slug: `versions-${++count}`, displayName: "Versions" });
    await publishFor(services, tenant, `V-${count}-1`, `VC-${count}`);
    await rewriteChainAsVersion1(services.db, tenant.id);
    await sealAsVersion1(services.db, services.sealKey(), tenant.id, new Date(Date.now() - 86_400_000));
    await services.db.transaction((tx) =>
      appendAudits(
        tx,
        [1, 2, 3].map((n) => ({
          tenantId: tenant.id,
          actorType: "issuer" as const,
          action: "invoice.published",
          targetType: "invoice",
          targetId: `new-${n}`,
          details: { n },
        })),
      ),
    );
    return tenant;
  }

  it("verifies a v1 → v2 chain: one sealed cut-over holding the v2 view of the v1 part, then only v2", async () => {
    const tenant = await mixedChain();
    const rows = await rowsOf(tenant.id);
    const cut = rows.findIndex((r) => Number(r.hashVersion) === 2);
    expect(cut).toBeGreaterThan(0);
    expect(rows[cut]!.action).toBe("audit.chain_version");
    expect(rows[cut]!.prevHash).toBe(rows[cut - 1]!.hash);
    expect(rows.slice(cut).every((r) => Number(r.hashVersion) === 2)).toBe(true);
    expect(rows.slice(0, cut).every((r) => Number(r.hashVersion) === 1)).toBe(true);
    expect(await problemOf(tenant.id)).toBeUndefined();
    // A later append does not switch again.
    await services.db.transaction((tx) =>
      appendAudit(tx, { tenantId: tenant.id, actorType: "system", action: "later" }),
    );
    const after = await rowsOf(tenant.id);
    expect(after.filter((r) => r.action === "audit.chain_version")).toHaveLength(1);
    await sealAuditChains(
      { db: services.db, sealKey: services.sealKey(), logger: silent },
      { now: new Date(), tenantId: tenant.id },
    );
    expect(await problemOf(tenant.id)).toBeUndefined();
  }, 120_000);

  it("switches a chain still in version 1 at the nightly seal, so the seal covers the cut-over", async () => {
    const tenant = await makeTenant(services.db, { slug: `versions-${++count}`, displayName: "Versions" });
    await publishFor(services, tenant, `V-${count}-1`, `VC-${count}`);
    await rewriteChainAsVersion1(services.db, tenant.id);
    await sealAsVersion1(services.db, services.sealKey(), tenant.id, new Date(Date.now() - 86_400_000));
    const report = await sealAuditChains(
      { db: services.db, sealKey: services.sealKey(), logger: silent },
      { now: new Date(), tenantId: tenant.id },
    );
    const rows = await rowsOf(tenant.id);
    expect(rows.at(-1)!.action).toBe("audit.chain_version");
    expect(report.sealed.map((s) => s.headSeq)).toEqual([Number(rows.at(-1)!.seq)]);
    expect(await problemOf(tenant.id)).toBeUndefined();
    // Idempotent: a second run the same night neither switches nor seals again.
    await sealAuditChains(
      { db: services.db, sealKey: services.sealKey(), logger: silent },
      { now: new Date(), tenantId: tenant.id },
    );
    expect(await rowsOf(tenant.id)).toHaveLength(rows.length);
  }, 120_000);

  it("refuses a v2 entry relabelled v1, and a v1 entry after the cut-over even with a right v1 hash", async () => {
    const relabelled = await mixedChain();
    const last = (await rowsOf(relabelled.id)).at(-1)!;
    await services.db.query("update audit_entries set hash_version = 1 where id = $1", [last.id]);
    expect(await problemOf(relabelled.id)).toMatch(/version 1 after the chain switched to version 2/);

    // A forger who knows the v1 formula appends a v1 entry at the head.
    const appended = await mixedChain();
    const head = (await rowsOf(appended.id)).at(-1)!;
    const at = new Date().toISOString();
    const record = {
      tenantId: appended.id,
      seq: Number(head.seq) + 1,
      at,
      actorType: "issuer",
      actorId: null,
      action: "invoice.removed",
      targetType: null,
      targetId: null,
      ip: null,
      details: {},
    };
    await services.db.query(
      `insert into audit_entries (tenant_id, seq, at, actor_type, action, details, prev_hash, hash, hash_version)
       values ($1, $2, $3, 'issuer', 'invoice.removed', '{}', $4, $5, 1)`,
      [appended.id, record.seq, at, head.hash, sha(head.hash + canonicalJson(record))],
    );
    expect(await problemOf(appended.id)).toMatch(/cannot follow the cut-over/);
  }, 120_000);

  it("detects tampering in the v1 part and in the v2 part, and a cut-over whose v1 view is not the history's", async () => {
    const v1 = await mixedChain();
    await services.db.query(
      `update audit_entries set details = details || '{"forged": true}'::jsonb where tenant_id = $1 and seq = 2`,
      [v1.id],
    );
    expect(await problemOf(v1.id)).toMatch(/entry 2 .* was altered/);

    const v2 = await mixedChain();
    const last = (await rowsOf(v2.id)).at(-1)!;
    await services.db.query(
      `update audit_entries set details = details || '{"forged": true}'::jsonb where id = $1`,
      [last.id],
    );
    expect(await problemOf(v2.id)).toMatch(new RegExp(`entry ${last.seq} .* was altered`));

    // A cut-over naming another view, rehashed as a forger would (v2 rule) with the entries after it.
    const view = await mixedChain();
    const rows = await rowsOf(view.id);
    const cut = rows.find((r) => r.action === "audit.chain_version")!;
    await services.db.query(
      `update audit_entries set details = jsonb_set(details, '{v1View}', to_jsonb($2::text)) where id = $1`,
      [cut.id, "f".repeat(64)],
    );
    const full = await services.db.query<{
      id: number;
      record: Record<string, unknown>;
    }>(
      `select id, json_build_object('tenantId', tenant_id, 'seq', seq, 'at', at, 'actorType', actor_type,
              'actorId', actor_id, 'action', action, 'targetType', target_type, 'targetId', target_id, 'ip', ip,
              'details', details) as record
         from audit_entries where tenant_id = $1 and seq >= $2 order by seq`,
      [view.id, cut.seq],
    );
    let prev = cut.prevHash;
    for (const { id, record } of full) {
      const canonical = canonicalJson({
        ...record,
        seq: Number(record.seq),
        at: new Date(record.at as string).toISOString(),
        hashVersion: 2,
      });
      const hash = sha(prev + sha(canonical));
      await services.db.query("update audit_entries set prev_hash = $2, hash = $3 where id = $1", [
        id,
        prev,
        hash,
      ]);
      prev = hash;
    }
    expect(await problemOf(view.id)).toMatch(
      /the v1 view it seals .* is not the one the version 1 entries give/,
    );
  }, 120_000);

  it("stores an IP only when it is one: a forged header value is stored as null", async () => {
    const tenant = await makeTenant(services.db, { slug: `ip-${++count}`, displayName: "IP" });
    const cases: [string, string | null][] = [
      ["<script>alert(1)</script>", null],
      ["1".repeat(5_000), null],
      ["=1+1", null],
      ["203.0.113.5, 198.51.100.1", null],
      ["203.0.113.5", "203.0.113.5"],
      ["2001:db8::1", "2001:db8::1"],
    ];
    for (const [ip, stored] of cases) {
      const { seq } = await services.db.transaction((tx) =>
        appendAudit(tx, { tenantId: tenant.id, actorType: "customer", action: "login.failed", ip }),
      );
      const [row] = await services.db.query<{ ip: string | null }>(
        "select ip from audit_entries where tenant_id = $1 and seq = $2",
        [tenant.id, seq],
      );
      expect(row!.ip, ip.slice(0, 30)).toBe(stored);
    }
    expect(await problemOf(tenant.id)).toBeUndefined();
  });
});
