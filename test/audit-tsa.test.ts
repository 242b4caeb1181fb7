import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAudit } from "../src/db/audit.repository.js";
import { findAuditSeal } from "../src/db/audit-seals.repository.js";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { buildProofBundle } from "../src/domain/audit/build-proof-bundle.js";
import { parseTimeStampResponse } from "../src/domain/audit/rfc3161.js";
import { sealAuditChains } from "../src/domain/audit/seal-audit-chains.js";
import { verifyAudit } from "../src/domain/audit/verify-audit.js";
import { createZipStream } from "../src/http/zip-stream.js";
import { createHttpTimestampAuthority } from "../src/timestamp/tsa-client.js";
import { publishFor } from "./support/audit-fixtures.js";
import { makeTenant } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";

const run = promisify(execFile);

/** A test CA and a TSA certificate (extendedKeyUsage critical timeStamping) with its `openssl ts` config. */
async function makeTsa(dir: string) {
  const ossl = (...args: string[]) => run("openssl", args, { cwd: dir });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  await ossl(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=E-FACTURE test TSA CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
  await ossl("req", ...ec, "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=E-FACTURE test TSA");
  writeFileSync(
    path.join(dir, "tsa-ext.cnf"),
    "extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\n",
  );
  await ossl(
    "x509",
    "-req",
    "-in",
    "tsa.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "tsa.pem",
    "-days",
    "2",
    "-extfile",
    "tsa-ext.cnf",
  );
  writeFileSync(path.join(dir, "serial"), "01\n");
  writeFileSync(
    path.join(dir, "tsa.cnf"),
    `[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = ${dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`,
  );
}

/** An HTTP TSA: each POST runs `openssl ts -reply` (one at a time: the serial file). `mode` breaks it on demand. */
function startTsa(dir: string) {
  const state = {
    mode: "ok" as "ok" | "http-500" | "replay",
    requests: 0,
    last: undefined as Buffer | undefined,
  };
  let chain = Promise.resolve();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      chain = chain.then(async () => {
        state.requests++;
        if (state.mode === "http-500" || req.headers["content-type"] !== "application/timestamp-query") {
          res.writeHead(500).end();
          return;
        }
        if (state.mode === "replay" && state.last) {
          res.writeHead(200, { "content-type": "application/timestamp-reply" }).end(state.last);
          return;
        }
        const query = path.join(dir, "query.tsq");
        const reply = path.join(dir, "reply.tsr");
        writeFileSync(query, Buffer.concat(chunks));
        await run("openssl", [
          "ts",
          "-reply",
          "-config",
          path.join(dir, "tsa.cnf"),
          "-queryfile",
          query,
          "-out",
          reply,
        ]);
        state.last = readFileSync(reply);
        res.writeHead(200, { "content-type": "application/timestamp-reply" }).end(state.last);
      });
    });
  });
  return new Promise<{ url: URL; state: typeof state; close: () => Promise<void> }>((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: new URL(`http://127.0.0.1:${port}/tsa`),
        state,
        close: () => new Promise((r) => server.close(() => r())),
      });
    }),
  );
}

