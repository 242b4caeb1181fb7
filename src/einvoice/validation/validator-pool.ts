// The official rules cost ~60 ms to several hundred ms of CPU per invoice, and ~1 s to load a profile's
// stylesheets: they run in worker threads, never on the event loop. Modelled on ../parser-pool.ts: one
// FIFO per owner taken in turns (one API key's batch does not starve the others), a time budget per file
// and a heap budget per worker (a worker past either is terminated and replaced), a bounded queue.
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { BroadcastChannel, MessageChannel } from "node:worker_threads";
import { Piscina } from "piscina";
import { createFairTurns } from "../fair-turns.js";
import { ParserBusyError } from "../parser-pool.js";
import { NotAnInvoiceError } from "./errors.js";
import type { BrFrVariant, RuleSetKey } from "./rule-sets.js";
import { RULES_VERSION, ruleSet } from "./rule-sets.js";
import type { InvoiceValidator, ValidationReport } from "./types.js";
import type { WorkerOutcome } from "./validator-worker-task.js";

export interface ValidatorPoolOptions {
  /** Worker threads (default: the cores, at least one: validation is pure CPU and runs behind publication). */
  threads?: number;
  /** Files waiting beyond which new ones are refused with ParserBusyError (default 64 per thread). */
  maxQueue?: number;
  /** Files one owner may have waiting (default 16 per thread). */
  maxQueuePerOwner?: number;
  /**
   * Longest one file may compute once a worker has it (default 30 s: the first file also loads the
   * stylesheets). Counted in the thread's CPU time where the kernel tells it (Linux), else in wall time: the
   * threads run at the lowest priority (validator-worker-task.ts), so a busy machine may keep one waiting for
   * the CPU far longer than it computes, and a file must not fail the rules for that.
   */
  taskTimeoutMs?: number;
  /** Heap of a worker (default 1024 MB: the EXTENDED stylesheet alone is ~14 MB of JSON, ~300 MB prepared). */
  maxHeapMb?: number;
  /** BR-FR-Flux2 variant (rule-sets.ts) when a call does not choose one; default `fatal`. */
  brFr?: BrFrVariant;
  /**
   * `idle` (default): the threads run at nice 19 and SCHED_IDLE, behind everything else (validator-worker.mjs).
   * `normal`: as any thread — for bench:validate only, which compares the pool with an in-process validation
   * at normal priority and must not measure the other users of a shared machine instead.
   */
  priority?: "idle" | "normal";
  /** A lazy pool's thread ends after this long without a file (default 60 s); a warm pool keeps its threads. */
  idleTimeoutMs?: number;
}

/** What `warm()` preloads when not told: the profile nearly every Factur-X file declares (EN 16931). */
export const DEFAULT_WARM_RULE_SETS: readonly RuleSetKey[] = ["EN16931"];

export const DEFAULT_VALIDATOR_POOL = {
  taskTimeoutMs: 30_000,
  maxHeapMb: 1024,
  queuePerThread: 64,
  ownerQueuePerThread: 16,
} as const;

export interface ValidatorPool extends InvoiceValidator {
  readonly threads: number;
  warm(ruleSets?: readonly RuleSetKey[]): Promise<{ threads: number; failed: string[] }>;
  /**
   * Test seam: occupies a worker for `ms`, under the pool's time budget or `timeoutMs`: computing, or with
   * `idle`, waiting without computing (a thread kept off the CPU).
   */
  spin(
    ms: number,
    options?: { owner?: string; timeoutMs?: number; idle?: boolean },
  ): Promise<"done" | "killed">;
  /** Test seam: the worker thread exits mid-task. */
  crash(options?: { owner?: string }): Promise<"crashed">;
  /** Test seam: the kernel's id and nice value of the thread that takes the task (Linux), else null. */
  thread(): Promise<{ threadId: number; nice: number; policy: number; warm: boolean } | null>;
}

