import { spawnSync } from "node:child_process";
import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { innerHash } from "../src/domain/audit/audit-chain.js";
import { buildProofBundle, type ProofFile } from "../src/domain/audit/build-proof-bundle.js";
import { sealAuditChains } from "../src/domain/audit/seal-audit-chains.js";
import { sealKeyFromPem } from "../src/domain/audit/seal-key.js";
import { buildWebApp } from "../src/http/web-app.js";
import { createZipStream } from "../src/http/zip-stream.js";
import { createFsBlobStore } from "../src/storage/fs-blob-store.js";
import { publishFor } from "./support/audit-fixtures.js";
import { customerClient, makeTenant } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";
import { WebClient } from "./support/web-client.js";

const SCRIPT = path.resolve("test/fixtures/verify-bundle.sh");
const silent = pino({ level: "silent" });

async function zipOf(files: ProofFile[]): Promise<Buffer> {
  const zip = createZipStream({ leading: files.map((f) => ({ ...f, mtime: new Date() })), files: [] });
  const chunks: Buffer[] = [];
  for await (const chunk of zip.stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe.each(ENGINES)("proof bundle on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let tenant: TenantRow;
  let other: TenantRow;
  let work: string;
  let keyFile: string;

  function verifyBundle(zip: Buffer, ...args: string[]) {
    const file = path.join(work, `bundle-${Math.random().toString(36).slice(2)}.zip`);
    writeFileSync(file, zip);
    const run = spawnSync("bash", [SCRIPT, file, "--key", keyFile, ...args], { encoding: "utf8" });
    return { code: run.status, output: `${run.stdout}${run.stderr}` };
  }

  async function portalClient(t: TenantRow, customerNumber: string) {
    const [row] = await services.db.query<{ id: string }>(
      "select a.id from accounts a join customers c on c.account_id = a.id where c.tenant_id = $1 and c.customer_number = $2",
      [t.id, customerNumber],
    );
    return (await customerClient(services, app, t, row!.id)).client;
  }

  beforeAll(async () => {
    services = await openTestServices(engine);
    tenant = await makeTenant(services.db, { slug: "preuve", displayName: "Preuve Location" });
    other = await makeTenant(services.db, { slug: "autre", displayName: "Autre Bail" });
    app = await buildWebApp(services);
    work = mkdtempSync(path.join(tmpdir(), "efacture-proof-"));
    keyFile = path.join(work, "platform.pem");
    writeFileSync(keyFile, services.sealKey().publicKeyPem);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("gives the customer a ZIP that an independent script verifies, with the original bytes, and fails on any tampering", async () => {
    const invoice = await publishFor(services, tenant, "P-2026-001", "PC-1");
    const client = await portalClient(tenant, "PC-1");
    expect((await client.get(`/factures/${invoice.id}/pdf`)).statusCode).toBe(200);
    await sealAuditChains(
      { db: services.db, sealKey: services.sealKey(), logger: silent },
      { now: new Date() },
    );

    const res = await client.get(`/factures/${invoice.id}/preuve`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/zip");
    expect(res.headers["content-disposition"]).toMatch(
      /^attachment; filename="preuve-Acme-Location-SAS_P-2026-001_2026-11-05\.zip"/,
    );
    expect(res.headers["cache-control"]).toBe("no-store");
    const zip = res.rawPayload;
    expect(Number(res.headers["content-length"])).toBe(zip.length);
    const ok = verifyBundle(zip);
    expect(ok.output).toMatch(/^OK: files match their SHA-256, audit entries chained, 1 seal\(s\) verified/m);
    expect(ok.code).toBe(0);

    // What is inside: the exact bytes, the XML, the certificate with both digests and the audit entries.
    const bundle = await buildProofBundle(
      { db: services.db, blobs: services.blobs },
      { tenantId: tenant.id, invoiceId: invoice.id },
    );
    const names = bundle.files.map((f) => f.path);
    expect(names).toEqual(
      expect.arrayContaining([
        "README.txt",
        "Acme-Location-SAS_P-2026-001_2026-11-05.pdf",
        "Acme-Location-SAS_P-2026-001_2026-11-05.xml",
        "certificate.json",
        "certificate.txt",
        "audit/segment-1.jsonl",
      ]),
    );
    const file = (name: string) => bundle.files.find((f) => f.path === name)!.bytes;
    expect(file("Acme-Location-SAS_P-2026-001_2026-11-05.pdf").equals(invoice.bytes)).toBe(true);
    const certificate = JSON.parse(file("certificate.json").toString("utf8"));
    expect(certificate.files.pdf.sha256).toBe(invoice.sha256);
    expect(certificate.lifecycle.map((e: { code: number }) => e.code)).toEqual([203, 204]);
    expect(certificate.auditEntries.map((e: { action: string }) => e.action)).toEqual([
      "invoice.published",
      "invoice.downloaded",
    ]);
    for (const entry of certificate.auditEntries)
      expect(innerHash(JSON.parse(entry.canonical))).toBe(entry.inner);
    const readme = file("README.txt").toString("utf8");
    for (const text of [
      "sha256sum",
      "openssl pkeyutl -verify -pubin",
      "-rawin",
      "openssl ts -verify",
      "English below",
    ])
      expect(readme).toContain(text);
    expect(file("certificate.txt").toString("utf8")).toContain(invoice.sha256);

    // Tampering: each variant is refused by the script.
    const tampered = (change: (files: ProofFile[]) => ProofFile[]) =>
      zipOf(change(bundle.files.map((f) => ({ path: f.path, bytes: Buffer.from(f.bytes) }))));
    const flip = (bytes: Buffer, at = Math.floor(bytes.length / 2)) => {
      bytes[at]! ^= 0x01;
      return bytes;
    };
    const withFile = (name: string, edit: (bytes: Buffer) => Buffer) => (files: ProofFile[]) =>
      files.map((f) => (f.path === name ? { ...f, bytes: edit(f.bytes) } : f));
    const cases: [string, (files: ProofFile[]) => ProofFile[], RegExp][] = [
      [
        "flipped PDF byte",
        withFile("Acme-Location-SAS_P-2026-001_2026-11-05.pdf", (b) => flip(b)),
        /SHA-256/,
      ],
      [
        "PDF and certificate both changed",
        (files) => {
          const pdf = flip(Buffer.from(file("Acme-Location-SAS_P-2026-001_2026-11-05.pdf")));
          const cert = JSON.parse(file("certificate.json").toString("utf8"));
          cert.files.pdf.sha256 = createHash("sha256").update(pdf).digest("hex");
          return withFile("certificate.json", () => Buffer.from(JSON.stringify(cert)))(
            withFile("Acme-Location-SAS_P-2026-001_2026-11-05.pdf", () => pdf)(files),
          );
        },
        /published entry names another SHA-256/,
      ],
      [
        "altered chain entry",
        withFile("audit/segment-1.jsonl", (b) =>
          Buffer.from(b.toString("utf8").replace("invoice.downloaded", "invoice.removed")),
        ),
        /altered|not in the chain/,
      ],
      [
        "seal payload changed",
        (files) => {
          const payload = files.find((f) => f.path.endsWith(".payload.json"))!;
          return withFile(payload.path, (b) =>
            Buffer.from(
              b.toString("utf8").replace(/"sealedAt":"[^"]+"/, '"sealedAt":"2020-01-01T00:00:00.000Z"'),
            ),
          )(files);
        },
        /signature .* does not verify/,
      ],
      [
        "re-signed with another key",
        (files) => {
          const foreign = sealKeyFromPem(
            generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
          );
          const payload = files.find((f) => f.path.endsWith(".payload.json"))!;
          const sig = files.find((f) => f.path.endsWith(".sig"))!;
          const pub = files.find((f) => f.path.endsWith(".public-key.pem"))!;
          return files.map((f) =>
            f === sig
              ? { ...f, bytes: Buffer.from(foreign.sign(payload.bytes.toString("utf8")), "base64") }
              : f === pub
                ? { ...f, bytes: Buffer.from(foreign.publicKeyPem) }
                : f,
          );
        },
        /signed by another key/,
      ],
    ];
    for (const [what, change, message] of cases) {
      const result = verifyBundle(await tampered(change));
      expect(result.code, what).toBe(1);
      expect(result.output, what).toMatch(message);
    }
  }, 120_000);

  it("marks today's events as not sealed yet until the next seal", async () => {
    const invoice = await publishFor(services, tenant, "P-2026-002", "PC-2");
    const client = await portalClient(tenant, "PC-2");
    const res = await client.get(`/factures/${invoice.id}/preuve`);
    expect(res.statusCode).toBe(200);
    expect(verifyBundle(res.rawPayload).output).toMatch(/FAIL: audit\/segment-1.jsonl is not sealed yet/);
    expect(verifyBundle(res.rawPayload, "--allow-unsealed").code).toBe(0);
  });

  it("answers 404 for a malformed id, another account's invoice and another tenant's invoice, and asks to log in", async () => {
    const mine = await publishFor(services, tenant, "P-2026-003", "PC-3");
    const theirs = await publishFor(services, tenant, "P-2026-004", "PC-4");
    const elsewhere = await publishFor(services, other, "P-2026-005", "PC-5");
    const client = await portalClient(tenant, "PC-3");
    expect((await client.get(`/factures/${mine.id}/preuve`)).statusCode).toBe(200);
    for (const url of [
      "/factures/not-an-id/preuve",
      `/factures/${theirs.id}/preuve`,
      `/factures/${elsewhere.id}/preuve`,
      "/factures/00000000-0000-4000-8000-000000000000/preuve",
    ])
      expect((await client.get(url)).statusCode, url).toBe(404);
    const anonymous = await new WebClient(app, "preuve.localhost:3000").get(`/factures/${mine.id}/preuve`);
    expect([302, 303, 401]).toContain(anonymous.statusCode);
    // The account that cannot see it did not take it.
    const [row] = await services.db.query<{ first: Date | null }>(
      `select first_downloaded_at as first from invoices where id = $1`,
      [theirs.id],
    );
    expect(row!.first).toBeNull();
  });

  it("refuses to bundle an altered original, raises the alert, and publishes the platform key", async () => {
    const invoice = await publishFor(services, tenant, "P-2026-006", "PC-6");
    const client = await portalClient(tenant, "PC-6");
    const store = createFsBlobStore(path.join(services.testEnv.dataDir, "blobs"));
    const flipped = Buffer.from(invoice.bytes);
    flipped[100]! ^= 0x01;
    writeFileSync(store.pathOf(invoice.sha256), flipped);
    const res = await client.get(`/factures/${invoice.id}/preuve`);
    expect(res.statusCode).toBe(500);
    expect(res.body).toContain("Preuve momentanément indisponible");
    const audit = await services.db.query<{ details: { during: string; problem: string } }>(
      "select details from audit_entries where action = 'integrity.failed' and target_id = $1",
      [invoice.id],
    );
    expect(audit.map((a) => [a.details.during, a.details.problem])).toEqual([["proof", "hash_mismatch"]]);
    const [taken] = await services.db.query<{ first: Date | null }>(
      "select first_downloaded_at as first from invoices where id = $1",
      [invoice.id],
    );
    expect(taken!.first).toBeNull();
    writeFileSync(store.pathOf(invoice.sha256), invoice.bytes);

    const key = await new WebClient(app, "preuve.localhost:3000").get("/.well-known/efacture-seal-key.pem");
    expect(key.statusCode).toBe(200);
    expect(key.body).toBe(services.sealKey().publicKeyPem);
    const keys = await new WebClient(app, "preuve.localhost:3000").get("/.well-known/efacture-seal-keys.pem");
    expect(keys.body).toBe(`Current sealing key\n${services.sealKey().publicKeyPem}`);
  });

  it("publishes the retired sealing keys beside the current one, after a key change", async () => {
    const retired = generateKeyPairSync("ed25519")
      .publicKey.export({ type: "spki", format: "pem" })
      .toString();
    const file = path.join(services.testEnv.dataDir, "retired.pem");
    writeFileSync(file, retired);
    const rotated = await buildWebApp({
      ...services,
      config: { ...services.config, sealRetiredPublicKeysFile: file },
    });
    try {
      const keys = await new WebClient(rotated, "preuve.localhost:3000").get(
        "/.well-known/efacture-seal-keys.pem",
      );
      expect(keys.statusCode).toBe(200);
      expect(keys.headers["content-type"]).toBe("application/x-pem-file");
      expect(keys.body).toBe(
        `Current sealing key\n${services.sealKey().publicKeyPem}Retired sealing key\n${retired}`,
      );
    } finally {
      await rotated.close();
    }
  });
});
