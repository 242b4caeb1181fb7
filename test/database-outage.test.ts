// HTTP during a database outage (issue 18, item 1): quick 503 with Retry-After, JSON for the API, a French
// page for browsers, /readyz not ready even when the server hangs instead of refusing; all back afterwards.
import net from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createApiKey } from "../src/domain/api-keys/create-api-key.js";
import { buildWebApp } from "../src/http/web-app.js";
import { makeTenant } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";

/** A TCP forwarder to PostgreSQL that can refuse (a restart) or go silent (a partition: nothing answers). */
async function startFaultyProxy(targetPort: number, targetHost: string) {
  const sockets = new Set<net.Socket>();
  let mode: "up" | "refuse" | "silent" = "up";
  const server = net.createServer((client) => {
    client.on("error", () => {});
    if (mode === "refuse") return client.destroy();
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    if (mode === "silent") return;
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(upstream);
    upstream.on("error", () => {});
    upstream.on("close", () => sockets.delete(upstream));
    // Silence drops what flows from then on, in both directions, without closing anything.
    client.on("data", (d) => mode === "up" && upstream.write(d));
    upstream.on("data", (d) => mode === "up" && client.write(d));
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    set(next: "up" | "refuse" | "silent") {
      mode = next;
      if (next !== "up") for (const s of sockets) if (next === "refuse") s.destroy();
      if (next === "up") for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe.skipIf(!ENGINES.includes("postgres"))("HTTP while PostgreSQL is away", () => {
  let proxy: Awaited<ReturnType<typeof startFaultyProxy>>;
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let key: string;

  beforeAll(async () => {
    const target = new URL(process.env.TEST_DATABASE_URL!);
    proxy = await startFaultyProxy(Number(target.port || 5432), target.hostname);
    const via = new URL(target);
    via.port = String(proxy.port);
    services = await openTestServices("postgres", { overrides: { DATABASE_URL: via.toString() } });
    const tenant = await makeTenant(services.db, { slug: "acme", displayName: "Acme" });
    key = (await createApiKey({ db: services.db, tenantId: tenant.id })).key;
    app = await buildWebApp(services);
  });
  afterAll(async () => {
    proxy?.set("up");
    await app?.close();
    await services?.dispose();
    await proxy?.close();
  });

  const api = () =>
    app.inject({
      url: "/api/v1/invoices",
      headers: { host: "acme.localhost:3000", authorization: `Bearer ${key}` },
    });

  it("answers API clients 503 in JSON with a short Retry-After, browsers a French page, then serves again", async () => {
    expect((await api()).statusCode).toBe(200);
    proxy.set("refuse");
    onTestFinished(() => proxy.set("up"));
    const refused = await api();
    expect(refused.statusCode).toBe(503);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    expect(Number(refused.headers["retry-after"])).toBeLessThanOrEqual(10);
    expect(refused.json()).toEqual({
      error: {
        code: "service_unavailable",
        message: "try again shortly",
        details: {},
        requestId: refused.headers["x-request-id"],
      },
    });
    // A tenant not in the cache yet: resolving it needs the database.
    const page = await app.inject({
      url: "/",
      headers: { host: "other.localhost:3000", "accept-language": "fr" },
    });
    expect(page.statusCode).toBe(503);
    expect(page.headers["retry-after"]).toBeDefined();
    expect(page.body).toContain("momentanément indisponible");
    expect(page.body).not.toMatch(/ECONNREFUSED|ECONNRESET|at .*\.ts/);
    proxy.set("up");
    expect((await api()).statusCode).toBe(200);
  });

  /** /readyz once it is 200 (connections cut a moment ago are found dead one by one), or its last status. */
  const readyStatus = async () => {
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      status = (await app.inject({ url: "/readyz", headers: { host: "localhost:3000" } })).statusCode;
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    return status;
  };

  it("says not ready when the database does not answer at all, without waiting for it", async () => {
    // A connection open in the pool, as on a busy server: the one the next ping takes.
    expect(await readyStatus()).toBe(200);
    proxy.set("silent");
    onTestFinished(() => proxy.set("up"));
    const ready = await app.inject({ url: "/readyz", headers: { host: "localhost:3000" } });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: "unavailable", reason: "database unreachable" });
    proxy.set("up");
    expect(await readyStatus()).toBe(200);
  }, 30_000);
});
