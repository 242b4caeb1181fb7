/// <reference lib="dom" />
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAccountPassword } from "../../src/db/accounts.repository.js";
import type { TenantRow } from "../../src/db/tenants.repository.js";
import { hashPassword } from "../../src/domain/accounts/password-hashing.js";
import { publishInvoice } from "../../src/domain/invoices/publish-invoice.js";
import { buildFacturX } from "../../src/einvoice/index.js";
import { plainPdf } from "../retention-fixtures.js";
import { BROWSER_TEST_TIMEOUT, chromiumPath } from "../support/browser.js";
import { ROOT } from "../support/cli.js";
import { axeViolations, type E2eServer, startE2eServer } from "../support/e2e-server.js";
import { makeCustomer, makeTenant } from "../support/factories.js";

const SCREENSHOTS = path.join(ROOT, "test-results", "screenshots");
const PASSWORD = "la facture verte arrive au port";

describe.skipIf(!chromiumPath)(
  "invoice detail and download in Chromium",
  { timeout: BROWSER_TEST_TIMEOUT },
  () => {
    let e2e: E2eServer;
    let port: number;
    let tenant: TenantRow;
    let identifier: string;
    const invoiceIds: { current: string; credit: string; removed: string; plain: string } = {
      current: "",
      credit: "",
      removed: "",
      plain: "",
    };

    const url = (p: string) => `http://leasing.localhost:${port}${p}`;

    /** The WCAG 2.x A/AA rules of axe: nothing may be reported. */
    const axe = (page: Page) => axeViolations(page, { wcag: true });

    beforeAll(async () => {
      e2e = await startE2eServer({ shots: "portal-detail", env: {}, worker: false });
      port = e2e.port;
      const { db, blobs, queue, config } = e2e.services;
      tenant = await makeTenant(db, {
        slug: "leasing",
        displayName: "Horizon Leasing",
        primaryColor: "#0b5d6b",
      });
      const actor = { type: "issuer" as const, id: "e2e" };
      for (const number of ["FL-100", "FL-200"])
        await makeCustomer({ db, queue }, tenant, number, {
          name: "Transports Martin SARL",
          email: "compta@transports-martin.fr",
          contracts: [`LLD-${number}`],
          actor,
        });
      const [account] = await db.query<{ id: string; identifier: string }>(
        "select id, identifier from accounts where tenant_id = $1",
        [tenant.id],
      );
      identifier = account!.identifier;
      await setAccountPassword(db, tenant.id, account!.id, await hashPassword(PASSWORD));
      const party = {
        seller: {
          name: "Horizon Leasing SAS",
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
          name: "Transports Martin SARL",
          id: "FL-100",
          siren: "552120222",
          vatId: "FR12552120222",
          address: { line1: "4 quai Perrache", postcode: "69002", city: "Lyon", countryCode: "FR" },
        },
      };
      const publish = async (bytes: Uint8Array) =>
        (
          await publishInvoice(
            { db, blobs, queue, maxPdfBytes: config.maxPdfBytes },
            { tenant, bytes, actor },
          )
        ).invoice.id;
      invoiceIds.current = await publish(
        await buildFacturX({
          invoiceNumber: "FL-2026-004217",
          typeCode: "380",
          issueDate: "2026-11-05",
          dueDate: "2026-12-05",
          currency: "EUR",
          contractNumber: "LLD-FL-100",
          paymentReference: "RUM-FL100-2026-11",
          ...party,
          lines: [
            {
              description: "Loyer longue durée — Renault Master L2H2",
              quantity: "1",
              unitPrice: "689.00",
              vatRatePercent: "20",
            },
            { description: "Prestation entretien", quantity: "1", unitPrice: "74.50", vatRatePercent: "20" },
            { description: "Assurance (exonérée)", quantity: "1", unitPrice: "41.20", vatRatePercent: "0" },
          ],
        }),
      );
      invoiceIds.credit = await publish(
        await buildFacturX({
          invoiceNumber: "AV-2026-000311",
          typeCode: "381",
          issueDate: "2026-10-18",
          currency: "EUR",
          contractNumber: "LLD-FL-100",
          ...party,
          lines: [
            {
              description: "Remboursement kilométrage",
              quantity: "1",
              unitPrice: "120.00",
              vatRatePercent: "20",
            },
          ],
        }),
      );
      invoiceIds.removed = await publish(
        await buildFacturX({
          invoiceNumber: "FL-2024-001002",
          typeCode: "380",
          issueDate: "2024-09-05",
          currency: "EUR",
          ...party,
          lines: [{ description: "Loyer", quantity: "1", unitPrice: "689.00", vatRatePercent: "20" }],
        }),
      );
      await db.query("update invoices set removed_at = '2026-09-06T02:00:00Z' where id = $1", [
        invoiceIds.removed,
      ]);
      // A plain PDF (no Factur-X): its facts come from the issuer's metadata only.
      invoiceIds.plain = (
        await publishInvoice(
          { db, blobs, queue, maxPdfBytes: config.maxPdfBytes },
          {
            tenant,
            bytes: await plainPdf("Facture RE-2026-0042 - Horizon Leasing"),
            metadata: {
              customerNumber: "FL-200",
              invoiceNumber: "RE-2026-0042",
              issueDate: "2026-11-12",
              grandTotal: "318.40",
              currency: "EUR",
            },
            actor,
          },
        )
      ).invoice.id;
      mkdirSync(SCREENSHOTS, { recursive: true });
    }, 120_000);
    afterAll(async () => {
      await e2e?.close();
    });

    async function logIn(page: Page) {
      await page.goto(url("/"));
      await page.getByLabel("Identifiant").fill(identifier);
      await page.getByLabel("Mot de passe", { exact: true }).fill(PASSWORD);
      await page.getByRole("button", { name: "Se connecter" }).click();
      await page.waitForURL(/\/factures/);
    }

    it("logs in, opens a detail, downloads the PDF whose SHA-256 is the one shown; axe finds nothing", async () => {
      const context = await e2e.newContext({
        viewport: { width: 1280, height: 900 },
        acceptDownloads: true,
      });
      const page = await context.newPage();
      await logIn(page);
      const response = await page.goto(url(`/factures/${invoiceIds.current}`));
      expect(response?.status()).toBe(200);
      await expect(page.locator("h1").textContent()).resolves.toBe("Facture FL-2026-004217");
      expect(await page.locator("dl.facts dt").count()).toBeGreaterThan(10);
      expect(await page.getByRole("table", { name: "Détail de la TVA" }).count()).toBe(1);
      expect(await page.getByRole("table", { name: "Statuts successifs de la facture" }).count()).toBe(1);
      expect(await axe(page)).toEqual([]);
      await page.screenshot({ path: path.join(SCREENSHOTS, "invoice-detail.png"), fullPage: true });

      const shown = (await page.locator(".det-hash code").textContent())?.trim();
      expect(shown).toMatch(/^[0-9a-f]{64}$/);
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("link", { name: "Télécharger le PDF" }).click(),
      ]);
      expect(download.suggestedFilename()).toBe("Horizon-Leasing-SAS_FL-2026-004217_2026-11-05.pdf");
      const file = await download.path();
      expect(createHash("sha256").update(readFileSync(file)).digest("hex")).toBe(shown);

      const [xml] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("link", { name: "Télécharger les données (XML)" }).click(),
      ]);
      expect(xml.suggestedFilename()).toBe("Horizon-Leasing-SAS_FL-2026-004217_2026-11-05.xml");
      expect(readFileSync(await xml.path()).toString("utf8")).toContain("FL-2026-004217");

      // The first download is in the history now.
      await page.reload();
      await expect(page.locator("table.det-table").last().textContent()).resolves.toContain(
        "Prise en charge",
      );
      await expect(page.locator(".det-badge").textContent()).resolves.toContain("Téléchargée le");
      await context.close();
    }, 120_000);

    it("reads well on a phone (390 and 360 px), a credit note and a removed invoice included; axe finds nothing", async () => {
      const context = await e2e.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
      });
      const page = await context.newPage();
      await logIn(page);
      await page.goto(url(`/factures/${invoiceIds.current}`));
      expect(await axe(page)).toEqual([]);
      await page.screenshot({ path: path.join(SCREENSHOTS, "invoice-detail-phone.png"), fullPage: true });
      for (const width of [390, 360]) {
        await page.setViewportSize({ width, height: 800 });
        const wider = await page.evaluate(() => {
          const limit = document.documentElement.clientWidth;
          // The page's own content (main); the shared header is the layout's.
          return Array.from(document.querySelectorAll("main *"))
            .filter((el) => el.getBoundingClientRect().right > limit + 0.5)
            .map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
        });
        expect(wider, `wider than ${width}px`).toEqual([]);
      }

      await page.goto(url(`/factures/${invoiceIds.credit}`));
      await expect(page.locator("h1").textContent()).resolves.toBe("Avoir AV-2026-000311");
      expect(await axe(page)).toEqual([]);

      await page.goto(url(`/factures/${invoiceIds.removed}`));
      await expect(page.locator(".det-removed").textContent()).resolves.toContain(
        "Cette facture a été retirée du portail le 6 septembre 2026",
      );
      expect(await page.getByRole("link", { name: "Télécharger le PDF" }).count()).toBe(0);
      expect(await axe(page)).toEqual([]);
      await page.screenshot({
        path: path.join(SCREENSHOTS, "invoice-detail-removed-phone.png"),
        fullPage: true,
      });

      const gone = await page.goto(url(`/factures/${invoiceIds.removed}/pdf`));
      expect(gone?.status()).toBe(410);
      expect(await axe(page)).toEqual([]);
      await context.close();
    }, 120_000);
    it("shows the PDF in Chromium's own viewer inside the page, records nothing; fr and en, Factur-X and plain PDF, 1280 and 360 px; axe finds nothing", async () => {
      const context = await e2e.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await logIn(page);
      const viewer = () =>
        page
          .frames()
          .some((frame) => frame.url().startsWith("chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"));
      const shoot = async (name: string) => {
        for (const width of [1280, 360]) {
          await page.setViewportSize({ width, height: width === 1280 ? 900 : 740 });
          expect(await axe(page), `${name} at ${width}px`).toEqual([]);
          await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
        }
        await page.setViewportSize({ width: 1280, height: 900 });
      };
      for (const lang of ["fr", "en"] as const) {
        if (lang === "en") {
          await page.getByRole("button", { name: "Show the portal in English" }).click();
          await page.waitForLoadState();
        }
        for (const [kind, id] of [
          ["facturx", invoiceIds.current],
          ["plain", invoiceIds.plain],
        ] as const) {
          const response = await page.goto(url(`/factures/${id}`));
          expect(response?.status()).toBe(200);
          // The frame holds Chromium's PDF viewer: neither the page's CSP nor the preview's own headers block it.
          await expect.poll(viewer, { timeout: 15_000 }).toBe(true);
          expect(page.frames().some((frame) => frame.url().startsWith("chrome-error:"))).toBe(false);
          await page.waitForTimeout(1500); // let the viewer paint its first page for the screenshot
          await shoot(`invoice-detail-${kind}-${lang}`);
        }
      }
      // Plain PDF: no empty party card; the verification stays folded until asked for.
      await page.goto(url(`/factures/${invoiceIds.plain}`));
      expect(await page.locator("#det-seller, #det-buyer").count()).toBe(0);
      await expect(page.locator(".det-hash code").isVisible()).resolves.toBe(false);
      await page.getByText("Check authenticity").click();
      await expect(page.locator(".det-hash code").isVisible()).resolves.toBe(true);
      await page.screenshot({
        path: path.join(SCREENSHOTS, "invoice-detail-verify-open-en.png"),
        fullPage: true,
      });
      // The preview took nothing: the invoice is still new.
      await expect(page.locator(".det-badge").textContent()).resolves.toBe("New");
      await context.close();
    }, 180_000);

    it("loads no preview on a phone, where the link opens it instead", async () => {
      const context = await e2e.newContext({
        viewport: { width: 360, height: 740 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
      });
      const page = await context.newPage();
      await logIn(page);
      const previews: string[] = [];
      page.on("request", (request) => {
        if (request.url().endsWith("/apercu")) previews.push(request.url());
      });
      await page.goto(url(`/factures/${invoiceIds.plain}`));
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await page.waitForLoadState("networkidle");
      expect(previews).toEqual([]);
      expect(page.frames().some((frame) => frame.url().includes("/apercu"))).toBe(false);
      // The account chose English in the test above: the link is found by its class.
      await expect(page.locator("a.det-preview-open").isVisible()).resolves.toBe(true);
      expect(await page.locator("a.det-preview-open").getAttribute("href")).toBe(
        `/factures/${invoiceIds.plain}/apercu`,
      );
      await context.close();
    }, 60_000);
  },
);
