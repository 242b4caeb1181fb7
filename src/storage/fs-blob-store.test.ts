import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFsBlobStore, sweepTemporaryBlobs } from "./fs-blob-store.js";

const roots: string[] = [];
function root() {
  const dir = mkdtempSync(path.join(tmpdir(), "efacture-blobs-"));
  roots.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of roots.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("filesystem blob store", () => {
  it("stores bytes under their SHA-256 and gives them back unchanged", async () => {
    const store = createFsBlobStore(root());
    const bytes = new TextEncoder().encode("%PDF-1.7 original bytes");
    const { sha256, sizeBytes } = await store.put(bytes);
    expect(sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(sizeBytes).toBe(bytes.byteLength);
    expect(store.pathOf(sha256)).toContain(`${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`);
    expect(Buffer.from((await store.read(sha256))!)).toEqual(Buffer.from(bytes));
    expect(await store.has(sha256)).toBe(true);
    await store.put(bytes); // idempotent
    await store.delete(sha256);
    expect(await store.has(sha256)).toBe(false);
    expect(await store.read(sha256)).toBeUndefined();
  });

  it("leaves no file under the final name when the write dies before the rename", async () => {
    const dir = root();
    const crash = new Error("simulated crash");
    const store = createFsBlobStore(dir, {
      afterTempWrite() {
        throw crash;
      },
    });
    const bytes = new Uint8Array(256 * 1024).fill(7);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    await expect(store.put(bytes)).rejects.toBe(crash);
    expect(existsSync(store.pathOf(sha256))).toBe(false);
    expect(await createFsBlobStore(dir).has(sha256)).toBe(false);
    // The temporary file is whole and is swept later; it never poses as the blob.
    const temps = readdirSync(path.join(dir, "tmp"));
    expect(temps).toHaveLength(1);
    expect(readFileSync(path.join(dir, "tmp", temps[0]!)).byteLength).toBe(bytes.byteLength);
    expect(await sweepTemporaryBlobs(dir, 0)).toBe(1);
    expect(readdirSync(path.join(dir, "tmp"))).toHaveLength(0);
  });

  it("stores a batch in one call: each blob once, in the order given, none renamed before all are written", async () => {
    const dir = root();
    const temps: string[] = [];
    const store = createFsBlobStore(dir, {
      afterTempWrite(tempPath) {
        // Every file of the batch is written (and fsynced) before the first is renamed into place.
        temps.push(tempPath);
        expect(readdirSync(path.join(dir, "tmp"))).toHaveLength(2);
      },
    });
    const a = new TextEncoder().encode("%PDF-1.7 a");
    const b = new TextEncoder().encode("<xml>b</xml>");
    const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
    const stored = await store.putMany!([a, b, a]);
    expect(stored).toEqual([
      { sha256: sha(a), sizeBytes: a.byteLength },
      { sha256: sha(b), sizeBytes: b.byteLength },
      { sha256: sha(a), sizeBytes: a.byteLength },
    ]);
    expect(temps).toHaveLength(2);
    expect(readdirSync(path.join(dir, "tmp"))).toHaveLength(0);
    expect(Buffer.from((await store.read(sha(a)))!)).toEqual(Buffer.from(a));
    expect(Buffer.from((await store.read(sha(b)))!)).toEqual(Buffer.from(b));
    // Already stored: nothing is written again.
    await store.putMany!([b]);
    expect(temps).toHaveLength(2);
  });

  it("leaves no blob of a batch under its final name when the batch dies before the renames", async () => {
    const dir = root();
    const crash = new Error("simulated crash");
    const store = createFsBlobStore(dir, {
      afterTempWrite() {
        throw crash;
      },
    });
    const list = [new Uint8Array(1000).fill(1), new Uint8Array(2000).fill(2)];
    await expect(store.putMany!(list)).rejects.toBe(crash);
    for (const bytes of list) {
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      expect(existsSync(store.pathOf(sha256))).toBe(false);
    }
  });

  it("refuses a path that is not a SHA-256", async () => {
    const store = createFsBlobStore(root());
    expect(() => store.pathOf("../../etc/passwd")).toThrow(/invalid sha256/);
  });
});
