/// <reference lib="dom" />
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAccountPassword } from "../../src/db/accounts.repository.js";
import type { TenantRow } from "../../src/db/tenants.repository.js";
import { insertToken } from "../../src/db/tokens.repository.js";
import { hashPassword } from "../../src/domain/accounts/password-hashing.js";
import { hashSecret, newSecret } from "../../src/domain/accounts/secrets.js";
import { publishInvoice } from "../../src/domain/invoices/publish-invoice.js";
import { inviteStaff } from "../../src/domain/staff/staff-accounts.js";
import { totpCode } from "../../src/domain/staff/totp.js";
import { buildFacturX } from "../../src/einvoice/index.js";
import { BROWSER_TEST_TIMEOUT, chromiumPath } from "../support/browser.js";
import { axeViolations, type E2eServer, startE2eServer } from "../support/e2e-server.js";
import { makeCustomer, makeTenant } from "../support/factories.js";

// Issue #13 item 4: at 360 px the identifier split over three lines, e-mails and customer numbers went
// letter by letter and tables overflowed the page, while axe saw nothing. This walks every customer and
// staff page at 360 px and measures what axe cannot: no horizontal overflow, and every element marked as
// an identifier or a code (`.ident`) on one line. Screenshots at 360 and 1280 px land in
// test-results/screenshots/narrow/.

const PASSWORD = "la facture verte arrive au port";
const STAFF_PASSWORD = "la mouette grise survole le port";

interface Layout {
  scrollWidth: number;
  clientWidth: number;
  broken: string[];
  idents: number;
}

/** What the page measures at its current width: the document's overflow and the identifiers that wrap. */
function measure(page: Page): Promise<Layout> {
  return page.evaluate(() => {
    const broken: string[] = [];
    const idents = Array.from(document.querySelectorAll<HTMLElement>(".ident"));
    for (const el of idents) {
      const rects = el.getClientRects();
      if (rects.length === 0) continue; // not rendered (display: none)
      const style = getComputedStyle(el);
      const lineHeight =
        style.lineHeight === "normal"
          ? Number.parseFloat(style.fontSize) * 1.2
          : Number.parseFloat(style.lineHeight);
      const { height } = el.getBoundingClientRect();
      if (rects.length !== 1 || height >= 2 * lineHeight)
        broken.push(
          `${el.tagName.toLowerCase()}「${el.textContent?.trim()}」 ${rects.length} boxes, ${height}px`,
        );
    }
    const root = document.documentElement;
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, broken, idents: idents.length };
  });
}

