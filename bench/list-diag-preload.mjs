// Diagnostics for `npm run bench:list` (BENCH_DIAG=1): loaded into every server process with `node --import`
// (the cluster's web processes inherit it), it appends one JSON line per second to BENCH_DIAG_DIR/<pid>.jsonl:
// event-loop delay (max, p99), garbage collections (count, total and longest pause, major ones), the HTTP
// requests this process answered (count, slowest, how many took ≥ 40 ms from its 'request' event to the end of
// the answer) and its CPU. The bench reads the lines of each step's window and prints them per process.
import { appendFileSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { monitorEventLoopDelay, PerformanceObserver, performance } from "node:perf_hooks";

const dir = process.env.BENCH_DIAG_DIR;
if (dir) {
  const file = path.join(dir, `${process.pid}.jsonl`);
  const role = process.env.EFACTURE_WEB_SLOT !== undefined ? `slot ${process.env.EFACTURE_WEB_SLOT}` : "main";
  const eld = monitorEventLoopDelay({ resolution: 2 });
  eld.enable();
  let gc = { n: 0, ms: 0, max: 0, major: 0, majorMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.n++;
      gc.ms += entry.duration;
      gc.max = Math.max(gc.max, entry.duration);
      // kind 2: mark-compact (major), 4: incremental marking, 1: scavenge, 8: weak callbacks.
      if (entry.detail?.kind === 2) {
        gc.major++;
        gc.majorMs += entry.duration;
      }
    }
  }).observe({ entryTypes: ["gc"] });
  let req = { n: 0, max: 0, slow: 0 };
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, ...args) {
    if (event === "request") {
      const response = args[1];
      const start = performance.now();
      response.once("finish", () => {
        const ms = performance.now() - start;
        req.n++;
        req.max = Math.max(req.max, ms);
        if (ms >= 40) req.slow++;
      });
    }
    return emit.call(this, event, ...args);
  };
  // PostgreSQL: connections opened (and how long each took), statements and the slowest, the most queries
  // waiting at once for a pooled connection. The same `pg` module the application imports (CommonJS cache).
  let db = { connects: 0, connectMax: 0, queries: 0, queryMax: 0, waitingMax: 0 };
  try {
    const pg = createRequire(path.join(process.cwd(), "package.json"))("pg");
    const connect = pg.Client.prototype.connect;
    pg.Client.prototype.connect = function (...args) {
      const start = performance.now();
      this.once("connect", () => {
        db.connects++;
        db.connectMax = Math.max(db.connectMax, performance.now() - start);
      });
      return connect.apply(this, args);
    };
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (...args) {
      const start = performance.now();
      const done = () => {
        db.queries++;
        db.queryMax = Math.max(db.queryMax, performance.now() - start);
      };
      // The pool calls it with a callback (then it returns nothing); a statement object may carry one too.
      const last = args.length - 1;
      if (typeof args[last] === "function") {
        const callback = args[last];
        args[last] = (...results) => {
          done();
          return callback(...results);
        };
      } else if (args[0] && typeof args[0].callback === "function") {
        const callback = args[0].callback;
        args[0].callback = (...results) => {
          done();
          return callback(...results);
        };
      }
      const result = query.apply(this, args);
      if (result && typeof result.then === "function") result.then(done, () => {});
      return result;
    };
    const poolConnect = pg.Pool.prototype.connect;
    pg.Pool.prototype.connect = function (...args) {
      const result = poolConnect.apply(this, args);
      db.waitingMax = Math.max(db.waitingMax, this.waitingCount);
      return result;
    };
  } catch {}
  let cpu = process.cpuUsage();
  setInterval(() => {
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    const line = {
      t: Date.now(),
      pid: process.pid,
      role,
      eldMax: eld.max / 1e6,
      eldP99: eld.percentile(99) / 1e6,
      gcN: gc.n,
      gcMs: gc.ms,
      gcMax: gc.max,
      gcMajor: gc.major,
      gcMajorMs: gc.majorMs,
      reqN: req.n,
      reqMax: req.max,
      reqSlow: req.slow,
      cpuMs: (used.user + used.system) / 1000,
      heapMB: process.memoryUsage().heapUsed / 1048576,
      ...db,
    };
    db = { connects: 0, connectMax: 0, queries: 0, queryMax: 0, waitingMax: 0 };
    eld.reset();
    gc = { n: 0, ms: 0, max: 0, major: 0, majorMs: 0 };
    req = { n: 0, max: 0, slow: 0 };
    try {
      appendFileSync(file, `${JSON.stringify(line)}\n`);
    } catch {}
  }, 1000).unref();
}
