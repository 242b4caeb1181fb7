import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { keyIdOf, verifySealSignature } from "../src/domain/audit/seal-key.js";
import { loadSealKey } from "../src/storage/seal-key-file.js";

const dir = mkdtempSync(path.join(tmpdir(), "efacture-seal-key-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the audit sealing key", () => {
  it("is generated once in DATA_DIR/secrets (mode 0600) outside production, then reused", () => {
    const dataDir = path.join(dir, "data");
    const first = loadSealKey({ dataDir, production: false, sealPrivateKeyFile: undefined });
    const again = loadSealKey({ dataDir, production: false, sealPrivateKeyFile: undefined });
    expect(again.publicKeyPem).toBe(first.publicKeyPem);
    expect(first.keyId).toMatch(/^ed25519:[0-9a-f]{32}$/);
    expect(statSync(path.join(dataDir, "secrets", "seal-ed25519.pem")).mode & 0o777).toBe(0o600);
    const signature = first.sign('{"a":1}');
    expect(verifySealSignature(first.publicKeyPem, '{"a":1}', signature)).toBe(true);
    expect(verifySealSignature(first.publicKeyPem, '{"a":2}', signature)).toBe(false);
  });

  it("comes from SEAL_PRIVATE_KEY_FILE, which must be an Ed25519 PKCS#8 PEM, and is required in production", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const file = path.join(dir, "seal.pem");
    writeFileSync(file, privateKey.export({ type: "pkcs8", format: "pem" }));
    const config = loadConfig({
      SEAL_PRIVATE_KEY_FILE: file,
      DATA_DIR: dir,
      TSA_URL: "https://tsa.example/tsr",
    });
    expect(config.sealPrivateKeyFile).toBe(file);
    expect(config.tsaUrl?.toString()).toBe("https://tsa.example/tsr");
    const key = loadSealKey(config);
    expect(key.keyId).toBe(keyIdOf(publicKey.export({ type: "spki", format: "pem" }).toString()));

    const rsa = path.join(dir, "rsa.pem");
    writeFileSync(
      rsa,
      generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }),
    );
    expect(() => loadSealKey({ ...config, sealPrivateKeyFile: rsa })).toThrow(/must be Ed25519, not rsa/);
    expect(() => loadSealKey({ ...config, sealPrivateKeyFile: path.join(dir, "none.pem") })).toThrow(
      /cannot be read \(ENOENT\)/,
    );
    expect(() => loadSealKey({ dataDir: dir, production: true, sealPrivateKeyFile: undefined })).toThrow(
      /SEAL_PRIVATE_KEY_FILE is required when NODE_ENV=production/,
    );
    expect(() => loadConfig({ TSA_URL: "ftp://tsa.example" })).toThrow(
      /TSA_URL: expected a URL starting with http: or https:/,
    );
  });
});
