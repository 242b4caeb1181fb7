import { createHash, randomBytes } from "node:crypto";

/** 256 random bits, URL-safe: session ids and one-time tokens (never a UUID). */
export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** What the database keeps of a secret. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** A secret as it may appear in a cookie or URL: 43 base64url characters. */
export const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
