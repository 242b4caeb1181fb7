/// <reference lib="dom" />
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { type RunningServer, startServer } from "../../src/main.js";
import { chromiumPath, launchBrowser } from "../support/browser.js";
import { ROOT } from "../support/cli.js";
import { freePort } from "../support/free-port.js";
import { makeTestEnv, type TestEnv } from "../support/services.js";

const SCREENSHOTS = path.join(ROOT, "test-results", "screenshots");
const silentIo = { out() {}, err() {}, cwd: ROOT, isTTY: false };

describe.skipIf(!chromiumPath)("demo portal in Chromium", () => {
  let testEnv: TestEnv;
  let server: RunningServer;
  let browser: Browser;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    testEnv = makeTestEnv("pglite", {
      EFACTURE_DEMO: "1",
      PORT: String(port),
      PUBLIC_BASE_URL: `http://localhost:${port}`,
    });
    server = await startServer(
      loadConfig(testEnv.env),
      { web: true, worker: true },
      { io: silentIo, pollingIntervalSeconds: 0.5 },
    );
    browser = await launchBrowser();
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await testEnv?.cleanup();
  });

  it("shows the demo issuer's home page with its name and the first-connection guide", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
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
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.goto(`http://demo.localhost:${port}/`);
    await phone.screenshot({ path: path.join(SCREENSHOTS, "demo-home-phone.png"), fullPage: true });
  });

  it("shows the activation mails in the development outbox", async () => {
    const page = await browser.newPage();
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
    await page.locator("tbody tr a").first().click();
    await expect(page.locator("h1").textContent()).resolves.toContain(
      "Activation de votre compte E-FACTURE Démo Location",
    );
    await page.screenshot({ path: path.join(SCREENSHOTS, "outbox-mail.png"), fullPage: true });
  });

  it("says plainly that no portal exists at an unknown address", async () => {
    const page = await browser.newPage();
    const response = await page.goto(`http://nobody.localhost:${port}/`);
    expect(response?.status()).toBe(404);
    await expect(page.locator("h1").textContent()).resolves.toBe("Aucun portail à cette adresse");
  });
});
