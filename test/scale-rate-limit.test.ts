import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openServices, type Services } from "../src/app.js";
import { postgresRateLimitStore } from "../src/http/rate-limit-store.js";
import { API_RATE_LIMIT_PER_MINUTE } from "../src/http/routes/api/index.js";
import { buildWebApp } from "../src/http/web-app.js";
import { makeTenant } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";

// The API's rate limit counts in PostgreSQL (src/http/rate-limit-store.ts): two web processes share one
// allowance. On PostgreSQL the second app has services of its own (its own pool: another process as far as
// the database can tell); PGlite opens in one process only, so there both apps share the services.
describe.each(ENGINES)("the API rate limit across web processes on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let other: Services | undefined;
  let apps: FastifyInstance[];

  beforeAll(async () => {
    services = await openTestServices(engine);
    await makeTenant(services.db);
    if (engine === "postgres")
      other = await openServices(services.testEnv.config, { schema: services.testEnv.schema });
    apps = [await buildWebApp(services), await buildWebApp(other ?? services)];
  }, 120_000);
  afterAll(async () => {
    for (const app of apps ?? []) await app.close();
    await other?.close();
    await services?.dispose();
  });

  const call = (app: FastifyInstance, remoteAddress: string) =>
    app.inject({
      method: "GET",
      url: "/api/v1/invoices/not-a-uuid",
      headers: { host: "acme.localhost:3000" },
      remoteAddress,
    });

  it("allows the limit once for both processes, not once each", async () => {
    const ip = "198.51.100.7";
    const half = API_RATE_LIMIT_PER_MINUTE / 2;
    for (const app of apps) {
      for (let i = 0; i < half; i += 25) {
        const batch = await Promise.all(Array.from({ length: Math.min(25, half - i) }, () => call(app, ip)));
        for (const res of batch) expect(res.statusCode).toBe(401);
      }
    }
    const [a, b] = [await call(apps[0]!, ip), await call(apps[1]!, ip)];
    expect(a.statusCode).toBe(429);
    expect(b.statusCode).toBe(429);
    expect(b.json().error).toMatchObject({
      code: "rate_limited",
      details: { limit: API_RATE_LIMIT_PER_MINUTE },
    });
    expect(Number(b.headers["retry-after"])).toBeGreaterThan(0);
    // Another network has its own allowance.
    expect((await call(apps[1]!, "203.0.113.50")).statusCode).toBe(401);
  }, 120_000);

  it("counts concurrent requests exactly, restarts a window that ended, and prunes old windows", async () => {
    const Store = postgresRateLimitStore(services.db, { pruneEveryMs: 0 });
    const store = new Store({});
    const incr = (key: string, windowMs: number) =>
      new Promise<{ current: number; ttl: number }>((resolve, reject) =>
        store.incr(key, (error, result) => (error ? reject(error) : resolve(result!)), windowMs, 10),
      );
    const counts = await Promise.all(Array.from({ length: 20 }, () => incr("test:concurrent", 60_000)));
    expect(counts.map((c) => c.current).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(counts.every((c) => c.ttl > 0 && c.ttl <= 60_000)).toBe(true);

    expect((await incr("test:short", 300)).current).toBe(1);
    expect((await incr("test:short", 300)).current).toBe(2);
    await new Promise((r) => setTimeout(r, 400));
    expect((await incr("test:short", 300)).current).toBe(1);

    await services.db.query(
      "update rate_limits set window_started_at = now() - interval '1 hour' where key = 'test:concurrent'",
    );
    await incr("test:other", 60_000); // prunes (pruneEveryMs 0), in the background
    await new Promise((r) => setTimeout(r, 300));
    const left = await services.db.query<{ key: string }>(
      "select key from rate_limits where key like 'test:%'",
    );
    expect(left.map((r) => r.key).sort()).toEqual(["test:other", "test:short"]);
  });
});
