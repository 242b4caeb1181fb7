import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, randomInt } from "node:crypto";
import { Secret, TOTP } from "otpauth";

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30 s steps. */
export const TOTP_PERIOD_SECONDS = 30;
const DIGITS = 6;
/** A code of the previous or next step is accepted (clock drift), never further. */
export const TOTP_WINDOW_STEPS = 1;

function totp(base32: string, label = "", issuer = "E-FACTURE"): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: "SHA1",
    digits: DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: Secret.fromBase32(base32),
  });
}

/** A new TOTP secret (160 bits, the RFC 4226 recommendation), base32 as apps expect it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI an authenticator app scans. */
export function totpUri(base32: string, label: string, issuer: string): string {
  return totp(base32, label, issuer).toString();
}

/** The code of a given time (tests and demo). */
export function totpCode(base32: string, at: Date): string {
  return totp(base32).generate({ timestamp: at.getTime() });
}

/** The time step of `at`. */
export function totpStep(at: Date): number {
  return Math.floor(at.getTime() / 1000 / TOTP_PERIOD_SECONDS);
}

/** The step the code belongs to (within ±1 step of `now`), or undefined when it matches none. */
export function matchTotp(base32: string, code: string, now: Date): number | undefined {
  const cleaned = code.replace(/\s/g, "");
  if (!/^\d{6}$/.test(cleaned)) return undefined;
  const delta = totp(base32).validate({
    token: cleaned,
    timestamp: now.getTime(),
    window: TOTP_WINDOW_STEPS,
  });
  return delta === null ? undefined : totpStep(now) + delta;
}

// The TOTP secret is kept encrypted (AES-256-GCM) with a key derived from the platform secret: a copy of
// the database alone does not give anyone the second factor of the staff.
function totpKey(platformSecret: string, purpose = "staff-totp-secret v1"): Buffer {
  return Buffer.from(hkdfSync("sha256", platformSecret, "efacture", purpose, 32));
}

function seal(key: Buffer, associated: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(associated));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv, body, cipher.getAuthTag()]
    .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
    .join(".");
}

function unseal(key: Buffer, associated: string, stored: string): string {
  const [version, iv, body, tag] = stored.split(".");
  if (version !== "v1" || !iv || !body || !tag) throw new Error("unreadable TOTP secret");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(associated));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}

/** `v1.<iv>.<ciphertext>.<tag>` (base64url), bound to the staff member's id (associated data). */
export function encryptTotpSecret(platformSecret: string, staffId: string, base32: string): string {
  return seal(totpKey(platformSecret), staffId, base32);
}

export function decryptTotpSecret(platformSecret: string, staffId: string, stored: string): string {
  return unseal(totpKey(platformSecret), staffId, stored);
}

/** How long a secret shown on the enrolment page stays usable in that browser. */
export const ENROLMENT_SECRET_SECONDS = 30 * 60;

// A candidate secret during enrolment lives only in the browser that was shown it (an HttpOnly cookie),
// sealed under a key of its own and bound to one invitation (`binding`): the database keeps nothing until a
// code proves the authenticator holds it, so a mail scanner opening the link learns nothing that lasts.
/** The candidate secret and its expiry, sealed for the enrolment cookie. */
export function sealEnrolmentSecret(
  platformSecret: string,
  binding: string,
  base32: string,
  now: Date,
): string {
  const until = now.getTime() + ENROLMENT_SECRET_SECONDS * 1000;
  return seal(totpKey(platformSecret, "staff-totp-enrolment v1"), binding, `${base32}.${until}`);
}

/** The candidate secret of an enrolment cookie, or undefined when it is forged, expired or for another invitation. */
export function openEnrolmentSecret(
  platformSecret: string,
  binding: string,
  sealed: string,
  now: Date,
): string | undefined {
  let plain: string;
  try {
    plain = unseal(totpKey(platformSecret, "staff-totp-enrolment v1"), binding, sealed);
  } catch {
    return undefined;
  }
  const [base32, until] = plain.split(".");
  if (!base32 || !/^[A-Z2-7]+$/.test(base32) || !(Number(until) > now.getTime())) return undefined;
  return base32;
}

const RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

/** Ten recovery codes such as `k7qm-4tzp-x2na` (60 bits each), shown once. */
export function newRecoveryCodes(count = 10): string[] {
  return Array.from({ length: count }, () => {
    let out = "";
    for (let i = 0; i < 12; i++) {
      if (i > 0 && i % 4 === 0) out += "-";
      out += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
    }
    return out;
  });
}

/** How a typed recovery code is compared: lower case, spaces and dashes ignored. */
export function hashRecoveryCode(code: string): string {
  return createHash("sha256").update(code.toLowerCase().replace(/[\s-]/g, "")).digest("hex");
}

export function looksLikeRecoveryCode(code: string): boolean {
  return /^[a-z0-9]{12}$/.test(code.toLowerCase().replace(/[\s-]/g, ""));
}
