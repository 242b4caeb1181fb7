import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import path from "node:path";

/** Another live process holds the embedded database; it can run commands for us on `socketPath`. */
export class EmbeddedDatabaseBusy extends Error {
  readonly code = "embedded_database_busy";
  constructor(
    readonly pid: number,
    readonly socketPath: string,
  ) {
    super(`the embedded database is in use by process ${pid}`);
    this.name = "EmbeddedDatabaseBusy";
  }
}

export interface EmbeddedLock {
  readonly socketPath: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * PGlite is single-process: two processes opening one data directory would corrupt it. The first
 * takes `DATA_DIR/db.lock` (created exclusively); a lock left by a dead process is taken over.
 */
export function acquireEmbeddedLock(dataDir: string): EmbeddedLock {
  const lockPath = path.join(dataDir, "db.lock");
  const runDir = path.join(dataDir, "run");
  const socketPath = path.join(runDir, "efacture.sock");
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, "wx", 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, socketPath, startedAt: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      return {
        socketPath,
        release() {
          if (released) return;
          released = true;
          rmSync(lockPath, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      let holder: { pid?: number; socketPath?: string } = {};
      try {
        holder = JSON.parse(readFileSync(lockPath, "utf8"));
      } catch {
        // A lock being written right now, or garbage: treated as stale below if it stays unreadable.
      }
      if (typeof holder.pid === "number" && holder.pid !== process.pid && alive(holder.pid)) {
        throw new EmbeddedDatabaseBusy(holder.pid, holder.socketPath ?? socketPath);
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`could not take the lock ${lockPath}`);
}
