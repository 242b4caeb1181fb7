import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import {
  type BlobInventory,
  type BlobOffload,
  type BlobStore,
  BlobStoreUnavailable,
  BlobWriteConflict,
  type OffloadOptions,
  SHA256_HEX,
  type StoredBlob,
  type TempBlobFile,
} from "./blob-store.js";

/** Where the originals live in an S3-compatible store (BLOB_STORE=s3://bucket/prefix, S3_*, AWS_*). */
export interface S3BlobStoreSettings {
  bucket: string;
  /** Key prefix without leading or trailing slash; "" for the bucket's root. */
  prefix: string;
  /** Unset: AWS itself (the region's endpoint). */
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** Unset: the SDK's default chain (AWS_* variables, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** How long a presigned download URL stays valid (seconds). */
  presignSeconds?: number;
  /** Objects per listing page (1000, S3's maximum; tests use less to cross pages). */
  listPageSize?: number;
}

/** Test seam: lets a test act between the steps of a put, as another writer would. */
export interface S3BlobStoreHooks {
  afterPut?(key: string): Promise<void> | void;
}

/** A down store must fail fast: a short connect timeout, an idle-socket timeout, at most 2 attempts. */
const CONNECT_TIMEOUT_MS = 2_000;
const IDLE_TIMEOUT_MS = 15_000;
const MAX_ATTEMPTS = 2;

export type S3BlobStore = Omit<BlobStore, "offload"> &
  BlobInventory & {
    readonly description: string;
    keyOf(sha256: string): string;
    /** Always a presigned GET URL (the bytes go from the object store to the client, not through Node). */
    offload(sha256: string, options?: OffloadOptions): Promise<Extract<BlobOffload, { kind: "url" }>>;
    /** Start-up check: the bucket exists and these credentials may use it (HeadBucket). */
    check(): Promise<void>;
    close(): void;
  };

/**
 * Originals as objects `<prefix>/<ab>/<sha256>` (content-addressed). Write-once is the application's: a put
 * looks first, sends `If-None-Match: *` (honoured by AWS and recent Ceph/Garage; s3rver ignores it) with
 * Content-MD5, then looks again, and refuses (BlobWriteConflict) whenever the key holds other bytes. A single
 * PUT is atomic on S3: a crashed write leaves nothing, so there are no temporary objects (listTemp is empty).
 */
