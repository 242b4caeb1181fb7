import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.js";
import { type SealKey, sealKeyFromPem } from "../domain/audit/seal-key.js";
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
