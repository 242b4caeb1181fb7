import { mkdirSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWebApp } from "../src/http/web-app.js";
import { chromiumPath, launchBrowser } from "./support/browser.js";
import { ROOT } from "./support/cli.js";
import { makeTenant } from "./support/factories.js";
import { freePort } from "./support/free-port.js";
import { openTestServices } from "./support/services.js";

const SCREENSHOTS = path.join(ROOT, "test-results", "screenshots");

describe.skipIf(!chromiumPath)("issuer API documentation in Chromium", () => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let browser: Browser;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    services = await openTestServices("pglite", {
      overrides: { PUBLIC_BASE_URL: `http://localhost:${port}` },
    });
    await makeTenant(services.db);
    app = await buildWebApp(services);
    await app.listen({ port, host: "127.0.0.1" });
    browser = await launchBrowser();
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await services?.dispose();
  });

  it("renders every operation under the portal's strict CSP, without console errors", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    const response = await page.goto(`http://acme.localhost:${port}/api/docs`);
    expect(response?.status()).toBe(200);
    await page.locator(".opblock").first().waitFor({ timeout: 20_000 });
    const operations = await page.locator(".opblock-summary-path").allTextContents();
    expect(operations.map((o) => o.replace(/\u200b/g, "")).sort()).toEqual([
      "/api/v1/contracts/{contractNumber}/detach",
      "/api/v1/customers/{customerNumber}",
      "/api/v1/customers/{customerNumber}",
      "/api/v1/invoices",
      "/api/v1/invoices",
      "/api/v1/invoices/{id}",
      "/api/v1/invoices/{id}/payments",
      "/api/v1/invoices/{id}/payments",
      "/api/v1/invoices/{id}/withdraw",
      "/api/v1/validations",
    ]);
    expect(await page.locator(".servers select, .servers").first().textContent()).toContain(
      `http://acme.localhost:${port}`,
    );
    await page.locator(".opblock-post .opblock-summary").first().click();
    await page.locator(".opblock-post .opblock-body").waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, "api-docs.png"), fullPage: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, "api-docs-top.png") });
    expect(problems).toEqual([]);
  });
});
