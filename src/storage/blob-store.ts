import type { Readable } from "node:stream";

/** Content-addressed storage of the exact bytes an issuer published. */
export interface BlobStore {
  /** Stores `bytes` under their SHA-256 (idempotent) and returns it. Never leaves a partial blob under its final name. */
  put(bytes: Uint8Array): Promise<{ sha256: string; sizeBytes: number }>;
  /**
   * Stores several blobs as `put` does each (same order in the result), with the store's per-write costs shared
   * (one fsync per file and per folder, concurrently, for the filesystem store). Every blob is durable when it
   * resolves; when it rejects, some may be stored and none is partial under its final name. Publication calls
   * this one when present (`putBlobs`): a wrapper that replaces `put` must replace or drop `putMany` too.
   */
  putMany?(list: Uint8Array[]): Promise<{ sha256: string; sizeBytes: number }[]>;
  has(sha256: string): Promise<boolean>;
  /** The stored bytes as a stream, or undefined when absent. The caller verifies the hash while streaming. */
  open(sha256: string): Promise<Readable | undefined>;
  read(sha256: string): Promise<Uint8Array | undefined>;
  /** Deletes the bytes for good (directory synced); nothing happens when they are already absent. */
  delete(sha256: string): Promise<void>;
  /**
   * How the front server (nginx) can serve these bytes itself once the portal has authorised and recorded a
   * download (docs/deploy): the store's relative path for `X-Accel-Redirect` (filesystem) or a short-lived
   * URL (object store). Absent or undefined: the portal streams the bytes with its hash check.
   */
  offload?(sha256: string, options?: OffloadOptions): Promise<BlobOffload | undefined>;
}

/**
 * What the front server should answer with the offloaded bytes. A presigned URL carries them in its signature
 * (`response-content-type`, `response-content-disposition`), since the object store answers the client itself.
 */
export interface OffloadOptions {
  contentType?: string;
  contentDisposition?: string;
}

/**
 * The store cannot be used now (down, unreachable, credentials refused): the request fails with 503 and
 * nothing is written; the same request works again once the store is back.
 */
export class BlobStoreUnavailable extends Error {
  readonly code = "blob_store_unavailable";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BlobStoreUnavailable";
  }
}

/** True when an error (or its cause) means the blob store cannot be reached now. */
export function isBlobStoreDown(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++)
    if (e instanceof BlobStoreUnavailable) return true;
  return false;
}

/**
 * Write-once refused: the key of these bytes already holds other bytes (tampering, or a store that
 * corrupted them). Nothing is overwritten; the operator looks (the nightly verifier reports the same file).
 */
export class BlobWriteConflict extends Error {
  readonly code = "blob_write_conflict";
  constructor(
    readonly sha256: string,
    detail: string,
  ) {
    super(`refused to overwrite the stored blob ${sha256}: ${detail}`);
    this.name = "BlobWriteConflict";
  }
}

/** Where nginx finds a blob: a path under the store's internal location, or a presigned URL. */
export type BlobOffload =
  | {
      kind: "accel";
      relativePath: string;
      /** The stored file's size, when the store knows it cheaply (a wrong size is served by the portal, checked). */
      sizeBytes?: number;
    }
  | { kind: "url"; url: string; expiresAt: Date };

/** A stored blob as the store's listing sees it. */
export interface StoredBlob {
  sha256: string;
  size: number;
  /** Last modification of its bytes (ms since the epoch): how old a blob no row references is. */
  mtimeMs: number;
}

/** A temporary file a write leaves until it is renamed into place (a crashed write leaves it for good). */
export interface TempBlobFile {
  name: string;
  mtimeMs: number;
}

/**
 * What the orphan sweep needs besides reading and deleting: the store's own listing of what it holds,
 * whatever holds it (a folder today, an object store later).
 */
export interface BlobInventory {
  /** Every stored blob, in SHA-256 order, skipping anything not named by its hash. */
  listBlobs(): AsyncIterable<StoredBlob>;
  /** The temporary files of writes, in no particular order. */
  listTemp(): AsyncIterable<TempBlobFile>;
  /** Removes one temporary file (named as listTemp gives it); nothing happens when it is already gone. */
  removeTemp(name: string): Promise<void>;
}

/** `store.putMany(list)`, or `put` of each at once for a store without it. */
export function putBlobs(
  store: BlobStore,
  list: Uint8Array[],
): Promise<{ sha256: string; sizeBytes: number }[]> {
  if (list.length === 0) return Promise.resolve([]);
  return store.putMany ? store.putMany(list) : Promise.all(list.map((bytes) => store.put(bytes)));
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;
