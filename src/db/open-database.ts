import { accessSync, constants, mkdirSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.js";
import type { Database } from "./database.js";
import { acquireEmbeddedLock, type EmbeddedLock } from "./embedded-lock.js";
import { openPglite } from "./pglite.js";
import { openPostgres } from "./postgres.js";

export interface OpenedDatabase {
  db: Database;
  /** How pg-boss reaches the same database. */
  queueConnection: { connectionString: string; schema: string } | { embedded: true };
  /** Set for the embedded engine: held until close. */
  lock?: EmbeddedLock;
  close(): Promise<void>;
}

/** The writable data directory, or an error that names DATA_DIR. */
export function ensureDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
    accessSync(dataDir, constants.W_OK);
  } catch (error) {
    throw new Error(
      `DATA_DIR ${dataDir} is not writable (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
}

/** PostgreSQL when DATABASE_URL is set, else the embedded PGlite of DATA_DIR/db (locked for this process). */
export async function openDatabase(
  config: Pick<Config, "databaseUrl" | "dataDir" | "databaseSchema">,
  options: { schema?: string; maxConnections?: number; minConnections?: number } = {},
): Promise<OpenedDatabase> {
  if (config.databaseUrl) {
    const db = await openPostgres({
      url: config.databaseUrl,
      schema: options.schema ?? config.databaseSchema,
      maxConnections: options.maxConnections,
      minConnections: options.minConnections,
    });
    return {
      db,
      queueConnection: {
        connectionString: config.databaseUrl,
        schema: db.schema === "public" ? "pgboss" : `${db.schema}_boss`,
      },
      close: () => db.close(),
    };
  }
  ensureDataDir(config.dataDir);
  const lock = acquireEmbeddedLock(config.dataDir);
  try {
    const db = await openPglite(path.join(config.dataDir, "db"));
    return {
      db,
      lock,
      queueConnection: { embedded: true },
      async close() {
        try {
          await db.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}
