import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { type BlobInventory, type BlobStore, SHA256_HEX, type StoredBlob } from "./blob-store.js";

/** Test seam: lets a test stop a write between its steps, as a crash would. */
export interface FsBlobStoreHooks {
  afterTempWrite?(tempPath: string): Promise<void> | void;
}

/**
 * Blobs under `root/ab/cd/<sha256>`. A write goes to `root/tmp/` first, is fsynced, then renamed
 * into place and the directory fsynced: after a crash a blob is either whole or absent.
 */
export function createFsBlobStore(
  root: string,
  hooks: FsBlobStoreHooks = {},
): BlobStore & BlobInventory & { pathOf(sha256: string): string } {
  const tempDir = path.join(root, "tmp");
  const pathOf = (sha256: string) => {
    if (!SHA256_HEX.test(sha256)) throw new Error("invalid sha256");
    return path.join(root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  };

  async function syncDir(dir: string) {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  // Shard folders are created once per process, not checked on every write.
  const knownDirs = new Set<string>();
  async function ensureDir(dir: string) {
    if (knownDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    knownDirs.add(dir);
  }

  return {
    pathOf,
    async put(bytes) {
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      const finalPath = pathOf(sha256);
      const existing = await stat(finalPath).catch(() => undefined);
      if (existing?.size === bytes.byteLength) return { sha256, sizeBytes: bytes.byteLength };
      await ensureDir(tempDir);
      await ensureDir(path.dirname(finalPath));
      const tempPath = path.join(tempDir, `${sha256}.${randomBytes(6).toString("hex")}.tmp`);
      const handle = await open(tempPath, "wx", 0o640);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } catch (error) {
        await handle.close();
        await rm(tempPath, { force: true });
        throw error;
      }
      await handle.close();
      await hooks.afterTempWrite?.(tempPath);
      await rename(tempPath, finalPath).catch(async (error: NodeJS.ErrnoException) => {
        // The shard folder vanished behind our cache (an operator cleaned up): make it again, once.
        if (error.code !== "ENOENT") throw error;
        knownDirs.delete(path.dirname(finalPath));
        await ensureDir(path.dirname(finalPath));
        await rename(tempPath, finalPath);
      });
      await syncDir(path.dirname(finalPath));
      return { sha256, sizeBytes: bytes.byteLength };
    },
    async has(sha256) {
      return (await stat(pathOf(sha256)).catch(() => undefined)) !== undefined;
    },
    async open(sha256): Promise<Readable | undefined> {
      const file = pathOf(sha256);
      if (!(await stat(file).catch(() => undefined))) return undefined;
      return createReadStream(file);
    },
    async offload(sha256) {
      // The path under the store's root that nginx's internal location serves (docs/deploy/nginx.conf).
      const info = await stat(pathOf(sha256)).catch(() => undefined);
      if (!info?.isFile()) return undefined;
      return {
        kind: "accel",
        relativePath: `${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`,
        sizeBytes: info.size,
      };
    },
    async read(sha256) {
      return readFile(pathOf(sha256)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return undefined;
        throw error;
      });
    },
    async delete(sha256) {
      const file = pathOf(sha256);
      await rm(file, { force: true });
      // The unlink is durable only once its directory is synced (a crash could otherwise bring the file back).
      await syncDir(path.dirname(file)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
      });
    },
    listBlobs: () => walkBlobs(root),
    async *listTemp() {
      for (const name of await readdir(tempDir).catch(() => [] as string[])) {
        const info = await stat(path.join(tempDir, name)).catch(() => undefined);
        if (info?.isFile()) yield { name, mtimeMs: info.mtimeMs };
      }
    },
    async removeTemp(name) {
      // Only a plain name: never a path out of the temporary folder.
      if (!name || path.basename(name) !== name || name === "." || name === "..")
        throw new Error("invalid temporary file name");
      await rm(path.join(tempDir, name), { force: true });
    },
  };
}

/** Every stored blob (`root/ab/cd/<sha256>`), skipping `tmp` and anything not named by its hash. */
async function* walkBlobs(root: string): AsyncGenerator<StoredBlob> {
  const shard = /^[0-9a-f]{2}$/;
  for (const a of (await readdir(root).catch(() => [] as string[])).sort()) {
    if (!shard.test(a)) continue;
    for (const b of (await readdir(path.join(root, a)).catch(() => [] as string[])).sort()) {
      if (!shard.test(b)) continue;
      for (const name of await readdir(path.join(root, a, b)).catch(() => [] as string[])) {
        if (!SHA256_HEX.test(name) || !name.startsWith(a + b)) continue;
        const info = await stat(path.join(root, a, b, name)).catch(() => undefined);
        if (info?.isFile()) yield { sha256: name, size: info.size, mtimeMs: info.mtimeMs };
      }
    }
  }
}

/** Removes temporary files left by writes that crashed (older than `olderThanMs`). */
export async function sweepTemporaryBlobs(root: string, olderThanMs = 3_600_000): Promise<number> {
  const tempDir = path.join(root, "tmp");
  const names = await readdir(tempDir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const file = path.join(tempDir, name);
    const info = await stat(file).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > olderThanMs) {
      await rm(file, { force: true });
      removed++;
    }
  }
  return removed;
}
