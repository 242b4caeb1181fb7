// Entry of a validator worker thread. Plain JavaScript for the same reason as ../parser-worker.mjs: it
// registers tsx itself (module hooks are not inherited by workers on Node 20), then loads the task.
import { register } from "tsx/esm/api";

register();
const task = await import("./validator-worker-task.ts");

export default task.validateInWorker;
export const spinForTests = task.spinForTests;
export const crashForTests = task.crashForTests;
export const waitForTests = task.waitForTests;
export const threadForTests = task.threadForTests;
