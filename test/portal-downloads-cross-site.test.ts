import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { buildWebApp } from "../src/http/web-app.js";
import { publishFor } from "./support/audit-fixtures.js";
import { logIn, makeTenant } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";

const HOST = "croise.localhost:3000";
const ORIGIN = `http://${HOST}`;

// Issue 12, finding 5: a page elsewhere that sends a logged-in customer to a download link must not mark
// the invoice taken (status 204), which drops it from "nouvelles" and silences the retention reminders.
describe.each(ENGINES)("first download recorded only from the portal's own pages on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let tenant: TenantRow;
  let seq = 0;

  beforeAll(async () => {
    services = await openTestServices(engine);
    tenant = await makeTenant(services.db, { slug: "croise", displayName: "Croisé Location" });
    app = await buildWebApp(services);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  async function newInvoice() {
    seq++;
    const invoice = await publishFor(services, tenant, `XS-${seq}`, `XC-${seq}`);
    const [row] = await services.db.query<{ id: string }>(
      "select a.id from accounts a join customers c on c.account_id = a.id where c.tenant_id = $1 and c.customer_number = $2",
      [tenant.id, `XC-${seq}`],
    );
    const cookie = await logIn(services.db, tenant, row!.id);
    return { id: invoice.id, cookie };
  }

  async function taken(invoiceId: string) {
    const [row] = await services.db.query<{ first: Date | null; events: number }>(
      `select first_downloaded_at as first,
              (select count(*)::int from invoice_events e where e.invoice_id = i.id and e.code = 204) as events
         from invoices i where i.id = $1`,
      [invoiceId],
    );
    return row!.first !== null || row!.events > 0;
  }

  const get = (url: string, cookie: string, headers: Record<string, string>) =>
    app.inject({
      method: "GET",
      url,
      headers: { host: HOST, cookie: `efacture-session=${cookie}`, ...headers },
    });

  const notFromHere: [string, Record<string, string>][] = [
    ["a cross-site navigation", { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" }],
    ["a sibling tenant's page (same site, other origin)", { "sec-fetch-site": "same-site" }],
    ["a link opened from outside any page (mail, bookmark)", { "sec-fetch-site": "none" }],
    ["no fetch metadata and another site's Referer", { referer: "https://evil.example/page" }],
    ["no fetch metadata and no Referer (curl, an old browser)", {}],
    ["no fetch metadata and a sibling tenant's Referer", { referer: "http://autre.localhost:3000/factures" }],
  ];

  for (const via of ["pdf", "xml", "preuve"])
    describe(`/factures/{id}/${via}`, () => {
      it.each(notFromHere)("serves the file on %s but records nothing", async (_name, headers) => {
        const { id, cookie } = await newInvoice();
        const res = await get(`/factures/${id}/${via}`, cookie, headers);
        expect(res.statusCode).toBe(200);
        expect(res.rawPayload.byteLength).toBeGreaterThan(100);
        expect(await taken(id)).toBe(false);
      });

      it("records the first download for a same-origin request, or a Referer from the portal itself", async () => {
        const first = await newInvoice();
        const res = await get(`/factures/${first.id}/${via}`, first.cookie, {
          "sec-fetch-site": "same-origin",
          "sec-fetch-mode": "navigate",
        });
        expect(res.statusCode).toBe(200);
        expect(await taken(first.id)).toBe(true);
        const second = await newInvoice();
        await get(`/factures/${second.id}/${via}`, second.cookie, {
          referer: `${ORIGIN}/factures/${second.id}`,
        });
        expect(await taken(second.id)).toBe(true);
      });
    });
});
