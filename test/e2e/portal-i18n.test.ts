/// <reference lib="dom" />
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAccountPassword } from "../../src/db/accounts.repository.js";
import type { TenantRow } from "../../src/db/tenants.repository.js";
import { hashPassword } from "../../src/domain/accounts/password-hashing.js";
import { publishInvoice } from "../../src/domain/invoices/publish-invoice.js";
import { buildFacturX, type FacturXInput } from "../../src/einvoice/index.js";
import { BROWSER_TEST_TIMEOUT, chromiumPath } from "../support/browser.js";
import { axeViolations, type E2eServer, logIn, startE2eServer } from "../support/e2e-server.js";
import { makeCustomer, makeTenant } from "../support/factories.js";

const PASSWORD = "deux langues valent mieux qu’une";
const LABELS = {
  fr: { identifier: "Identifiant", password: "Mot de passe", submit: "Se connecter" },
  en: { identifier: "Identifier", password: "Password", submit: "Log in" },
};

/** Every customer page in French and English: axe finds nothing, `<html lang>` follows, the switch works. */
describe.skipIf(!chromiumPath)(
  "the customer portal in French and English, in Chromium",
  { timeout: BROWSER_TEST_TIMEOUT },
  () => {
    let e2e: E2eServer;
    let tenant: TenantRow;
    const accounts = { fleet: { id: "", identifier: "" }, empty: { id: "", identifier: "" } };
    const ids = { current: "", removed: "" };
    const url = (p: string) => e2e.url("bilingue", p);

    /** axe on the current page, `<html lang>` checked, a screenshot taken. */
    async function check(page: Page, lang: "fr" | "en", name: string) {
      expect(await page.locator("html").getAttribute("lang"), name).toBe(lang);
      expect(await axeViolations(page), `${name} (${lang})`).toEqual([]);
      await e2e.screenshot(page, `${lang}-${name}`);
    }

    beforeAll(async () => {
      e2e = await startE2eServer({ shots: "portal-i18n", worker: true });
      const { db, blobs, queue, config } = e2e.services;
      tenant = await makeTenant(db, {
        slug: "bilingue",
        displayName: "Rivage Crédit",
        primaryColor: "#7a2e0e",
      });
      await db.query("update tenants set settings = $2::jsonb where id = $1", [
        tenant.id,
        JSON.stringify({
          faqMarkdown:
            "## Mensualités\n\nLes prélèvements ont lieu le **5** de chaque mois. Voir https://www.example.com/aide.\n\n<script>alert(1)</script>",
          legal: { companyName: "Rivage Crédit SA", siren: "552120222", dpoEmail: "dpo@rivage.example" },
        }),
      ]);
      const actor = { type: "issuer" as const, id: "e2e" };
      for (const [number, email] of [
        ["RC-1", "tresorerie@rivage-client.example"],
        ["RC-2", "tresorerie@rivage-client.example"],
        ["RC-9", "sans-facture@rivage-client.example"],
      ] as const)
        await makeCustomer({ db, queue }, tenant, number, {
          name: "Client Rivage",
          email,
          actor,
        });
      for (const a of await db.query<{ id: string; identifier: string; email: string }>(
        "select id, identifier, email from accounts where tenant_id = $1",
        [tenant.id],
      )) {
        await setAccountPassword(db, tenant.id, a.id, await hashPassword(PASSWORD));
        accounts[a.email.startsWith("sans") ? "empty" : "fleet"] = { id: a.id, identifier: a.identifier };
      }
      const invoice = (n: string, customer: string, issueDate: string, unitPrice: string): FacturXInput => ({
        invoiceNumber: n,
        typeCode: "380",
        issueDate,
        dueDate: issueDate.replace(/-\d\d$/, "-28"),
        currency: "EUR",
        contractNumber: `CR-${customer}`,
        seller: {
          name: "Rivage Crédit SA",
          siren: "552120222",
          vatId: "FR40552120222",
          address: { line1: "3 quai des Chartrons", postcode: "33000", city: "Bordeaux", countryCode: "FR" },
        },
        buyer: {
          name: "Client Rivage",
          id: customer,
          address: {
            line1: "1 rue Sainte-Catherine",
            postcode: "33000",
            city: "Bordeaux",
            countryCode: "FR",
          },
        },
        lines: [{ description: "Mensualité", quantity: "1", unitPrice, vatRatePercent: "20" }],
      });
      const publish = async (input: FacturXInput) =>
        (
          await publishInvoice(
            { db, blobs, queue, maxPdfBytes: config.maxPdfBytes },
            { tenant, bytes: await buildFacturX(input), actor },
          )
        ).invoice.id;
      ids.current = await publish(invoice("RC-2026-0105", "RC-1", "2026-11-05", "1028.80"));
      await publish(invoice("RC-2026-0012", "RC-2", "2026-10-12", "240.00"));
      ids.removed = await publish(invoice("RC-2024-0105", "RC-1", "2024-09-05", "1028.80"));
      await db.query("update invoices set removed_at = '2026-09-06T10:00:00Z' where id = $1", [ids.removed]);
    }, 180_000);
    afterAll(async () => {
      await e2e?.close();
    });

    async function setAccountLanguage(language: "fr" | "en") {
      await e2e.services.db.query("update accounts set language = $2 where id = $1", [
        accounts.fleet.id,
        language,
      ]);
    }

    it.each([
      ["fr", "fr-FR"],
      ["en", "en-GB"],
    ] as const)(
      "has no axe violation on any public page (%s, from Accept-Language)",
      async (lang, locale) => {
        const page = await e2e.newPage({ locale, viewport: { width: 1280, height: 900 } });
        await page.goto(url("/"));
        await check(page, lang, "home");
        for (const [path, name] of [
          ["/mot-de-passe-oublie", "forgot"],
          ["/aide", "help-faq"],
          ["/aide/sauvegarder", "help-save"],
          ["/aide/valeur-fiscale", "help-fiscal"],
          ["/mentions-legales", "legal-notice"],
          ["/confidentialite", "privacy"],
          ["/nulle-part", "not-found"],
        ] as const) {
          await page.goto(url(path));
          await check(page, lang, name);
        }
        // The tenant's FAQ: markdown rendered, its <script> shown as text, never run.
        await page.goto(url("/aide"));
        await expect(page.locator(".help-md h3").textContent()).resolves.toBe("Mensualités");
        await expect(page.locator(".help-md").textContent()).resolves.toContain("<script>alert(1)</script>");
        expect(await page.locator(".help-md script").count()).toBe(0);
        await expect(page.locator(".help-md a").getAttribute("rel")).resolves.toBe(
          "noopener noreferrer nofollow",
        );

        // A reset link that no longer works (410), then a real one from the outbox: both pages are clean.
        await page.goto(url("/reinitialiser/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        await check(page, lang, "reset-invalid");
        const before = await resetMails(page);
        await page.goto(url("/mot-de-passe-oublie"));
        await page
          .getByLabel(lang === "fr" ? "Adresse mail" : "E-mail address")
          .fill("sans-facture@rivage-client.example");
        await page
          .getByRole("button", {
            name: lang === "fr" ? "Recevoir le mail de réinitialisation" : "Send me the reset e-mail",
          })
          .click();
        await check(page, lang, "forgot-sent");
        const link = await resetLink(page, before);
        await page.goto(link);
        await check(page, lang, "reset");
        // The switch on the reset page keeps the page (the token stays in the path).
        await page
          .getByRole("link", {
            name: lang === "fr" ? "Show the portal in English" : "Afficher le portail en français",
          })
          .click();
        await page.waitForLoadState();
        expect(page.url()).toBe(link);
        expect(await page.locator("html").getAttribute("lang")).toBe(lang === "fr" ? "en" : "fr");
        await page.context().close();
      },
      180_000,
    );

    async function resetMails(page: Page): Promise<number> {
      const outbox = await page.context().newPage();
      await outbox.goto(e2e.url(undefined, "/_dev/outbox"));
      const count = await outbox.locator("tbody tr", { hasText: "password-reset" }).count();
      await outbox.close();
      return count;
    }

    /** The newest reset link mailed to the account without invoices, once more than `before` were sent. */
    async function resetLink(page: Page, before: number): Promise<string> {
      const outbox = await page.context().newPage();
      await outbox.goto(e2e.url(undefined, "/_dev/outbox"));
      const row = outbox.locator("tbody tr", { hasText: "password-reset" });
      await expect
        .poll(
          async () => {
            await outbox.reload();
            return row.count();
          },
          { timeout: 30_000 },
        )
        .toBeGreaterThan(before);
      await row.first().locator("a").click();
      const text = (await outbox.locator("pre.mailtext").textContent()) ?? "";
      await outbox.close();
      const link = /https?:\/\/\S+\/reinitialiser\/[A-Za-z0-9_-]+/.exec(text)?.[0];
      expect(link).toBeDefined();
      return link!;
    }

    it.each(["fr", "en"] as const)(
      "has no axe violation on any logged-in page (%s, account preference)",
      async (lang) => {
        await setAccountLanguage(lang);
        // The browser asks for the other language: the account's preference wins.
        const page = await e2e.newPage({
          locale: lang === "fr" ? "en-GB" : "fr-FR",
          viewport: { width: 1280, height: 900 },
        });
        await logIn(page, url("/"), accounts.fleet.identifier, PASSWORD, LABELS[lang === "fr" ? "en" : "fr"]);
        await check(page, lang, "list");
        await page.goto(url("/factures?client=RC-1&annee=2026"));
        await check(page, lang, "list-filtered");
        await page.goto(url("/factures?q=introuvable"));
        await check(page, lang, "list-no-match");
        await page.goto(url(`/factures/${ids.current}`));
        await check(page, lang, "detail");
        await page.goto(url(`/factures/${ids.removed}`));
        await check(page, lang, "detail-removed");
        const gone = await page.goto(url(`/factures/${ids.removed}/pdf`));
        expect(gone?.status()).toBe(410);
        await check(page, lang, "gone-410");
        await page.goto(url("/compte"));
        await check(page, lang, "account");
        await page.goto(url("/factures/00000000-0000-4000-8000-000000000000"));
        await check(page, lang, "detail-not-found");
        await page.context().close();

        const empty = await e2e.newPage({ locale: lang === "fr" ? "fr-FR" : "en-GB" });
        await e2e.services.db.query("update accounts set language = $2 where id = $1", [
          accounts.empty.id,
          lang,
        ]);
        await logIn(empty, url("/"), accounts.empty.identifier, PASSWORD, LABELS[lang]);
        await check(empty, lang, "list-empty");
        await empty.context().close();
      },
      180_000,
    );

    it("switches to English from the header and back, on the account too; dates and amounts follow", async () => {
      await setAccountLanguage("fr");
      const page = await e2e.newPage({ locale: "fr-FR", viewport: { width: 1280, height: 900 } });
      await logIn(page, url("/"), accounts.fleet.identifier, PASSWORD);
      const row = page.locator("tbody tr", { hasText: "RC-2026-0105" });
      await expect(page.locator("h1").textContent()).resolves.toBe("Mes factures");
      await expect(row.locator(".inv-c-amount").textContent()).resolves.toBe("1\u202f234,56\u00a0€");
      await expect(row.locator(".inv-c-date").textContent()).resolves.toBe("05/11/2026");
      await expect(page.locator("tbody tr", { hasText: "RC-2024-0105" }).textContent()).resolves.toContain(
        "Retirée du portail le 06/09/2026",
      );

      const english = page.getByRole("button", { name: "Show the portal in English" });
      expect(await english.getAttribute("lang")).toBe("en");
      await english.click();
      await page.waitForURL(/\/factures$/);
      expect(await page.locator("html").getAttribute("lang")).toBe("en");
      await expect(page.locator("h1").textContent()).resolves.toBe("My invoices");
      await expect(row.locator(".inv-c-amount").textContent()).resolves.toBe("€1,234.56");
      await expect(row.locator(".inv-c-date").textContent()).resolves.toBe("05/11/2026");
      await expect(page.locator("tbody tr", { hasText: "RC-2024-0105" }).textContent()).resolves.toContain(
        "Removed from the portal on 06/09/2026",
      );
      const [account] = await e2e.services.db.query<{ language: string }>(
        "select language from accounts where id = $1",
        [accounts.fleet.id],
      );
      expect(account?.language).toBe("en");

      await page.goto(url(`/factures/${ids.current}`));
      await expect(page.locator(".det-sub").textContent()).resolves.toContain("issued on 5 November 2026");
      await expect(page.locator(".det-total-value").textContent()).resolves.toBe("€1,234.56");
      await e2e.screenshot(page, "switch-en-detail");

      // Logged out, the cookie keeps English on the public pages.
      await page.getByRole("button", { name: "Log out" }).click();
      await expect(page.locator(".success").textContent()).resolves.toBe("You are logged out.");
      await page
        .getByRole("button", { name: "Afficher le portail en français" })
        .or(page.getByRole("link", { name: "Afficher le portail en français" }))
        .click();
      await page.waitForURL((u) => !u.search.includes("lang="));
      expect(await page.locator("html").getAttribute("lang")).toBe("fr");
      await expect(page.locator("h2#login").textContent()).resolves.toBe("Accéder à mes factures");
      await page.context().close();
    }, 120_000);

    it("fits a 360 px phone in English, switch included; axe finds nothing", async () => {
      await setAccountLanguage("en");
      const page = await e2e.newPage({
        locale: "en-GB",
        viewport: { width: 360, height: 740 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
      });
      await page.goto(url("/"));
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      await check(page, "en", "phone-home");
      await logIn(page, url("/"), accounts.fleet.identifier, PASSWORD, LABELS.en);
      for (const [path, name] of [
        ["/factures", "phone-list"],
        [`/factures/${ids.current}`, "phone-detail"],
        ["/aide/sauvegarder", "phone-help-save"],
      ] as const) {
        await page.goto(url(path));
        expect(await page.evaluate(() => document.documentElement.scrollWidth), name).toBeLessThanOrEqual(
          360,
        );
        await check(page, "en", name);
      }
      await page.context().close();
    }, 120_000);
  },
);
