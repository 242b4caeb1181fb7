import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuditInput, appendAudits } from "../src/db/audit.repository.js";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { buildProofBundle, type ProofFile } from "../src/domain/audit/build-proof-bundle.js";
import { sealAuditChains } from "../src/domain/audit/seal-audit-chains.js";
import { verifyAudit } from "../src/domain/audit/verify-audit.js";
import { takeProofForStaff } from "../src/domain/staff/proof-for-staff.js";
import { buildWebApp } from "../src/http/web-app.js";
import { createZipStream } from "../src/http/zip-stream.js";
import { publishFor } from "./support/audit-fixtures.js";
import { customerClient, makeTenant } from "./support/factories.js";
import { rewriteChainAsVersion1, sealAsVersion1 } from "./support/legacy-chain.js";
import { ENGINES, openTestServices } from "./support/services.js";

const SCRIPT = path.resolve("test/fixtures/verify-bundle.sh");
const silent = pino({ level: "silent" });

async function zipOf(files: ProofFile[]): Promise<Buffer> {
  const zip = createZipStream({ leading: files.map((f) => ({ ...f, mtime: new Date() })), files: [] });
  const chunks: Buffer[] = [];
  for await (const chunk of zip.stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Everything a recipient could read: every file of the bundle, as text. */
const allText = (files: ProofFile[]) =>
  files.map((f) => `${f.path}\n${f.bytes.toString("latin1")}`).join("\n");

const ADVISOR = "Agnès Conseillère-Unique";
const SECRETS = {
  bEmail: "pb-1@example.com",
  bNewEmail: "b-nouvelle-adresse@example.net",
  ghost: "ghost-reset-4711@example.org",
  query: "recherche-secrete-42",
  reason: "motif-confidentiel-99",
  ipB: "198.51.100.23",
  ipStranger: "203.0.113.77",
  ipStrangerOnA: "203.0.113.88",
  ipGhost: "192.0.2.99",
  ipAdvisor: "192.0.2.150",
  advisor: ADVISOR,
  advisorAscii: "Conseill", // also caught when JSON escapes the accents
};

describe.each(ENGINES)("proof bundle privacy on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let work: string;
  let keyFile: string;
  let count = 0;

  function verifyBundle(zip: Buffer, ...args: string[]) {
    const file = path.join(work, `bundle-${++count}.zip`);
    writeFileSync(file, zip);
    const run = spawnSync("bash", [SCRIPT, file, "--key", keyFile, ...args], { encoding: "utf8" });
    return { code: run.status, output: `${run.stdout}${run.stderr}` };
  }

  async function accountOf(tenant: TenantRow, customerNumber: string) {
    const [row] = await services.db.query<{ id: string; identifier: string; customerId: string }>(
      `select a.id, a.identifier, c.id as "customerId" from accounts a join customers c on c.account_id = a.id
        where c.tenant_id = $1 and c.customer_number = $2`,
      [tenant.id, customerNumber],
    );
    return row!;
  }

  const portalClient = async (tenant: TenantRow, accountId: string) =>
    (await customerClient(services, app, tenant, accountId)).client;

  const append = (tenantId: string, inputs: Omit<AuditInput, "tenantId">[]) =>
    services.db.transaction((tx) =>
      appendAudits(
        tx,
        inputs.map((input) => ({ ...input, tenantId })),
      ),
    );

  /** Two accounts, A's invoice, then what the outside attack saw in A's proof: B's and strangers' entries. */
  async function tenantWithNeighbours(slug: string) {
    const tenant = await makeTenant(services.db, { slug, displayName: "Voisins" });
    const invoice = await publishFor(services, tenant, "PA-2026-001", "PA-1");
    await publishFor(services, tenant, "PB-2026-001", "PB-1");
    const a = await accountOf(tenant, "PA-1");
    const b = await accountOf(tenant, "PB-1");
    await append(tenant.id, [
      {
        actorType: "customer",
        actorId: b.id,
        action: "login.succeeded",
        targetType: "account",
        targetId: b.id,
        ip: SECRETS.ipB,
      },
      {
        actorType: "customer",
        actorId: b.id,
        action: "login.failed",
        targetType: "account",
        targetId: b.id,
        ip: SECRETS.ipStranger,
        details: { identifier: b.identifier },
      },
      // A stranger trying A's identifier: about A, but the IP and the typed text are the stranger's.
      {
        actorType: "customer",
        actorId: a.id,
        action: "login.failed",
        targetType: "account",
        targetId: a.id,
        ip: SECRETS.ipStrangerOnA,
        details: { identifier: a.identifier },
      },
      {
        actorType: "customer",
        action: "password_reset.requested",
        ip: SECRETS.ipGhost,
        details: { email: SECRETS.ghost },
      },
      {
        actorType: "staff",
        actorId: "staff-1",
        action: "customer.searched",
        ip: SECRETS.ipAdvisor,
        details: { query: SECRETS.query, results: 1, by: ADVISOR },
      },
      {
        actorType: "staff",
        actorId: "staff-1",
        action: "customer.email_corrected",
        targetType: "customer",
        targetId: b.customerId,
        ip: SECRETS.ipAdvisor,
        details: {
          by: ADVISOR,
          accountId: b.id,
          from: SECRETS.bEmail,
          to: SECRETS.bNewEmail,
          reason: SECRETS.reason,
        },
      },
    ]);
    return { tenant, invoice, a, b };
  }

  function expectNoSecret(files: ProofFile[], extra: string[]) {
    const text = allText(files);
    for (const [name, secret] of Object.entries(SECRETS)) expect(text, name).not.toContain(secret);
    for (const secret of extra) expect(text).not.toContain(secret);
  }

  beforeAll(async () => {
    services = await openTestServices(engine);
    app = await buildWebApp(services);
    work = mkdtempSync(path.join(tmpdir(), "efacture-privacy-"));
    keyFile = path.join(work, "platform.pem");
    writeFileSync(keyFile, services.sealKey().publicKeyPem);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("shows A only A's entries in clear, every other link as a hash, and still verifies offline; tampering fails", async () => {
    const { tenant, invoice, a, b } = await tenantWithNeighbours("voisins");
    const client = await portalClient(tenant, a.id);
    expect((await client.get(`/factures/${invoice.id}/pdf`)).statusCode).toBe(200);
    await sealAuditChains(
      { db: services.db, sealKey: services.sealKey(), logger: silent },
      { now: new Date() },
    );

    const res = await client.get(`/factures/${invoice.id}/preuve`);
    expect(res.statusCode).toBe(200);
    const ok = verifyBundle(res.rawPayload);
    expect(ok.output).toMatch(/^OK: /m);
    expect(ok.code).toBe(0);

    const bundle = await buildProofBundle(
      { db: services.db, blobs: services.blobs },
      { tenantId: tenant.id, invoiceId: invoice.id },
    );
    expectNoSecret(bundle.files, [b.identifier, b.id, a.identifier]);
    const segment = bundle.files.find((f) => f.path === "audit/segment-1.jsonl")!;
    const lines = segment.bytes
      .toString("utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { seq: number; entry?: string; inner?: string });
    // A's own entries are there in clear, the rest (B, the stranger, the advisor) as hashes only.
    const clear = lines.filter((l) => l.entry).map((l) => JSON.parse(l.entry!).action);
    expect(clear).toEqual(expect.arrayContaining(["invoice.published", "invoice.downloaded"]));
    expect(clear).not.toContain("customer.searched");
    expect(clear).not.toContain("login.failed");
    expect(lines.filter((l) => l.inner).length).toBeGreaterThanOrEqual(6);
    for (const line of lines.filter((l) => l.inner))
      expect(Object.keys(line).sort()).toEqual(["inner", "seq"]);

    // Tampering with a clear entry, an inner hash, or dropping a hashed link: the script refuses.
    const edit = (change: (text: string) => string) =>
      zipOf(
        bundle.files.map((f) =>
          f.path === segment.path ? { ...f, bytes: Buffer.from(change(f.bytes.toString("utf8"))) } : f,
        ),
      );
    const hashed = lines.find((l) => l.inner)!;
    const cases: [string, (text: string) => string, RegExp][] = [
      ["clear entry altered", (t) => t.replace("invoice.downloaded", "invoice.removed"), /FAIL: /],
      [
        "inner hash altered",
        (t) => t.replace(hashed.inner!, `${hashed.inner![0] === "0" ? "1" : "0"}${hashed.inner!.slice(1)}`),
        /do not link to the head/,
      ],
      [
        "hashed link removed",
        (t) =>
          t
            .split("\n")
            .filter((l) => !l.includes(hashed.inner!))
            .join("\n"),
        /missing or out of order/,
      ],
    ];
    expect(verifyBundle(await zipOf(bundle.files)).code).toBe(0);
    for (const [what, change, message] of cases) {
      const result = verifyBundle(await edit(change));
      expect(result.code, what).toBe(1);
      expect(result.output, what).toMatch(message);
    }
  }, 120_000);

  it("gives the advisor's copy the same view: the advisor's own look-up is only a hash", async () => {
    const { tenant, invoice, a, b } = await tenantWithNeighbours("voisins-conseil");
    await sealAuditChains(
      { db: services.db, sealKey: services.sealKey(), logger: silent },
      { now: new Date() },
    );
    const bundle = await takeProofForStaff(
      { db: services.db, blobs: services.blobs, logger: silent },
      {
        tenantId: tenant.id,
        invoiceId: invoice.id,
        actor: { type: "staff", id: "staff-2", name: ADVISOR },
        ip: SECRETS.ipAdvisor,
      },
    );
    expectNoSecret(bundle!.files, [b.identifier, a.identifier]);
    expect(verifyBundle(await zipOf(bundle!.files)).code).toBe(0);
  }, 120_000);

  it("grows by less than 100 bytes per foreign entry (1,000 unauthenticated reset requests)", async () => {
    const { tenant, invoice } = await tenantWithNeighbours("voisins-flot");
    const size = async () =>
      (
        await buildProofBundle(
          { db: services.db, blobs: services.blobs },
          { tenantId: tenant.id, invoiceId: invoice.id },
        )
      ).files.reduce((sum, f) => sum + f.bytes.length, 0);
    const before = await size();
    await append(
      tenant.id,
      Array.from({ length: 1_000 }, (_, i) => ({
        actorType: "customer" as const,
        action: "password_reset.requested",
        ip: `192.0.2.${i % 250}`,
        details: { email: `inconnu-${i}-${"x".repeat(40)}@example.org` },
      })),
    );
    const after = await size();
    expect((after - before) / 1_000).toBeLessThan(100);
  }, 120_000);

  it("links an old invoice (version 1 part of the chain) through the sealed cut-over, still without foreign content", async () => {
    const { tenant, invoice, a, b } = await tenantWithNeighbours("voisins-anciens");
    // The database as it was before hash version 2, sealed then.
    await rewriteChainAsVersion1(services.db, tenant.id);
    await sealAsVersion1(services.db, services.sealKey(), tenant.id, new Date(Date.now() - 86_400_000));
    const trusted = [services.sealKey().publicKeyPem];
    const check = () =>
      verifyAudit(
        { db: services.db, blobs: services.blobs, trustedPublicKeys: trusted },
        { tenantId: tenant.id, skipBlobs: true },
      );
    expect((await check()).chains[0]!.problem).toBeUndefined();

    // The download is the chain's first new entry: it opens version 2 with the cut-over, then is sealed.
    const client = await portalClient(tenant, a.id);
    expect((await client.get(`/factures/${invoice.id}/pdf`)).statusCode).toBe(200);
    const cut = await services.db.query<{ seq: number; hashVersion: number }>(
      `select seq, hash_version as "hashVersion" from audit_entries where tenant_id = $1 and action = 'audit.chain_version'`,
      [tenant.id],
    );
    expect(cut).toHaveLength(1);
    expect(Number(cut[0]!.hashVersion)).toBe(2);
    await sealAuditChains(
      { db: services.db, sealKey: services.sealKey(), logger: silent },
      { now: new Date() },
    );
    expect((await check()).chains[0]!.problem).toBeUndefined();

    const bundle = await buildProofBundle(
      { db: services.db, blobs: services.blobs },
      { tenantId: tenant.id, invoiceId: invoice.id },
    );
    expectNoSecret(bundle.files, [b.identifier, a.identifier]);
    const certificate = JSON.parse(bundle.files.find((f) => f.path === "certificate.json")!.bytes.toString());
    expect(certificate.chain.segments[0].startRule).toBe("v1-view");
    const ok = verifyBundle(await zipOf(bundle.files));
    expect(ok.output).toMatch(/^OK: /m);
    expect(ok.code).toBe(0);

    // One hashed link of the version 1 part changed: the sealed cut-over no longer vouches for it.
    const forged = bundle.files.map((f) =>
      f.path === "audit/segment-1.jsonl"
        ? {
            ...f,
            bytes: Buffer.from(
              f.bytes.toString("utf8").replace(/"inner":"(.)/, (_, c) => `"inner":"${c === "0" ? "1" : "0"}`),
            ),
          }
        : f,
    );
    const refused = verifyBundle(await zipOf(forged));
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/does not vouch for the entries before it/);
  }, 120_000);
});
