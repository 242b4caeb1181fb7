// What a validator worker runs: one file against the rules, with the stylesheets this thread has loaded
// so far (each loaded on the first file that needs it, then kept for the thread's life).
import type { WorkerTask } from "../parser-worker-task.js";
import { createRuleEngine } from "./rule-engine.js";
import type { BrFrVariant } from "./rule-sets.js";
import type { ValidationReport } from "./types.js";
import { NotAnInvoiceError, validateInvoiceFile } from "./validate-invoice.js";

const engine = createRuleEngine();

/** A refusal crosses the thread boundary as data: piscina would keep only an Error's message. */
export type WorkerOutcome = { report: ValidationReport } | { notAnInvoice: string };

export async function validateInWorker(
  task: WorkerTask<{ bytes: Uint8Array; brFr?: BrFrVariant }>,
): Promise<WorkerOutcome> {
  const port = task.started;
  port.postMessage("started");
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
  task.started.postMessage("started");
  task.started.close();
  const until = Date.now() + task.input;
  let n = 0;
  while (Date.now() < until) n++;
  return n;
}

/** Test seam: the thread dies (as on a native crash); the pool must replace it. */
export function crashForTests(task: WorkerTask<null>): never {
  task.started.postMessage("started");
  task.started.close();
  process.exit(70);
}
