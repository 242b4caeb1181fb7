import type { Database } from "../db/database.js";
import { findTenantBySlug, type TenantRow } from "../db/tenants.queries.js";

/** Tenants change rarely and every request needs one: keep each for a few seconds. */
export function createTenantCache(db: Database, ttlMs = 5_000) {
  const entries = new Map<string, { tenant: TenantRow | undefined; until: number }>();
  return {
    async get(slug: string): Promise<TenantRow | undefined> {
      const now = Date.now();
      const hit = entries.get(slug);
      if (hit && hit.until > now) return hit.tenant;
      const tenant = await findTenantBySlug(db, slug);
      if (entries.size > 10_000) entries.clear();
      // Unknown hosts are cached briefly too, so a flood of random hosts does not reach the database each time.
      entries.set(slug, { tenant, until: now + ttlMs });
      return tenant;
    },
    clear() {
      entries.clear();
    },
  };
}
