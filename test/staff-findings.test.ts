import { readFileSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishDeps } from "../src/app.js";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { upsertCustomer } from "../src/domain/customers/upsert-customer.js";
import { publishInvoice } from "../src/domain/invoices/publish-invoice.js";
import { buildFacturX } from "../src/einvoice/index.js";
import { buildWebApp } from "../src/http/web-app.js";
import { CORPUS, corpusPresent } from "./support/corpus.js";
import { facturx, issuer, makeTenant } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";
import { enrolStaff, staffLogin } from "./support/staff.js";
import type { WebClient } from "./support/web-client.js";

// Issue #13 item 7: the warnings stored at publication appeared nowhere in the back office.

const HOST = "acme.localhost:3000";

describe.skipIf(!corpusPresent).each(ENGINES)("findings in the back office on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let tenant: TenantRow;
  let admin: WebClient;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    services = await openTestServices(engine);
    app = await buildWebApp(services);
    tenant = await makeTenant(services.db);
    for (const [number, contracts] of [
      ["MJB-1", ["MSPE2017"]],
      ["C-1", []],
    ] as const) {
      const { customer } = await upsertCustomer(services.db, {
        queue: services.queue,
        tenantId: tenant.id,
        customerNumber: number,
        name: `Client ${number}`,
        email: null,
        contracts: [...contracts],
        actor: issuer,
      });
      ids[number] = customer.id;
    }
    // Profile BASIC WL: published with the warning profile_not_accepted_for_issuing.
    const basicWl = readFileSync(path.join(CORPUS, "facturx-valid", "Facture_FR_BASICWL.pdf"));
    await publishInvoice(publishDeps(services), { tenant, bytes: basicWl, actor: issuer });
    // EN 16931 with totals that add up: nothing noted.
    const clean = Buffer.from(await buildFacturX(facturx("CL-1", "C-1")));
    await publishInvoice(publishDeps(services), { tenant, bytes: clean, actor: issuer });
    const a = await enrolStaff(services, app, {
      tenantId: tenant.id,
      host: HOST,
      email: "anne@acme.test",
      role: "admin",
      name: "Anne Admin",
    });
    admin = (await staffLogin(app, HOST, "anne@acme.test", a.codes[0]!)).client;
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  it("shows each invoice's findings in the customer record, in French with the code and the field", async () => {
    const record = await admin.get(`/conseiller/clients/${ids["MJB-1"]}`);
    expect(record.statusCode).toBe(200);
    expect(record.body).toContain('<details class="staff-findings">');
    expect(record.body).toContain(">1 avertissement</summary>");
    expect(record.body).toContain(
      "Profil MINIMUM ou BASIC WL : pas une facture complète au sens de la réforme",
    );
    expect(record.body).toContain("profile_not_accepted_for_issuing · profile");

    const clean = await admin.get(`/conseiller/clients/${ids["C-1"]}`);
    expect(clean.statusCode).toBe(200);
    expect(clean.body).toContain("CL-1");
    expect(clean.body).not.toContain("staff-findings");
  });

  it("counts the invoices published with warnings this month on the admin's dashboard", async () => {
    const home = await admin.get("/conseiller/admin");
    expect(home.statusCode).toBe(200);
    expect(home.body).toMatch(/<strong>1<\/strong><span>publiées avec des avertissements ce mois-ci<\/span>/);
    expect(home.body).toMatch(/<strong>2<\/strong><span>factures publiées ce mois-ci<\/span>/);
  });
});
