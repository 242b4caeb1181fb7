/// <reference lib="dom" />
import { mkdirSync } from "node:fs";
import path from "node:path";
import { AxeBuilder } from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { publishInvoice } from "../../src/domain/invoices/publish-invoice.js";
import { inviteStaff } from "../../src/domain/staff/staff-accounts.js";
import { totpCode } from "../../src/domain/staff/totp.js";
import { buildFacturX } from "../../src/einvoice/index.js";
import { type RunningServer, startServer } from "../../src/main.js";
import { BROWSER_TEST_TIMEOUT, chromiumPath, launchBrowser } from "../support/browser.js";
import { ROOT } from "../support/cli.js";
import { makeCustomer, makeTenant } from "../support/factories.js";
import { freePort } from "../support/free-port.js";
import { makeTestEnv, type TestEnv, waitFor } from "../support/services.js";

const SHOTS = path.join(ROOT, "test-results", "screenshots", "staff-advisor");
const silentIo = { out() {}, err() {}, cwd: ROOT, isTTY: false };
const PASSWORD = "la mouette grise survole le port";

describe.skipIf(!chromiumPath)(
  "advisor answers « je n’ai pas reçu le mail », in Chromium, with axe",
  { timeout: BROWSER_TEST_TIMEOUT },
  () => {
    let testEnv: TestEnv;
    let server: RunningServer;
    let browser: Browser;
    let port: number;
    let tenantId: string;
    const url = (p: string) => `http://acme.localhost:${port}${p}`;
    let step = 0;
    const shot = (page: Page, name: string) =>
      page.screenshot({
        path: path.join(SHOTS, `${String(++step).padStart(2, "0")}-${name}.png`),
        fullPage: true,
      });
    async function axe(page: Page) {
      const result = await new AxeBuilder({ page }).analyze();
      return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    }

    beforeAll(async () => {
      port = await freePort();
      testEnv = makeTestEnv("pglite", { PORT: String(port), PUBLIC_BASE_URL: `http://localhost:${port}` });
      server = await startServer(
        loadConfig(testEnv.env),
        { web: true, worker: true },
        { io: silentIo, pollingIntervalSeconds: 0.5 },
      );
      const { db, blobs, queue, config } = server.services;
      const tenant = await makeTenant(db, { slug: "acme", displayName: "Acme Location" });
      tenantId = tenant.id;
      await makeCustomer({ db, queue }, tenantId, "CL-4242", {
        name: "Hélène Garnier",
        email: "helene.garnier@exemple.fr",
        contracts: ["CT-4242"],
        actor: { type: "issuer", id: "t" },
      });
      await publishInvoice(
        { db, blobs, queue, maxPdfBytes: config.maxPdfBytes },
        {
          tenant,
          bytes: await buildFacturX({
            invoiceNumber: "F-2026-0042",
            typeCode: "380",
            issueDate: "2026-11-05",
            currency: "EUR",
            seller: {
              name: "Acme Location",
              siren: "443061841",
              address: { line1: "1 rue A", postcode: "75001", city: "Paris", countryCode: "FR" },
            },
            buyer: {
              name: "Hélène Garnier",
              id: "CL-4242",
              address: { line1: "2 rue B", postcode: "69001", city: "Lyon", countryCode: "FR" },
            },
            lines: [{ description: "Loyer", quantity: "1", unitPrice: "100.00", vatRatePercent: "20" }],
          }),
          actor: { type: "issuer", id: "t" },
        },
      );
      await waitFor(async () => {
        const [m] = await db.query<{ status: string }>("select status from mails where kind = 'activation'");
        return m?.status === "sent";
      });
      browser = await launchBrowser();
      mkdirSync(SHOTS, { recursive: true });
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      await server?.stop();
      await testEnv?.cleanup();
    });

    async function enrolAndLogIn(page: Page, email: string, role: "advisor" | "admin", name: string) {
      const { token } = await inviteStaff(server.services.db, {
        tenantId,
        email,
        role,
        displayName: name,
        actor: { type: "platform", id: "test", name: "test" },
      });
      await page.goto(url(`/conseiller/inscription/${token}`));
      expect(await axe(page)).toEqual([]);
      if (role === "advisor") await shot(page, "enrolment");
      const secret = (await page.locator("code.staff-secret").textContent())!.trim();
      await page.getByLabel("Mot de passe", { exact: true }).fill(PASSWORD);
      await page.getByLabel("Confirmez le mot de passe").fill(PASSWORD);
      await page.getByLabel("Code à 6 chiffres").fill(totpCode(secret, new Date()));
      await page.getByRole("button", { name: "Terminer l’inscription" }).click();
      await expect.poll(() => page.getByRole("heading", { name: "Vos codes de secours" }).count()).toBe(1);
      expect(await page.locator("ul.staff-codes li").count()).toBe(10);
      expect(await axe(page)).toEqual([]);
      await page.getByRole("link", { name: /aller à la connexion/ }).click();
      expect(await axe(page)).toEqual([]);
      if (role === "advisor") await shot(page, "login");
      await page.getByLabel("Adresse e-mail professionnelle").fill(email);
      await page.getByLabel("Mot de passe").fill(PASSWORD);
      await page.getByRole("button", { name: "Continuer" }).click();
      await page.waitForURL(/\/conseiller\/code$/);
      expect(await axe(page)).toEqual([]);
      await page
        .getByLabel(/Code à 6 chiffres de votre application/)
        .fill(totpCode(secret, new Date(Date.now() + 30_000)));
      await page.getByRole("button", { name: "Se connecter" }).click();
      await page.waitForURL(url("/conseiller"));
    }

    it("finds the customer by number, reads the mail log, corrects the address and sends the activation mail", async () => {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      await enrolAndLogIn(page, "camille@acme.test", "advisor", "Camille Conseil");
      expect(await axe(page)).toEqual([]);
      await shot(page, "search");

      // « Munissez-vous de votre numéro client » : the advisor types it.
      await page.getByLabel(/Numéro client, numéro de contrat/).fill("CL-4242");
      await page.getByRole("button", { name: "Rechercher" }).click();
      await page.waitForURL(/\/conseiller\/clients\//);
      await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toContain("CL-4242");
      const status = await page.locator(".staff-status").textContent();
      expect(status).toMatch(/Mail d’activation envoyé le .* à helene\.garnier@exemple\.fr/);
      expect(await page.getByRole("cell", { name: "Mail d’activation (identifiant)" }).count()).toBe(1);
      expect(await page.getByText("Remis au serveur de messagerie").count()).toBeGreaterThan(0);
      expect(await axe(page)).toEqual([]);
      await shot(page, "record");

      // The customer spelled the address wrong at signature: the advisor corrects it.
      await page.getByRole("link", { name: "Corriger l’adresse e-mail" }).click();
      expect(await axe(page)).toEqual([]);
      await page.getByLabel("Nouvelle adresse e-mail", { exact: true }).fill("helene.garnier@exemple.com");
      await page.getByLabel("Nouvelle adresse e-mail (une seconde fois)").fill("helene.garnier@exemple.com");
      await page
        .getByLabel("Motif de la correction")
        .fill("Appel de la cliente : « je n’ai pas reçu le mail », adresse en .fr au lieu de .com");
      await shot(page, "correct-email");
      await page.getByRole("button", { name: "Corriger l’adresse" }).click();
      await expect
        .poll(() => page.getByRole("status").first().textContent())
        .toContain("L’adresse e-mail est corrigée");
      expect(await page.locator(".staff-status").textContent()).toContain("Pas encore de compte");

      await page.getByRole("button", { name: "Envoyer le mail d’activation maintenant" }).click();
      await expect
        .poll(() => page.getByRole("status").first().textContent())
        .toContain("Le mail d’activation part");
      await expect
        .poll(
          async () => {
            await page.reload();
            return page.locator(".staff-status").textContent();
          },
          { timeout: 20_000 },
        )
        .toMatch(/Mail d’activation envoyé le .* à helene\.garnier@exemple\.com/);
      expect(
        await page.getByRole("cell", { name: "Avis de changement d’adresse (ancienne adresse)" }).count(),
      ).toBe(1);
      expect(await axe(page)).toEqual([]);
      await shot(page, "record-after");

      await page.getByRole("link", { name: "Journal" }).click();
      expect(await page.getByText("Correction de l’adresse e-mail").count()).toBeGreaterThan(0);
      expect(await page.getByText("✗ rompu").count()).toBe(0);
      expect(await axe(page)).toEqual([]);
      await shot(page, "journal");
      await page.close();
    }, 180_000);

    it("admin pages pass axe", async () => {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      await enrolAndLogIn(page, "alex@acme.test", "admin", "Alex Admin");
      for (const [p, name] of [
        ["/conseiller/admin", "admin-home"],
        ["/conseiller/admin/equipe", "admin-team"],
        ["/conseiller/admin/cles", "admin-keys"],
        ["/conseiller/admin/portail", "admin-portal"],
      ] as const) {
        await page.goto(url(p));
        expect(await axe(page), p).toEqual([]);
        await shot(page, name);
      }
      await page.close();
    }, 180_000);
  },
);
