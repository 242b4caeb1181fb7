// Blob store cost per original: the folder store against the S3 store on s3rver (a local process), in
// alternate rounds so load drift hits both. `npx tsx bench/blob-store.ts [rounds] [blobs per round] [KB]`.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createFsBlobStore } from "../src/storage/fs-blob-store.js";
import { createS3BlobStore } from "../src/storage/s3-blob-store.js";
import { startS3rver } from "../test/support/s3rver.js";

const rounds = Number(process.argv[2] ?? 6);
const perRound = Number(process.argv[3] ?? 100);
const kb = Number(process.argv[4] ?? 100);

const s3 = await startS3rver();
const dir = mkdtempSync(path.join(tmpdir(), "efacture-bench-blobs-"));
const stores = { fs: createFsBlobStore(dir), s3: createS3BlobStore(s3.settings("bench")) };
const totals = { fs: { put: 0, read: 0 }, s3: { put: 0, read: 0 } };
try {
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 ? (["s3", "fs"] as const) : (["fs", "s3"] as const)) {
      const store = stores[name];
      const blobs = Array.from({ length: perRound }, () => randomBytes(kb * 1024));
      let at = performance.now();
      const shas = [];
      for (const bytes of blobs) shas.push((await store.put(bytes)).sha256);
      totals[name].put += performance.now() - at;
      at = performance.now();
      for (const sha of shas) await store.read(sha);
      totals[name].read += performance.now() - at;
    }
  }
  const n = rounds * perRound;
  const ms = (v: number) => (v / n).toFixed(2);
  console.log(`${n} originals of ${kb} KB per store, ${rounds} alternate rounds`);
  for (const name of ["fs", "s3"] as const)
    console.log(`${name}: put ${ms(totals[name].put)} ms, read ${ms(totals[name].read)} ms per original`);
  console.log(
    `s3/fs: put ×${(totals.s3.put / totals.fs.put).toFixed(2)}, read ×${(totals.s3.read / totals.fs.read).toFixed(2)}`,
  );
} finally {
  stores.s3.close();
  await s3.dispose();
  rmSync(dir, { recursive: true, force: true });
}