describe.each(ENGINES)("RFC 3161 timestamps of the seals on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let dir: string;
  let tsa: Awaited<ReturnType<typeof startTsa>>;
  const logLines: string[] = [];
  const logger = pino(
    { level: "warn" },
    new Writable({
      write(chunk, _e, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  );
  let count = 0;

  beforeAll(async () => {
    services = await openTestServices(engine);
    dir = mkdtempSync(path.join(tmpdir(), "efacture-tsa-"));
    await makeTsa(dir);
    tsa = await startTsa(dir);
  }, 120_000);
  afterAll(async () => {
    await tsa?.close();
    await services?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function tenantWithEntries(): Promise<TenantRow> {
    const tenant = await makeTenant(services.db, { slug: `tsa-${++count}`, displayName: "TSA" });
    await services.db.transaction((tx) =>
      appendAudit(tx, { tenantId: tenant.id, actorType: "system", action: "test" }),
    );
    return tenant;
  }

  const seal = (tenantId: string, now: Date, url = tsa.url) =>
    sealAuditChains(
      { db: services.db, sealKey: services.sealKey(), tsa: createHttpTimestampAuthority(url, 5_000), logger },
      { now, tenantId },
    );

  /** `openssl ts -verify` of a stored token against its payload and the test CA. */
  async function opensslVerify(token: string, payload: string) {
    writeFileSync(path.join(dir, "seal.tsr"), Buffer.from(token, "base64"));
    writeFileSync(path.join(dir, "seal.json"), payload);
    return run("openssl", ["ts", "-verify", "-in", "seal.tsr", "-data", "seal.json", "-CAfile", "ca.pem"], {
      cwd: dir,
    });
  }

  it("stores a token for the SHA-256 of the signed payload that openssl ts -verify accepts", async () => {
    const tenant = await tenantWithEntries();
    const report = await seal(tenant.id, new Date("2026-11-20T23:50:00Z"));
    expect(report.sealed).toEqual([
      { tenantId: tenant.id, slug: tenant.slug, headSeq: 2, timestamped: true },
    ]);
    const stored = (await findAuditSeal(services.db, tenant.id, "2026-11-20"))!;
    expect(stored.tsaUrl).toBe(tsa.url.toString());
    const { stdout } = await opensslVerify(stored.tsaToken!, stored.payload);
    expect(stdout).toContain("Verification: OK");
    const parsed = parseTimeStampResponse(Buffer.from(stored.tsaToken!, "base64"));
    expect(parsed.status).toBe(0);
    expect(Math.abs(parsed.genTime!.getTime() - Date.now())).toBeLessThan(60_000);
    // A token for other bytes is refused by openssl: the check means something.
    await expect(opensslVerify(stored.tsaToken!, `${stored.payload} `)).rejects.toThrow();
    const verified = await verifyAudit(
      { db: services.db, blobs: services.blobs, trustedPublicKeys: [services.sealKey().publicKeyPem] },
      { tenantId: tenant.id, skipBlobs: true },
    );
    expect(verified.ok).toBe(true);
    expect(verified.chains[0]!.timestamped).toBe(1);
  });

  it("stores the seal without a token when the TSA is down or answers wrongly, logs it, and adds the token at the next run", async () => {
    const tenant = await tenantWithEntries();
    const down = new URL("http://127.0.0.1:9/tsa");
    logLines.length = 0;
    const first = await seal(tenant.id, new Date("2026-11-21T23:50:00Z"), down);
    expect(first.sealed).toHaveLength(1);
    expect(first.sealed[0]!.timestamped).toBe(false);
    expect(first.timestampFailures).toBe(1);
    expect((await findAuditSeal(services.db, tenant.id, "2026-11-21"))!.tsaToken).toBeNull();
    expect(logLines.join("")).toMatch(/"event":"seal.timestamp_failed"/);

    // A TSA that answers HTTP 500, then one that replays an old token (other digest, other nonce): still no token.
    tsa.state.mode = "http-500";
    expect(
      (await seal(tenant.id, new Date("2026-11-21T23:55:00Z"))).timestampFailures,
    ).toBeGreaterThanOrEqual(1);
    tsa.state.mode = "replay";
    expect(
      (await seal(tenant.id, new Date("2026-11-21T23:56:00Z"))).timestampFailures,
    ).toBeGreaterThanOrEqual(1);
    expect(logLines.join("")).toMatch(/message imprint differs|nonce differs/);
    expect((await findAuditSeal(services.db, tenant.id, "2026-11-21"))!.tsaToken).toBeNull();

    tsa.state.mode = "ok";
    const next = await seal(tenant.id, new Date("2026-11-22T23:50:00Z"));
    expect(next.timestampsAdded).toBeGreaterThanOrEqual(1);
    expect(next.sealed[0]!.timestamped).toBe(true);
    const earlier = (await findAuditSeal(services.db, tenant.id, "2026-11-21"))!;
    expect((await opensslVerify(earlier.tsaToken!, earlier.payload)).stdout).toContain("Verification: OK");
  });

  it("puts the token in the proof bundle, where the independent script verifies it with the TSA's CA", async () => {
    const tenant = await makeTenant(services.db, { slug: `tsa-${++count}`, displayName: "TSA" });
    const invoice = await publishFor(services, tenant, "T-1", "TC-1");
    await seal(tenant.id, new Date());
    const bundle = await buildProofBundle(
      { db: services.db, blobs: services.blobs },
      { tenantId: tenant.id, invoiceId: invoice.id },
    );
    expect(bundle.files.some((f) => f.path.endsWith(".tsr"))).toBe(true);
    const zip = createZipStream({
      leading: bundle.files.map((f) => ({ ...f, mtime: new Date() })),
      files: [],
    });
    const chunks: Buffer[] = [];
    for await (const chunk of zip.stream) chunks.push(chunk as Buffer);
    writeFileSync(path.join(dir, "bundle.zip"), Buffer.concat(chunks));
    const script = path.resolve("test/fixtures/verify-bundle.sh");
    const ok = spawnSync(
      "bash",
      [script, path.join(dir, "bundle.zip"), "--tsa-ca", path.join(dir, "ca.pem")],
      { encoding: "utf8" },
    );
    expect(ok.stdout).toContain("OK:");
    expect(ok.status).toBe(0);
    // Against another CA the token is refused.
    await run(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "other.key",
        "-out",
        "other.pem",
        "-days",
        "1",
        "-subj",
        "/CN=Other CA",
      ],
      { cwd: dir },
    );
    const other = spawnSync(
      "bash",
      [script, path.join(dir, "bundle.zip"), "--tsa-ca", path.join(dir, "other.pem")],
      { encoding: "utf8" },
    );
    expect(other.stdout).toMatch(/FAIL: the timestamp token .* does not verify/);
    expect(other.status).toBe(1);
  });
});
