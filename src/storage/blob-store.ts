import type { Readable } from "node:stream";

/** Content-addressed storage of the exact bytes an issuer published. */
export interface BlobStore {
  /** Stores `bytes` under their SHA-256 (idempotent) and returns it. Never leaves a partial blob under its final name. */
  put(bytes: Uint8Array): Promise<{ sha256: string; sizeBytes: number }>;
  has(sha256: string): Promise<boolean>;
  /** The stored bytes as a stream, or undefined when absent. The caller verifies the hash while streaming. */
  open(sha256: string): Promise<Readable | undefined>;
  read(sha256: string): Promise<Uint8Array | undefined>;
  /** Deletes the bytes for good (directory synced); nothing happens when they are already absent. */
  delete(sha256: string): Promise<void>;
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;
