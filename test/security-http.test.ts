import net from "node:net";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { createApiKey } from "../src/domain/api-keys/create-api-key.js";
import { tenantFaqHtml } from "../src/http/tenant-help.js";
import { buildWebApp } from "../src/http/web-app.js";
import { makeTenant } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";
import { enrolStaff, nextCode, staffLogin } from "./support/staff.js";

const HOST = "acme.localhost:3000";

/** One raw HTTP/1.1 exchange: `app.inject` normalises what these tests are about (Host, request target). */
function rawRequest(port: number, head: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      text += chunk;
    });
    socket.on("error", reject);
    socket.on("close", () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
    socket.write(`${head}Connection: close\r\n\r\n`, "latin1");
  });
}

describe.each(ENGINES)("HTTP hardening on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let tenant: TenantRow;
  let port: number;
  let apiKey: string;
  const logLines: { level: number; msg: string; err?: unknown; event?: string }[] = [];

  beforeAll(async () => {
    services = await openTestServices(engine);
    tenant = await makeTenant(services.db);
    await makeTenant(services.db, { slug: "other", displayName: "Other Crédit" });
    apiKey = (await createApiKey({ db: services.db, tenantId: tenant.id, label: "ERP" })).key;
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split("\n").filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    app = await buildWebApp({ ...services, logger: pino({ level: "info" }, sink) });
    await app.listen({ port: 0, host: "127.0.0.1" });
    port = (app.server.address() as net.AddressInfo).port;
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  describe("a back-office POST without a staff session (finding 8)", () => {
    const posts = [
      "/conseiller/admin/equipe",
      "/conseiller/admin/equipe/00000000-0000-4000-8000-000000000000/reinitialiser",
      "/conseiller/admin/equipe/00000000-0000-4000-8000-000000000000/desactiver",
      "/conseiller/admin/cles",
      "/conseiller/admin/cles/efk_abc/revoquer",
      "/conseiller/admin/portail/conservation",
      "/conseiller/admin/portail/faq",
      "/conseiller/admin/portail/mentions",
      "/conseiller/admin/portail/contact",
      "/conseiller/admin/portail/apparence",
      "/conseiller/clients/00000000-0000-4000-8000-000000000000/activation",
      "/conseiller/clients/00000000-0000-4000-8000-000000000000/deverrouiller",
      "/conseiller/clients/00000000-0000-4000-8000-000000000000/sessions",
      "/conseiller/clients/00000000-0000-4000-8000-000000000000/email",
    ];

    it("sends a browser to the staff login page (303) and anything else away with 403, logged at warn without a stack", async () => {
      for (const url of posts) {
        const before = logLines.length;
        const browser = await app.inject({
          method: "POST",
          url,
          headers: {
            host: HOST,
            accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "content-type": "application/x-www-form-urlencoded",
          },
          payload: "x=1",
        });
        expect(browser.statusCode, url).toBe(303);
        expect(browser.headers.location).toBe("/conseiller/connexion?message=session");
        const script = await app.inject({
          method: "POST",
          url,
          headers: { host: HOST, "content-type": "application/x-www-form-urlencoded" },
          payload: "x=1",
        });
        expect(script.statusCode, url).toBe(403);
        expect(script.headers["cache-control"]).toBe("no-store");
        const lines = logLines.slice(before);
        expect(lines.filter((l) => l.level >= 50)).toEqual([]);
        const refused = lines.filter((l) => l.event === "staff.session_required");
        expect(refused).toHaveLength(2);
        for (const line of refused) {
          expect(line.level).toBe(40);
          expect(JSON.stringify(line)).not.toContain("stack");
        }
      }
    });
  });

  describe("the Host header (finding 10)", () => {
    it("serves a well-formed Host, upper case included", async () => {
      expect((await rawRequest(port, `GET / HTTP/1.1\r\nHost: ${HOST}\r\n`)).status).toBe(200);
      expect((await rawRequest(port, "GET / HTTP/1.1\r\nHost: ACME.localhost:3000\r\n")).status).toBe(200);
      expect((await rawRequest(port, "GET /healthz HTTP/1.1\r\nHost: 10.0.0.7:3000\r\n")).status).toBe(200);
    });

    it.each([
      ["an encoded dot", "acme.localhost%2e:3000"],
      ["an encoded letter", "%61cme.localhost:3000"],
      ["a path", "acme.localhost:3000/.."],
      ["a fragment", "acme.localhost:3000#x"],
      ["a query", "acme.localhost:3000?x"],
      ["a backslash", "acme.localhost:3000\\"],
      ["a tab", "acme.local\thost:3000"],
      ["user info", "evil@acme.localhost:3000"],
      ["an empty port", "acme.localhost:"],
      ["a port too long", "acme.localhost:030000"],
    ])("refuses a Host with %s with 400", async (_name, host) => {
      const res = await rawRequest(port, `GET / HTTP/1.1\r\nHost: ${host}\r\n`);
      expect(res.status).toBe(400);
    });

    it("refuses a second Host header with 400", async () => {
      const res = await rawRequest(port, `GET / HTTP/1.1\r\nHost: ${HOST}\r\nHost: other.localhost:3000\r\n`);
      expect(res.status).toBe(400);
    });

    it("refuses an absolute-form target naming another host than Host with 400", async () => {
      const other = await rawRequest(port, `GET http://other.localhost:3000/ HTTP/1.1\r\nHost: ${HOST}\r\n`);
      expect(other.status).toBe(400);
      const same = await rawRequest(port, `GET http://${HOST}/ HTTP/1.1\r\nHost: ${HOST}\r\n`);
      expect(same.status).not.toBe(400);
    });
  });

  describe("issuer API caching (finding 11)", () => {
    it("answers every /api/v1 response with Cache-Control: no-store, errors and unknown paths included", async () => {
      const get = (url: string, key: string | null = apiKey) =>
        app.inject({
          method: "GET",
          url,
          headers: { host: HOST, ...(key ? { authorization: `Bearer ${key}` } : {}) },
        });
      for (const res of [
        await get("/api/v1/invoices"),
        await get("/api/v1/invoices", null),
        await get("/api/v1/invoices", "efk_not-a-key"),
        await get("/api/v1/invoices/00000000-0000-4000-8000-000000000000"),
        await get("/api/v1/customers/NOPE"),
        await get("/api/v1/no-such-thing"),
        await get("/api/v1/invoices?limit=nope"),
      ])
        expect(res.headers["cache-control"], `${res.statusCode} ${res.body.slice(0, 80)}`).toBe("no-store");
    });
  });

  describe("the FAQ preview (finding 11)", () => {
    it("renders the preview exactly as the published help page does", async () => {
      const { secret } = await enrolStaff(services, app, {
        tenantId: tenant.id,
        host: HOST,
        email: "anne@acme.test",
        role: "admin",
      });
      const { client: admin, second } = await staffLogin(app, HOST, "anne@acme.test", nextCode(secret));
      expect(second?.statusCode).toBe(303);
      const faq = [
        "## Où est ma facture ?",
        "",
        "Voir https://aide.example.com et [le site](//evil.example/x), [ftp](ftp://files.example/a).",
        "",
        "[mail](mailto:aide@example.com) <b>gras</b>",
      ].join("\n");
      await admin.get("/conseiller/admin/portail");
      const preview = await admin.post("/conseiller/admin/portail/faq", { faq, intent: "preview" });
      expect(preview.statusCode).toBe(200);
      const published = tenantFaqHtml({ ...tenant, settings: { faqMarkdown: faq } });
      expect(published).toBeDefined();
      expect(preview.body).toContain(published!.trim());
      expect(preview.body).not.toContain('href="//evil.example');
      expect(preview.body).not.toContain('href="ftp:');
    });
  });
});
