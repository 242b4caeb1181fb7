import type { Sql } from "../../db/database.js";
import { countRateLimit, pruneRateLimits, readRateLimit } from "../../db/throttles.repository.js";

/**
 * Request rate limits shared by every web process (the `rate_limits` table): one more request on `key` in its
 * fixed window of `windowMs`, on the database's clock. Returns the window's count and the milliseconds left.
 */
export function countRequest(sql: Sql, key: string, windowMs: number) {
  return countRateLimit(sql, key, windowMs);
}

/** The window's count and time left without counting a request. */
export function peekRequests(sql: Sql, key: string, windowMs: number) {
  return readRateLimit(sql, key, windowMs);
}

/** Forgets windows that started more than `olderThanMs` ago. */
export function forgetOldRequestWindows(sql: Sql, olderThanMs: number) {
  return pruneRateLimits(sql, olderThanMs);
}
