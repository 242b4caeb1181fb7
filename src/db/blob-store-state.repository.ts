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

const REFERENCED = `
  select sha256, size_bytes as size from invoices where (removed_at is null or blob_deleted_at is null) and sha256 > $1
  union all
  select xml_sha256, null from invoices
   where xml_sha256 is not null and xml_sha256 > $1 and (removed_at is null or blob_deleted_at is null)
  union all
  select logo_sha256, null from tenants where logo_sha256 is not null and logo_sha256 > $1`;

/**
 * One page, in SHA-256 order after `after`, of the blobs a row needs (what `blobs migrate` copies): every
 * invoice's PDF and XML until retention settles it, and the tenants' logos; the PDF's size when known.
 */
export async function listReferencedBlobs(
  sql: Sql,
  after: string,
  limit: number,
): Promise<{ sha256: string; sizeBytes: number | null }[]> {
  return sql.query<{ sha256: string; sizeBytes: number | null }>(
    `select sha256, max(size) as "sizeBytes" from (${REFERENCED}) r group by sha256 order by sha256 limit $2`,
    [after, limit],
  );
}

export async function countReferencedBlobs(sql: Sql): Promise<number> {
  const [row] = await sql.query<{ n: number }>(
    `select count(distinct sha256)::int as n from (${REFERENCED}) r`,
    [""],
  );
  return row?.n ?? 0;
}
