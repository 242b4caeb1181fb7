import type { Sql } from "./database.js";

/**
 * Marks the invoices as downloaded when they never were: one conditional UPDATE, so of concurrent
 * downloads exactly one sees each id come back. Returns the ids marked now. An invoice whose date has
 * come by `at` is not marked (it is no longer offered, whatever the run has done yet).
 */
export async function markFirstDownloaded(
  sql: Sql,
  tenantId: string,
  accountId: string,
  invoiceIds: readonly string[],
  at: Date,
): Promise<string[]> {
  if (invoiceIds.length === 0) return [];
  const rows = await sql.query<{ id: string }>(
    `update invoices set first_downloaded_at = $4
      where tenant_id = $1 and account_id = $2 and id = any($3::uuid[])
        and first_downloaded_at is null and removed_at is null and available_until > $4
      returning id`,
    [tenantId, accountId, invoiceIds, at],
  );
  return rows.map((r) => r.id);
}

// A running ZIP is a lease row in `throttles` (key `zip-running:<account>`): it holds no connection, works
// on both engines and across web processes, and expires by itself if the process dies mid-archive.
const leaseKey = (accountId: string) => `zip-running:${accountId}`;

/** Takes the account's ZIP lease unless a live one exists; `token` identifies the holder. */
export async function acquireZipLease(
  sql: Sql,
  tenantId: string,
  accountId: string,
  token: number,
  now: Date,
  until: Date,
): Promise<boolean> {
  const rows = await sql.query(
    `insert into throttles (tenant_id, key, count, window_started_at, blocked_until) values ($1, $2, $3, $4, $5)
     on conflict (tenant_id, key) do update set count = $3, window_started_at = $4, blocked_until = $5
       where throttles.blocked_until is null or throttles.blocked_until <= $4
     returning key`,
    [tenantId, leaseKey(accountId), token, now, until],
  );
  return rows.length === 1;
}

/** Extends the lease while the archive is still being written; false when it was lost meanwhile. */
export async function renewZipLease(
  sql: Sql,
  tenantId: string,
  accountId: string,
  token: number,
  until: Date,
): Promise<boolean> {
  const rows = await sql.query(
    `update throttles set blocked_until = $4 where tenant_id = $1 and key = $2 and count = $3 returning key`,
    [tenantId, leaseKey(accountId), token, until],
  );
  return rows.length === 1;
}

export async function releaseZipLease(
  sql: Sql,
  tenantId: string,
  accountId: string,
  token: number,
): Promise<void> {
  await sql.query(`delete from throttles where tenant_id = $1 and key = $2 and count = $3`, [
    tenantId,
    leaseKey(accountId),
    token,
  ]);
}
