/**
 * Validation runs BEHIND publication (issue #15: a publication burst keeps ≥ 0.9 of its throughput while a
 * worker validates). Idle-priority threads were not enough: bench:publish measured 0.80, the rules' threads
 * taking the cores' idle moments and what they share with publication — caches, memory bandwidth, V8's GC
 * helper threads, a virtual machine's CPU time (docs/compliance.md "Publication while validating").
 * So while publication queues checks faster than a burst's rate, a worker about to check one waits, a second
 * at a time, and goes on once the burst has ended — or after `maxWaitMs`, so a publication that never stops
 * still sees its invoices checked, one per worker and `maxWaitMs`. Nothing is skipped: the invoice stays
 * `pending` (held from transmission when B2B) until its check runs.
 */
export interface PublicationBurstGateOptions {
  /** How many checks were queued in the last `windowSeconds` and still wait (the queue's own count). */
  recentChecks(windowSeconds: number): Promise<number>;
  /** The window over which the rate is measured (default 2 s). */
  windowSeconds?: number;
  /** Checks queued per second from which publication is a burst (default 10: an API client's trickle is not). */
  burstPerSecond?: number;
  /** Longest wait before one check (default 60 s, well under the job's 300 s expiry). */
  maxWaitMs?: number;
  /** Between two looks at the queue while waiting (default 1 s). */
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export const PUBLICATION_BURST_DEFAULTS = {
  windowSeconds: 2,
  burstPerSecond: 10,
  maxWaitMs: 60_000,
  pollMs: 1_000,
} as const;

export interface PublicationBurstGate {
  /** Resolves when a check may run now: no burst, or waited `maxWaitMs`. Returns how long it waited (ms). */
  wait(): Promise<number>;
}

/** One gate per worker process: its concurrent checks share each look at the queue. */
export function createPublicationBurstGate(options: PublicationBurstGateOptions): PublicationBurstGate {
  const windowSeconds = options.windowSeconds ?? PUBLICATION_BURST_DEFAULTS.windowSeconds;
  const threshold = (options.burstPerSecond ?? PUBLICATION_BURST_DEFAULTS.burstPerSecond) * windowSeconds;
  const maxWaitMs = options.maxWaitMs ?? PUBLICATION_BURST_DEFAULTS.maxWaitMs;
  const pollMs = options.pollMs ?? PUBLICATION_BURST_DEFAULTS.pollMs;
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  // The last look at the queue, reused by the other checks for half a poll: two workers, one query.
  let last: { at: number; burst: Promise<boolean> } | undefined;
  const bursting = (): Promise<boolean> => {
    const at = now();
    if (last && at - last.at < pollMs / 2) return last.burst;
    const burst = options.recentChecks(windowSeconds).then((n) => n >= threshold);
    last = { at, burst };
    // A failed look is not kept: the next caller asks again (and this one's job fails and retries).
    burst.catch(() => {
      if (last?.burst === burst) last = undefined;
    });
    return burst;
  };

  return {
    async wait() {
      const started = now();
      while (await bursting()) {
        const waited = now() - started;
        if (waited >= maxWaitMs) return waited;
        await sleep(Math.min(pollMs, maxWaitMs - waited));
      }
      return now() - started;
    },
  };
}