/** CPU time (user + system) a thread of this process has used, in ms (Linux /proc); null when unknown. */
export function threadCpuMs(threadId: number): number | null {
  if (!threadId) return null;
  try {
    const stat = readFileSync(`/proc/self/task/${threadId}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime (fields 14 and 15 of proc(5)) in clock ticks: USER_HZ, 100 on Linux.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/**
 * A validator whose threads start on the first file (none for a process that never validates) and stop
 * after a minute idle — until `warm()`: then every thread starts at once, loads the stylesheets asked for
 * (at the threads' idle priority) and stays for the process's life, and so does each thread that replaces
 * one (a worker role runs for days: a publication burst must not pay ~3.3 s of CPU per thread start).
 * A file whose worker is killed by a budget gets a report of its own (RULES-ERROR, fatal), never "passed".
 */
export function createValidatorPool(options: ValidatorPoolOptions = {}): ValidatorPool {
  const threads = Math.max(1, options.threads ?? availableParallelism());
  const taskTimeoutMs = options.taskTimeoutMs ?? DEFAULT_VALIDATOR_POOL.taskTimeoutMs;
  const maxHeapMb = options.maxHeapMb ?? DEFAULT_VALIDATOR_POOL.maxHeapMb;
  const maxQueue = options.maxQueue ?? threads * DEFAULT_VALIDATOR_POOL.queuePerThread;
  const maxQueuePerOwner = options.maxQueuePerOwner ?? threads * DEFAULT_VALIDATOR_POOL.ownerQueuePerThread;
  let piscina: Piscina | undefined;
  // Warm threads announce on this channel that their stylesheets are loaded (validator-worker-task.ts).
  const warmChannelName = `efacture-validator-warm-${process.pid}-${Math.random().toString(36).slice(2)}`;
  let warming:
    | { stylesheets: string[]; done: Promise<{ threads: number; failed: string[] }>; stop: () => void }
    | undefined;
  const pool = () =>
    (piscina ??= new Piscina({
      filename: new URL("./validator-worker.mjs", import.meta.url).href,
      // Warm: every thread at once, never ended for idleness (piscina ends idle threads above minThreads only).
      minThreads: warming ? threads : 0,
      maxThreads: threads,
      idleTimeout: options.idleTimeoutMs ?? 60_000,
      concurrentTasksPerWorker: 1,
      workerData: {
        priority: options.priority ?? "idle",
        ...(warming ? { warm: { stylesheets: warming.stylesheets, channel: warmChannelName } } : {}),
      },
      resourceLimits: {
        maxOldGenerationSizeMb: maxHeapMb,
        maxYoungGenerationSizeMb: 64,
        stackSizeMb: 8,
      },
    }));

  // Fair dispatch (../fair-turns.ts): files reach piscina only when a thread is free, owners taking turns.
  const turn = createFairTurns({ threads, maxQueue, maxQueuePerOwner, busy: () => new ParserBusyError() });

  /** Files running in each piscina: warm() replaces a lazy one, which ends when its files are done. */
  const inFlight = new Map<Piscina, number>();

  type Outcome<T> = { ok: T } | { killed: "time" | "memory" | "crash"; message: string };
  async function run<T>(input: unknown, name: string, budgetMs = taskTimeoutMs): Promise<Outcome<T>> {
    // The budget starts when a worker takes the file, not while it waits or a fresh thread loads.
    // The one-time loading of a profile's stylesheets ("pause" … "resume") is not the file's cost either.
    // It counts the thread's CPU time when known ("started <thread id>"): a low-priority thread that waits
    // for a core is not computing. The timer fires after the remaining budget in wall time (CPU time never
    // runs faster), then again after what the thread has not used yet.
    const abort = new AbortController();
    const { port1, port2 } = new MessageChannel();
    let timer: NodeJS.Timeout | undefined;
    let remainingMs = budgetMs;
    let threadId = 0;
    let sinceWall = 0;
    let sinceCpu: number | null = null;
    const used = () => {
      const cpu = sinceCpu === null ? null : threadCpuMs(threadId);
      return cpu === null || sinceCpu === null ? Date.now() - sinceWall : cpu - sinceCpu;
    };
    const arm = (ms: number) => {
      timer = setTimeout(
        () => {
          const left = remainingMs - used();
          if (left <= 0) abort.abort();
          else arm(Math.max(left, 50)); // CPU time moves in 10 ms ticks: no tighter polling than that
        },
        Math.max(0, ms),
      );
    };
    port1.on("message", (message: string) => {
      if (message === "pause") {
        clearTimeout(timer);
        remainingMs -= used();
      } else {
        if (message.startsWith("started ")) threadId = Number(message.slice(8)) || 0;
        sinceWall = Date.now();
        sinceCpu = threadCpuMs(threadId);
        arm(remainingMs);
      }
    });
    const running = pool();
    inFlight.set(running, (inFlight.get(running) ?? 0) + 1);
    try {
      return {
        ok: (await running.run(
          { input, started: port2 },
          { name, signal: abort.signal, transferList: [port2] },
        )) as T,
      };
    } catch (e) {
      const message = (e as Error).message ?? "";
      if (abort.signal.aborted) return { killed: "time", message };
      if ((e as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY" || /out of memory/i.test(message))
        return { killed: "memory", message };
      // The thread died (exit, native crash): piscina replaces it; the file is reported, not retried.
      if (/worker|exit|terminat/i.test(message)) return { killed: "crash", message };
      throw e;
    } finally {
      clearTimeout(timer);
      port1.close();
      const left = (inFlight.get(running) ?? 1) - 1;
      if (left > 0) inFlight.set(running, left);
      else {
        inFlight.delete(running);
        if (running !== piscina) void running.destroy(); // a lazy pool replaced by warm(): its last file is done
      }
    }
  }

  const killedReport = (why: "time" | "memory" | "crash", message: string): ValidationReport => ({
    profile: null,
    rulesVersion: RULES_VERSION,
    status: "failed",
    findings: [
      {
        rule: "RULES-ERROR",
        flag: "fatal",
        message:
          why === "time"
            ? `Validation stopped: more than ${taskTimeoutMs / 1000} s of computation.`
            : why === "memory"
              ? `Validation stopped: more than ${maxHeapMb} MB of memory.`
              : `Validation stopped: the rule engine's thread ended (${message}).`,
        location: "",
        explanation: null,
      },
    ],
  });

  /**
   * Makes the pool warm (see createValidatorPool). A lazy pool already running is replaced once its files are
   * done: piscina cannot raise minThreads of a running pool. Calling it again returns the first call's wait.
   */
  function warm(ruleSets: readonly RuleSetKey[] = DEFAULT_WARM_RULE_SETS) {
    if (warming) return warming.done;
    // The pool's default BR-FR variant only: the other is asked per call, rarely, and loads on its first file.
    const stylesheets = [...new Set(ruleSets.flatMap((key) => ruleSet(key, options.brFr).stylesheets))];
    const channel = new BroadcastChannel(warmChannelName);
    channel.unref();
    const seen = new Set<number>();
    const failed: string[] = [];
    let stop = () => {};
    const done = new Promise<{ threads: number; failed: string[] }>((resolve) => {
      stop = () => {
        channel.close();
        resolve({ threads: seen.size, failed });
      };
      channel.onmessage = (event) => {
        const message = (event as unknown as { data: { threadId: number; error?: string } }).data;
        seen.add(message.threadId);
        if (message.error) failed.push(message.error);
        if (seen.size >= threads) stop();
      };
    });
    const lazy = piscina;
    warming = { stylesheets, done, stop };
    piscina = undefined;
    if (lazy && !inFlight.has(lazy)) void lazy.destroy();
    pool();
    return done;
  }

  return {
    threads,
    warm,
    async validate(bytes, validateOptions) {
      const outcome = await turn(validateOptions.owner, () =>
        run<WorkerOutcome>({ bytes, brFr: validateOptions.brFr ?? options.brFr }, "default"),
      );
      if (!("ok" in outcome)) return killedReport(outcome.killed, outcome.message);
      if ("notAnInvoice" in outcome.ok) throw new NotAnInvoiceError(outcome.ok.notAnInvoice);
      return outcome.ok.report;
    },
    async spin(ms, spinOptions) {
      const outcome = await turn(spinOptions?.owner ?? "", () =>
        run<number>(ms, spinOptions?.idle ? "waitForTests" : "spinForTests", spinOptions?.timeoutMs),
      );
      return "ok" in outcome ? "done" : "killed";
    },
    async crash(crashOptions) {
      const outcome = await turn(crashOptions?.owner ?? "", () => run<never>(null, "crashForTests"));
      if ("ok" in outcome) throw new Error("crashForTests returned");
      return "crashed";
    },
    async thread() {
      const outcome = await turn("", () =>
        run<{ threadId: number; nice: number; policy: number; warm: boolean } | null>(null, "threadForTests"),
      );
      if (!("ok" in outcome)) throw new Error(`threadForTests: ${outcome.message}`);
      return outcome.ok;
    },
    close: async () => {
      const started = piscina;
      piscina = undefined;
      warming?.stop();
      await Promise.all([...inFlight.keys()].filter((p) => p !== started).map((p) => p.destroy()));
      await started?.destroy();
    },
  };
}
