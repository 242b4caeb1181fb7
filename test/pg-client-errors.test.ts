// A pg Client that emits 'error' with no listener ends the process (EventEmitter throws). The server ends
// connections at any moment when PostgreSQL restarts (57P01 "terminating connection due to administrator
// command"); these put that moment where each client of the worker role can be: a connection ended right as it
// becomes ready (the server's ReadyForQuery and its FATAL in one read, as a loaded process meets them after a
// restart), a transaction between two statements, a client idle in the pool, pg-boss's pool idle and fetching.
// Nothing may reach 'uncaughtException'; the work meets a "database down" error and the next one succeeds.
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isDatabaseDown } from "../src/db/database.js";
import { openPostgres } from "../src/db/postgres.js";
import { type JobQueue, openJobQueue } from "../src/jobs/queue.js";
import { ENGINES, waitFor } from "./support/services.js";

/**
 * A forwarder to PostgreSQL that knows the backend of each connection (BackendKeyData) and, when armed, ends the
 * next connections right after they are ready: it holds the server's ReadyForQuery, terminates the backend, and
 * hands the client ReadyForQuery and the FATAL 57P01 in one write.
 */
async function startProxy(target: URL, admin: pg.Pool) {
  const sockets = new Set<net.Socket>();
  const pids = new Set<number>();
  let armed = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => sockets.delete(s));
    }
    client.on("data", (d) => upstream.write(d));
    client.on("close", () => upstream.destroy());
    const doomed = armed > 0;
    if (doomed) armed--;
    let phase: "startup" | "held" | "open" = "startup";
    let pid: number | undefined;
    let pending = Buffer.alloc(0);
    const held: Buffer[] = [];
    upstream.on("data", (d) => {
      if (phase === "open") return void client.write(d);
      held.push(d);
      if (phase === "held") return;
      pending = Buffer.concat([pending, d]);
      let offset = 0;
      while (pending.length - offset >= 5) {
        const type = String.fromCharCode(pending[offset]!);
        const length = pending.readInt32BE(offset + 1);
        if (pending.length - offset < 1 + length) break;
        if (type === "K") {
          pid = pending.readInt32BE(offset + 5);
          pids.add(pid);
        }
        offset += 1 + length;
        if (type === "Z") {
          if (doomed) {
            phase = "held";
            void admin.query("select pg_terminate_backend($1)", [pid]);
          } else {
            phase = "open";
            client.write(Buffer.concat(held));
          }
          if (!doomed) held.length = 0;
          break;
        }
      }
      pending = pending.subarray(offset);
    });
    upstream.on("close", () => {
      if (phase === "held") client.end(Buffer.concat(held));
      else client.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const via = new URL(target);
  via.port = String((server.address() as net.AddressInfo).port);
  return {
    url: via.toString(),
    pids,
    /** The next `count` connections end as soon as they are ready. */
    arm(count: number) {
      armed = count;
    },
    get armed() {
      return armed;
    },
    /** Terminates every backend reached through this proxy (what a restart does to them). */
    async terminateAll() {
      await admin.query("select pg_terminate_backend(pid) from unnest($1::int[]) pid", [[...pids]]);
      pids.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe.skipIf(!ENGINES.includes("postgres"))("pg clients when PostgreSQL ends their connection", () => {
  const target = new URL(process.env.TEST_DATABASE_URL ?? "postgres://localhost/none");
  const schema = `pgcrash_${process.pid}`;
  let admin: pg.Pool;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let db: Awaited<ReturnType<typeof openPostgres>>;
  const uncaught: Error[] = [];
  const onUncaught = (error: Error) => {
    uncaught.push(error);
  };

  beforeAll(async () => {
    admin = new pg.Pool({ connectionString: target.toString(), max: 2 });
    proxy = await startProxy(target, admin);
    db = await openPostgres({ url: proxy.url, schema, maxConnections: 4 });
    process.on("uncaughtException", onUncaught);
  });
  afterEach(() => {
    proxy.arm(0);
    uncaught.length = 0;
  });
  afterAll(async () => {
    process.off("uncaughtException", onUncaught);
    await db?.exec(`drop schema if exists ${schema} cascade; drop schema if exists ${schema}_boss cascade`);
    await db?.close();
    await proxy?.close();
    await admin?.end();
  });

  it("a transaction on a connection ended as soon as it is ready fails as 'database down'", async () => {
    // Only new connections are ended: drop the pool's idle ones first.
    await proxy.terminateAll();
    await waitFor(async () => db.pool.idleCount === 0, 15_000, "the idle clients to be dropped");
    proxy.arm(1);
    const outcome = await db.transaction((tx) => tx.query("select 1 as one")).catch((error: Error) => error);
    expect(proxy.armed).toBe(0);
    expect(isDatabaseDown(outcome), String(outcome)).toBe(true);
    expect(uncaught.map(String)).toEqual([]);
    expect(await db.transaction((tx) => tx.query("select 1 as one"))).toEqual([{ one: 1 }]);
  });

  it("a transaction whose backend ends between two statements fails as 'database down'", async () => {
    const outcome = await db
      .transaction(async (tx) => {
        const [row] = await tx.query<{ pid: number }>("select pg_backend_pid() as pid");
        await admin.query("select pg_terminate_backend($1)", [row!.pid]);
        await sleep(300);
        return tx.query("select 1");
      })
      .catch((error: Error) => error);
    expect(isDatabaseDown(outcome), String(outcome)).toBe(true);
    expect(uncaught.map(String)).toEqual([]);
    expect(await db.query("select 2 as two")).toEqual([{ two: 2 }]);
  });

  it("a client ended while idle in the pool after a commit is replaced", async () => {
    const [row] = await db.transaction((tx) => tx.query<{ pid: number }>("select pg_backend_pid() as pid"));
    const clients = db.pool.totalCount;
    await admin.query("select pg_terminate_backend($1)", [row!.pid]);
    await waitFor(async () => db.pool.totalCount < clients, 15_000, "the ended client to be dropped");
    expect(uncaught.map(String)).toEqual([]);
    expect(await db.transaction((tx) => tx.query("select 3 as three"))).toEqual([{ three: 3 }]);
  });

  it("pg-boss's pool survives its connections ending while idle and as they open", async () => {
    let queue: JobQueue | undefined;
    try {
      queue = await openJobQueue({
        opened: {
          db,
          queueConnection: { connectionString: proxy.url, schema: `${schema}_boss` },
          close: async () => {},
        },
        db,
        logger: pino({ level: "silent" }),
        definitions: [],
        pollingIntervalSeconds: 0.5,
      });
      const definition = {
        name: "pgcrash",
        retryLimit: 5,
        retryDelaySeconds: 1,
        retryBackoff: false,
        expireInSeconds: 60,
        parse: (data: unknown) => data as { n: number },
      };
      await queue.boss.createQueue(definition.name, { name: definition.name });
      const done: number[] = [];
      await queue.work(definition, async ({ n }) => {
        done.push(n);
      });
      await sleep(600);
      // Its idle and fetching clients end; the next connections end as soon as they are ready.
      proxy.arm(4);
      await proxy.terminateAll();
      await waitFor(async () => (proxy.armed === 0 ? true : undefined));
      await queue.send(definition, { n: 1 });
      await waitFor(async () => (done.length > 0 ? done : undefined));
      expect(done).toEqual([1]);
      expect(uncaught.map(String)).toEqual([]);
    } finally {
      await queue?.stop(2_000);
    }
  });
});
