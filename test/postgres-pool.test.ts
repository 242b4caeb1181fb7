import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { openPostgres } from "../src/db/postgres.js";
import { type RunningServer, startServer } from "../src/main.js";
import { ROOT } from "./support/cli.js";
import { freePort } from "./support/free-port.js";
import { makeTestEnv, type TestEnv } from "./support/services.js";

const url = process.env.TEST_DATABASE_URL;
const silentIo = { out() {}, err() {}, cwd: ROOT, isTTY: false };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// A connection the pool opens under load costs the request waiting for it a backend's start and cold first
// statements: bench:list measured 8 opened in one second (slowest 166 ms) and pages waiting up to 416 ms.
// The web role keeps its whole pool open instead (src/main.ts).
describe.skipIf(!url)("the PostgreSQL pool", () => {
  const schemas: string[] = [];
  const envs: TestEnv[] = [];
  afterAll(async () => {
    for (const env of envs) await env.cleanup();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    for (const schema of schemas) await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  });

  it("opens minConnections at start and keeps them past the idle timeout; closes the others", async () => {
    const schema = `t_pool_${randomBytes(4).toString("hex")}`;
    schemas.push(schema);
    const db = await openPostgres({ url: url!, schema, minConnections: 3, idleTimeoutMillis: 200 });
    try {
      expect(db.pool.totalCount).toBe(3);
      // Five statements at once: the pool grows to five, then the two above the minimum close when idle.
      await Promise.all(Array.from({ length: 5 }, () => db.query("select pg_sleep(0.05)")));
      expect(db.pool.totalCount).toBe(5);
      await sleep(800);
      expect(db.pool.totalCount).toBe(3);
    } finally {
      await db.close();
    }
  });

  it("a web server holds its whole pool from the start; a worker opens connections as it needs them", async () => {
    for (const [roles, expected] of [
      [{ web: true, worker: false }, 10],
      [{ web: false, worker: true }, undefined],
    ] as const) {
      const port = await freePort();
      const env = makeTestEnv("postgres", { PORT: String(port), HOST: "127.0.0.1" });
      envs.push(env);
      const server: RunningServer = await startServer(loadConfig(env.env), roles, {
        io: silentIo,
        schema: env.schema,
        pollingIntervalSeconds: 0.5,
      });
      try {
        const { pool } = server.services.db as unknown as { pool: pg.Pool };
        if (expected) expect(pool.totalCount).toBe(expected);
        else expect(pool.totalCount).toBeLessThan(10);
      } finally {
        await server.stop();
      }
    }
  });
});
