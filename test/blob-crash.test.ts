import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createFsBlobStore } from "../src/storage/fs-blob-store.js";

const root = mkdtempSync(path.join(tmpdir(), "efacture-crash-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const STORE = fileURLToPath(new URL("../src/storage/fs-blob-store.ts", import.meta.url));

describe("blob store and a real crash", () => {
  it("has no file under the final name when the process is killed mid-write", async () => {
    // A child process writes a 4 MB blob and is SIGKILLed once its temporary file exists, before the rename.
    const script = `
      const { createFsBlobStore } = await import(${JSON.stringify(STORE)});
      const bytes = new Uint8Array(4 * 1024 * 1024).fill(42);
      const store = createFsBlobStore(${JSON.stringify(root)}, {
        afterTempWrite: () => { process.stdout.write("written\\n"); return new Promise(() => {}); },
      });
      await store.put(bytes);`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        if (d.toString().includes("written")) {
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.on("exit", (code) => reject(new Error(`child exited early with ${code}`)));
    });
    await new Promise((resolve) => child.once("exit", resolve));
    const { createHash } = await import("node:crypto");
    const sha256 = createHash("sha256")
      .update(new Uint8Array(4 * 1024 * 1024).fill(42))
      .digest("hex");
    const store = createFsBlobStore(root);
    expect(existsSync(store.pathOf(sha256))).toBe(false);
    expect(await store.has(sha256)).toBe(false);
    expect(readdirSync(path.join(root, "tmp")).every((name) => name.endsWith(".tmp"))).toBe(true);
    // Writing again after the crash completes normally.
    await store.put(new Uint8Array(4 * 1024 * 1024).fill(42));
    expect(await store.has(sha256)).toBe(true);
  });
});
