/**
 * Per-tenant fairness of the shared send-mail queue. pg-boss fetches by priority first, then by age:
 * the k-th mail a tenant queued within the window gets priority -k, so mails of different tenants are
 * taken in turns (the first mail of every tenant, then the second of each…) instead of first come,
 * first served. One tenant's burst of 1,000 mails no longer delays another tenant's single reset mail
 * by more than the mails already in flight.
 *
 * The counts live in this process (no lock, no write on the caller's transaction): a burst spread over
 * several processes is ranked per process, which still puts it behind the quiet tenants.
 */
export interface FairShare {
  /** The priority of the next mail of this tenant (null: platform mails). */
  next(tenantId: string | null, now?: number): number;
}

/** Ranks are counted over a sliding window of about `windowMs` (two half-windows). */
export function createFairShare(windowMs = 15 * 60_000, maxPenalty = 100_000): FairShare {
  let bucketStart = 0;
  let current = new Map<string, number>();
  let previous = new Map<string, number>();
  const half = windowMs / 2;
  return {
    next(tenantId, now = Date.now()) {
      if (now - bucketStart >= half) {
        // Two half-windows old: forgotten at once; one half-window old: kept as the previous bucket.
        previous = now - bucketStart >= windowMs ? new Map() : current;
        current = new Map();
        bucketStart = now;
      }
      const key = tenantId ?? "(platform)";
      const rank = (current.get(key) ?? 0) + (previous.get(key) ?? 0);
      current.set(key, (current.get(key) ?? 0) + 1);
      return -Math.min(rank, maxPenalty);
    },
  };
}

/** The process-wide ranking used by queueMail. */
export const mailFairShare: FairShare = createFairShare();
