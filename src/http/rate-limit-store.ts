import type { Sql } from "../db/database.js";
import { countRequest, forgetOldRequestWindows, peekRequests } from "../domain/shared/rate-limits.js";

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** The store interface of @fastify/rate-limit (what its LocalStore and RedisStore implement). */
export interface RateLimitStore {
  incr(key: string, callback: Callback, timeWindow: number, max: number): void;
  read(key: string, callback: Callback, timeWindow: number, max: number): void;
  child(routeOptions: unknown): RateLimitStore;
}

/**
 * A @fastify/rate-limit store on PostgreSQL (the `rate_limits` table): the count of a key is the same for every
 * web process (`efacture web --processes N`, several machines), so the limit holds once for all of them; the
 * default store counts in each process's memory. Fixed windows on the database's clock, one statement per
 * request. Windows older than ten of theirs are pruned now and then (at most once a minute per process).
 * `continueExceeding` and `exponentialBackoff` are not supported (the API uses neither).
 */
export function postgresRateLimitStore(
  sql: Sql,
  options: { pruneEveryMs?: number; onPruneError?: (error: unknown) => void } = {},
): new (
  params: unknown,
) => RateLimitStore {
  const pruneEveryMs = options.pruneEveryMs ?? 60_000;
  let lastPrune = Date.now();
  const prune = (timeWindow: number) => {
    const now = Date.now();
    if (now - lastPrune < pruneEveryMs) return;
    lastPrune = now;
    forgetOldRequestWindows(sql, Math.max(timeWindow * 10, 60_000)).catch((error) =>
      options.onPruneError?.(error),
    );
  };
  class PostgresRateLimitStore implements RateLimitStore {
    incr(key: string, callback: Callback, timeWindow: number) {
      countRequest(sql, key, timeWindow).then(
        ({ count, ttlMs }) => {
          prune(timeWindow);
          callback(null, { current: count, ttl: ttlMs });
        },
        (error: Error) => callback(error),
      );
    }
    read(key: string, callback: Callback, timeWindow: number) {
      peekRequests(sql, key, timeWindow).then(
        ({ count, ttlMs }) => callback(null, { current: count, ttl: ttlMs }),
        (error: Error) => callback(error),
      );
    }
    child() {
      return new PostgresRateLimitStore();
    }
  }
  return PostgresRateLimitStore;
}
