import { drizzle, type PgRemoteDatabase } from "drizzle-orm/pg-proxy";
import * as schema from "./schema.js";

export type Row = Record<string, unknown>;

/** How a statement is sent. */
export interface QueryOptions {
  /**
   * Keep the statement prepared on the connection (PostgreSQL): parsed and planned once per connection
   * instead of at every call. For the hot read paths (session, list page, detail): a statement with a
   * fixed text, or a small bounded set of texts, since each text stays prepared for the connection's life.
   */
  prepare?: boolean;
}

/** Runs SQL on one connection (or inside one transaction). */
export interface Sql {
  /** Rows as objects; `$1`-style parameters. */
  query<R = Row>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<R[]>;
  /** Rows as arrays of values (what drizzle's proxy driver expects for selects). */
  queryArrays(text: string, params?: readonly unknown[]): Promise<unknown[][]>;
  /** Several statements, no parameters, no result (migrations). */
  exec(text: string): Promise<void>;
}

export type Orm = PgRemoteDatabase<typeof schema>;

/** One transaction: raw SQL and the typed query builder share the same connection. */
export interface Tx extends Sql {
  readonly orm: Orm;
}

/** The application's database, whatever the engine behind it. */
export interface Database extends Tx {
  readonly engine: "pglite" | "postgres";
  /** Commits when `work` resolves, rolls back when it throws. Never call `db.*` inside `work`: use `tx`. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** Throws when the database cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The typed query builder over any `Sql`, so repositories can use it inside transactions too. */
export function ormOver(sql: Sql): Orm {
  return drizzle(
    async (text, params, method) => {
      if (method === "all") return { rows: await sql.queryArrays(text, params) };
      return { rows: await sql.query(text, params) };
    },
    { schema },
  );
}

/** The database could not be reached or refused the connection. */
export class DatabaseUnavailable extends Error {
  readonly code = "database_unavailable";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DatabaseUnavailable";
  }
}

/** Values returned the same way by both engines: dates as `YYYY-MM-DD`, numeric as strings, int8 as numbers. */
export const TYPE_OIDS = { int8: 20, numeric: 1700, date: 1082 } as const;

const DOWN_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EPIPE",
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08001",
  "08003",
  "08006",
]);

/** True when an error means the database cannot be reached now (as opposed to a bad query). */
export function isDatabaseDown(error: unknown): boolean {
  if (error instanceof DatabaseUnavailable) return true;
  if (error instanceof AggregateError) return error.errors.some(isDatabaseDown);
  const e = error as { code?: string; message?: string; cause?: unknown } | undefined;
  if (!e) return false;
  if (e.code && DOWN_CODES.has(e.code)) return true;
  if (
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|database closed|PGlite is closed/i.test(
      e.message ?? "",
    )
  )
    return true;
  return e.cause !== undefined && e.cause !== error && isDatabaseDown(e.cause);
}

/** A ping that answers within `ms`: a server that accepts connections but never answers is down too. */
export async function pingWithin(db: Pick<Database, "ping">, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`database did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
