/// <reference lib="dom" />
import type { FastifyInstance } from "fastify";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWebApp } from "../../src/http/web-app.js";
import { BROWSER_TEST_TIMEOUT, chromiumPath } from "../support/browser.js";
import { axeViolations, type E2eServer, startE2eServer } from "../support/e2e-server.js";
import { makeTenant } from "../support/factories.js";
import { completePortalDetails } from "../support/portal-details.js";
import { openTestServices } from "../support/services.js";
import { enrolStaff, staffLogin } from "../support/staff.js";
import type { WebClient } from "../support/web-client.js";

const FAQ =
  "## Quand suis-je prélevé ?\n\nLe **20** de chaque mois, pour le loyer du mois en cours.\n\n## Comment changer de RIB ?\n\nEnvoyez votre nouveau RIB au service client, avec votre numéro client.";
const WIDTHS = [1280, 360] as const;

/** Issue #13 items 11–12 as a customer sees them: contact block, the issuer's FAQ, the legal pages; axe clean. */
describe.skipIf(!chromiumPath)(
  "issuer contact and legal pages in Chromium",
  { timeout: BROWSER_TEST_TIMEOUT },
  () => {
    let e2e: E2eServer;

    beforeAll(async () => {
      e2e = await startE2eServer({ shots: "portal-contact" });
      const { db } = e2e.services;
      const rivage = await makeTenant(db, {
        slug: "rivage",
        displayName: "Rivage Crédit",
        primaryColor: "#7a2e0e",
      });
      await completePortalDetails(db, rivage.id);
      await db.query(
        `update tenants set settings = jsonb_set(settings, '{faqMarkdown}', to_jsonb($2::text)) where id = $1`,
        [rivage.id, FAQ],
      );
      await makeTenant(db, { slug: "nu", displayName: "Bail Nu" });
    }, 120_000);
    afterAll(async () => {
      await e2e?.close();
    });

    async function visit(page: Page, url: string, name: string, lang: "fr" | "en") {
      const response = await page.goto(url);
      expect(response?.status(), name).toBe(200);
      expect(await page.locator("html").getAttribute("lang"), name).toBe(lang);
      expect(await axeViolations(page), name).toEqual([]);
      await e2e.screenshot(page, name);
    }

    for (const lang of ["fr", "en"] as const)
      for (const width of WIDTHS)
        it(`shows home, help and legal pages with the contact block (${lang}, ${width} px)`, async () => {
          const page = await e2e.newPage({
            viewport: { width, height: 900 },
            locale: lang === "fr" ? "fr-FR" : "en-GB",
          });
          for (const [path, name] of [
            ["/", "home"],
            ["/aide", "help"],
            ["/mentions-legales", "legal"],
            ["/confidentialite", "privacy"],
          ] as const)
            await visit(page, e2e.url("rivage", path), `${lang}-${width}-${name}`, lang);
          await page.goto(e2e.url("rivage", "/"));
          await expect(page.locator("#contact").isVisible()).resolves.toBe(true);
          await expect(page.locator("#contact a[href^='tel:']").textContent()).resolves.toBe(
            "01 23 45 67 89",
          );
          // The guide's question, then a link down to the block.
          await page.locator("summary", { hasText: lang === "fr" ? "pas reçu" : "did not receive" }).click();
          await page.locator("details[open] a.contact-link").click();
          await expect(page.evaluate(() => location.hash)).resolves.toBe("#contact");
        });

    it("shows the development banner on an incomplete portal", async () => {
      for (const width of WIDTHS) {
        const page = await e2e.newPage({ viewport: { width, height: 900 } });
        await visit(page, e2e.url("nu", "/"), `fr-${width}-draft-banner`, "fr");
        await expect(page.locator(".draft-banner").textContent()).resolves.toContain("nom de l’hébergeur");
      }
    });
  },
);

/** Pages of an in-process app (production, or behind a staff login) shown in Chromium through request interception. */
describe.skipIf(!chromiumPath)(
  "closed portal and back-office forms in Chromium",
  { timeout: BROWSER_TEST_TIMEOUT },
  () => {
    let e2e: E2eServer;
    let prod: Awaited<ReturnType<typeof openTestServices>>;
    let prodApp: FastifyInstance;
    let admin: WebClient;

    beforeAll(async () => {
      e2e = await startE2eServer({ shots: "portal-contact" });
      prod = await openTestServices("pglite", {
        overrides: {
          NODE_ENV: "production",
          PUBLIC_BASE_URL: "https://e-facture.test",
          SMTP_URL: "smtp://127.0.0.1:9",
          SESSION_SECRET: "0123456789abcdef0123456789abcdef",
          LOG_LEVEL: "silent",
        },
      });
      prodApp = await buildWebApp(prod);
      const tenantId = (await makeTenant(prod.db, { slug: "nu", displayName: "Bail Nu" })).id;
      const a = await enrolStaff(prod, prodApp, {
        tenantId,
        host: "nu.e-facture.test",
        email: "anne@nu.test",
        role: "admin",
        name: "Anne Admin",
      });
      admin = (await staffLogin(prodApp, "nu.e-facture.test", "anne@nu.test", a.codes[0]!)).client;
    }, 120_000);
    afterAll(async () => {
      await prodApp?.close();
      await prod?.dispose();
      await e2e?.close();
    });

    /** Every request of the page goes to the in-process app, with the admin's cookies when asked. */
    async function routed(page: Page, withAdmin: boolean) {
      await page.route("**/*", async (route) => {
        const url = new URL(route.request().url());
        const res = withAdmin
          ? await admin.get(url.pathname + url.search)
          : await prodApp.inject({
              url: url.pathname + url.search,
              headers: {
                host: url.host,
                "accept-language": route.request().headers()["accept-language"] ?? "fr",
              },
            });
        await route.fulfill({
          status: res.statusCode,
          headers: { "content-type": String(res.headers["content-type"] ?? "text/html") },
          body: res.rawPayload,
        });
      });
    }

    it("shows « Ce portail n'est pas encore ouvert » in production, in French and English", async () => {
      for (const [lang, locale] of [
        ["fr", "fr-FR"],
        ["en", "en-GB"],
      ] as const)
        for (const width of WIDTHS) {
          const page = await e2e.newPage({ viewport: { width, height: 700 }, locale });
          await routed(page, false);
          const response = await page.goto("https://nu.e-facture.test/");
          expect(response?.status()).toBe(503);
          expect(await axeViolations(page)).toEqual([]);
          await e2e.screenshot(page, `${lang}-${width}-closed`);
        }
    });

    it("shows the admin which details are missing, and the contact and legal forms", async () => {
      for (const width of WIDTHS) {
        const page = await e2e.newPage({ viewport: { width, height: 900 } });
        await routed(page, true);
        await page.goto("https://nu.e-facture.test/conseiller/admin/portail");
        await expect(page.locator(".staff-readiness").textContent()).resolves.toContain("nom de l’hébergeur");
        expect(await axeViolations(page)).toEqual([]);
        await e2e.screenshot(page, `fr-${width}-admin-settings`);
      }
    });
  },
);
