import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { keyIdOf, verifySealSignature } from "../src/domain/audit/seal-key.js";
import { loadSealKey, trustedSealPublicKeys } from "../src/storage/seal-key-file.js";

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

    // The public halves of earlier keys: PEM SPKI blocks, Ed25519 only, with a clear refusal otherwise.
    const retired = path.join(dir, "retired.pem");
    const older = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }).toString();
    writeFileSync(retired, `ancienne clé, jusqu'au 2026-11-21\n${older}\n${key.publicKeyPem}`);
    const withRetired = loadConfig({
      SEAL_PRIVATE_KEY_FILE: file,
      SEAL_RETIRED_PUBLIC_KEYS_FILE: retired,
      DATA_DIR: dir,
    });
    expect(withRetired.sealRetiredPublicKeysFile).toBe(retired);
    // The current key listed again is not repeated.
    expect(trustedSealPublicKeys(withRetired, key)).toEqual([key.publicKeyPem, older]);
    expect(trustedSealPublicKeys({ sealRetiredPublicKeysFile: undefined }, key)).toEqual([key.publicKeyPem]);
    expect(() =>
      trustedSealPublicKeys({ sealRetiredPublicKeysFile: path.join(dir, "none.pem") }, key),
    ).toThrow(/SEAL_RETIRED_PUBLIC_KEYS_FILE .* cannot be read \(ENOENT\)/);
    writeFileSync(retired, "rien ici");
    expect(() => trustedSealPublicKeys(withRetired, key)).toThrow(/holds no PEM public key/);
    writeFileSync(
      retired,
      generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "pem" }),
    );
    expect(() => trustedSealPublicKeys(withRetired, key)).toThrow(/key 1: the key must be Ed25519, not rsa/);
    writeFileSync(retired, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
    expect(() => trustedSealPublicKeys(withRetired, key)).toThrow(/key 1: not a PEM public key/);

    expect(() => loadConfig({ TSA_URL: "ftp://tsa.example" })).toThrow(
      /TSA_URL: expected a URL starting with http: or https:/,
    );
  });
});
