import { constants } from "node:fs";
import { access, mkdir } from "node:fs/promises";
import type { BlobStoreSetting } from "../config.js";
import { type BlobInventory, type BlobStore, BlobStoreUnavailable } from "./blob-store.js";
import { createFsBlobStore } from "./fs-blob-store.js";
import { createS3BlobStore } from "./s3-blob-store.js";

/** A store built from the configuration, with what start-up and the migrate command need. */
export type ConfiguredBlobStore = BlobStore &
  BlobInventory & {
    /** What the database records as the active store (`file:///…`, `s3://bucket/prefix`). */
    readonly identity: string;
    /** Checks the store can be used (folder writable; bucket exists and the credentials may use it). */
    check(): Promise<void>;
    close(): void;
  };

export function openBlobStore(setting: BlobStoreSetting): ConfiguredBlobStore {
  if (setting.kind === "file") {
    const store = createFsBlobStore(setting.root);
    return {
      ...store,
      identity: setting.identity,
      async check() {
        try {
          await mkdir(setting.root, { recursive: true });
          await access(setting.root, constants.W_OK);
        } catch (error) {
          throw new BlobStoreUnavailable(
            `BLOB_STORE ${setting.identity}: the folder cannot be written (${(error as NodeJS.ErrnoException).code ?? error})`,
            { cause: error },
          );
        }
      },
      close() {},
    };
  }
  const store = createS3BlobStore({
    bucket: setting.bucket,
    prefix: setting.prefix,
    endpoint: setting.endpoint,
    region: setting.region,
    forcePathStyle: setting.forcePathStyle,
    credentials: setting.credentials,
  });
  return Object.assign(store, { identity: setting.identity });
}
