import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import type { S3BlobStoreSettings } from "../../src/storage/s3-blob-store.js";
import { freePort } from "./free-port.js";

/** s3rver's fixed credentials. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface LocalS3 {
  endpoint: string;
  port: number;
  directory: string;
  /** Settings for a store in `bucket` (created at start) under `prefix`. */
  settings(prefix?: string, bucket?: string): S3BlobStoreSettings;
  /** The variables a process needs to use it (BLOB_STORE, S3_*, AWS_*). */
  env(prefix?: string, bucket?: string): Record<string, string>;
  /** Takes the store down: connections are refused until `start`. */
  stop(): Promise<void>;
  /** Brings it back on the same port with the same objects. */
  start(): Promise<void>;
  /** Stops it for good and removes its objects. */
  dispose(): Promise<void>;
}

/**
 * A real S3 API (s3rver, objects on disk) on a free local port, with the bucket(s) created. stop/start
 * keep the port and the directory, so a test can take the store down and bring it back under running code.
 */
export async function startS3rver(buckets: string[] = ["efacture"]): Promise<LocalS3> {
  const directory = mkdtempSync(path.join(tmpdir(), "efacture-s3rver-"));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const s3rverPath = createRequire(import.meta.url).resolve("s3rver");
  let child: ChildProcess | undefined;
  let first = true;
  // A process of its own: stopping it is a real outage (refused connections), and it runs with OpenSSL's
  // legacy provider, which s3rver needs for its ListObjectsV2 continuation tokens (DES) on Node 20.
  const start = async () => {
    if (child) return;
    const options = {
      address: "127.0.0.1",
      port,
      directory,
      silent: true,
      // Created once; a restart finds them in the directory.
      configureBuckets: first ? buckets.map((name) => ({ name })) : [],
    };
    first = false;
    const script = `const S3rver = require(${JSON.stringify(s3rverPath)});
      new S3rver(${JSON.stringify(options)}).run().then(() => process.stdout.write("ready\\n"), (e) => { console.error(e); process.exit(1); });`;
    const started = spawn(process.execPath, ["--openssl-legacy-provider", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve, reject) => {
      started.stdout!.on("data", (d: Buffer) => {
        if (d.toString().includes("ready")) resolve();
      });
      started.once("exit", (code) => reject(new Error(`s3rver exited with ${code}`)));
    });
    child = started;
  };
  // Never outlive the test process.
  process.once("exit", () => child?.kill("SIGKILL"));
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGKILL");
    await exited;
  };
  await start();
  const settings = (prefix = "blobs", bucket = buckets[0]!): S3BlobStoreSettings => ({
    bucket,
    prefix,
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
  });
  return {
    endpoint,
    port,
    directory,
    settings,
    env: (prefix = "blobs", bucket = buckets[0]!) => ({
      BLOB_STORE: `s3://${bucket}/${prefix}`,
      S3_ENDPOINT: endpoint,
      S3_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    }),
    stop,
    start,
    async dispose() {
      await stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
