// Untrusted PDF/XML is read in worker threads (issue 12, finding 2): each task has a time budget and each
// worker a heap budget, so a file that gets past the reader's own limits costs the thread that reads it,
// never the event loop every tenant's requests share. The queue is bounded: when it is full the caller
// is told to try again (ParserBusyError → 503) instead of memory growing with the backlog.

import { availableParallelism } from "node:os";
import { MessageChannel } from "node:worker_threads";
import { Piscina } from "piscina";
import { createFairTurns } from "./fair-turns.js";
import { error } from "./findings.js";
import { pdfTooComplexMessage } from "./parse-budget.js";
import type { InvoiceDocument } from "./types.js";

export interface ParserPoolOptions {
  /** Worker threads (default: the cores but one, at least one, so a core stays with the event loop). */
  threads?: number;
  /** Files waiting for a worker beyond which new ones are refused (default 32 per thread). */
  maxQueue?: number;
  /** Files one owner (a tenant) may have waiting at once (default 8 per thread): one issuer cannot fill the queue. */
  maxQueuePerOwner?: number;
  /** Longest a file may be read (default 10 s); the worker is then terminated and replaced. */
  taskTimeoutMs?: number;
  /** Heap of a worker (old generation, default 256 MB): past it the worker dies, the file is refused. */
  maxHeapMb?: number;
}

export const DEFAULT_PARSER_POOL = {
  taskTimeoutMs: 10_000,
  maxHeapMb: 256,
  queuePerThread: 32,
  ownerQueuePerThread: 8,
} as const;

/** Every worker is busy and the queue is full: nothing was read, the caller should try again shortly. */
export class ParserBusyError extends Error {
  readonly code = "parser_busy";
  constructor() {
    super("Le service de lecture des factures est saturé : réessayez dans quelques secondes.");
    this.name = "ParserBusyError";
  }
}

export interface ParserPool {
  /**
   * Reads a published PDF in a worker; a budget overrun is a `pdf_too_complex` finding, never a throw.
   * `owner` (the tenant) takes turns with the other owners waiting, so one issuer's burst of hostile files
   * delays its own files, not the others'.
   */
  read(bytes: Uint8Array, options?: { owner?: string }): Promise<InvoiceDocument>;
  /** Test seam: occupies a worker's CPU for `ms` under the same budgets. */
  spin(ms: number, options?: { owner?: string }): Promise<"done" | "killed">;
  readonly threads: number;
  close(): Promise<void>;
}

export function createParserPool(options: ParserPoolOptions = {}): ParserPool {
  const threads = Math.max(1, options.threads ?? availableParallelism() - 1);
  const taskTimeoutMs = options.taskTimeoutMs ?? DEFAULT_PARSER_POOL.taskTimeoutMs;
  const maxHeapMb = options.maxHeapMb ?? DEFAULT_PARSER_POOL.maxHeapMb;
  const piscina = new Piscina({
    filename: new URL("./parser-worker.mjs", import.meta.url).href,
    minThreads: 0,
    maxThreads: threads,
    // Workers start on demand (a CLI that never publishes starts none) and stay a minute for the next file.
    idleTimeout: 60_000,
    maxQueue: (options.maxQueue ?? threads * DEFAULT_PARSER_POOL.queuePerThread) + threads,
    concurrentTasksPerWorker: 1,
    resourceLimits: {
      maxOldGenerationSizeMb: maxHeapMb,
      maxYoungGenerationSizeMb: Math.min(32, Math.max(4, Math.floor(maxHeapMb / 8))),
      stackSizeMb: 4,
    },
  });

  // Fair dispatch (../fair-turns.ts): files reach piscina only when a thread is free, owners taking turns.
  const turn = createFairTurns({
    threads,
    maxQueue: options.maxQueue ?? threads * DEFAULT_PARSER_POOL.queuePerThread,
    maxQueuePerOwner: options.maxQueuePerOwner ?? threads * DEFAULT_PARSER_POOL.ownerQueuePerThread,
    busy: () => new ParserBusyError(),
  });

  async function run<T>(input: unknown, name: string): Promise<T | Killed> {
    if (piscina.queueSize >= piscina.options.maxQueue) throw new ParserBusyError();
    // The budget starts when a worker takes the file: waiting in the queue or for a fresh worker to load
    // its modules is not the file's fault.
    const abort = new AbortController();
    const { port1, port2 } = new MessageChannel();
    let timer: NodeJS.Timeout | undefined;
    port1.once("message", () => {
      timer = setTimeout(() => abort.abort(), taskTimeoutMs);
      port1.close();
    });
    try {
      return (await piscina.run(
        { input, started: port2 },
        { name, signal: abort.signal, transferList: [port2] },
      )) as T;
    } catch (e) {
      const message = (e as Error).message ?? "";
      if (message === "Task queue is at limit") throw new ParserBusyError();
      // Aborted by the time budget, or the worker died of its heap budget: piscina replaces the thread.
      if (
        (e as Error).name === "AbortError" ||
        (e as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY" ||
        /terminat|out of memory|abort/i.test(message)
      )
        return { killed: abort.signal.aborted ? "time" : "memory" };
      throw e;
    } finally {
      clearTimeout(timer);
      port1.close();
    }
  }

  return {
    threads,
    async read(bytes, readOptions) {
      const outcome = await turn(readOptions?.owner ?? "", () => run<InvoiceDocument>(bytes, "default"));
      if (!isKilled(outcome)) return outcome;
      const budget =
        outcome.killed === "time"
          ? `plus de ${taskTimeoutMs / 1000} s de calcul`
          : `plus de ${maxHeapMb} Mo de mémoire`;
      return {
        kind: "plain-pdf",
        findings: [error("pdf_too_complex", pdfTooComplexMessage(`lecture interrompue : ${budget}`))],
      };
    },
    async spin(ms, spinOptions) {
      return isKilled(await turn(spinOptions?.owner ?? "", () => run<number>(ms, "spinForTests")))
        ? "killed"
        : "done";
    },
    close: () => piscina.destroy(),
  };
}

/** A task whose worker was terminated: by the time budget, or by the heap budget. */
interface Killed {
  killed: "time" | "memory";
}

function isKilled(outcome: unknown): outcome is Killed {
  return typeof outcome === "object" && outcome !== null && "killed" in outcome && !("findings" in outcome);
}

let shared: ParserPool | undefined;

/**
 * The process's pool, made on first use: the API, the CLI import and the demo seed all publish through
 * publishInvoices, which reads every file here unless given another pool.
 */
export function sharedParserPool(): ParserPool {
  shared ??= createParserPool();
  return shared;
}

/** Stops the shared pool's workers (at shutdown; idle workers never hold the process open anyway). */
export async function closeSharedParserPool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}
