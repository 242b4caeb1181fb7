import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFsBlobStore } from "./fs-blob-store.js";

const roots: string[] = [];
function root() {
  const dir = mkdtempSync(path.join(tmpdir(), "efacture-inventory-"));
  roots.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of roots.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const list: T[] = [];
  for await (const item of items) list.push(item);
  return list;
}

describe("filesystem blob store listing (BlobInventory)", () => {
  it("lists the stored blobs in SHA-256 order, and nothing that is not named by its hash in its shard", async () => {
    const dir = root();
    const store = createFsBlobStore(dir);
    const stored = [
      await store.put(new TextEncoder().encode("one")),
      await store.put(new TextEncoder().encode("two")),
      await store.put(new TextEncoder().encode("three")),
    ];
    // Strays: a file in the wrong shard, a badly named one, a folder that is no shard, a temporary file.
    const wrongShard = "ff".repeat(32);
    mkdirSync(path.join(dir, "00", "00"), { recursive: true });
    writeFileSync(path.join(dir, "00", "00", wrongShard), "stray");
    writeFileSync(path.join(dir, "00", "00", "notes.txt"), "stray");
    mkdirSync(path.join(dir, "misc"), { recursive: true });
    mkdirSync(path.join(dir, "tmp"), { recursive: true });
    writeFileSync(path.join(dir, "tmp", `${"ab".repeat(32)}.x.tmp`), "partial");

    const listed = await all(store.listBlobs());
    expect(listed.map((b) => b.sha256)).toEqual(stored.map((s) => s.sha256).sort());
    expect(listed.map((b) => b.size)).toEqual(
      [...stored].sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1)).map((s) => s.sizeBytes),
    );
    for (const blob of listed) expect(blob.mtimeMs).toBeGreaterThan(0);
  });

  it("lists and removes temporary files, and refuses a name outside the temporary folder", async () => {
    const dir = root();
    const store = createFsBlobStore(dir);
    expect(await all(store.listTemp())).toEqual([]); // no tmp folder yet
    mkdirSync(path.join(dir, "tmp", "sub"), { recursive: true });
    writeFileSync(path.join(dir, "tmp", "a.tmp"), "partial");
    writeFileSync(path.join(dir, "keep.txt"), "not temporary");

    expect((await all(store.listTemp())).map((f) => f.name)).toEqual(["a.tmp"]);
    await store.removeTemp("a.tmp");
    await store.removeTemp("a.tmp"); // already gone: nothing happens
    expect(existsSync(path.join(dir, "tmp", "a.tmp"))).toBe(false);
    await expect(store.removeTemp("../keep.txt")).rejects.toThrow("invalid temporary file name");
    await expect(store.removeTemp("..")).rejects.toThrow("invalid temporary file name");
    await expect(store.removeTemp("")).rejects.toThrow("invalid temporary file name");
    expect(existsSync(path.join(dir, "keep.txt"))).toBe(true);
  });
});
