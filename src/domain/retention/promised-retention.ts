import type { Sql } from "../../db/database.js";
import { findShortestLiveRetention } from "../../db/retention.repository.js";
import { addMonths } from "../shared/dates.js";

/**
 * What the portal may promise about how long invoices stay online. An invoice's date is fixed at its
 * publication, so after a tenant raises its retention the invoices published before keep the shorter
 * one: the promise is the smaller of the setting (what new invoices get) and the shortest retention of
 * an invoice still online. Never more than what some invoice actually gets.
 */
export function promisedMonths(
  settingMonths: number,
  shortest: { publishedAt: Date; availableUntil: Date } | undefined,
): number {
  if (!shortest) return settingMonths;
  // Whole months the invoice got (addMonths is what publication used).
  let months = 0;
  while (months < settingMonths && addMonths(shortest.publishedAt, months + 1) <= shortest.availableUntil)
    months++;
  return Math.max(1, Math.min(settingMonths, months));
}

const TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 5_000;
// Per database (tests open several): tenant id and setting → the promise, read at most once per TTL; a
// changed setting is a new key, so a lowered retention is promised at once.
const caches = new WeakMap<Sql, Map<string, { at: number; months: Promise<number> }>>();

/** `promisedMonths` for a tenant, kept in memory for 10 minutes (the home page is public and frequent). */
export function promisedRetentionMonths(
  sql: Sql,
  tenant: { id: string; retentionMonths: number },
  now: Date = new Date(),
): Promise<number> {
  let cache = caches.get(sql);
  if (!cache) {
    cache = new Map();
    caches.set(sql, cache);
  }
  const key = `${tenant.id}/${tenant.retentionMonths}`;
  const found = cache.get(key);
  if (found && now.getTime() - found.at < TTL_MS) return found.months;
  const months = findShortestLiveRetention(sql, tenant.id, now).then((shortest) =>
    promisedMonths(tenant.retentionMonths, shortest),
  );
  cache.delete(key);
  cache.set(key, { at: now.getTime(), months });
  months.catch(() => {
    if (cache.get(key)?.months === months) cache.delete(key);
  });
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  return months;
}
