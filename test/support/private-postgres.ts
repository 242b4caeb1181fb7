import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.js";

const run = promisify(execFile);

/** Fault drills restart their server: they need binaries of their own, absent on some machines. */
export const drillRequired = process.env.E2E === "required" || process.env.DRILL === "required";

/** The folder holding initdb and pg_ctl (Debian's /usr/lib/postgresql/<n>/bin, newest first), or undefined. */
export function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of versions) {
    const dir = path.join(root, v, "bin");
    if (existsSync(path.join(dir, "initdb")) && existsSync(path.join(dir, "pg_ctl"))) return dir;
  }
  return undefined;
}

export interface PrivatePostgres {
  url: string;
  port: number;
  /** Fast shutdown (connections get 57P01), as `pg_ctl stop -m fast` does on a restart. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server if it runs and removes its folder. Never throws. */
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL server of the test's own (initdb in a temp folder, a free port, its Unix socket in that
 * folder), so a test may restart it without touching the shared server other test files use. initdb
 * refuses root: as root the server runs as the `postgres` system user.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error("no PostgreSQL binaries under /usr/lib/postgresql/*/bin");
  const root = mkdtempSync(path.join(tmpdir(), "efacture-pg-"));
  const asRoot = process.getuid?.() === 0;
  let uid: number | undefined;
  let gid: number | undefined;
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    uid = Number(stdout.trim());
    gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
    chownSync(root, uid, gid);
  }
  const data = path.join(root, "data");
  const log = path.join(root, "server.log");
  const port = await freePort();
  const pgCommand = (tool: string, args: string[]) =>
    asRoot
      ? run("runuser", ["-u", "postgres", "--", path.join(bin, tool), ...args], { cwd: root })
      : run(path.join(bin, tool), args, { cwd: root });
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;

  let destroyed = false;
  const server: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      await pgCommand("pg_ctl", ["-D", data, "-l", log, "-w", "-t", "30", "-o", options, "start"]);
    },
    async stop() {
      await pgCommand("pg_ctl", ["-D", data, "-w", "-t", "30", "-m", "fast", "stop"]);
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await pgCommand("pg_ctl", ["-D", data, "-w", "-t", "30", "-m", "immediate", "stop"]).catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await pgCommand("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
    await server.start();
  } catch (error) {
    await server.destroy();
    throw error;
  }
  return server;
}
