import type { Options } from "@node-rs/argon2";

/** argon2id (algorithm 2), m=19 MiB, t=2, p=1: the OWASP minimum (SECURITY.md P3). @node-rs/argon2 hashes on its own threads. */
export const ARGON2_OPTIONS: Options = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 };
