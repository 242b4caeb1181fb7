// What a validator worker runs: one file against the rules, with the stylesheets this thread has loaded
// so far (each loaded on the first file that needs it, then kept for the thread's life).
import { readFileSync, readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { BroadcastChannel, threadId as nodeThreadId, workerData } from "node:worker_threads";
import type { WorkerTask } from "../parser-worker-task.js";
import { createRuleEngine } from "./rule-engine.js";
import type { BrFrVariant } from "./rule-sets.js";
import type { ValidationReport } from "./types.js";
import { NotAnInvoiceError, validateInvoiceFile } from "./validate-invoice.js";

/** The nice value of a validator thread: the lowest CPU priority there is. */
export const VALIDATOR_NICE = 19;

/**
 * Validation YIELDS to publication (docs/compliance.md "Performance"): it runs behind, in idle time, and must
 * not take the cores from the threads that publish, serve pages or run PostgreSQL. On Linux the nice value
 * belongs to a thread: setpriority(PRIO_PROCESS, 0) — os.setPriority(n) — renices the calling thread only,
 * so this, run once when the worker thread loads, lowers this thread and leaves the main thread as it was
 * (checked on /proc/<pid>/task/<tid>/stat: validator-pool.test.ts). Elsewhere (Windows: the whole process's
 * priority class; macOS: the whole process) it would slow the process that publishes: not done there.
 */
function yieldToOtherThreads(): void {
  if (process.platform !== "linux" || workerData?.priority === "normal") return;
  try {
    setPriority(VALIDATOR_NICE);
  } catch {
    // A sandbox that forbids it: the thread keeps its priority, validation still works.
  }
}
yieldToOtherThreads();

/** This thread's kernel id (Linux /proc/thread-self), so the pool can count its CPU time; 0 elsewhere. */
function ownThreadId(): number {
  try {
    return Number(readlinkSync("/proc/thread-self").split("/").at(-1)) || 0;
  } catch {
    return 0;
  }
}
const threadId = ownThreadId();

/** What the pool hears when a task begins: "started <thread id>" (the id is 0 when unknown). */
function begin(port: WorkerTask<unknown>["started"]): void {
  port.postMessage(`started ${threadId}`);
}

const engine = createRuleEngine();

/**
 * A warm pool's thread (validator-pool.ts `warm`) loads its stylesheets now, at the idle priority set above,
 * before piscina gives it a file, then says so on the pool's channel. A stylesheet that fails to load is
 * reported and left to the first file that needs it (which reports RULES-ERROR as before).
 */
const warm = workerData?.warm as { stylesheets: string[]; channel: string } | undefined;
if (warm) {
  let error: string | undefined;
  try {
    engine.load(warm.stylesheets);
  } catch (e) {
    error = (e as Error).message;
  }
  const channel = new BroadcastChannel(warm.channel);
  channel.postMessage({ threadId: nodeThreadId, ...(error ? { error } : {}) });
  channel.close();
}

/** A refusal crosses the thread boundary as data: piscina would keep only an Error's message. */
export type WorkerOutcome = { report: ValidationReport } | { notAnInvoice: string };

export async function validateInWorker(
  task: WorkerTask<{ bytes: Uint8Array; brFr?: BrFrVariant }>,
): Promise<WorkerOutcome> {
  const port = task.started;
  begin(port);
  try {
    return {
      report: await validateInvoiceFile(task.input.bytes, {
        engine,
        brFr: task.input.brFr,
        loading: { before: () => port.postMessage("pause"), after: () => port.postMessage("resume") },
      }),
    };
  } catch (e) {
    if (e instanceof NotAnInvoiceError) return { notAnInvoice: e.message };
    throw e;
  } finally {
    port.close();
  }
}

/** Test seam: keeps the worker's CPU busy for `ms`, as a hostile file would. */
export function spinForTests(task: WorkerTask<number>): number {
  begin(task.started);
  task.started.close();
  const until = Date.now() + task.input;
  let n = 0;
  while (Date.now() < until) n++;
  return n;
}

/** Test seam: the thread waits `ms` without computing, as one kept off the CPU by busier threads would. */
export function waitForTests(task: WorkerTask<number>): number {
  begin(task.started);
  task.started.close();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, task.input);
  return 0;
}

/** Test seam: the thread dies (as on a native crash); the pool must replace it. */
export function crashForTests(task: WorkerTask<null>): never {
  begin(task.started);
  task.started.close();
  process.exit(70);
}

/** Test seam: this thread's id and nice value as the kernel has them (/proc/thread-self/stat), or null. */
export function threadForTests(
  task: WorkerTask<null>,
): { threadId: number; nice: number; policy: number; warm: boolean } | null {
  begin(task.started);
  task.started.close();
  try {
    const stat = readFileSync("/proc/thread-self/stat", "utf8");
    // Fields after "(comm) ": state is field 3, nice field 19, policy field 41 (proc(5); 5 is SCHED_IDLE).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      threadId,
      nice: Number(fields[16]),
      policy: Number(fields[38]),
      warm: warm ? engine.ready(warm.stylesheets) : false,
    };
  } catch {
    return null;
  }
}
