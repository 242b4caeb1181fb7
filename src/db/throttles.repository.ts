import type { Sql } from "./database.js";
import type { throttles } from "./schema.js";

export type ThrottleState = Pick<typeof throttles.$inferSelect, "count" | "blockedUntil">;

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

/** How many attempts a key gets for free in its window, then how long each later one waits. */
export interface AttemptPolicy {
  windowSeconds: number;
  freeAttempts: number;
  /** The wait after the last free attempt; it doubles with each later attempt, up to `maxDelaySeconds`. */
  firstDelaySeconds: number;
  maxDelaySeconds: number;
}

export type AttemptClaim = { admitted: true; count: number } | { admitted: false; blockedUntil: Date };

/**
 * Takes one attempt on the key BEFORE the expensive check it guards, in one statement: the row lock
 * of `insert … on conflict do update` orders concurrent claims, and a claim that finds the key blocked
 * changes nothing (its `where` fails, so no row comes back). The claim that reaches the free allowance
 * sets the block at once, so a concurrent burst gets exactly `freeAttempts` admissions, as a
 * sequential one does. A success must be told with `releaseAttempt` or `clearThrottle`.
 */
export async function claimAttempt(
  sql: Sql,
  tenantId: string,
  key: string,
  now: Date,
  policy: AttemptPolicy,
): Promise<AttemptClaim> {
  const windowStart = new Date(now.getTime() - policy.windowSeconds * 1000);
  const restarts = "throttles.window_started_at < $4";
  const next = `(case when ${restarts} then 1 else throttles.count + 1 end)`;
  const blockAfter = (n: string) =>
    `case when ${n} >= $5::int then $3::timestamptz + make_interval(secs => least($6::float8 * power(2, least(${n} - $5::int, 30)), $7::float8)) end`;
  const [row] = await sql.query<{ count: number }>(
    `insert into throttles (tenant_id, key, count, window_started_at, blocked_until)
     values ($1, $2, 1, $3::timestamptz, ${blockAfter("1")})
     on conflict (tenant_id, key) do update
       set count = ${next},
           window_started_at = case when ${restarts} then $3::timestamptz else throttles.window_started_at end,
           blocked_until = ${blockAfter(next)}
       where throttles.blocked_until is null or throttles.blocked_until <= $3::timestamptz
     returning count`,
    [tenantId, key, now, windowStart, policy.freeAttempts, policy.firstDelaySeconds, policy.maxDelaySeconds],
  );
  if (row) return { admitted: true, count: row.count };
  const state = await readThrottle(sql, tenantId, key, windowStart);
  // Cleared between the two statements: wait one second rather than verify outside the count.
  return { admitted: false, blockedUntil: state.blockedUntil ?? new Date(now.getTime() + 1000) };
}

/**
 * Gives back an attempt that turned out not to be a failure (a success on a key that counts failures
 * of many people, such as an IP): the count drops by one, and the block goes when the count falls
 * back under the free allowance.
 */
export async function releaseAttempt(
  sql: Sql,
  tenantId: string,
  key: string,
  policy: AttemptPolicy,
): Promise<void> {
  await sql.query(
    `update throttles set count = greatest(count - 1, 0),
            blocked_until = case when count - 1 < $3 then null else blocked_until end
      where tenant_id = $1 and key = $2`,
    [tenantId, key, policy.freeAttempts],
  );
}

/** Forgets the key, and its per-network sub-keys `<key>|<network>` (a reset clears every login delay of an identifier). */
export async function clearThrottle(sql: Sql, tenantId: string, key: string): Promise<void> {
  await sql.query(
    "delete from throttles where tenant_id = $1 and (key = $2 or starts_with(key, $2 || '|'))",
    [tenantId, key],
  );
}

/** Forgets this one key only. */
export async function clearThrottleKey(sql: Sql, tenantId: string, key: string): Promise<void> {
  await sql.query("delete from throttles where tenant_id = $1 and key = $2", [tenantId, key]);
}

/** Records that something happened now on the key (a marker row: no count, no block). */
export async function touchThrottleMarker(sql: Sql, tenantId: string, key: string, now: Date): Promise<void> {
  await sql.query(
    `insert into throttles (tenant_id, key, count, window_started_at) values ($1, $2, 0, $3)
     on conflict (tenant_id, key) do update set window_started_at = $3, blocked_until = null`,
    [tenantId, key, now],
  );
}

/** When the marker row was last touched, if ever. */
export async function readThrottleMarker(sql: Sql, tenantId: string, key: string): Promise<Date | undefined> {
  const [row] = await sql.query<{ at: Date }>(
    `select window_started_at as "at" from throttles where tenant_id = $1 and key = $2`,
    [tenantId, key],
  );
  return row?.at;
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

/**
 * Counts one request on a rate-limit key in its fixed window of `windowMs` (a window that has ended restarts
 * at 1), on the database's clock so that every web process, on any machine, sees the same windows. Returns
 * the count and the milliseconds left in the window.
 */
export async function countRateLimit(
  sql: Sql,
  key: string,
  windowMs: number,
): Promise<{ count: number; ttlMs: number }> {
  const ended =
    "rate_limits.window_started_at <= clock_timestamp() - make_interval(secs => $2::float8 / 1000)";
  const [row] = await sql.query<{ count: number; ttlMs: number }>(
    `insert into rate_limits (key, count, window_started_at) values ($1, 1, clock_timestamp())
     on conflict (key) do update
       set count = case when ${ended} then 1 else rate_limits.count + 1 end,
           window_started_at = case when ${ended} then clock_timestamp() else rate_limits.window_started_at end
     returning count,
       greatest(0, ceil(extract(epoch from (window_started_at + make_interval(secs => $2::float8 / 1000)
         - clock_timestamp())) * 1000))::int as "ttlMs"`,
    [key, windowMs],
  );
  return row!;
}

/** The count and time left of a key's window without counting (0 when it has none or it ended). */
export async function readRateLimit(
  sql: Sql,
  key: string,
  windowMs: number,
): Promise<{ count: number; ttlMs: number }> {
  const [row] = await sql.query<{ count: number; ttlMs: number }>(
    `select count, greatest(0, ceil(extract(epoch from (window_started_at + make_interval(secs => $2::float8 / 1000)
         - clock_timestamp())) * 1000))::int as "ttlMs"
       from rate_limits
      where key = $1 and window_started_at > clock_timestamp() - make_interval(secs => $2::float8 / 1000)`,
    [key, windowMs],
  );
  return row ?? { count: 0, ttlMs: 0 };
}

/** Forgets the rate-limit windows that started more than `olderThanMs` ago (they no longer count). */
export async function pruneRateLimits(sql: Sql, olderThanMs: number): Promise<number> {
  const rows = await sql.query<{ key: string }>(
    `delete from rate_limits where window_started_at < clock_timestamp() - make_interval(secs => $1::float8 / 1000)
     returning key`,
    [olderThanMs],
  );
  return rows.length;
}
