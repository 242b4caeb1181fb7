import type { Sql } from "./database.js";

/** The store that holds the originals, as the database records it (undefined before any process started). */
export async function readActiveBlobStore(
  sql: Sql,
): Promise<{ active: string; switchedAt: Date } | undefined> {
  const [row] = await sql.query<{ active: string; switchedAt: Date }>(
    `select active, switched_at as "switchedAt" from blob_store_state where id = 1`,
  );
  return row;
}

/**
 * Records `to` as the active store, if the database records `from` (or nothing yet); false when it records a
 * third store (another migration ran meanwhile).
 */
export async function switchActiveBlobStore(sql: Sql, from: string, to: string): Promise<boolean> {
  const rows = await sql.query(
    `insert into blob_store_state (id, active) values (1, $2)
     on conflict (id) do update set active = $2, switched_at = now()
       where blob_store_state.active in ($1, $2)
     returning id`,
    [from, to],
  );
  return rows.length === 1;
}
