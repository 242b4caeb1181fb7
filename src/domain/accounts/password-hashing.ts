import { hash, type Options, verify } from "@node-rs/argon2";

/** argon2id (algorithm 2), m=19 MiB, t=2, p=1: the OWASP minimum (docs/security.md P3). @node-rs/argon2 hashes on libuv threads, off the event loop. */
export const ARGON2_OPTIONS: Options = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

// NIST 800-63B: apply Unicode normalisation so the same password typed on two keyboards matches.
const normalize = (password: string) => password.normalize("NFKC");

export function hashPassword(password: string): Promise<string> {
  return hash(normalize(password), ARGON2_OPTIONS);
}

let dummy: Promise<string> | undefined;

/**
 * Verifies a password; with no stored hash (unknown or never-activated account) it verifies against a
 * dummy hash of the same cost, so the answer takes the same time either way (docs/security.md L2).
 */
export async function verifyPassword(
  storedHash: string | null | undefined,
  password: string,
): Promise<boolean> {
  dummy ??= hashPassword("dummy password that never matches anything");
  const target = storedHash ?? (await dummy);
  try {
    const ok = await verify(target, normalize(password));
    return ok && Boolean(storedHash);
  } catch {
    return false;
  }
}
