import cluster, { type Worker } from "node:cluster";
import type { CliIo } from "./io.js";

/** Environment variable the primary gives each web process: its slot (0 … N-1), kept by its replacements. */
export const CLUSTER_SLOT_ENV = "EFACTURE_WEB_SLOT";

export interface WebClusterOptions {
  processes: number;
  io: CliIo;
  /** First wait before replacing a process that died young; doubles at each early death, up to `maxBackoffMs`. */
  firstBackoffMs?: number;
  maxBackoffMs?: number;
  /** A process that lived this long was healthy: its slot's backoff starts over. */
  healthyAfterMs?: number;
  /** How long SIGTERM'd processes get to finish their requests before they are killed. */
  drainMs?: number;
}

/**
 * `efacture web --processes N`: this process (the cluster's primary) opens nothing itself; it starts N web
 * processes (node:cluster, the same command line) that share the listening port, replaces one that dies (after
 * a backoff that grows while replacements die young: never a fork loop), and on SIGTERM or SIGINT asks each to
 * finish its requests and waits for them (docs/architecture.md « Plusieurs processus »). Resolves with the exit code.
 */
export function runWebCluster(options: WebClusterOptions): Promise<number> {
  const { processes, io } = options;
  const firstBackoffMs = options.firstBackoffMs ?? 1_000;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const healthyAfterMs = options.healthyAfterMs ?? 30_000;
  const drainMs = options.drainMs ?? 25_000;
  const say = (text: string) => io.err(`efacture web [primary ${process.pid}]: ${text}`);

  interface Slot {
    index: number;
    worker?: Worker;
    startedAt: number;
    backoffMs: number;
    timer?: NodeJS.Timeout;
  }
  const slots: Slot[] = Array.from({ length: processes }, (_, index) => ({
    index,
    startedAt: 0,
    backoffMs: firstBackoffMs,
  }));
  let stopping = false;
  let started = false;

  return new Promise((resolve) => {
    const start = (slot: Slot) => {
      slot.timer = undefined;
      if (stopping) return;
      slot.startedAt = Date.now();
      const worker = cluster.fork({ [CLUSTER_SLOT_ENV]: String(slot.index) });
      slot.worker = worker;
      worker.once("exit", (code, signal) => onExit(slot, worker, code, signal));
      worker.once("listening", () => {
        if (!started) {
          // The first process migrated the database and made the job queue's schema: the others start now
          // (all at once on a new database, they would race on that and deadlock).
          started = true;
          for (const other of slots) if (!other.worker && !other.timer) start(other);
        }
      });
    };

    const onExit = (slot: Slot, worker: Worker, code: number | null, signal: string | null) => {
      if (slot.worker === worker) slot.worker = undefined;
      const how = signal ? `signal ${signal}` : `code ${code}`;
      if (stopping) {
        say(`web process ${worker.process.pid} (slot ${slot.index}) stopped (${how})`);
        if (slots.every((s) => !s.worker)) finish(0);
        return;
      }
      const lived = Date.now() - slot.startedAt;
      if (lived >= healthyAfterMs) slot.backoffMs = firstBackoffMs;
      const wait = lived >= healthyAfterMs ? 0 : slot.backoffMs;
      slot.backoffMs = Math.min(maxBackoffMs, slot.backoffMs * 2);
      say(
        `web process ${worker.process.pid} (slot ${slot.index}) exited (${how}) after ${Math.round(lived / 1000)} s: ` +
          (wait === 0 ? "starting a replacement" : `starting a replacement in ${wait / 1000} s`),
      );
      slot.timer = setTimeout(() => start(slot), wait);
    };

    let forceTimer: NodeJS.Timeout | undefined;
    const finish = (code: number) => {
      clearTimeout(forceTimer);
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      say("all web processes stopped");
      resolve(code);
    };

    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      say(`${signal} received: the web processes finish their requests and stop`);
      for (const slot of slots) clearTimeout(slot.timer);
      const running = slots.filter((s) => s.worker);
      if (running.length === 0) return finish(0);
      // SIGTERM, not cluster's disconnect: each process runs its own graceful stop (src/main.ts runUntilSignal).
      for (const slot of running) slot.worker!.process.kill("SIGTERM");
      forceTimer = setTimeout(() => {
        for (const slot of slots) {
          if (!slot.worker) continue;
          say(`web process ${slot.worker.process.pid} still running after ${drainMs / 1000} s: killed`);
          slot.worker.process.kill("SIGKILL");
        }
      }, drainMs);
    };

    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    say(`starting ${processes} web processes on one port`);
    start(slots[0]!);
  });
}

/** Whether this process is one of the web processes a `--processes` primary started, and its slot. */
export function clusterSlot(): number | undefined {
  if (!cluster.isWorker) return undefined;
  const raw = process.env[CLUSTER_SLOT_ENV];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}