export function createS3BlobStore(settings: S3BlobStoreSettings, hooks: S3BlobStoreHooks = {}): S3BlobStore {
  const client = new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    credentials: settings.credentials,
    // Non-AWS stores (s3rver, older Ceph RGW, Garage) reject or mangle the SDK's default CRC32 trailers.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: IDLE_TIMEOUT_MS },
  });
  const { bucket } = settings;
  const base = settings.prefix ? `${settings.prefix}/` : "";
  const where = `s3://${bucket}/${settings.prefix}${settings.endpoint ? ` at ${settings.endpoint}` : ""}`;
  const keyOf = (sha256: string) => {
    if (!SHA256_HEX.test(sha256)) throw new Error("invalid sha256");
    return `${base}${sha256.slice(0, 2)}/${sha256}`;
  };

  const unavailable = (what: string, error: unknown) =>
    new BlobStoreUnavailable(`object store ${where}: ${what} failed (${describe(error)})`, { cause: error });

  async function head(key: string): Promise<{ size: number; etag: string | undefined } | undefined> {
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: out.ContentLength ?? 0, etag: out.ETag };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw unavailable("HEAD", error);
    }
  }

  async function get(key: string): Promise<Readable | undefined> {
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = out.Body as Readable;
      // A store that dies mid-transfer is an outage too (503, retried), not an unexplained socket error.
      return Readable.from(
        (async function* () {
          try {
            yield* body;
          } catch (error) {
            throw unavailable("GET", error);
          }
        })(),
        { objectMode: false },
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw unavailable("GET", error);
    }
  }

  /** Throws BlobWriteConflict unless the object under `key` holds exactly these bytes. */
  async function confirmSame(
    key: string,
    found: { size: number; etag: string | undefined },
    expected: { sha256: string; md5: string; size: number },
  ) {
    if (found.size !== expected.size)
      throw new BlobWriteConflict(
        expected.sha256,
        `the object holds ${found.size} bytes, not ${expected.size}`,
      );
    // A single-part upload's ETag is the MD5 of its bytes on every S3-compatible store we know; anything else
    // (multipart, SSE-KMS) is read back and hashed.
    if (found.etag?.replaceAll('"', "") === expected.md5) return;
    const stream = await get(key);
    if (!stream) throw unavailable("read-back", new Error("the object vanished"));
    const hash = createHash("sha256");
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
    } catch (error) {
      throw unavailable("read-back", error);
    }
    if (hash.digest("hex") !== expected.sha256)
      throw new BlobWriteConflict(expected.sha256, "the object holds other bytes of the same size");
  }

  return {
    description: where,
    keyOf,
    async check() {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (error) {
        const status = statusOf(error);
        const hint =
          status === 404
            ? `the bucket "${bucket}" does not exist: create it first (e.g. aws s3 mb s3://${bucket}${settings.endpoint ? ` --endpoint-url ${settings.endpoint}` : ""})`
            : status === 403 || status === 401
              ? `access to the bucket "${bucket}" is refused: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the bucket policy`
              : status === 301 || status === 400
                ? `the bucket "${bucket}" answered ${status}: check S3_REGION (${settings.region}) and S3_ENDPOINT`
                : `the object store cannot be reached (${describe(error)}): check S3_ENDPOINT`;
        throw new BlobStoreUnavailable(`BLOB_STORE ${where}: ${hint}`, { cause: error });
      }
    },
    close() {
      client.destroy();
    },
    async put(bytes) {
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      const md5 = createHash("md5").update(bytes).digest();
      const expected = { sha256, md5: md5.toString("hex"), size: bytes.byteLength };
      const key = keyOf(sha256);
      const before = await head(key);
      if (before) {
        await confirmSame(key, before, expected);
        return { sha256, sizeBytes: bytes.byteLength };
      }
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            // The caller's buffer is sent as it is (no copy): a large original is held once.
            Body: bytes,
            ContentLength: bytes.byteLength,
            ContentMD5: md5.toString("base64"),
            ContentType: "application/octet-stream",
            IfNoneMatch: "*",
          }),
        );
      } catch (error) {
        // 412: another writer got there first (the check below says whether with these bytes).
        if (statusOf(error) !== 412 && statusOf(error) !== 409) throw unavailable("PUT", error);
      }
      await hooks.afterPut?.(key);
      const after = await head(key);
      if (!after) throw unavailable("PUT", new Error("the object is absent after its upload"));
      await confirmSame(key, after, expected);
      return { sha256, sizeBytes: bytes.byteLength };
    },
    async has(sha256) {
      return (await head(keyOf(sha256))) !== undefined;
    },
    open: (sha256) => get(keyOf(sha256)),
    async read(sha256) {
      const stream = await get(keyOf(sha256));
      if (!stream) return undefined;
      const chunks: Buffer[] = [];
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
      } catch (error) {
        throw unavailable("GET", error);
      }
      return new Uint8Array(Buffer.concat(chunks));
    },
    async delete(sha256) {
      try {
        // Deleting an absent key succeeds on S3: nothing happens when it is already gone.
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(sha256) }));
      } catch (error) {
        if (!isNotFound(error)) throw unavailable("DELETE", error);
      }
    },
    async offload(sha256, options: OffloadOptions = {}) {
      const seconds = settings.presignSeconds ?? 60;
      const url = await getSignedUrl(
        client,
        new GetObjectCommand({
          Bucket: bucket,
          Key: keyOf(sha256),
          ResponseContentType: options.contentType,
          ResponseContentDisposition: options.contentDisposition,
        }),
        { expiresIn: seconds },
      );
      return { kind: "url" as const, url, expiresAt: new Date(Date.now() + seconds * 1000) };
    },
    async *listBlobs(): AsyncGenerator<StoredBlob> {
      let token: string | undefined;
      do {
        let page: Awaited<ReturnType<typeof listPage>>;
        try {
          page = await listPage(token);
        } catch (error) {
          throw unavailable("LIST", error);
        }
        for (const object of page.Contents ?? []) {
          const rest = object.Key?.slice(base.length) ?? "";
          const [shard, name, ...more] = rest.split("/");
          if (more.length > 0 || !name || !SHA256_HEX.test(name) || !name.startsWith(shard ?? "-")) continue;
          yield { sha256: name, size: object.Size ?? 0, mtimeMs: object.LastModified?.getTime() ?? 0 };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
    // A single PUT is atomic: an interrupted write leaves no object, so there is nothing temporary to list.
    async *listTemp(): AsyncGenerator<TempBlobFile> {},
    async removeTemp(name) {
      throw new Error(`invalid temporary file name: the object store keeps none (${name})`);
    },
  };

  function listPage(token: string | undefined) {
    return client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: base,
        ContinuationToken: token,
        MaxKeys: settings.listPageSize ?? 1000,
      }),
    );
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  // A missing bucket is a broken store, not a missing original (start-up checks it; a GET names it).
  if (name === "NoSuchBucket") return false;
  return name === "NoSuchKey" || name === "NotFound" || statusOf(error) === 404;
}

function describe(error: unknown): string {
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const status = statusOf(error);
  const parts = [e?.code ?? e?.name, status ? `HTTP ${status}` : undefined, e?.message].filter(Boolean);
  return parts.join(": ").slice(0, 300) || String(error);
}
