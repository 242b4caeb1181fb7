import { appendFileSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAudits } from "../src/db/audit.repository.js";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { entryHash, GENESIS_HASH } from "../src/domain/audit/audit-chain.js";
import { sealAuditChains } from "../src/domain/audit/seal-audit-chains.js";
import { recordOf, verifyAudit } from "../src/domain/audit/verify-audit.js";
import { upsertCustomer } from "../src/domain/customers/upsert-customer.js";
import { createFsBlobStore } from "../src/storage/fs-blob-store.js";
import { publishFor } from "./support/audit-fixtures.js";
import { makeTenant } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";

const silent = pino({ level: "silent" });

describe.each(ENGINES)("audit verifier on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let tenantCount = 0;

  beforeAll(async () => {
    services = await openTestServices(engine);
  }, 120_000);
  afterAll(async () => {
    await services?.dispose();
  });

  const verify = (tenantId?: string, skipBlobs = true) =>
    verifyAudit(
      { db: services.db, blobs: services.blobs, trustedPublicKeys: [services.sealKey().publicKeyPem] },
      { tenantId, skipBlobs },
    );
  const seal = (now: Date, tenantId?: string) =>
    sealAuditChains({ db: services.db, sealKey: services.sealKey(), logger: silent }, { now, tenantId });

  async function chainOf(entries: number): Promise<TenantRow> {
    const tenant = await makeTenant(services.db, { slug: `chain-${++tenantCount}`, displayName: "Chaîne" });
    await services.db.transaction((tx) =>
      appendAudits(
        tx,
        Array.from({ length: entries }, (_, i) => ({
          tenantId: tenant.id,
          actorType: "issuer" as const,
          actorId: `actor-${i % 3}`,
          action: i % 2 ? "invoice.published" : "invoice.downloaded",
          targetType: "invoice",
          targetId: `inv-${i}`,
          details: { n: i, label: `entrée n° ${i} « ok »`, nested: { b: 1, a: [i, "x"] } },
          at: new Date(Date.UTC(2026, 10, 1, 10, 0, i)),
        })),
      ),
    );
    return tenant;
  }

  const rows = (tenantId: string) =>
    services.db.query<Parameters<typeof recordOf>[0] & { id: number }>(
      `select id, tenant_id as "tenantId", seq, at, actor_type as "actorType", actor_id as "actorId", action,
              target_type as "targetType", target_id as "targetId", ip, details, prev_hash as "prevHash", hash,
              hash_version as "hashVersion"
         from audit_entries where tenant_id = $1 order by seq`,
      [tenantId],
    );

  it("finds every chain intact after real use (publication, customer creation, mails), and seals each chain head", async () => {
    const tenant = await makeTenant(services.db, { slug: "intact", displayName: "Intact" });
    await publishFor(services, tenant, "F-1", "C-1");
    await publishFor(services, tenant, "F-2", "C-2");
    // The events of that use are in the tenant's chain: customers created, invoices published, activation mails queued.
    const actions = (
      await services.db.query<{ action: string }>(
        "select action from audit_entries where tenant_id = $1 order by seq",
        [tenant.id],
      )
    ).map((r) => r.action);
    expect(actions.filter((a) => a === "invoice.published")).toHaveLength(2);
    expect(actions.filter((a) => a === "customer.created")).toHaveLength(2);
    const queued = await services.db.query<{ details: { kind: string } }>(
      "select details from audit_entries where tenant_id = $1 and action = 'mail.queued'",
      [tenant.id],
    );
    expect(queued.map((q) => q.details.kind)).toEqual(["activation", "activation"]);
    await upsertCustomer(services.db, {
      queue: services.queue,
      tenantId: tenant.id,
      customerNumber: "C-1",
      name: "Client C-1",
      email: "nouvelle.adresse@example.com",
      contracts: [],
      actor: { type: "staff", id: "advisor-1" },
    });
    const [changed] = await services.db.query<{ actor_type: string; actor_id: string }>(
      "select actor_type, actor_id from audit_entries where tenant_id = $1 and action = 'customer.email_changed'",
      [tenant.id],
    );
    expect(changed).toEqual({ actor_type: "staff", actor_id: "advisor-1" });
    const sealed = await seal(new Date("2026-11-20T23:50:00Z"));
    expect(sealed.sealed.map((s) => s.slug)).toContain("intact");
    const report = await verify(undefined, false);
    expect(
      report.chains.every((c) => c.problem === undefined),
      JSON.stringify(report.chains),
    ).toBe(true);
    expect(report.ok).toBe(true);
    const mine = report.chains.find((c) => c.slug === "intact")!;
    expect(mine.entries).toBeGreaterThanOrEqual(4);
    expect(mine.seals).toBe(1);
    expect(report.blobs.checked).toBeGreaterThanOrEqual(2);
    expect(report.blobs.bytes).toBeGreaterThan(0);
    // A second run the same day changes nothing; the next day seals again even without new entries.
    expect((await seal(new Date("2026-11-20T23:59:00Z"), tenant.id)).sealed).toHaveLength(0);
    expect((await seal(new Date("2026-11-21T23:50:00Z"), tenant.id)).sealed).toHaveLength(1);
  });

  it("detects any modification, reordering, insertion or deletion of entries up to the sealed head", async () => {
    type Tamper =
      | { kind: "modify"; at: number; field: "action" | "details" | "at" | "actor_id" | "ip" | "target_id" }
      | { kind: "modify-and-rechain"; at: number }
      | { kind: "swap"; at: number; with: number }
      | { kind: "insert"; at: number; rechain: boolean }
      | { kind: "delete"; at: number }
      | { kind: "truncate"; at: number }
      | { kind: "hash"; at: number; column: "hash" | "prev_hash" };
    const sealedLength = 8;
    const position = fc.integer({ min: 1, max: sealedLength });
    const tamper: fc.Arbitrary<Tamper> = fc.oneof(
      fc.record({
        kind: fc.constant("modify" as const),
        at: position,
        field: fc.constantFrom("action", "details", "at", "actor_id", "ip", "target_id" as const),
      }),
      fc.record({ kind: fc.constant("modify-and-rechain" as const), at: position }),
      fc
        .record({ kind: fc.constant("swap" as const), at: position, with: position })
        .filter((t) => t.at !== t.with),
      fc.record({ kind: fc.constant("insert" as const), at: position, rechain: fc.boolean() }),
      fc.record({ kind: fc.constant("delete" as const), at: position }),
      fc.record({ kind: fc.constant("truncate" as const), at: position }),
      fc.record({
        kind: fc.constant("hash" as const),
        at: position,
        column: fc.constantFrom("hash", "prev_hash" as const),
      }),
    );

    await fc.assert(
      fc.asyncProperty(tamper, fc.integer({ min: 0, max: 3 }), async (t, unsealedTail) => {
        const tenant = await chainOf(sealedLength);
        await seal(new Date("2026-11-20T23:50:00Z"), tenant.id);
        if (unsealedTail > 0)
          await services.db.transaction((tx) =>
            appendAudits(
              tx,
              Array.from({ length: unsealedTail }, () => ({
                tenantId: tenant.id,
                actorType: "system" as const,
                action: "later",
              })),
            ),
          );
        expect((await verify(tenant.id)).ok).toBe(true);
        await applyTamper(tenant.id, t);
        const report = await verify(tenant.id);
        expect(report.ok, `${JSON.stringify(t)} not detected`).toBe(false);
        expect(report.chains[0]!.problem).toBeTruthy();
      }),
      { numRuns: engine === "pglite" ? 40 : 60 },
    );
  }, 240_000);

  /** Rewrites every hash from `fromSeq` on as a forger knowing the algorithm would. */
  async function rechain(tenantId: string, fromSeq: number) {
    const all = await rows(tenantId);
    let prev = fromSeq > 1 ? all.find((r) => Number(r.seq) === fromSeq - 1)!.hash : GENESIS_HASH;
    for (const row of all.filter((r) => Number(r.seq) >= fromSeq)) {
      const hash = entryHash(Number(row.hashVersion), prev, recordOf(row));
      await services.db.query("update audit_entries set prev_hash = $2, hash = $3 where id = $1", [
        row.id,
        prev,
        hash,
      ]);
      prev = hash;
    }
  }

  async function applyTamper(tenantId: string, t: Parameters<typeof applyTamperType>[0]) {
    return applyTamperType(t, tenantId);
  }

  async function applyTamperType(
    t:
      | { kind: "modify"; at: number; field: string }
      | { kind: "modify-and-rechain"; at: number }
      | { kind: "swap"; at: number; with: number }
      | { kind: "insert"; at: number; rechain: boolean }
      | { kind: "delete"; at: number }
      | { kind: "truncate"; at: number }
      | { kind: "hash"; at: number; column: string },
    tenantId: string,
  ) {
    const q = (text: string, params: unknown[]) => services.db.query(text, [tenantId, ...params]);
    switch (t.kind) {
      case "modify": {
        const set: Record<string, string> = {
          action: "action = 'invoice.removed'",
          details: `details = details || '{"n": -1}'::jsonb`,
          at: "at = at + interval '1 second'",
          actor_id: "actor_id = 'someone-else'",
          ip: "ip = '203.0.113.7'",
          target_id: "target_id = 'inv-forged'",
        };
        await q(`update audit_entries set ${set[t.field]} where tenant_id = $1 and seq = $2`, [t.at]);
        return;
      }
      case "modify-and-rechain":
        await q(
          `update audit_entries set details = details || '{"n": -1}'::jsonb where tenant_id = $1 and seq = $2`,
          [t.at],
        );
        await rechain(tenantId, t.at);
        return;
      case "swap":
        await q("update audit_entries set seq = -1 where tenant_id = $1 and seq = $2", [t.at]);
        await q("update audit_entries set seq = $2 where tenant_id = $1 and seq = $3", [t.at, t.with]);
        await q("update audit_entries set seq = $2 where tenant_id = $1 and seq = -1", [t.with]);
        return;
      case "insert": {
        await q("update audit_entries set seq = seq + 1000000 where tenant_id = $1 and seq >= $2", [t.at]);
        await q("update audit_entries set seq = seq - 999999 where tenant_id = $1 and seq >= 1000000", []);
        const all = await rows(tenantId);
        const prev = t.at > 1 ? all.find((r) => Number(r.seq) === t.at - 1)!.hash : GENESIS_HASH;
        const record = {
          tenantId,
          seq: t.at,
          at: new Date(Date.UTC(2026, 10, 1, 10, 0, 30)).toISOString(),
          actorType: "issuer" as const,
          actorId: "forger",
          action: "invoice.published",
          targetType: "invoice",
          targetId: "inv-forged",
          ip: null,
          details: {},
          hashVersion: 2 as const,
        };
        await q(
          `insert into audit_entries (tenant_id, seq, at, actor_type, actor_id, action, target_type, target_id, ip, details, prev_hash, hash, hash_version)
           values ($1, $2, $3, $4, $5, $6, $7, $8, null, '{}', $9, $10, 2)`,
          [
            t.at,
            record.at,
            record.actorType,
            record.actorId,
            record.action,
            record.targetType,
            record.targetId,
            prev,
            entryHash(2, prev, record),
          ],
        );
        if (t.rechain) await rechain(tenantId, t.at + 1);
        return;
      }
      case "delete":
        await q("delete from audit_entries where tenant_id = $1 and seq = $2", [t.at]);
        return;
      case "truncate":
        await q("delete from audit_entries where tenant_id = $1 and seq >= $2", [t.at]);
        return;
      case "hash":
        await q(
          `update audit_entries set ${t.column} = md5(${t.column}) || md5(${t.column}) where tenant_id = $1 and seq = $2`,
          [t.at],
        );
        return;
    }
  }

  it("reports where the chain breaks, in words", async () => {
    const tenant = await chainOf(5);
    await seal(new Date("2026-11-20T23:50:00Z"), tenant.id);
    await services.db.query("update audit_entries set action = 'x' where tenant_id = $1 and seq = 3", [
      tenant.id,
    ]);
    const altered = await verify(tenant.id);
    expect(altered.chains[0]!.problem).toMatch(/^entry 3 \(x, 2026-11-01T10:00:01.000Z\) was altered/);

    const cut = await chainOf(5);
    await seal(new Date("2026-11-20T23:50:00Z"), cut.id);
    await services.db.query("delete from audit_entries where tenant_id = $1 and seq >= 4", [cut.id]);
    expect((await verify(cut.id)).chains[0]!.problem).toBe(
      "the chain ends at entry 3 but the seal of 2026-11-20 names entry 6 as its head: entries were removed from its end",
    );
  });

  it("starts at the first entry of --from, linked to the entry before it", async () => {
    const tenant = await chainOf(6); // entries 2-7 at 2026-11-01T10:00:00..05Z, after tenant.created
    await services.db.query(
      "update audit_entries set at = '2026-10-01T00:00:00Z' where tenant_id = $1 and seq = 1",
      [tenant.id],
    );
    // Entry 1 no longer matches its hash, but a verification from November does not recompute it.
    const fromNovember = await verifyAudit(
      { db: services.db, blobs: services.blobs, trustedPublicKeys: [services.sealKey().publicKeyPem] },
      { tenantId: tenant.id, from: new Date("2026-11-01T00:00:00Z"), skipBlobs: true },
    );
    expect(fromNovember.chains[0]).toMatchObject({ entries: 6, firstSeq: 2, lastSeq: 7 });
    expect(fromNovember.ok).toBe(true);
    expect((await verify(tenant.id)).chains[0]!.problem).toMatch(/^entry 1 .* was altered/);
    // The link to the entry before the range is still checked.
    await services.db.query("delete from audit_entries where tenant_id = $1 and seq = 1", [tenant.id]);
    await services.db.query(
      "update audit_entries set at = '2026-10-02T00:00:00Z' where tenant_id = $1 and seq = 2",
      [tenant.id],
    );
    const cut = await verifyAudit(
      { db: services.db, blobs: services.blobs, trustedPublicKeys: [services.sealKey().publicKeyPem] },
      { tenantId: tenant.id, from: new Date("2026-10-02T00:00:00Z"), skipBlobs: true },
    );
    expect(cut.chains[0]!.problem).toBe("entry 1 is missing (the chain jumps to 2)");
  });

  it("refuses a seal whose payload, signature or key was changed", async () => {
    const tenant = await chainOf(3);
    await seal(new Date("2026-11-20T23:50:00Z"), tenant.id);
    const forged = await verify(tenant.id);
    expect(forged.ok).toBe(true);
    await services.db.query(
      `update audit_seals set payload = replace(payload, '"headSeq":', '"headSeq":1') where tenant_id = $1`,
      [tenant.id],
    );
    expect((await verify(tenant.id)).chains[0]!.problem).toMatch(/signature that does not verify/);

    // A seal re-signed with another key (someone who can write the database but has not the platform key).
    const other = await chainOf(3);
    const { generateKeyPairSync } = await import("node:crypto");
    const { sealKeyFromPem } = await import("../src/domain/audit/seal-key.js");
    const foreign = sealKeyFromPem(
      generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    );
    await sealAuditChains(
      { db: services.db, sealKey: foreign, logger: silent },
      { now: new Date("2026-11-20T23:50:00Z"), tenantId: other.id },
    );
    expect((await verify(other.id)).chains[0]!.problem).toMatch(/not the platform's sealing key/);
  });

  it("keeps verifying seals of an earlier key once it is listed in SEAL_RETIRED_PUBLIC_KEYS_FILE (key change)", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const { sealKeyFromPem } = await import("../src/domain/audit/seal-key.js");
    const { trustedSealPublicKeys } = await import("../src/storage/seal-key-file.js");
    const newKey = () =>
      sealKeyFromPem(
        generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      );
    const before = newKey();
    const after = newKey();
    const tenant = await chainOf(2);
    await sealAuditChains(
      { db: services.db, sealKey: before, logger: silent },
      { now: new Date("2026-11-20T23:50:00Z"), tenantId: tenant.id },
    );
    await services.db.transaction((tx) =>
      appendAudits(tx, [
        {
          tenantId: tenant.id,
          actorType: "system",
          action: "invoice.removed",
          at: new Date("2026-11-21T10:00:00Z"),
        },
      ]),
    );
    await sealAuditChains(
      { db: services.db, sealKey: after, logger: silent },
      { now: new Date("2026-11-21T23:50:00Z"), tenantId: tenant.id },
    );
    const verifyWith = (keys: string[]) =>
      verifyAudit(
        { db: services.db, blobs: services.blobs, trustedPublicKeys: keys },
        { tenantId: tenant.id, skipBlobs: true },
      );
    // The new key alone: the seal of the 20th is by a key the platform no longer has.
    expect((await verifyWith([after.publicKeyPem])).chains[0]!.problem).toMatch(
      /not the platform's sealing key/,
    );
    // The old public key kept as retired: both seals verify.
    const retired = path.join(services.testEnv.dataDir, "retired-seal-keys.pem");
    writeFileSync(retired, `# sealing key until 2026-11-21\n${before.publicKeyPem}`);
    const trusted = trustedSealPublicKeys({ sealRetiredPublicKeysFile: retired }, after);
    expect(trusted).toEqual([after.publicKeyPem, before.publicKeyPem]);
    const report = await verifyWith(trusted);
    expect(report.ok).toBe(true);
    expect(report.chains[0]!.seals).toBe(2);
  });

  it("finds a stored original with a flipped byte, a truncated one and a missing one", async () => {
    const tenant = await makeTenant(services.db, { slug: "blobs", displayName: "Blobs" });
    const a = await publishFor(services, tenant, "B-1", "BC-1");
    const b = await publishFor(services, tenant, "B-2", "BC-2");
    const c = await publishFor(services, tenant, "B-3", "BC-3");
    expect((await verify(tenant.id, false)).ok).toBe(true);
    const store = createFsBlobStore(path.join(services.testEnv.dataDir, "blobs"));
    const flipped = Buffer.from(a.bytes);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
    writeFileSync(store.pathOf(a.sha256), flipped);
    appendFileSync(store.pathOf(b.sha256), "x");
    unlinkSync(store.pathOf(c.sha256));
    const report = await verify(tenant.id, false);
    expect(report.ok).toBe(false);
    expect(report.chains[0]!.problem).toBeUndefined();
    const problems = Object.fromEntries(report.blobs.problems.map((p) => [p.sha256, p]));
    expect(problems[a.sha256]?.problem).toBe("hash_mismatch");
    expect(problems[b.sha256]?.problem).toBe("size_mismatch");
    expect(problems[c.sha256]?.problem).toBe("missing");
    expect(problems[a.sha256]?.invoices).toEqual([{ tenant: "blobs", invoiceNumber: "B-1", id: a.id }]);
    writeFileSync(store.pathOf(a.sha256), a.bytes);
    writeFileSync(store.pathOf(b.sha256), b.bytes);
    writeFileSync(store.pathOf(c.sha256), c.bytes);
    expect((await verify(tenant.id, false)).ok).toBe(true);
  });
});
