import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantRow } from "../db/tenants.queries.js";
import { parseUuid } from "./ids.js";
import type { Site } from "./site.js";
import { tenantScope } from "./tenant-scope.js";

const ACME = {
  id: "00000000-0000-4000-8000-000000000001",
  slug: "acme",
  displayName: "Acme",
  primaryColor: "#7a1f5c",
  logoSha256: null,
} as unknown as TenantRow;

/** A bare application with the Host hook's contract: `request.site` set before the scope's hook runs. */
async function appWithScope(): Promise<FastifyInstance> {
  const app = Fastify();
  app.decorateRequest("site", null as never);
  app.addHook("onRequest", async (request, reply) => {
    const host = String(request.headers.host);
    if (host === "localhost") request.site = { kind: "platform" } satisfies Site;
    else if (host === "acme.localhost")
      request.site = { kind: "tenant", tenant: ACME, origin: "http://acme.localhost" };
    else return reply.code(404).send("no portal");
  });
  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send("not found page"));
  app.get("/outside", async (request) => request.site.kind);
  // Outside the scope the tenant is not reachable by type: the typecheck (tsc) fails if this line compiles.
  // @ts-expect-error `tenant` exists only on a TenantRequest
  app.get("/forgotten-scope", async (request) => request.tenant);
  await app.register(tenantScope, {
    routes: (scope) => {
      scope.get("/inside", async (request) => ({
        tenant: request.tenant.slug,
        site: request.site.tenant.id,
        origin: request.portal.origin,
        brand: request.portal.branding.name,
      }));
      scope.post<{ Body: { x: string } }>("/form", async (request) => request.body.x + request.tenant.slug);
    },
  });
  return app;
}

describe("tenant scope", () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await appWithScope();
  });
  afterAll(() => app.close());
  const get = (host: string, url: string) => app.inject({ method: "GET", url, headers: { host } });

  it("gives the routes inside it their tenant on a tenant's host", async () => {
    const res = await get("acme.localhost", "/inside");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      tenant: "acme",
      site: ACME.id,
      origin: "http://acme.localhost",
      brand: "Acme",
    });
  });

  it("answers the application's 404 on the platform host, before reading a body", async () => {
    const page = await get("localhost", "/inside");
    expect(page.statusCode).toBe(404);
    expect(page.body).toBe("not found page");
    const form = await app.inject({
      method: "POST",
      url: "/form",
      headers: { host: "localhost", "content-type": "application/json" },
      payload: "{not json",
    });
    expect(form.statusCode).toBe(404);
    expect(form.body).toBe("not found page");
  });

  it("never runs for an unknown host (the Host hook answers first)", async () => {
    const res = await get("nobody.localhost", "/inside");
    expect(res.statusCode).toBe(404);
    expect(res.body).toBe("no portal");
  });

  it("leaves the routes outside it alone", async () => {
    expect((await get("localhost", "/outside")).body).toBe("platform");
    expect((await get("acme.localhost", "/outside")).body).toBe("tenant");
  });
});

describe("parseUuid", () => {
  const id = "0b5c8e7e-2f6a-4c1d-9a3b-5e6f7a8b9c0d";
  it("accepts a canonical UUID and nothing else", () => {
    expect(parseUuid(id)).toBe(id);
    for (const bad of [id.toUpperCase(), `${id} `, `${id}0`, id.slice(1), "", "x", undefined, 12, [id]])
      expect(parseUuid(bad), String(bad)).toBeUndefined();
  });
  it("lower-cases when asked to ignore the case", () => {
    expect(parseUuid(id.toUpperCase(), { ignoreCase: true })).toBe(id);
    expect(parseUuid(`${id.toUpperCase()}Z`, { ignoreCase: true })).toBeUndefined();
  });
});
