import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

// A secret the platform must be able to use again (a PA client secret, a bearer token, a webhook secret) is
// kept the way staff TOTP secrets are (src/domain/staff/totp.ts, docs/architecture.md "Staff"): AES-256-GCM
// under a key derived (HKDF-SHA-256) from the platform secret with a purpose of its own, bound by the
// associated data to the row it belongs to, so a copy of the database alone gives nobody the secret and a
// sealed value moved to another tenant's row does not open.

function keyFor(platformSecret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", platformSecret, "efacture", purpose, 32));
}

/** `v1.<iv>.<ciphertext>.<tag>` (base64url), bound to `associated` (e.g. the tenant id). */
export function sealSecret(
  platformSecret: string,
  purpose: string,
  associated: string,
  plaintext: string,
): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyFor(platformSecret, purpose), iv);
  cipher.setAAD(Buffer.from(associated));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv, body, cipher.getAuthTag()]
    .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
    .join(".");
}

/** The plaintext of `sealSecret`; throws when the value was altered, moved to another row or sealed under another key. */
export function openSecret(
  platformSecret: string,
  purpose: string,
  associated: string,
  stored: string,
): string {
  const [version, iv, body, tag] = stored.split(".");
  if (version !== "v1" || !iv || !body || !tag) throw new Error("unreadable sealed secret");
  const decipher = createDecipheriv(
    "aes-256-gcm",
    keyFor(platformSecret, purpose),
    Buffer.from(iv, "base64url"),
  );
  decipher.setAAD(Buffer.from(associated));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}
