// Entry of a validator worker thread. Plain JavaScript for the same reason as ../parser-worker.mjs: it
// registers tsx itself (module hooks are not inherited by workers on Node 20), then loads the task.
// The thread lowers its priority FIRST (see yieldToOtherThreads in validator-worker-task.ts): compiling the
// task's TypeScript and loading SaxonJS cost about a second of CPU per thread, and a pool starting during a
// publication must not take it from the publication (bench:publish with BENCH_VALIDATE=1 saw it).
import { setPriority } from "node:os";

if (process.platform === "linux") {
  try {
    setPriority(19); // this thread only: setpriority(PRIO_PROCESS, 0) is per thread on Linux
  } catch {
    // Forbidden here: the task tries again, and validation works either way.
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
