import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { BlobInventory, BlobStore } from "../../src/storage/blob-store.js";

export type ContractStore = BlobStore & BlobInventory;

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const list: T[] = [];
  for await (const item of items) list.push(item);
  return list;
}

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const text = (value: string) => new TextEncoder().encode(value);

/**
 * What every blob store promises the application (src/storage/blob-store.ts), run against each store:
 * `make` gives an empty store of its own for one test.
 */
export function blobStoreContract(name: string, make: () => Promise<ContractStore>) {
  describe(`blob store contract: ${name}`, () => {
    it("stores bytes under their SHA-256, gives them back unchanged (read and stream), idempotently", async () => {
      const store = await make();
      const bytes = text("%PDF-1.7 original bytes");
      const { sha256, sizeBytes } = await store.put(bytes);
      expect(sha256).toBe(sha(bytes));
      expect(sizeBytes).toBe(bytes.byteLength);
      expect(Buffer.from((await store.read(sha256))!)).toEqual(Buffer.from(bytes));
      const stream = await store.open(sha256);
      const chunks: Buffer[] = [];
      for await (const chunk of stream! as AsyncIterable<Buffer>) chunks.push(chunk);
      expect(Buffer.concat(chunks)).toEqual(Buffer.from(bytes));
      expect(await store.has(sha256)).toBe(true);
      expect(await store.put(bytes)).toEqual({ sha256, sizeBytes });
    });

    it("answers absent blobs with false/undefined, deletes for good and idempotently", async () => {
      const store = await make();
      const absent = "0".repeat(64);
      expect(await store.has(absent)).toBe(false);
      expect(await store.read(absent)).toBeUndefined();
      expect(await store.open(absent)).toBeUndefined();
      await store.delete(absent); // nothing happens
      const { sha256 } = await store.put(text("to be deleted"));
      await store.delete(sha256);
      expect(await store.has(sha256)).toBe(false);
      expect(await store.read(sha256)).toBeUndefined();
      expect((await all(store.listBlobs())).map((b) => b.sha256)).not.toContain(sha256);
    });

    it("refuses a name that is not a SHA-256 (no path or key out of the store)", async () => {
      const store = await make();
      await expect(store.read("../../etc/passwd")).rejects.toThrow(/invalid sha256/);
      await expect(store.has("AB".repeat(32))).rejects.toThrow(/invalid sha256/);
      await expect(store.delete("x")).rejects.toThrow(/invalid sha256/);
    });

    it("lists what it holds in SHA-256 order with sizes and times, and nothing else", async () => {
      const store = await make();
      const values = ["one", "two", "three", "four", "five", "six", "seven"].map(text);
      const before = Date.now() - 5_000;
      for (const v of values) await store.put(v);
      const listed = await all(store.listBlobs());
      const expected = values
        .map((v) => ({ sha256: sha(v), size: v.byteLength }))
        .sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1));
      expect(listed.map((b) => ({ sha256: b.sha256, size: b.size }))).toEqual(expected);
      for (const blob of listed) expect(blob.mtimeMs).toBeGreaterThan(before);
      expect(await all(store.listTemp())).toEqual([]);
    });

    it("keeps a 6 MB original byte for byte", async () => {
      const store = await make();
      const bytes = new Uint8Array(6 * 1024 * 1024);
      for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i / 4096) % 251;
      const { sha256 } = await store.put(bytes);
      const back = await store.read(sha256);
      expect(back?.byteLength).toBe(bytes.byteLength);
      expect(sha(back!)).toBe(sha256);
    });
  });
}
