import { randomInt } from "node:crypto";

// Read aloud on the phone and typed from a mail: no 0/O, 1/I/L, no lower case, two groups of four.
const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/** A new account identifier such as `K7QM-4TZP`: never an e-mail, easy to dictate. */
export function generateIdentifier(): string {
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (i === 4) out += "-";
    out += ALPHABET[randomInt(ALPHABET.length)];
  }
  return out;
}

export const IDENTIFIER_PATTERN = /^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$/;

/** How a typed identifier is compared: case-insensitive, spaces ignored, the dash optional. */
export function normalizeIdentifier(input: string): string {
  const compact = input.replace(/[\s-]/g, "").toUpperCase();
  return compact.length === 8 ? `${compact.slice(0, 4)}-${compact.slice(4)}` : compact;
}

/** E-mail addresses are stored trimmed and lower-cased: one account per address in a tenant. */
export function normalizeEmail(input: string): string {
  return input.trim().toLowerCase();
}

export const EMAIL_PATTERN = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;
