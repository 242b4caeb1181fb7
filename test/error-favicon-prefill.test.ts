import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { insertToken } from "../src/db/tokens.repository.js";
import { hashSecret, newSecret } from "../src/domain/accounts/secrets.js";
import { upsertCustomer } from "../src/domain/customers/upsert-customer.js";
import { buildWebApp } from "../src/http/web-app.js";
import { customerClient, makeTenant } from "./support/factories.js";
import { openTestServices } from "./support/services.js";
import { enrolStaff, nextCode, staffLogin } from "./support/staff.js";
import { WebClient } from "./support/web-client.js";

// Issue #13 item 14: error pages in words with the logged-in header kept, a favicon per tenant, and the
// identifier shown on the reset page filled in on the login form that follows.

const PASSWORD = "la facture verte arrive au port";
const actor = { type: "issuer" as const, id: "test" };

describe("error pages, favicon and the identifier after a reset", () => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let tenant: TenantRow;
  let seq = 0;

  async function account() {
    const email = `client${++seq}@example.com`;
    await upsertCustomer(services.db, {
      queue: services.queue,
      tenantId: tenant.id,
      customerNumber: `C-${seq}`,
      name: `Client ${seq}`,
      email,
      contracts: [],
      actor,
    });
    const [row] = await services.db.query<{ id: string; identifier: string }>(
      "select id, identifier from accounts where tenant_id = $1 and email = $2",
      [tenant.id, email],
    );
    return { id: row!.id, identifier: row!.identifier, email };
  }

  async function loggedIn() {
    const { id, identifier } = await account();
    const { client } = await customerClient(services, app, tenant, id);
    return { client, identifier };
  }

  beforeAll(async () => {
    services = await openTestServices("pglite");
    tenant = await makeTenant(services.db, {
      slug: "acme",
      displayName: "élan Location",
      primaryColor: "#0b5d6b",
    });
    await makeTenant(services.db, { slug: "pale", displayName: "Pâle Bail", primaryColor: "#f4e9a0" });
    app = await buildWebApp(services);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  describe("error pages", () => {
    it("tells a logged-in customer in words that the invoice does not exist, keeping the header", async () => {
      const { client } = await loggedIn();
      const res = await client.get("/factures/00000000-0000-4000-8000-000000000000");
      expect(res.statusCode).toBe(404);
      expect(res.body).toContain("<h1>Facture introuvable</h1>");
      expect(res.body).toContain("Cette facture n’existe pas ou n’est plus disponible.");
      // The header of a logged-in customer: invoices, account, logout.
      expect(res.body).toContain('href="/compte"');
      expect(res.body).toContain('action="/deconnexion"');
      expect(res.body).toContain('href="/factures"');
      // The status is a small reference in words, never a bare number in large type.
      expect(res.body).not.toContain('class="code"');
      expect(res.body).toContain("Code d’erreur\u00a0: 404");
    });

    it("keeps the header on an unknown page too, and gives an anonymous visitor no header", async () => {
      const { client } = await loggedIn();
      const known = await client.get("/nulle-part");
      expect(known.statusCode).toBe(404);
      expect(known.body).toContain("Page introuvable");
      expect(known.body).toContain('action="/deconnexion"');
      const anonymous = await new WebClient(app, "acme.localhost:3000").get("/factures/nope");
      expect(anonymous.statusCode).toBe(303); // the customer pages send a visitor to the login first
      const stranger = await new WebClient(app, "acme.localhost:3000").get("/nulle-part");
      expect(stranger.statusCode).toBe(404);
      expect(stranger.body).not.toContain('action="/deconnexion"');
    });

    it("sends a bookmark of the login form's action (GET /connexion) to the home page, not to « Page introuvable »", async () => {
      const res = await new WebClient(app, "acme.localhost:3000").get("/connexion");
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe("/");
    });

    it("speaks the account's language, with the same words for a mistyped id as for a missing invoice", async () => {
      const { client, identifier } = await loggedIn();
      await services.db.query("update accounts set language = 'en' where identifier = $1", [identifier]);
      const res = await client.get("/factures/not-a-uuid");
      expect(res.statusCode).toBe(404);
      expect(res.body).toContain("<h1>Invoice not found</h1>");
      expect(res.body).toContain("This invoice does not exist or is no longer available.");
      expect(res.body).toContain("Error code: 404");
    });
  });

  describe("back-office error pages", () => {
    it("keep the back office's shell and navigation for a logged-in advisor, in French, without a language switch", async () => {
      const host = "acme.localhost:3000";
      const email = "camille@acme.test";
      const { secret } = await enrolStaff(services, app, {
        tenantId: tenant.id,
        host,
        email,
        role: "advisor",
      });
      const { client, second } = await staffLogin(app, host, email, nextCode(secret));
      expect(second?.statusCode).toBe(303);
      const res = await client.get("/conseiller/clients/00000000-0000-4000-8000-000000000000");
      expect(res.statusCode).toBe(404);
      expect(res.body).toContain("<h1>Page introuvable</h1>");
      expect(res.body).toContain('action="/conseiller/deconnexion"');
      expect(res.body).toContain('class="staff-badge"');
      expect(res.body).not.toContain('class="lang-switch"');
      expect(res.body).toContain("Code d’erreur\u00a0: 404");
    });
  });

  describe("favicon", () => {
    it("links every page to the tenant's icon: its letter on its colour, cacheable", async () => {
      const home = await new WebClient(app, "acme.localhost:3000").get("/");
      const href = /<link rel="icon" type="image\/svg\+xml" href="([^"]+)"/.exec(home.body)?.[1];
      expect(href).toMatch(/^\/favicon\.svg\?v=0b5d6b/);
      const staff = await new WebClient(app, "acme.localhost:3000").get("/conseiller/connexion");
      expect(staff.body).toContain(`<link rel="icon" type="image/svg+xml" href="${href}"`);
      const icon = await new WebClient(app, "acme.localhost:3000").get(href!.replace(/&amp;/g, "&"));
      expect(icon.statusCode).toBe(200);
      expect(icon.headers["content-type"]).toBe("image/svg+xml; charset=utf-8");
      expect(icon.headers["cache-control"]).toContain("max-age=");
      expect(icon.body).toContain('fill="#0b5d6b"');
      expect(icon.body).toContain(">É</text>");
      expect(icon.body).toContain('fill="#ffffff"');
    });

    it("writes dark on a light colour, and gives the platform a neutral icon", async () => {
      const pale = await new WebClient(app, "pale.localhost:3000").get("/favicon.svg");
      expect(pale.body).toContain('fill="#f4e9a0"');
      expect(pale.body).toContain(">P</text>");
      expect(pale.body).toContain('fill="#1c2430"');
      const platform = await new WebClient(app, "localhost:3000").get("/");
      expect(platform.body).toContain('<link rel="icon" type="image/svg+xml" href="/favicon.svg"');
      const neutral = await new WebClient(app, "localhost:3000").get("/favicon.svg");
      expect(neutral.statusCode).toBe(200);
      expect(neutral.body).toContain('fill="#1f4e79"');
      expect(neutral.body).toContain(">E</text>");
    });
  });

  describe("identifier after a reset", () => {
    it("fills in the login form that follows the reset page with the identifier it showed, once", async () => {
      const { id, identifier, email } = await account();
      const token = newSecret();
      await insertToken(services.db, {
        tokenHash: hashSecret(token),
        tenantId: tenant.id,
        accountId: id,
        purpose: "password_reset",
        email,
        createdAt: new Date(),
        expiresAt: new Date(Date.now() + 3_600_000),
      });
      const client = new WebClient(app, "acme.localhost:3000");
      const reset = await client.get(`/reinitialiser/${token}`);
      expect(reset.body).toContain(identifier);
      const done = await client.post(`/reinitialiser/${token}`, {
        password: PASSWORD,
        confirmation: PASSWORD,
      });
      expect(done.statusCode).toBe(303);
      expect(done.headers.location).toBe("/?message=password-set");
      // Not in the URL: nothing in logs, history or a link someone could craft.
      expect(String(done.headers.location)).not.toContain(identifier);
      const login = await client.get("/?message=password-set");
      expect(login.body).toMatch(new RegExp(`<input[^>]*id="identifier"[^>]*value="${identifier}"`));
      // Read once: a later visit (or someone else at this computer later) starts empty.
      const later = await client.get("/");
      expect(later.body).not.toContain(`value="${identifier}"`);
      // Another browser never sees it.
      const other = await new WebClient(app, "acme.localhost:3000").get("/?message=password-set");
      expect(other.body).not.toContain(`value="${identifier}"`);
    });

    it("ignores a forged (unsigned) identifier cookie", async () => {
      const client = new WebClient(app, "acme.localhost:3000");
      client.cookies.set("efacture-identifier", "EVIL-0000");
      const login = await client.get("/");
      expect(login.body).not.toContain("EVIL-0000");
    });
  });
});
