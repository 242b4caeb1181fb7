import { createHash, randomBytes } from "node:crypto";

/** `efk_<prefix>_<secret>`: the prefix names the key in lists and logs, the secret is 256 random bits. */
const KEY_PATTERN = /^efk_([0-9a-f]{8})_([0-9a-f]{64})$/;

/** A fresh key, its prefix and the only thing we store of it: its SHA-256 (docs/security.md A5). */
export function generateApiKey(random: (size: number) => Buffer = randomBytes): {
  key: string;
  prefix: string;
  keyHash: string;
} {
  const prefix = random(4).toString("hex");
  const key = `efk_${prefix}_${random(32).toString("hex")}`;
  return { key, prefix, keyHash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** The prefix of a well-formed key, or undefined: safe to log, it does not reveal the secret. */
export function apiKeyPrefix(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}
