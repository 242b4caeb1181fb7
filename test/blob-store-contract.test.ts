import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { createFsBlobStore } from "../src/storage/fs-blob-store.js";
import { createS3BlobStore, type S3BlobStore } from "../src/storage/s3-blob-store.js";
import { blobStoreContract } from "./support/blob-store-contract.js";
import { type LocalS3, startS3rver } from "./support/s3rver.js";

const roots: string[] = [];
let s3: LocalS3;
const opened: S3BlobStore[] = [];
let prefixes = 0;

beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  for (const store of opened) store.close();
  await s3?.dispose();
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

blobStoreContract("filesystem", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "efacture-contract-"));
  roots.push(dir);
  return createFsBlobStore(dir);
});

// Each test its own prefix in the bucket; small listing pages so the listing crosses pages.
blobStoreContract("S3 (s3rver)", async () => {
  const store = createS3BlobStore({ ...s3.settings(`contract/${++prefixes}`), listPageSize: 3 });
  opened.push(store);
  return store;
});
