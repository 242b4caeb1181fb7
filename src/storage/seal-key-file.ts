import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.js";
import { publicSealKeyFromPem, type SealKey, sealKeyFromPem } from "../domain/audit/seal-key.js";
import { DomainError } from "../domain/shared/errors.js";

/**
 * The sealing key: SEAL_PRIVATE_KEY_FILE, or (outside production) a key generated once in
 * DATA_DIR/secrets/seal-ed25519.pem, mode 0600. Production without the file is refused: a key that
 * lives next to the data it seals would prove little.
 */
export function loadSealKey(config: Pick<Config, "sealPrivateKeyFile" | "dataDir" | "production">): SealKey {
  if (config.sealPrivateKeyFile) {
    let pem: string;
    try {
      pem = readFileSync(config.sealPrivateKeyFile, "utf8");
    } catch (error) {
      throw new DomainError(
        "seal_key_unavailable",
        `SEAL_PRIVATE_KEY_FILE ${config.sealPrivateKeyFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`,
      );
    }
    try {
      return sealKeyFromPem(pem);
    } catch (error) {
      throw new DomainError("seal_key_unavailable", `SEAL_PRIVATE_KEY_FILE: ${(error as Error).message}`);
    }
  }
  if (config.production)
    throw new DomainError(
      "seal_key_unavailable",
      "SEAL_PRIVATE_KEY_FILE is required when NODE_ENV=production (openssl genpkey -algorithm ed25519 -out seal.pem)",
    );
  const dir = path.join(config.dataDir, "secrets");
  const file = path.join(dir, "seal-ed25519.pem");
  try {
    return sealKeyFromPem(readFileSync(file, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync("ed25519");
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  try {
    writeFileSync(file, pem, { mode: 0o600, flag: "wx" });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  return sealKeyFromPem(readFileSync(file, "utf8"));
}

/**
 * The public keys whose seals verify: the current sealing key's, then each key of
 * SEAL_RETIRED_PUBLIC_KEYS_FILE (the public halves of earlier sealing keys, PEM SPKI, one after the other).
 * Changing the sealing key: append the current public key (`/.well-known/efacture-seal-key.pem`) to that file,
 * then point SEAL_PRIVATE_KEY_FILE at the new key; older seals keep verifying, new ones are signed by the new key.
 */
export function trustedSealPublicKeys(
  config: Pick<Config, "sealRetiredPublicKeysFile">,
  sealKey: SealKey,
): string[] {
  const file = config.sealRetiredPublicKeysFile;
  if (!file) return [sealKey.publicKeyPem];
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new DomainError(
      "seal_key_unavailable",
      `SEAL_RETIRED_PUBLIC_KEYS_FILE ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  const blocks = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? [];
  if (blocks.length === 0)
    throw new DomainError(
      "seal_key_unavailable",
      `SEAL_RETIRED_PUBLIC_KEYS_FILE ${file} holds no PEM public key (-----BEGIN PUBLIC KEY-----)`,
    );
  const retired = blocks.map((block, i) => {
    try {
      return publicSealKeyFromPem(block);
    } catch (error) {
      throw new DomainError(
        "seal_key_unavailable",
        `SEAL_RETIRED_PUBLIC_KEYS_FILE, key ${i + 1}: ${(error as Error).message}`,
      );
    }
  });
  return [sealKey.publicKeyPem, ...retired.filter((pem) => pem !== sealKey.publicKeyPem)];
}
