import type { Sql } from "./database.js";

export interface ThrottleState {
  count: number;
  blockedUntil: Date | null;
}

export async function readThrottle(
  sql: Sql,
  tenantId: string,
  key: string,
  windowStart: Date,
): Promise<ThrottleState> {
  const [row] = await sql.query<ThrottleState>(
    `select case when window_started_at < $3 then 0 else count end as count, blocked_until as "blockedUntil"
       from throttles where tenant_id = $1 and key = $2`,
    [tenantId, key, windowStart],
  );
  return row ?? { count: 0, blockedUntil: null };
}

/**
 * Counts one more event in the key's window (a window older than `windowStart` restarts at 1) and
 * sets `blocked_until` from the new count. Atomic: concurrent attempts all count.
 */
export async function countThrottle(
  sql: Sql,
  tenantId: string,
  key: string,
  now: Date,
  windowStart: Date,
  blockFor: (count: number) => number,
): Promise<ThrottleState> {
  const [row] = await sql.query<{ count: number }>(
    `insert into throttles (tenant_id, key, count, window_started_at) values ($1, $2, 1, $3)
     on conflict (tenant_id, key) do update
       set count = case when throttles.window_started_at < $4 then 1 else throttles.count + 1 end,
           window_started_at = case when throttles.window_started_at < $4 then $3 else throttles.window_started_at end
     returning count`,
    [tenantId, key, now, windowStart],
  );
  const count = row!.count;
  const seconds = blockFor(count);
  const blockedUntil = seconds > 0 ? new Date(now.getTime() + seconds * 1000) : null;
  await sql.query("update throttles set blocked_until = $3 where tenant_id = $1 and key = $2", [
    tenantId,
    key,
    blockedUntil,
  ]);
  return { count, blockedUntil };
}

export async function clearThrottle(sql: Sql, tenantId: string, key: string): Promise<void> {
  await sql.query("delete from throttles where tenant_id = $1 and key = $2", [tenantId, key]);
}

/**
 * The sum of one key's counts over every tenant whose window started at or after `windowStart`: a
 * platform-wide count built from the per-tenant rows (throttles are keyed by tenant).
 */
export async function sumThrottleAcrossTenants(sql: Sql, key: string, windowStart: Date): Promise<number> {
  const [row] = await sql.query<{ total: number }>(
    "select coalesce(sum(count), 0)::int as total from throttles where key = $1 and window_started_at >= $2",
    [key, windowStart],
  );
  return row?.total ?? 0;
}
