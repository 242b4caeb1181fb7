// What a parser worker runs: the bounded reader, on bytes an issuer sent. Runs in a worker thread
// (parser-pool.ts) so that a file that still costs seconds costs its own thread, not the event loop.
import type { MessagePort } from "node:worker_threads";
import { readInvoicePdf } from "./read-invoice-pdf.js";
import type { InvoiceDocument } from "./types.js";

/** `started` hears when the work begins: the pool's time budget counts from there, not from the queue. */
export interface WorkerTask<T> {
  input: T;
  started: MessagePort;
}

function begin(task: WorkerTask<unknown>): void {
  task.started.postMessage("started");
  task.started.close();
}

export async function readInWorker(task: WorkerTask<Uint8Array>): Promise<InvoiceDocument> {
  begin(task);
  return readInvoicePdf(task.input);
}

/** Test seam: keeps the worker's CPU busy for `ms`, as a file that parses slowly would. */
export function spinForTests(task: WorkerTask<number>): number {
  begin(task);
  const until = Date.now() + task.input;
  let n = 0;
  while (Date.now() < until) n++;
  return n;
}
