import { createHash } from "node:crypto";
import pg from "pg";
import {
  type Database,
  DatabaseUnavailable,
  isDatabaseDown,
  ormOver,
  type QueryOptions,
  type Row,
  type Sql,
  type Tx,
  TYPE_OIDS,
} from "./database.js";

const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === TYPE_OIDS.int8) return (value: string) => Number(value);
    if (oid === TYPE_OIDS.date || oid === TYPE_OIDS.numeric) return (value: string) => value;
    return pg.types.getTypeParser(oid, format as "text");
  },
} as pg.CustomTypesConfig;

// The name of each prepared statement, by its text: short, stable within the process, and never reused
// for another text (node-postgres refuses one name for two texts on a connection).
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `efacture_${createHash("sha1").update(text).digest("hex").slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

function sqlOver(client: pg.Pool | pg.PoolClient): Sql {
  return {
    async query<R = Row>(text: string, params?: readonly unknown[], options?: QueryOptions) {
      const result = options?.prepare
        ? await client.query({ name: statementName(text), text, values: params as unknown[] })
        : await client.query(text, params as unknown[]);
      return result.rows as R[];
    },
    async queryArrays(text: string, params?: readonly unknown[]) {
      const result = await client.query({ text, values: params as unknown[], rowMode: "array" });
      return result.rows as unknown[][];
    },
    async exec(text: string) {
      await client.query(text);
    },
  };
}

export interface PostgresOptions {
  url: string;
  /** A schema of its own (tests): created if missing and put first on the search path. */
  schema?: string;
  maxConnections?: number;
  /**
   * Connections opened at start and then kept, however long idle (the others close after 30 s idle). A new
   * connection costs the request that waits for it a PostgreSQL backend's start and its first statements'
   * cold planning: measured 100–270 ms stalls in bench:list when the pool grew under load.
   */
  minConnections?: number;
  /** How long a connection above `minConnections` stays open unused (default 30 s; tests shorten it). */
  idleTimeoutMillis?: number;
  applicationName?: string;
}

/** The pool's size unless told otherwise (per process). */
export const POOL_MAX_CONNECTIONS = 10;

/** A real PostgreSQL server through `pg`. */
export async function openPostgres(
  options: PostgresOptions,
): Promise<Database & { pool: pg.Pool; schema: string }> {
  const schema = options.schema ?? "public";
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  const max = options.maxConnections ?? POOL_MAX_CONNECTIONS;
  const min = Math.min(options.minConnections ?? 0, max);
  const pool = new pg.Pool({
    connectionString: options.url,
    max,
    min,
    types,
    application_name: options.applicationName ?? "efacture",
    connectionTimeoutMillis: 5_000,
    // A peer that vanished without closing (host down, partition) is noticed instead of awaited forever.
    keepAlive: true,
    idleTimeoutMillis: options.idleTimeoutMillis ?? 30_000,
    options: schema === "public" ? undefined : `-c search_path=${schema},public`,
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  // What ended each client's connection, noted by a listener every client keeps from its connection on. pg-pool
  // takes its own listener off a client it hands out, and `pool.connect()` hands it over a microtask later: the
  // server's ReadyForQuery and a FATAL 57P01 in one read (a connection made as PostgreSQL shuts down for a
  // restart) emitted 'error' with no listener in between, which ends the process (test/pg-client-errors.test.ts).
  const lostBy = new WeakMap<pg.ClientBase, Error>();
  pool.on("connect", (client) => {
    client.on("error", (error) => {
      if (!lostBy.has(client)) lostBy.set(client, error);
    });
  });

  try {
    if (schema !== "public") await pool.query(`create schema if not exists ${schema}`);
    else await pool.query("select 1");
    if (min > 1) {
      const clients = await Promise.all(Array.from({ length: min }, () => pool.connect()));
      for (const client of clients) client.release();
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw new DatabaseUnavailable(`PostgreSQL unreachable (${describe(error)})`, { cause: error });
  }

  const root = sqlOver(pool);
  return {
    engine: "postgres",
    pool,
    schema,
    ...root,
    orm: ormOver(root),
    async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      // The server going away between two statements (57P01 on a restart, a reset socket) is noted in `lostBy`:
      // the next statement fails, the transaction rolls back, and the client is discarded.
      let broken: Error | undefined;
      try {
        await client.query("begin");
        const sql = sqlOver(client);
        const result = await work({ ...sql, orm: ormOver(sql) });
        await client.query("commit");
        return result;
      } catch (error) {
        try {
          await client.query("rollback");
        } catch (rollbackError) {
          broken = rollbackError as Error;
        }
        const lost = lostBy.get(client);
        if (lost && !isDatabaseDown(error))
          throw new DatabaseUnavailable(`PostgreSQL connection lost (${describe(lost)})`, { cause: lost });
        throw error;
      } finally {
        client.release(broken ?? lostBy.get(client));
      }
    },
    async ping() {
      await pool.query("select 1");
    },
    async close() {
      await pool.end();
    },
  };
}

export function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error)
    return (error as { code?: string }).code
      ? `${(error as { code?: string }).code}: ${error.message}`
      : error.message;
  return String(error);
}
