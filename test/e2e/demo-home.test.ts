/// <reference lib="dom" />
import { mkdirSync } from "node:fs";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROWSER_TEST_TIMEOUT, chromiumPath } from "../support/browser.js";
import { ROOT } from "../support/cli.js";
import { type E2eServer, startE2eServer } from "../support/e2e-server.js";

const SCREENSHOTS = path.join(ROOT, "test-results", "screenshots");

describe.skipIf(!chromiumPath)("demo portal in Chromium", { timeout: BROWSER_TEST_TIMEOUT }, () => {
  let e2e: E2eServer;
  let port: number;

  beforeAll(async () => {
    e2e = await startE2eServer({
      shots: "demo-home",
      env: { EFACTURE_DEMO: "1" },
      worker: true,
      fresh: true,
    });
    port = e2e.port;
    mkdirSync(SCREENSHOTS, { recursive: true });
    // The first start seeds the demo, its B2B invoices included (#16: official rules, CDAR XSD): slower when loaded.
  }, 240_000);
  afterAll(async () => {
    await e2e?.close();
  });

  it("shows the demo issuer's home page with its name and the first-connection guide", async () => {
    const page = await e2e.newPage({ viewport: { width: 1280, height: 900 } });
    const response = await page.goto(`http://demo.localhost:${port}/`);
    expect(response?.status()).toBe(200);
    await expect(page.locator("header .brand").textContent()).resolves.toContain("Démo Location");
    await expect(page.locator("h1").textContent()).resolves.toContain("Démo Location");
    expect(await page.getByRole("heading", { name: "Première connexion" }).count()).toBe(1);
    // The brand colour comes from the tenant's settings through /branding.css.
    const background = await page
      .locator("header.site")
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(background).toBe("rgb(11, 93, 107)");
    await page.screenshot({ path: path.join(SCREENSHOTS, "demo-home.png"), fullPage: true });
    const phone = await e2e.newPage({ viewport: { width: 390, height: 844 } });
    await phone.goto(`http://demo.localhost:${port}/`);
    await phone.screenshot({ path: path.join(SCREENSHOTS, "demo-home-phone.png"), fullPage: true });
  });

  it("shows the activation mails in the development outbox", async () => {
    const page = await e2e.newPage();
    await page.goto(`http://localhost:${port}/_dev/outbox`);
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.locator("tbody tr").count();
        },
        { timeout: 30_000 },
      )
      .toBeGreaterThan(5);
    // The newest mail may be the fleet manager's retention reminder (the demo runs retention after seeding).
    await page.locator("tbody tr a", { hasText: "Activation" }).first().click();
    await expect(page.locator("h1").textContent()).resolves.toContain(
      "Activation de votre compte E-FACTURE Démo Location",
    );
    await page.screenshot({ path: path.join(SCREENSHOTS, "outbox-mail.png"), fullPage: true });
  });

  it("says plainly that no portal exists at an unknown address", async () => {
    const page = await e2e.newPage();
    const response = await page.goto(`http://nobody.localhost:${port}/`);
    expect(response?.status()).toBe(404);
    await expect(page.locator("h1").textContent()).resolves.toBe("Aucun portail à cette adresse");
  });
});
