import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant } from "../src/domain/tenants/create-tenant.js";
import { buildWebApp } from "../src/http/web-app.js";
import { makeTenant } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";
import { startTcpProxy } from "./support/tcp-proxy.js";

describe.each(ENGINES)("web app on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;

  beforeAll(async () => {
    services = await openTestServices(engine);
    await makeTenant(services.db, {
      slug: "acme",
      displayName: "Acme Location & Crédit",
      primaryColor: "#7a1f5c",
    });
    app = await buildWebApp(services);
  });
  afterAll(async () => {
    await app.close();
    await services.dispose();
  });

  const get = (host: string, url = "/") => app.inject({ method: "GET", url, headers: { host } });

  it("serves a known tenant's portal with its branding", async () => {
    const res = await get("acme.localhost:3000");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/html");
    expect(res.body).toContain("Acme Location &amp; Crédit");
    expect(res.body).toContain("Mot de passe ou identifiant oublié");
    expect(res.body).toContain("2 ans");
    const css = await get("acme.localhost:3000", "/branding.css");
    expect(css.body).toContain("--brand: #7a1f5c");
  });

  it("resolves the tenant whatever the case of the host", async () => {
    const res = await get("ACME.LocalHost:3000");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("Acme Location");
  });

  it("answers an unknown tenant, another port or another domain with a plain 404 page", async () => {
    for (const host of ["nobody.localhost:3000", "acme.localhost:4000", "acme.evil.test", "acme.localhost"]) {
      const res = await get(host);
      expect(res.statusCode, host).toBe(404);
      expect(res.body, host).toContain("Aucun portail à cette adresse");
      expect(res.body, host).not.toContain("Acme Location");
    }
  });

  it("serves the platform host without listing tenants", async () => {
    const res = await get("localhost:3000");
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain("acme");
  });

  it("answers health and readiness on any host, with a request id", async () => {
    const health = await get("whatever.test", "/healthz");
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: "ok" });
    expect(health.headers["x-request-id"]).toMatch(/^[0-9a-f]{16}$/);
    const ready = await get("localhost:3000", "/readyz");
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: "ready", database: engine });
  });

  it("sets security headers", async () => {
    const res = await get("acme.localhost:3000");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(res.headers["x-frame-options"]).toBeDefined();
  });

  it("shows a tenant's PNG logo and refuses anything else as a logo", async () => {
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
      "base64",
    );
    await makeTenant(services.db, {
      slug: "logo",
      displayName: "Logo Bail",
      logo: { bytes: png, blobs: services.blobs },
    });
    const home = await get("logo.localhost:3000");
    expect(home.body).toMatch(/<img src="\/branding\/logo\?v=[0-9a-f]{12}"/);
    const logo = await get("logo.localhost:3000", "/branding/logo");
    expect(logo.statusCode).toBe(200);
    expect(logo.headers["content-type"]).toBe("image/png");
    expect(logo.rawPayload.equals(png)).toBe(true);
    expect((await get("acme.localhost:3000", "/branding/logo")).statusCode).toBe(404);
    await expect(
      createTenant(services.db, {
        slug: "svg",
        displayName: "Svg",
        logo: { bytes: Buffer.from("<svg onload=alert(1)>"), blobs: services.blobs },
      }),
    ).rejects.toMatchObject({ code: "invalid_logo" });
  });

  it("has a 404 page for unknown paths on a tenant", async () => {
    const res = await get("acme.localhost:3000", "/nothing-here");
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain("Page introuvable");
  });
});

describe.skipIf(!ENGINES.includes("postgres"))("when PostgreSQL goes away", () => {
  it("answers 503 on readiness and pages, then recovers without restart", async () => {
    const target = new URL(process.env.TEST_DATABASE_URL!);
    const proxy = await startTcpProxy(Number(target.port || 5432), target.hostname);
    const via = new URL(target);
    via.port = String(proxy.port);
    const services = await openTestServices("postgres", { overrides: { DATABASE_URL: via.toString() } });
    await makeTenant(services.db, { slug: "acme", displayName: "Acme" });
    const app = await buildWebApp(services);
    try {
      proxy.cut();
      const ready = await app.inject({ url: "/readyz", headers: { host: "localhost:3000" } });
      expect(ready.statusCode).toBe(503);
      const page = await app.inject({ url: "/", headers: { host: "other.localhost:3000" } });
      expect(page.statusCode).toBe(503);
      expect(page.body).toContain("momentanément indisponible");
      expect(page.body).not.toMatch(/ECONNREFUSED|ECONNRESET|at .*\.ts/);
      proxy.restore();
      const back = await app.inject({ url: "/readyz", headers: { host: "localhost:3000" } });
      expect(back.statusCode).toBe(200);
      const home = await app.inject({ url: "/", headers: { host: "acme.localhost:3000" } });
      expect(home.statusCode).toBe(200);
    } finally {
      await app.close();
      await services.dispose();
      await proxy.close();
    }
  });
});
