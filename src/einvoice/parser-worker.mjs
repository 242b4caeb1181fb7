// Entry of a parser worker thread. Plain JavaScript so that it loads the same way under `npm start`
// (bin/efacture.js registers tsx in the main thread only: module hooks are not inherited by workers on
// Node 20), under `tsx` and under vitest: it registers tsx itself, then loads the TypeScript task.
import { register } from "tsx/esm/api";

register();
const task = await import("./parser-worker-task.ts");

export default task.readInWorker;
export const spinForTests = task.spinForTests;
