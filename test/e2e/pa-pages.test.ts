import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantRow } from "../../src/db/tenants.repository.js";
import { BROWSER_TEST_TIMEOUT, chromiumPath } from "../support/browser.js";
import { axeViolations, type E2eServer, startE2eServer } from "../support/e2e-server.js";
import { facturx, logIn, makeCustomer, makeTenant, publishFacturX } from "../support/factories.js";
import { loggedInStaff } from "../support/staff.js";

// Issue #16 item 5 in Chromium: the wording per route (a B2B duplicata with the PA's statuses, a B2C original
// with the fiscal sentence) in French and English, and the back office's PA pages (admin), at 1280 and 360 px,
// axe clean, nothing overflowing sideways.

const WIDTHS = [
  [1280, 900],
  [360, 740],
] as const;

describe.skipIf(!chromiumPath)(
  "the reform bridge's pages in Chromium",
  { timeout: BROWSER_TEST_TIMEOUT },
  () => {
    let e2e: E2eServer;
    let tenant: TenantRow;
    let accountId: string;
    let customerCookies: { name: string; value: string; url: string }[];
    let staffCookies: { name: string; value: string; url: string }[];
    const ids: Record<string, string> = {};
    const host = () => `acme.localhost:${e2e.port}`;

    beforeAll(async () => {
      e2e = await startE2eServer({ shots: "pa-pages" });
      const { services } = e2e;
      tenant = await makeTenant(services.db);
      await makeCustomer(services, tenant, "CL-7", {
        name: "Transports Martin SARL",
        email: "flotte@example.com",
      });
      const when = { now: new Date("2026-11-05T08:00:00Z") };
      const b2b = facturx("FE-2026-0107", "CL-7", { processingRule: "B2B" });
      b2b.buyer = { ...b2b.buyer, name: "Transports Martin SARL", siren: "812345676" };
      ids.b2b = (await publishFacturX(services, tenant, b2b, when)).id;
      ids.b2c = (
        await publishFacturX(
          services,
          tenant,
          facturx("FA-2026-0108", "CL-7", { processingRule: "B2C" }),
          when,
        )
      ).id;
      await services.db.query(
        `insert into pa_transmissions (tenant_id, invoice_id, status, flow_id, submitted_at, ack_status)
       values ($1, $2, 'acknowledged', 'flow-e2e-1', '2026-11-05T09:30:00Z', 'Ok')`,
        [tenant.id, ids.b2b],
      );
      const statuses: [number, string, string, string, string | null, string | null][] = [
        [200, "Déposée", "2026-11-05T10:00:00Z", "WK", null, null],
        [202, "Reçue par la plateforme", "2026-11-05T10:05:00Z", "WK", null, null],
        [203, "Mise à disposition", "2026-11-05T10:06:00Z", "WK", null, null],
        [204, "Prise en charge", "2026-11-06T08:00:00Z", "BY", null, null],
        [
          207,
          "En litige",
          "2026-11-08T14:00:00Z",
          "BY",
          "MONTANTTOTAL_ERR",
          "Avenant du 1er novembre non appliqué",
        ],
      ];
      for (const [code, label, at, role, reasonCode, reasonText] of statuses)
        await services.db.query(
          `insert into pa_lifecycle_statuses (tenant_id, invoice_id, code, label, at, source, role, reason_code, reason_text, flow_id)
         values ($1, $2, $3, $4, $5, 'pa', $6, $7, $8, $9)`,
          [tenant.id, ids.b2b, code, label, at, role, reasonCode, reasonText, `lc-${code}`],
        );
      await services.db.query(
        `insert into pa_inbound_messages (tenant_id, flow_id, received_via, outcome, detail, document)
       values ($1, 'lc-unmatched-1', 'poll', 'unmatched', 'no invoice X-404 of 2026-11-05 (seller 443061841)', '<rsm:CrossDomainAcknowledgementAndResponse>…</rsm:CrossDomainAcknowledgementAndResponse>')`,
        [tenant.id],
      );
      await services.db.query(
        `insert into pa_connections (tenant_id, flow_url, auth_kind, token_url, client_id, sealed_secret, poll_seconds)
       values ($1, 'https://api.flow.pa.example/flow-service', 'oauth2', 'https://auth.pa.example/token', 'acme-client', 'sealed', 300)`,
        [tenant.id],
      );
      const [account] = await services.db.query<{ id: string }>(
        "select id from accounts where email = 'flotte@example.com'",
      );
      accountId = account!.id;
      const session = await logIn(services.db, tenant, accountId);
      customerCookies = [{ name: "efacture-session", value: session, url: `http://${host()}` }];
      const { client } = await loggedInStaff(services, e2e.server.app!, {
        tenantId: tenant.id,
        host: host(),
        email: "anne@acme.test",
        role: "admin",
        name: "Anne Admin",
      });
      staffCookies = [...client.cookies].map(([name, value]) => ({ name, value, url: `http://${host()}` }));
    }, 120_000);
    afterAll(async () => {
      await e2e?.close();
    });

    for (const language of ["fr", "en"] as const)
      for (const [width, height] of WIDTHS)
        it(`words each route in ${language} at ${width} px: duplicata and PA statuses vs original and fiscal sentence, axe clean`, async () => {
          await e2e.services.db.query("update accounts set language = $2 where id = $1", [
            accountId,
            language,
          ]);
          const context = await e2e.newContext({
            viewport: { width, height },
            locale: language === "fr" ? "fr-FR" : "en-GB",
          });
          await context.addCookies(customerCookies);
          const page = await context.newPage();
          const visit = async (name: string, path: string) => {
            const response = await page.goto(`http://${host()}${path}`);
            expect(response?.status(), path).toBe(200);
            await e2e.screenshot(page, `${name}-${language}-${width}`);
            expect(await axeViolations(page), `${name} ${language} ${width}`).toEqual([]);
            const overflow = await page.evaluate(
              () => document.documentElement.scrollWidth - window.innerWidth,
            );
            expect(overflow, `${name} ${language} ${width}`).toBeLessThanOrEqual(0);
            return (await page.locator("main").innerText()).replace(/[ \t\r\n]+/g, " ");
          };
          const b2b = await visit("b2b", `/factures/${ids.b2b}`);
          const b2c = await visit("b2c", `/factures/${ids.b2c}`);
          const list = await visit("list", "/factures");
          if (language === "fr") {
            expect(b2b).toContain(
              "Duplicata\u00a0: l’original de cette facture a été transmis à la plateforme de facturation électronique de votre entreprise le 5 novembre 2026.",
            );
            expect(b2b).toContain("Suivi par les plateformes agréées");
            for (const label of [
              "Déposée",
              "Reçue par la plateforme",
              "Mise à disposition",
              "Prise en charge",
              "En litige",
            ])
              expect(b2b).toContain(label);
            expect(b2b).toContain("Montant total erroné");
            expect(b2b).not.toContain("même valeur fiscale");
            expect(b2b).toContain("Consultable sur le portail");
            expect(b2c).toContain("l’original a la même valeur fiscale que la facture papier");
            expect(b2c).not.toContain("Duplicata");
            expect(list).toContain("Duplicata");
          } else {
            expect(b2b).toContain(
              "Duplicate: the original of this invoice was sent to your company's e-invoicing platform on 5 November 2026.",
            );
            for (const label of [
              "Submitted",
              "Received by the platform",
              "Made available",
              "Taken over",
              "Disputed",
            ])
              expect(b2b).toContain(label);
            expect(b2b).toContain("Wrong total amount");
            expect(b2b).not.toContain("same value for tax purposes");
            expect(b2c).toContain("the original has the same value for tax purposes as a paper invoice");
            expect(b2c).not.toContain("Duplicate");
            expect(list).toContain("Duplicate");
          }
          // The timeline is a list a screen reader announces with its count.
          expect(
            await page
              .goto(`http://${host()}/factures/${ids.b2b}`)
              .then(() => page.locator(".det-timeline > li").count()),
          ).toBe(5);
          await context.close();
        }, 180_000);

    for (const [width, height] of WIDTHS)
      it(`shows the admin the PA pages at ${width} px, axe clean`, async () => {
        const context = await e2e.newContext({ viewport: { width, height } });
        await context.addCookies(staffCookies);
        const page = await context.newPage();
        for (const [name, path] of [
          ["staff-transmissions", "/conseiller/plateforme"],
          ["staff-disputes", "/conseiller/plateforme?statut=207"],
          ["staff-admin", "/conseiller/admin/plateforme"],
          ["staff-invoice", `/conseiller/factures/${ids.b2b}`],
        ] as const) {
          const response = await page.goto(`http://${host()}${path}`);
          expect(response?.status(), path).toBe(200);
          if (name === "staff-admin") await page.locator("details summary").first().click();
          await e2e.screenshot(page, `${name}-${width}`);
          expect(await axeViolations(page), `${name} at ${width}`).toEqual([]);
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - window.innerWidth,
          );
          expect(overflow, `${name} at ${width}`).toBeLessThanOrEqual(0);
        }
        await context.close();
      }, 180_000);
  },
);
