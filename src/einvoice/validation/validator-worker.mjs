// Entry of a validator worker thread. Plain JavaScript for the same reason as ../parser-worker.mjs: it
// registers tsx itself (module hooks are not inherited by workers on Node 20), then loads the task.
// The thread lowers its priority FIRST (see yieldToOtherThreads in validator-worker-task.ts): compiling the
// task's TypeScript and loading SaxonJS cost about a second of CPU per thread, and a pool starting during a
// publication must not take it from the publication (bench:publish with BENCH_VALIDATE=1 saw it).
import { execFileSync } from "node:child_process";
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { workerData } from "node:worker_threads";

// `priority: "normal"` (validator-pool.ts): bench:validate only, to compare the pool with an in-process
// validation at the same priority on a machine others load.
const lowest = workerData?.priority !== "normal";
if (lowest && process.platform === "linux") {
  try {
    setPriority(19); // this thread only: setpriority(PRIO_PROCESS, 0) is per thread on Linux
  } catch {
    // Forbidden here: the task tries again, and validation works either way.
  }
  // Nice 19 is not enough on its own: the scheduler lets a running nice-19 thread finish its slice (~3 ms)
  // before a waking nice-0 thread runs, and publication wakes up thousands of times a second (each database
  // round trip, each file callback). A SCHED_IDLE thread is preempted at once by any other (Linux's
  // check_preempt_wakeup). Node has no call for it: util-linux's chrt, once per thread, when present.
  try {
    const threadId = readlinkSync("/proc/thread-self").split("/").at(-1);
    execFileSync("chrt", ["--idle", "--pid", "0", threadId], { stdio: "ignore", timeout: 5_000 });
  } catch {
    // No chrt: nice 19 only.
  }
}
const { register } = await import("tsx/esm/api");
register();
const task = await import("./validator-worker-task.ts");

export default task.validateInWorker;
export const spinForTests = task.spinForTests;
export const crashForTests = task.crashForTests;
export const waitForTests = task.waitForTests;
export const threadForTests = task.threadForTests;
