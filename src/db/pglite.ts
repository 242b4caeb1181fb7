import { PGlite, types as pgliteTypes } from "@electric-sql/pglite";
import { type Database, ormOver, type Row, type Sql, type Tx, TYPE_OIDS } from "./database.js";

type Queryable = Pick<PGlite, "query" | "exec">;

function sqlOver(client: Queryable): Sql {
  return {
    async query<R = Row>(text: string, params?: readonly unknown[]) {
      const result = await client.query<R>(text, params as unknown[]);
      return result.rows;
    },
    async queryArrays(text: string, params?: readonly unknown[]) {
      const result = await client.query<unknown[]>(text, params as unknown[], { rowMode: "array" });
      return result.rows;
    },
    async exec(text: string) {
      await client.exec(text);
    },
  };
}

/**
 * Embedded PostgreSQL (PGlite, WebAssembly) in this process. Single connection: PGlite serialises
 * queries, and a transaction holds it until it ends. `dataDir` undefined = in memory (tests).
 */
export async function openPglite(dataDir: string | undefined): Promise<Database & { pglite: PGlite }> {
  const pglite = await PGlite.create(dataDir, {
    parsers: {
      [TYPE_OIDS.int8]: (value: string) => Number(value),
      [TYPE_OIDS.numeric]: (value: string) => value,
      [TYPE_OIDS.date]: (value: string) => value,
    },
    serializers: {
      // Same as node-postgres: a Date parameter is sent as an ISO instant.
      [pgliteTypes.TIMESTAMPTZ]: (value: unknown) =>
        value instanceof Date ? value.toISOString() : String(value),
    },
  });
  const root = sqlOver(pglite);
  let closed = false;
  return {
    engine: "pglite",
    pglite,
    ...root,
    orm: ormOver(root),
    async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
      return pglite.transaction(async (transaction) => {
        const sql = sqlOver(transaction);
        return work({ ...sql, orm: ormOver(sql) });
      });
    },
    async ping() {
      if (closed) throw new Error("database closed");
      await pglite.query("select 1");
    },
    async close() {
      if (closed) return;
      closed = true;
      await pglite.close();
    },
  };
}
