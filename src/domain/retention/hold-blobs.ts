import type { Sql } from "../../db/database.js";
import { lockBlobsForPublication } from "../../db/retention.repository.js";
import { type BlobStore, putBlobs } from "../../storage/blob-store.js";

/**
 * Publication's half of the blob-deletion protocol. Bytes are shared by SHA-256, and publishing bytes that
 * are already stored writes nothing: a retention run could delete the file between that write and the
 * invoice's commit. Inside the publishing transaction this takes the bytes' locks shared (a retention run
 * deletes only under the same locks, exclusively, after checking for a live holder) and puts back any file
 * deleted meanwhile, so a live invoice never lacks its bytes.
 */
export async function holdBlobsForPublication(
  tx: Sql,
  blobs: BlobStore,
  items: { sha256: string; bytes: Uint8Array }[],
): Promise<void> {
  if (items.length === 0) return;
  await lockBlobsForPublication(
    tx,
    items.map((item) => item.sha256),
  );
  const present = await Promise.all(items.map((item) => blobs.has(item.sha256)));
  await putBlobs(
    blobs,
    items.filter((_, i) => !present[i]).map((item) => item.bytes),
  );
}
