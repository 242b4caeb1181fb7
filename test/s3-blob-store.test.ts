import { createHash, randomBytes } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlobStoreUnavailable, BlobWriteConflict } from "../src/storage/blob-store.js";
import { createS3BlobStore, type S3BlobStore } from "../src/storage/s3-blob-store.js";
import { type LocalS3, S3RVER_CREDENTIALS, startS3rver } from "./support/s3rver.js";

let s3: LocalS3;
let raw: S3Client;
const opened: S3BlobStore[] = [];
let prefixes = 0;
const text = (value: string) => new TextEncoder().encode(value);
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

beforeAll(async () => {
  s3 = await startS3rver(["efacture", "other"]);
  raw = new S3Client({
    region: "us-east-1",
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
  });
});
afterAll(async () => {
  for (const store of opened) store.close();
  raw?.destroy();
  await s3?.dispose();
});

function store(hooks = {}) {
  const made = createS3BlobStore(s3.settings(`unit/${++prefixes}`), hooks);
  opened.push(made);
  return made;
}
async function rawBytes(key: string) {
  const out = await raw.send(new GetObjectCommand({ Bucket: "efacture", Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}
const rawPut = (key: string, body: Uint8Array) =>
  raw.send(new PutObjectCommand({ Bucket: "efacture", Key: key, Body: body }));

describe("S3 blob store (against s3rver)", () => {
  it("keys objects <prefix>/<2 hex>/<sha256>", async () => {
    const blobs = store();
    const bytes = text("keyed");
    const { sha256 } = await blobs.put(bytes);
    expect(blobs.keyOf(sha256)).toBe(`unit/${prefixes}/${sha256.slice(0, 2)}/${sha256}`);
    expect(await rawBytes(blobs.keyOf(sha256))).toEqual(Buffer.from(bytes));
  });

  it("never overwrites a key that holds other bytes (same size or not), and says so", async () => {
    const blobs = store();
    for (const planted of [text("Xriginal bytes!"), text("much longer tampered bytes")]) {
      const bytes = text("original bytes!");
      const key = blobs.keyOf(sha(bytes));
      await rawPut(key, planted);
      const error = await blobs.put(bytes).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BlobWriteConflict);
      expect((error as Error).message).toContain(sha(bytes));
      expect(await rawBytes(key)).toEqual(Buffer.from(planted)); // left as found, for the operator
    }
  });

  it("checks after the upload too: another writer's bytes slipped in under the key are refused", async () => {
    const bytes = text("raced bytes");
    const planted = text("other bytes");
    const blobs = store({ afterPut: (key: string) => rawPut(key, planted).then(() => undefined) });
    await expect(blobs.put(bytes)).rejects.toBeInstanceOf(BlobWriteConflict);
  });

  it("lists only content-addressed keys of its prefix", async () => {
    const blobs = store();
    const { sha256 } = await blobs.put(text("listed"));
    const prefix = `unit/${prefixes}`;
    await rawPut(`${prefix}/00/${"ff".repeat(32)}`, text("wrong shard"));
    await rawPut(`${prefix}/${sha256.slice(0, 2)}/notes.txt`, text("stray"));
    await rawPut(`${prefix}/${sha256.slice(0, 2)}/${sha256}/deeper`, text("stray"));
    await rawPut(`${prefix}x/${sha256.slice(0, 2)}/${sha256}`, text("neighbour prefix"));
    const listed: string[] = [];
    for await (const blob of blobs.listBlobs()) listed.push(blob.sha256);
    expect(listed).toEqual([sha256]);
  });

  it("offloads to a short-lived presigned URL that serves the bytes with the caller's headers", async () => {
    const blobs = store();
    const bytes = text("%PDF-1.7 offloaded");
    const { sha256 } = await blobs.put(bytes);
    const before = Date.now();
    const offload = await blobs.offload(sha256, {
      contentType: "application/pdf",
      contentDisposition: 'attachment; filename="F-1.pdf"',
    });
    expect(offload.kind).toBe("url");
    expect(offload.expiresAt.getTime() - before).toBeLessThanOrEqual(61_000);
    expect(offload.expiresAt.getTime() - before).toBeGreaterThanOrEqual(59_000);
    expect(new URL(offload.url).searchParams.get("X-Amz-Expires")).toBe("60");
    const response = await fetch(offload.url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/pdf");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="F-1.pdf"');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from(bytes));
  });

  it("says clearly at start-up what is wrong: no bucket, refused credentials, unreachable store", async () => {
    const noBucket = createS3BlobStore({ ...s3.settings("x"), bucket: "missing-bucket" });
    const badKeys = createS3BlobStore({
      ...s3.settings("x"),
      credentials: { accessKeyId: "NOBODY", secretAccessKey: "wrong" },
    });
    const nowhere = createS3BlobStore({ ...s3.settings("x"), endpoint: "http://127.0.0.1:9" });
    opened.push(noBucket, badKeys, nowhere);
    await expect(noBucket.check()).rejects.toThrow(/bucket "missing-bucket" does not exist: create it first/);
    await expect(badKeys.check()).rejects.toThrow(/access to the bucket "efacture" is refused/);
    await expect(nowhere.check()).rejects.toThrow(/cannot be reached .*check S3_ENDPOINT/);
    await store().check();
  });

  it("turns a store dying mid-transfer into BlobStoreUnavailable", async () => {
    const blobs = store();
    const bytes = randomBytes(48 * 1024 * 1024);
    const { sha256 } = await blobs.put(bytes);
    const stream = (await blobs.open(sha256))!;
    const iterator = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    await iterator.next();
    await s3.stop();
    try {
      const error = await (async () => {
        for (;;) if ((await iterator.next()).done) return undefined;
      })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BlobStoreUnavailable);
    } finally {
      await s3.start();
    }
  }, 60_000);

  it("fails fast with BlobStoreUnavailable while the store is down, and works again once it is back", async () => {
    const blobs = store();
    const { sha256 } = await blobs.put(text("before the outage"));
    await s3.stop();
    try {
      const started = Date.now();
      for (const attempt of [
        () => blobs.put(text("during the outage")),
        () => blobs.has(sha256),
        () => blobs.read(sha256),
        () => blobs.open(sha256),
        () => blobs.delete(sha256),
        () => blobs.check(),
      ])
        await expect(attempt()).rejects.toBeInstanceOf(BlobStoreUnavailable);
      // A hang detector, not a performance goal: six calls against a refused port, with their retry.
      expect(Date.now() - started).toBeLessThan(20_000);
      await expect(
        (async () => {
          for await (const _ of blobs.listBlobs());
        })(),
      ).rejects.toBeInstanceOf(BlobStoreUnavailable);
    } finally {
      await s3.start();
    }
    // Same store object, no restart of the application: it works again.
    expect(Buffer.from((await blobs.read(sha256))!)).toEqual(Buffer.from(text("before the outage")));
    expect((await blobs.put(text("after the outage"))).sha256).toBe(sha(text("after the outage")));
  });
});
