import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validatePublishedInvoice } from "../../src/domain/validation/validate-invoice.js";
import type { ValidationReport } from "../../src/einvoice/validation/types.js";
import { BROWSER_TEST_TIMEOUT, chromiumPath } from "../support/browser.js";
import { axeViolations, type E2eServer, startE2eServer } from "../support/e2e-server.js";
import { facturx, makeCustomer, makeTenant, publishFacturX } from "../support/factories.js";
import { loggedInStaff } from "../support/staff.js";

// Issue #15 item 4: the compliance pages of the back office, at 1280 and 360 px, axe clean. The back office is
// French only (docs/architecture.md, Languages): the findings' French explanations are the ones shown.

const FAILED: ValidationReport = {
  profile: "EN16931",
  rulesVersion: "FNFE-MPE 1.4.0",
  status: "failed",
  findings: [
    {
      rule: "BR-FR-11",
      flag: "fatal",
      message:
        "[BR-FR-11] Si le cadre de facturation est B2B, l'identifiant légal de l'acheteur (BT-47) doit être renseigné avec un SIREN.",
      location:
        "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty",
      explanation: {
        fr: "Une facture B2B doit indiquer le SIREN de l’acheteur : sans lui, la plateforme agréée la rejette.",
        en: "A B2B invoice must give the buyer’s SIREN.",
      },
    },
    {
      rule: "BR-FR-CO-15",
      flag: "warning",
      message: "[BR-FR-CO-15] Une note de sujet AAB devrait être présente.",
      location: "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument",
      explanation: null,
    },
  ],
};

describe.skipIf(!chromiumPath)(
  "the compliance pages of the back office in Chromium",
  { timeout: BROWSER_TEST_TIMEOUT },
  () => {
    let e2e: E2eServer;
    let cookies: { name: string; value: string; url: string }[];
    let invoiceId: string;
    let customerId: string;
    const host = () => `acme.localhost:${e2e.port}`;

    beforeAll(async () => {
      e2e = await startE2eServer({ shots: "staff-compliance" });
      const { services } = e2e;
      const tenant = await makeTenant(services.db);
      customerId = (
        await makeCustomer(services, tenant, "CL-4242", { name: "Garage Dupont SARL", email: null })
      ).customer.id;
      const published = await publishFacturX(services, tenant, facturx("F-2026-0042", "CL-4242"));
      invoiceId = published.id;
      await services.db.query("update invoices set processing_rule = 'B2B' where id = $1", [invoiceId]);
      await validatePublishedInvoice(
        { ...services, validator: { validate: async () => FAILED, close: async () => {} } },
        { tenantId: tenant.id, invoiceId },
      );
      const { client } = await loggedInStaff(services, e2e.server.app!, {
        tenantId: tenant.id,
        host: host(),
        email: "anne@acme.test",
        role: "admin",
        name: "Anne Admin",
      });
      cookies = [...client.cookies].map(([name, value]) => ({ name, value, url: `http://${host()}` }));
    }, 120_000);
    afterAll(async () => {
      await e2e?.close();
    });

    for (const [width, height] of [
      [1280, 900],
      [360, 740],
    ] as const) {
      it(`shows the invoice's findings, the customer record and the month's counts at ${width} px, axe clean`, async () => {
        const context = await e2e.newContext({ viewport: { width, height } });
        await context.addCookies(cookies);
        const page = await context.newPage();
        for (const [name, path] of [
          ["invoice", `/conseiller/factures/${invoiceId}`],
          ["customer", `/conseiller/clients/${customerId}`],
          ["month", "/conseiller/admin/conformite"],
        ] as const) {
          const response = await page.goto(`http://${host()}${path}`);
          expect(response?.status(), path).toBe(200);
          await e2e.screenshot(page, `${name}-${width}`);
          expect(await axeViolations(page), `${name} at ${width}`).toEqual([]);
          // Nothing overflows the viewport sideways but the tables' own scroll areas.
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - window.innerWidth,
          );
          expect(overflow, `${name} at ${width}`).toBeLessThanOrEqual(0);
        }
        await context.close();
      });
    }
  },
);
