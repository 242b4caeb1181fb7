/// <reference lib="dom" />
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAccountPassword } from "../../src/db/accounts.repository.js";
import type { TenantRow } from "../../src/db/tenants.repository.js";
import { hashPassword } from "../../src/domain/accounts/password-hashing.js";
import { publishInvoice } from "../../src/domain/invoices/publish-invoice.js";
import { buildFacturX } from "../../src/einvoice/index.js";
import { BROWSER_TEST_TIMEOUT, chromiumPath } from "../support/browser.js";
import { type E2eServer, logIn, startE2eServer } from "../support/e2e-server.js";
import { facturx, makeCustomer, makeTenant } from "../support/factories.js";

const PASSWORD = "la facture verte arrive au port";

// Issue 12, finding 5, in a real browser: a page on another site (127.0.0.1 on another port: another
// site than leasing.localhost) sends the logged-in customer to a download link. Chromium sends the
// SameSite=Lax session cookie on such a top-level navigation, so the file is served; nothing is recorded.
describe.skipIf(!chromiumPath)(
  "a cross-site navigation to a download in Chromium",
  { timeout: BROWSER_TEST_TIMEOUT },
  () => {
    let e2e: E2eServer;
    let tenant: TenantRow;
    let identifier: string;
    let attacker: Server;
    let attackerOrigin: string;
    const invoices: Record<string, { id: string; number: string }> = {};

    const url = (p: string) => e2e.url("leasing", p);

    beforeAll(async () => {
      e2e = await startE2eServer({ shots: "cross-site-download" });
      const { db, blobs, queue, config } = e2e.services;
      tenant = await makeTenant(db, { slug: "leasing", displayName: "Horizon Leasing" });
      await makeCustomer({ db, queue }, tenant, "FL-100", {
        name: "Transports Martin SARL",
        email: "compta@transports-martin.fr",
        contracts: [],
        actor: { type: "issuer", id: "e2e" },
      });
      const [account] = await db.query<{ id: string; identifier: string }>(
        "select id, identifier from accounts where tenant_id = $1",
        [tenant.id],
      );
      identifier = account!.identifier;
      await setAccountPassword(db, tenant.id, account!.id, await hashPassword(PASSWORD));
      for (const [key, number] of [
        ["link", "XS-LINK-1"],
        ["script", "XS-SCRIPT-2"],
        ["xml", "XS-XML-3"],
        ["proof", "XS-PROOF-4"],
      ] as const) {
        const bytes = await buildFacturX(facturx(number, "FL-100"));
        const published = await publishInvoice(
          { db, blobs, queue, maxPdfBytes: config.maxPdfBytes },
          { tenant, bytes, actor: { type: "issuer", id: "e2e" } },
        );
        invoices[key] = { id: published.invoice.id, number };
      }
      // The other site: one page with a link to each download, and one that navigates by script.
      attacker = createServer((request, response) => {
        const target = new URL(request.url ?? "/", "http://x").searchParams.get("to") ?? "";
        response.setHeader("content-type", "text/html; charset=utf-8");
        if (request.url?.startsWith("/script"))
          response.end(
            `<!doctype html><title>x</title><script>location = ${JSON.stringify(target)};</script>`,
          );
        else response.end(`<!doctype html><title>x</title><a id="go" href="${target}">Cliquez ici</a>`);
      });
      await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
      attackerOrigin = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
    }, 120_000);
    afterAll(async () => {
      await new Promise((resolve) => attacker?.close(resolve));
      await e2e?.close();
    });

    async function firstDownloaded(id: string) {
      const [row] = await e2e.services.db.query<{ at: Date | null; events: number }>(
        `select first_downloaded_at as at,
              (select count(*)::int from invoice_events e where e.invoice_id = i.id and e.code = 204) as events
         from invoices i where i.id = $1`,
        [id],
      );
      return { at: row!.at, events: row!.events };
    }

    /** Invoice numbers the "nouvelles" filter of the list shows. */
    async function newOnes(page: Page): Promise<string> {
      await page.goto(url("/factures?nouvelles=1"));
      return (await page.locator("main").textContent()) ?? "";
    }

    async function loggedIn(): Promise<{ context: BrowserContext; page: Page }> {
      const context = await e2e.newContext({ acceptDownloads: true });
      const page = await context.newPage();
      await logIn(page, url("/"), identifier, PASSWORD);
      return { context, page };
    }

    it("serves the file to a link click and to a script navigation from another site, and records nothing", async () => {
      const { context, page } = await loggedIn();
      const attack = (kind: "link" | "script", target: string) =>
        `${attackerOrigin}/${kind}?to=${encodeURIComponent(target)}`;

      // A link on the other site, clicked.
      await page.goto(attack("link", url(`/factures/${invoices.link!.id}/pdf`)));
      const [byLink] = await Promise.all([page.waitForEvent("download"), page.click("#go")]);
      expect((await byLink.failure()) ?? "ok").toBe("ok");

      // A script on the other site (`location = …`), for the PDF, the XML and the proof bundle.
      for (const [key, path] of [
        ["script", "pdf"],
        ["xml", "xml"],
        ["proof", "preuve"],
      ] as const) {
        const [download] = await Promise.all([
          page.waitForEvent("download"),
          // The navigation ends in a download, not a page: do not wait for a load that never comes.
          page
            .goto(attack("script", url(`/factures/${invoices[key]!.id}/${path}`)), { waitUntil: "commit" })
            .catch(() => undefined),
        ]);
        expect((await download.failure()) ?? "ok", path).toBe("ok");
      }

      for (const key of ["link", "script", "xml", "proof"])
        expect(await firstDownloaded(invoices[key]!.id), key).toEqual({ at: null, events: 0 });
      const listed = await newOnes(page);
      for (const key of ["link", "script", "xml", "proof"])
        expect(listed, key).toContain(invoices[key]!.number);
      await context.close();
    }, 120_000);

    it("records the customer's own click on the invoice page (204 Prise en charge)", async () => {
      const { context, page } = await loggedIn();
      await page.goto(url(`/factures/${invoices.link!.id}`));
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("link", { name: "Télécharger le PDF" }).click(),
      ]);
      expect((await download.failure()) ?? "ok").toBe("ok");
      const recorded = await firstDownloaded(invoices.link!.id);
      expect(recorded.at).not.toBeNull();
      expect(recorded.events).toBe(1);
      expect(await newOnes(page)).not.toContain(invoices.link!.number);
      await page.goto(url(`/factures/${invoices.link!.id}`));
      await expect(page.locator("table.det-table").last().textContent()).resolves.toContain(
        "Prise en charge",
      );
      await context.close();
    }, 120_000);
  },
);
