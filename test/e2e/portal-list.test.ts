/// <reference lib="dom" />
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAccountPassword } from "../../src/db/accounts.repository.js";
import type { TenantRow } from "../../src/db/tenants.repository.js";
import { hashPassword } from "../../src/domain/accounts/password-hashing.js";
import { publishInvoice } from "../../src/domain/invoices/publish-invoice.js";
import { buildFacturX, type FacturXInput } from "../../src/einvoice/index.js";
import { BROWSER_TEST_TIMEOUT, chromiumPath } from "../support/browser.js";
import { ROOT } from "../support/cli.js";
import { axeViolations, type E2eServer, startE2eServer } from "../support/e2e-server.js";
import { makeCustomer, makeTenant } from "../support/factories.js";

const SHOTS = path.join(ROOT, "test-results", "screenshots", "portal-list");
const PASSWORD = "la flotte entière est à jour";

describe.skipIf(!chromiumPath)("the invoice list in Chromium", { timeout: BROWSER_TEST_TIMEOUT }, () => {
  let e2e: E2eServer;
  let port: number;
  let tenant: TenantRow;
  const identifiers: { fleet: string; empty: string } = { fleet: "", empty: "" };

  const url = (p: string) => `http://flotte.localhost:${port}${p}`;

  /** Every axe rule (WCAG 2.1 A/AA and best practices): nothing may be reported. */
  const axe = (page: Page) => axeViolations(page);

  beforeAll(async () => {
    e2e = await startE2eServer({ shots: "portal-list", env: {}, worker: false });
    port = e2e.port;
    const { db, blobs, queue, config } = e2e.services;
    tenant = await makeTenant(db, {
      slug: "flotte",
      displayName: "Horizon Leasing",
      primaryColor: "#0b5d6b",
    });
    const actor = { type: "issuer" as const, id: "e2e" };
    for (const number of ["FL-100", "FL-200", "FL-300"])
      await makeCustomer({ db, queue }, tenant, number, {
        name: "Transports Martin SARL",
        email: "compta@transports-martin.fr",
        actor,
      });
    await makeCustomer({ db, queue }, tenant, "NEW-1", {
      name: "Nouveau client",
      email: "nouveau@example.com",
      actor,
    });
    const accounts = await db.query<{ id: string; identifier: string; email: string }>(
      "select id, identifier, email from accounts where tenant_id = $1",
      [tenant.id],
    );
    for (const account of accounts) {
      await setAccountPassword(db, tenant.id, account.id, await hashPassword(PASSWORD));
      if (account.email === "nouveau@example.com") identifiers.empty = account.identifier;
      else identifiers.fleet = account.identifier;
    }

    const seller = {
      name: "Horizon Leasing SAS",
      siren: "443061841",
      vatId: "FR44443061841",
      address: { line1: "12 avenue de la Grande Armée", postcode: "75017", city: "Paris", countryCode: "FR" },
    };
    const invoice = (
      n: number,
      customer: string,
      issueDate: string,
      unitPrice: string,
      typeCode: "380" | "381" = "380",
    ): FacturXInput => ({
      invoiceNumber: `${typeCode === "381" ? "AV" : "FL"}-${issueDate.slice(0, 4)}-${String(n).padStart(6, "0")}`,
      typeCode,
      issueDate,
      dueDate: typeCode === "380" ? issueDate.replace(/-\d\d$/, "-28") : undefined,
      currency: "EUR",
      contractNumber: `LLD-${customer}`,
      seller,
      buyer: {
        name: "Transports Martin SARL",
        id: customer,
        address: { line1: "4 quai Perrache", postcode: "69002", city: "Lyon", countryCode: "FR" },
      },
      lines: [
        {
          description: typeCode === "381" ? "Avoir kilométrage" : "Loyer longue durée",
          quantity: "1",
          unitPrice,
          vatRatePercent: "20",
        },
      ],
    });
    const publish = async (input: FacturXInput) =>
      (
        await publishInvoice(
          { db, blobs, queue, maxPdfBytes: config.maxPdfBytes },
          { tenant, bytes: await buildFacturX(input), actor },
        )
      ).invoice.id;
    // Two years of monthly rents on three contracts, a few credit notes: 75 invoices, two pages.
    const ids: string[] = [];
    let n = 4000;
    for (let month = 0; month < 24; month++) {
      const date = new Date(Date.UTC(2024, 11 + month, 5)).toISOString().slice(0, 10);
      for (const [customer, price] of [
        ["FL-100", "689.00"],
        ["FL-200", "1249.90"],
        ["FL-300", "412.35"],
      ] as const)
        ids.push(await publish(invoice(++n, customer, date, price)));
    }
    for (const [customer, date] of [
      ["FL-100", "2026-10-18"],
      ["FL-200", "2026-03-09"],
      ["FL-300", "2025-07-22"],
    ] as const)
      await publish(invoice(++n, customer, date, "120.00", "381"));
    // Lifecycle: the oldest were saved or removed; two never-saved ones are about to leave.
    await db.query(
      "update invoices set first_downloaded_at = issue_date + interval '3 days 9 hours' where id = any($1::uuid[])",
      [ids.slice(6, 60)],
    );
    await db.query(
      "update invoices set removed_at = now() - interval '2 days', available_until = now() - interval '2 days' where id = $1",
      [ids[0]],
    );
    await db.query(
      "update invoices set available_until = now() + interval '12 days' where id = any($1::uuid[])",
      [ids.slice(1, 3)],
    );
    await db.query(
      "update invoices set available_until = now() + interval '40 days' where id = any($1::uuid[])",
      [ids.slice(3, 6)],
    );
    mkdirSync(SHOTS, { recursive: true });
  }, 180_000);
  afterAll(async () => {
    await e2e?.close();
  });

  async function logIn(context: BrowserContext, identifier: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(url("/"));
    await page.getByLabel("Identifiant").fill(identifier);
    await page.getByLabel("Mot de passe", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Se connecter" }).click();
    await page.waitForURL(/\/factures$/);
    return page;
  }

  it("logs in to the list, filters, pages and comes back, exports; axe finds nothing", async () => {
    const context = await e2e.newContext({
      viewport: { width: 1280, height: 1000 },
      acceptDownloads: true,
      locale: "fr-FR",
    });
    const page = await logIn(context, identifiers.fleet);
    await expect(page.locator("h1").textContent()).resolves.toBe("Mes factures");
    await expect(page.locator(".inv-leaving").textContent()).resolves.toContain(
      "5 factures non téléchargées quitteront le portail d’ici le",
    );
    expect(await page.getByRole("table").locator("tbody tr").count()).toBe(50);
    await expect(page.locator("#inv-results-title").textContent()).resolves.toBe("75 factures");
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, "list-desktop.png") });
    await page.screenshot({ path: path.join(SHOTS, "list-desktop-full.png"), fullPage: true });

    // Pages: « suivantes », then the browser's back button.
    await page.getByRole("link", { name: "Factures suivantes" }).click();
    await page.waitForURL(/apres=/);
    expect(await page.locator("tbody tr").count()).toBe(25);
    await page.goBack();
    await page.waitForURL(/\/factures$/);
    expect(await page.locator("tbody tr").count()).toBe(50);

    // Filter: credit notes of one customer number, from the « Plus de critères » panel.
    await page.getByText("Plus de critères").click();
    await page.getByLabel("Type").selectOption("avoir");
    await page.getByLabel("N° client").selectOption("FL-200");
    await page.getByRole("button", { name: "Filtrer" }).click();
    await page.waitForURL(/type=avoir/);
    expect(new URL(page.url()).search).toBe("?client=FL-200&type=avoir");
    await expect(page.locator("tbody th").allTextContents()).resolves.toEqual(["AV-2026-004074"]);
    await expect(page.locator("#inv-results-title").textContent()).resolves.toBe(
      "1 facture correspond à vos critères",
    );
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, "list-filtered.png") });

    // The same filters in the CSV export.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Exporter (CSV pour Excel)" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^factures_flotte_\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync(await download.path());
    expect(csv.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(csv.toString("utf8").split("\r\n")[1]).toMatch(
      /^AV-2026-004074;Avoir;381;2026-03-09;;LLD-FL-200;FL-200;-120,00;-24,00;-144,00;/,
    );

    // A search that finds nothing says what to do.
    await page.getByLabel("Rechercher un n° de facture ou de contrat").fill("introuvable");
    await page.getByRole("button", { name: "Filtrer" }).click();
    await page.waitForURL(/q=introuvable/);
    await expect(page.locator(".inv-empty h3").textContent()).resolves.toBe(
      "Aucune facture ne correspond à ces critères",
    );
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, "list-no-result.png") });
    await page.getByRole("link", { name: "Réinitialiser les filtres" }).first().click();
    await page.waitForURL(/\/factures$/);

    // Keyboard: the first focusable control of the table shows a visible focus ring.
    await page.locator("tbody input[type=checkbox]").first().focus();
    const outline = await page
      .locator("tbody input[type=checkbox]")
      .first()
      .evaluate((el) => getComputedStyle(el).outlineStyle);
    expect(outline).toBe("solid");
    await context.close();
  }, 120_000);

  it("tells a customer without invoices what will happen; axe finds nothing", async () => {
    const context = await e2e.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await logIn(context, identifiers.empty);
    await expect(page.locator(".inv-empty h2").textContent()).resolves.toBe("Aucune facture pour l’instant");
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, "list-empty.png") });
    await context.close();
  }, 60_000);

  it("fits a 390 px phone without horizontal scrolling; axe finds nothing", async () => {
    const context = await e2e.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const page = await logIn(context, identifiers.fleet);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, "list-phone.png") });
    await page.locator(".inv-results").scrollIntoViewIfNeeded();
    await page.evaluate(() => document.querySelector(".inv-results")?.scrollIntoView());
    await page.screenshot({ path: path.join(SHOTS, "list-phone-rows.png") });
    // 360 px: nothing of the list is wider than the screen (the visually hidden table header aside).
    await page.setViewportSize({ width: 360, height: 740 });
    const overflowing = await page.evaluate(() =>
      Array.from(document.querySelectorAll("main *"))
        .filter((e) => !e.closest("thead") && e.getBoundingClientRect().right > 360)
        .map((e) => `${e.tagName}.${e.className}`),
    );
    expect(overflowing).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await page.screenshot({ path: path.join(SHOTS, "list-phone-360.png") });
    await context.close();
  }, 60_000);
  it("keeps « Télécharger la sélection » disabled until an invoice is ticked; a row's icon downloads its PDF", async () => {
    const context = await e2e.newContext({
      viewport: { width: 1280, height: 1000 },
      acceptDownloads: true,
      locale: "fr-FR",
    });
    const page = await logIn(context, identifiers.fleet);
    const button = page.getByRole("button", { name: "Télécharger la sélection (ZIP)" });
    await expect(button.isDisabled()).resolves.toBe(true);
    await expect(page.locator("#inv-selection-hint").isVisible()).resolves.toBe(true);
    const boxes = page.locator('input[type="checkbox"][name="id"]');
    await boxes.nth(0).check();
    await expect(button.isDisabled()).resolves.toBe(false);
    await expect(page.locator("#inv-selection-hint").isVisible()).resolves.toBe(false);
    await boxes.nth(0).uncheck();
    await expect(button.isDisabled()).resolves.toBe(true);

    // The first row (newest, never downloaded): its icon is a plain link to the PDF, and counts as the download.
    const row = page.locator("table.inv-table tbody tr").first();
    const number = (await row.locator("th").textContent())?.trim();
    const icon = row.getByRole("link", { name: `Télécharger le PDF de la facture ${number}` });
    await expect(row.locator(".inv-badge-new").count()).resolves.toBe(1);
    const [download] = await Promise.all([page.waitForEvent("download"), icon.click()]);
    expect(download.suggestedFilename()).toContain(number);
    expect(
      readFileSync(await download.path())
        .subarray(0, 5)
        .toString("latin1"),
    ).toBe("%PDF-");
    await page.reload();
    await expect(page.locator("table.inv-table tbody tr").first().locator(".inv-done").count()).resolves.toBe(
      1,
    );
    expect(await axe(page)).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, "list-row-icons.png") });
    await boxes.nth(1).check();
    await page.locator(".inv-toolbar").screenshot({ path: path.join(SHOTS, "list-selection-enabled.png") });
    await context.close();
  }, 60_000);
});