describe.skipIf(!chromiumPath)(
  "every page at 360 px: no horizontal overflow, identifiers on one line",
  { timeout: BROWSER_TEST_TIMEOUT },
  () => {
    let e2e: E2eServer;
    let tenant: TenantRow;
    let identifier: string;
    let invoiceId: string;
    let customerId: string;
    let resetToken: string;
    const url = (p: string) => e2e.url("horizon", p);
    const problems: string[] = [];
    const visited: string[] = [];
    /** Pages that show an identifier or codes: the marker must be there, or the one-line check proves nothing. */
    const WITH_IDENTS = new Set([
      "reset",
      "account",
      "staff-recovery-codes",
      "staff-customer",
      "staff-search-results",
      "invoice-detail",
    ]);

    /** Measures the page as it stands at 360 px, then takes both screenshots. */
    async function check(page: Page, name: string) {
      await page.setViewportSize({ width: 360, height: 740 });
      const layout = await measure(page);
      visited.push(name);
      if (layout.scrollWidth > layout.clientWidth)
        problems.push(`${name}: scrollWidth ${layout.scrollWidth} > clientWidth ${layout.clientWidth}`);
      for (const b of layout.broken) problems.push(`${name}: ${b}`);
      if (WITH_IDENTS.has(name.replace(/-en$/, "")) && layout.idents === 0)
        problems.push(`${name}: no element marked .ident`);
      for (const violation of await axeViolations(page)) problems.push(`${name}: axe ${violation}`);
      await e2e.screenshot(page, `${name}-360`);
      await page.setViewportSize({ width: 1280, height: 900 });
      await e2e.screenshot(page, `${name}-1280`);
      await page.setViewportSize({ width: 360, height: 740 });
    }

    async function visit(page: Page, name: string, path: string, status = 200) {
      const response = await page.goto(url(path));
      expect(response?.status(), path).toBe(status);
      await check(page, name);
    }

    beforeAll(async () => {
      e2e = await startE2eServer({ shots: "narrow", worker: false });
      const { db, blobs, queue, config } = e2e.services;
      tenant = await makeTenant(db, {
        slug: "horizon",
        displayName: "Horizon Location Longue Durée",
        primaryColor: "#0b5d6b",
      });
      const actor = { type: "issuer" as const, id: "e2e" };
      for (const number of ["CL-0042-7781", "CL-0042-7782", "CL-0042-7783"])
        await makeCustomer({ db, queue }, tenant, number, {
          name: "Transports Martin et Fils Logistique SARL",
          email: "comptabilite.fournisseurs@transports-martin.fr",
          contracts: [`LLD-${number}-2026`],
          actor,
        });
      const [account] = await db.query<{ id: string; identifier: string }>(
        "select id, identifier from accounts where tenant_id = $1",
        [tenant.id],
      );
      identifier = account!.identifier;
      await setAccountPassword(db, tenant.id, account!.id, await hashPassword(PASSWORD));
      const [customer] = await db.query<{ id: string }>(
        "select id from customers where tenant_id = $1 and customer_number = 'CL-0042-7781'",
        [tenant.id],
      );
      customerId = customer!.id;
      resetToken = newSecret();
      const now = new Date();
      await insertToken(db, {
        tokenHash: hashSecret(resetToken),
        tenantId: tenant.id,
        accountId: account!.id,
        purpose: "password_reset",
        email: "comptabilite.fournisseurs@transports-martin.fr",
        createdAt: now,
        expiresAt: new Date(now.getTime() + 3_600_000),
      });
      const published = await publishInvoice(
        { db, blobs, queue, maxPdfBytes: config.maxPdfBytes },
        {
          tenant,
          actor,
          bytes: await buildFacturX({
            invoiceNumber: "FL-2026-004217-REGUL",
            typeCode: "380",
            issueDate: "2026-11-05",
            dueDate: "2026-12-05",
            currency: "EUR",
            contractNumber: "LLD-CL-0042-7781-2026",
            seller: {
              name: "Horizon Location Longue Durée SAS",
              siren: "443061841",
              vatId: "FR44443061841",
              address: {
                line1: "12 avenue de la Grande Armée",
                postcode: "75017",
                city: "Paris",
                countryCode: "FR",
              },
            },
            buyer: {
              name: "Transports Martin et Fils Logistique SARL",
              id: "CL-0042-7781",
              siren: "552120222",
              vatId: "FR12552120222",
              address: { line1: "4 quai Perrache", postcode: "69002", city: "Lyon", countryCode: "FR" },
            },
            lines: [
              {
                description: "Loyer longue durée — Renault Master L2H2",
                quantity: "1",
                unitPrice: "689.00",
                vatRatePercent: "20",
              },
            ],
          }),
        },
      );
      invoiceId = published.invoice.id;
    }, 120_000);
    afterAll(async () => {
      await e2e?.close();
    });

    async function enrolStaff(
      page: Page,
      email: string,
      role: "advisor" | "admin",
      name: string,
      shots: boolean,
    ) {
      const { token } = await inviteStaff(e2e.services.db, {
        tenantId: tenant.id,
        email,
        role,
        displayName: name,
        actor: { type: "platform", id: "test", name: "test" },
      });
      await page.goto(url(`/conseiller/inscription/${token}`));
      if (shots) await check(page, "staff-enrolment");
      const secret = (await page.locator("code.staff-secret").textContent())!.trim();
      await page.getByLabel("Mot de passe", { exact: true }).fill(STAFF_PASSWORD);
      await page.getByLabel("Confirmez le mot de passe").fill(STAFF_PASSWORD);
      await page.getByLabel("Code à 6 chiffres").fill(totpCode(secret, new Date()));
      await page.getByRole("button", { name: "Terminer l’inscription" }).click();
      await expect.poll(() => page.locator("ul.staff-codes li").count()).toBe(10);
      if (shots) await check(page, "staff-recovery-codes");
      await page.goto(url("/conseiller/connexion"));
      if (shots) await check(page, "staff-login");
      await page.getByLabel("Adresse e-mail professionnelle").fill(email);
      await page.getByLabel("Mot de passe").fill(STAFF_PASSWORD);
      await page.getByRole("button", { name: "Continuer" }).click();
      await page.waitForURL(/\/conseiller\/code$/);
      if (shots) await check(page, "staff-code");
      await page
        .getByLabel(/Code à 6 chiffres de votre application/)
        .fill(totpCode(secret, new Date(Date.now() + 30_000)));
      await page.getByRole("button", { name: "Se connecter" }).click();
      await page.waitForURL(url("/conseiller"));
    }

    it("customer, advisor and admin pages fit 360 px and keep identifiers whole", async () => {
      const viewport = { width: 360, height: 740 };
      // A second session (another browser) so the sessions table has rows with long browser names.
      const other = await e2e.newPage({
        viewport,
        userAgent:
          "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
      });
      await other.goto(url("/"));
      await other.getByLabel("Identifiant").fill(identifier);
      await other.getByLabel("Mot de passe", { exact: true }).fill(PASSWORD);
      await other.getByRole("button", { name: "Se connecter" }).click();
      await other.waitForURL(/\/factures/);

      const page = await e2e.newPage({ viewport });
      await visit(page, "home", "/");
      await visit(page, "forgot", "/mot-de-passe-oublie");
      await visit(page, "reset", `/reinitialiser/${resetToken}`);
      await visit(page, "help", "/aide");
      await visit(page, "help-save", "/aide/sauvegarder");
      await visit(page, "help-fiscal", "/aide/valeur-fiscale");
      await visit(page, "legal", "/mentions-legales");
      await visit(page, "privacy", "/confidentialite");
      await visit(page, "not-found", "/nulle-part", 404);
      await page.goto(url("/"));
      await page.getByLabel("Identifiant").fill(identifier);
      await page.getByLabel("Mot de passe", { exact: true }).fill(PASSWORD);
      await page.getByRole("button", { name: "Se connecter" }).click();
      await page.waitForURL(/\/factures/);
      await check(page, "invoices");
      await visit(page, "invoice-detail", `/factures/${invoiceId}`);
      await visit(page, "invoice-missing", "/factures/00000000-0000-4000-8000-000000000000", 404);
      await visit(page, "account", "/compte");

      // The same pages in English (longer words, other labels): the account's language and a visitor's cookie.
      await e2e.services.db.query("update accounts set language = 'en' where tenant_id = $1", [tenant.id]);
      for (const [name, path, status] of [
        ["invoices", "/factures", 200],
        ["invoice-detail", `/factures/${invoiceId}`, 200],
        ["account", "/compte", 200],
      ] as const)
        await visit(page, `${name}-en`, path, status);
      const visitor = await e2e.newPage({ viewport });
      await visitor.goto(url("/?lang=en"));
      for (const [name, path, status] of [
        ["home", "/", 200],
        ["forgot", "/mot-de-passe-oublie", 200],
        ["reset", `/reinitialiser/${resetToken}`, 200],
        ["help", "/aide", 200],
        ["legal", "/mentions-legales", 200],
        ["privacy", "/confidentialite", 200],
        ["not-found", "/nulle-part", 404],
      ] as const)
        await visit(visitor, `${name}-en`, path, status);

      const advisor = await e2e.newPage({ viewport });
      await enrolStaff(advisor, "camille.conseil@horizon-location.test", "advisor", "Camille Conseil", true);
      await check(advisor, "staff-search");
      await visit(advisor, "staff-search-results", "/conseiller?q=transports");
      await visit(advisor, "staff-customer", `/conseiller/clients/${customerId}`);
      await visit(advisor, "staff-customer-email", `/conseiller/clients/${customerId}/email`);
      await visit(advisor, "staff-journal", "/conseiller/journal");
      await visit(
        advisor,
        "staff-not-found",
        "/conseiller/clients/00000000-0000-4000-8000-000000000000",
        404,
      );

      const admin = await e2e.newPage({ viewport });
      await enrolStaff(
        admin,
        "dominique.admin@horizon-location.test",
        "admin",
        "Dominique Administrateur",
        false,
      );
      await visit(admin, "admin", "/conseiller/admin");
      await visit(admin, "admin-team", "/conseiller/admin/equipe");
      await visit(admin, "admin-keys", "/conseiller/admin/cles");
      await visit(admin, "admin-portal", "/conseiller/admin/portail");
      await visit(admin, "admin-withdraw", `/conseiller/factures/${invoiceId}/retirer`);

      expect(visited.length).toBe(38);
      expect(problems).toEqual([]);
      // 38 pages, each with axe and two screenshots: 115 s on a loaded 2-core CI run, and past 120 s once when
      // other work shared the machine. A budget, not a timed assertion.
    }, 300_000);
  },
);
