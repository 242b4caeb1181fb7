/**
 * Fair dispatch for a worker pool: tasks wait here, one FIFO per owner (a tenant, an API key), and start only
 * when one of `threads` slots is free, taking owners in turns. The pool's own queue stays empty, so a burst from
 * one owner never sits in front of the others' tasks: another owner's task waits at most for the tasks already
 * running. Beyond `maxQueue` waiting tasks, or `maxQueuePerOwner` for one owner, `busy()` is thrown instead of
 * memory growing with the backlog. Used by the parser pool and the validator pool.
 */
export function createFairTurns(options: {
  threads: number;
  maxQueue: number;
  maxQueuePerOwner: number;
  busy: () => Error;
}): <T>(owner: string, task: () => Promise<T>) => Promise<T> {
  const waiting = new Map<string, (() => void)[]>();
  let waitingCount = 0;
  let running = 0;

  function dispatch() {
    while (running < options.threads && waitingCount > 0) {
      // Map iteration order is insertion order: take the oldest owner, then move it to the back.
      const [owner, queue] = waiting.entries().next().value as [string, (() => void)[]];
      const start = queue.shift()!;
      waitingCount--;
      waiting.delete(owner);
      if (queue.length > 0) waiting.set(owner, queue);
      running++;
      start();
    }
  }

  return async function turn<T>(owner: string, task: () => Promise<T>): Promise<T> {
    const queue = waiting.get(owner);
    if (waitingCount >= options.maxQueue || (queue?.length ?? 0) >= options.maxQueuePerOwner)
      throw options.busy();
    await new Promise<void>((resolve) => {
      if (queue) queue.push(resolve);
      else waiting.set(owner, [resolve]);
      waitingCount++;
      dispatch();
    });
    try {
      return await task();
    } finally {
      running--;
      dispatch();
    }
  };
}
