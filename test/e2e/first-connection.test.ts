/// <reference lib="dom" />
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROWSER_TEST_TIMEOUT, chromiumPath } from "../support/browser.js";
import { ROOT } from "../support/cli.js";
import { type E2eServer, startE2eServer } from "../support/e2e-server.js";

const SHOTS = path.join(ROOT, "test-results", "screenshots", "first-connection");

describe.skipIf(!chromiumPath)(
  "first connection, as the guide tells it, in Chromium",
  { timeout: BROWSER_TEST_TIMEOUT },
  () => {
    let e2e: E2eServer;
    let port: number;

    beforeAll(async () => {
      e2e = await startE2eServer({
        shots: "first-connection",
        env: { EFACTURE_DEMO: "1" },
        worker: true,
        fresh: true,
      });
      port = e2e.port;
      mkdirSync(SHOTS, { recursive: true });
    }, 120_000);
    afterAll(async () => {
      await e2e?.close();
    });

    let step = 0;
    const shot = (page: Page, name: string) =>
      page.screenshot({
        path: path.join(SHOTS, `${String(++step).padStart(2, "0")}-${name}.png`),
        fullPage: true,
      });

    /** Opens the newest outbox mail of this kind (and address), the way a developer reads the demo's mails. */
    async function openMail(page: Page, kind: string, to?: string): Promise<string> {
      await page.goto(`http://localhost:${port}/_dev/outbox`);
      const row = page.locator("tbody tr", { hasText: kind }).filter(to ? { hasText: to } : {});
      await expect
        .poll(
          async () => {
            await page.reload();
            return row.count();
          },
          { timeout: 30_000 },
        )
        .toBeGreaterThan(0);
      await row.first().locator("a").click();
      return (await page.locator("pre.mailtext").textContent()) ?? "";
    }

    it("activation mail → « Mot de passe ou identifiant oublié » → reset mail → identifier shown → password → login → invoices", async () => {
      const page = await e2e.newPage({ viewport: { width: 1200, height: 900 } });

      // 1. The activation mail, received when the invoice was issued, gives the identifier.
      const activation = await openMail(page, "activation");
      await shot(page, "activation-mail");
      const identifier = /Votre identifiant\s:\s([A-Z0-9]{4}-[A-Z0-9]{4})/.exec(activation)?.[1];
      const email = /cette adresse e-mail \(([^)]+)\)/.exec(activation)?.[1];
      expect(identifier).toBeDefined();
      expect(email).toBeDefined();

      // 2. Before the first connection: click « mot de passe ou identifiant oublié » on the portal.
      await page.goto(`http://demo.localhost:${port}/`);
      await shot(page, "portal-home");
      await page.getByRole("link", { name: "Mot de passe ou identifiant oublié ?" }).click();
      await page.getByLabel("Adresse mail").fill(email!);
      await shot(page, "forgot-form");
      await page.getByRole("button", { name: "Recevoir le mail de réinitialisation" }).click();
      await expect(page.locator("body").textContent()).resolves.toContain(
        "Si un compte correspond à cette adresse",
      );
      await shot(page, "forgot-sent");

      // 3. The reset mail lets the customer personalise the password.
      const resetText = await openMail(page, "password-reset", email);
      await shot(page, "reset-mail");
      const link = /https?:\/\/\S+\/reinitialiser\/\S+/.exec(resetText)?.[0];
      expect(link).toBeDefined();
      await page.goto(link!);

      // 4. The reset page shows the identifier and asks for the new password twice.
      await expect(page.locator(".identifier").textContent()).resolves.toBe(identifier);
      const password = "mon vélo vert roule vite";
      await page.getByLabel("Nouveau mot de passe").fill(password);
      await page.getByLabel("Confirmez le mot de passe").fill(password);
      await shot(page, "reset-page");
      await page.getByRole("button", { name: "Enregistrer mon mot de passe" }).click();
      await expect(page.locator(".success").textContent()).resolves.toContain(
        "Votre mot de passe est enregistré",
      );
      await shot(page, "password-set");

      // 5. Log in with the identifier and the new password: the invoices are there.
      await page.getByLabel("Identifiant").fill(identifier!.toLowerCase());
      await page.getByLabel("Mot de passe", { exact: true }).fill(password);
      await page.getByRole("button", { name: "Se connecter" }).click();
      await expect(page.locator("h1").textContent()).resolves.toBe("Mes factures");
      expect(await page.locator("tbody tr").count()).toBeGreaterThan(0);
      await shot(page, "invoices");

      await page.getByRole("link", { name: "Mon compte" }).click();
      await expect(page.locator(".identifier").first().textContent()).resolves.toBe(identifier);
      await shot(page, "account");
      await page.getByRole("button", { name: "Se déconnecter" }).first().click();
      await expect(page.locator(".success").textContent()).resolves.toContain("déconnecté");
    }, 120_000);
  },
);
