import type { Database, Sql, Tx } from "./database.js";

/**
 * Waits for, then holds until the transaction ends, the lock named `key` (a PostgreSQL advisory lock):
 * two transactions deciding the same thing take turns.
 */
export async function lockUntilCommit(tx: Sql, key: string): Promise<void> {
  await tx.query("select pg_advisory_xact_lock(hashtextextended($1, 0))", [key]);
}

/** A `Database` inside an open transaction whose own transactions are savepoints. */
export function savepointPerTransaction(tx: Tx, engine: Database["engine"]): Database {
  return {
    engine,
    query: (text, params) => tx.query(text, params),
    queryArrays: (text, params) => tx.queryArrays(text, params),
    exec: (text) => tx.exec(text),
    orm: tx.orm,
    async transaction(work) {
      await tx.query("savepoint customer_row");
      try {
        const result = await work(tx);
        await tx.query("release savepoint customer_row");
        return result;
      } catch (error) {
        await tx.query("rollback to savepoint customer_row");
        throw error;
      }
    },
    async ping() {
      await tx.query("select 1");
    },
    async close() {},
  };
}
