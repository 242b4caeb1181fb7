import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findTenantBySlug } from "../src/db/tenants.repository.js";
import { upsertCustomer } from "../src/domain/customers/upsert-customer.js";
import { publishInvoice } from "../src/domain/invoices/publish-invoice.js";
import { buildFacturX } from "../src/einvoice/index.js";
import { buildWebApp } from "../src/http/web-app.js";
import { makeTenant } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";
import { enrolStaff, staffLogin } from "./support/staff.js";
import type { WebClient } from "./support/web-client.js";

const HOST = "acmesw.localhost:3000";
const actor = { type: "issuer" as const, id: "test" };

describe.each(ENGINES)("back office: seller identities and invoice withdrawal on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let tenantId: string;
  let admin: WebClient;
  let advisor: WebClient;

  beforeAll(async () => {
    services = await openTestServices(engine);
    app = await buildWebApp(services);
    tenantId = (await makeTenant(services.db, { slug: "acmesw", displayName: "ACME Leasing" })).id;
    const a = await enrolStaff(services, app, {
      tenantId,
      host: HOST,
      email: "anne@acme.test",
      role: "admin",
    });
    const p = await enrolStaff(services, app, {
      tenantId,
      host: HOST,
      email: "paul@acme.test",
      role: "advisor",
    });
    admin = (await staffLogin(app, HOST, "anne@acme.test", a.codes[0]!)).client;
    advisor = (await staffLogin(app, HOST, "paul@acme.test", p.codes[0]!)).client;
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  it("lets an admin declare and remove seller identities on the portal page, with CSRF, never an advisor", async () => {
    const page = await admin.get("/conseiller/admin/portail");
    expect(page.body).toContain("Vendeurs autorisés");
    expect(page.body).toContain("Aucun vendeur déclaré");
    expect(
      (await admin.post("/conseiller/admin/portail/vendeurs", { value: "443 061 841" }, { csrf: "forged" }))
        .statusCode,
    ).toBe(403);
    await admin.get("/conseiller/admin/portail");
    const added = await admin.post("/conseiller/admin/portail/vendeurs", { value: "443 061 841" });
    expect(added.statusCode).toBe(303);
    const after = await admin.get("/conseiller/admin/portail?message=seller-added");
    expect(after.body).toContain("<code>443061841</code>");
    const bad = await admin.post("/conseiller/admin/portail/vendeurs", { value: "443061842" });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain("n’est ni un SIREN");
    await admin.get("/conseiller/admin/portail");
    expect(
      (await admin.post("/conseiller/admin/portail/vendeurs/retirer", { value: "443061841" })).statusCode,
    ).toBe(303);
    expect((await admin.get("/conseiller/admin/portail")).body).toContain("Aucun vendeur déclaré");

    await advisor.get("/conseiller");
    expect(
      (await advisor.post("/conseiller/admin/portail/vendeurs", { value: "443061841" })).statusCode,
    ).toBe(403);
    const [row] = await services.db.query<{ n: number }>(
      "select count(*)::int as n from tenant_sellers where tenant_id = $1",
      [tenantId],
    );
    expect(row!.n).toBe(0);
  });

  it("lets an admin withdraw an invoice from the customer record after a confirmation, never an advisor", async () => {
    const { customer } = await upsertCustomer(services.db, {
      queue: services.queue,
      tenantId,
      customerNumber: "W-1",
      name: "Client W",
      email: "w1@example.com",
      actor,
    });
    const tenant = (await findTenantBySlug(services.db, "acmesw"))!;
    const { invoice } = await publishInvoice(
      {
        db: services.db,
        blobs: services.blobs,
        queue: services.queue,
        maxPdfBytes: services.config.maxPdfBytes,
      },
      {
        tenant,
        bytes: Buffer.from(
          await buildFacturX({
            invoiceNumber: "FA-W-1",
            typeCode: "380",
            issueDate: "2026-11-05",
            currency: "EUR",
            seller: {
              name: "ACME Leasing",
              siren: "443061841",
              address: { line1: "1 rue A", postcode: "75001", city: "Paris", countryCode: "FR" },
            },
            buyer: {
              name: "Client W",
              address: { line1: "2 rue B", postcode: "69001", city: "Lyon", countryCode: "FR" },
            },
            lines: [{ description: "Loyer", quantity: "1", unitPrice: "100.00", vatRatePercent: "20" }],
          }),
        ),
        metadata: { customerNumber: "W-1" },
        actor,
      },
    );
    const record = `/conseiller/clients/${customer.id}`;
    const confirm = `/conseiller/factures/${invoice.id}/retirer`;
    expect((await admin.get(record)).body).toContain(`href="${confirm}"`);
    expect((await advisor.get(record)).body).not.toContain(confirm);
    expect((await advisor.get(confirm)).statusCode).toBe(403);
    await advisor.get("/conseiller");
    expect((await advisor.post(confirm, { reason: "erreur", confirm: "1" })).statusCode).toBe(403);

    const page = await admin.get(confirm);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Motif du retrait");
    // No confirmation box, then no reason: refused, nothing changes.
    expect((await admin.post(confirm, { reason: "mauvais client" })).statusCode).toBe(422);
    const noReason = await admin.post(confirm, { reason: " ", confirm: "1" });
    expect(noReason.statusCode).toBe(422);
    expect(noReason.body).toContain("Indiquez le motif");
    expect(
      (await admin.post(confirm, { reason: "mauvais client", confirm: "1" }, { csrf: "forged" })).statusCode,
    ).toBe(403);
    const [live] = await services.db.query<{ withdrawn_at: Date | null }>(
      "select withdrawn_at from invoices where id = $1",
      [invoice.id],
    );
    expect(live!.withdrawn_at).toBeNull();

    await admin.get(confirm);
    const done = await admin.post(confirm, { reason: "publiée sur le mauvais client", confirm: "1" });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`${record}?message=invoice-withdrawn`);
    const shown = await admin.get(`${record}?message=invoice-withdrawn`);
    expect(shown.body).toContain("Retirée par l’émetteur le");
    // Outside tester, item 12: the availability cell says when and why, not « available until » a date to come.
    const row = shown.body.slice(
      shown.body.indexOf("FA-W-1"),
      shown.body.indexOf("</tr>", shown.body.indexOf("FA-W-1")),
    );
    expect(row).toMatch(/<td class="staff-withdrawn">Retirée le \d{1,2} [a-zéû]+ \d{4}/);
    expect(row).toContain("Motif\u00a0: publiée sur le mauvais client");
    expect(shown.body).not.toContain(`href="${confirm}"`);
    const [audit] = await services.db.query<{ actor_type: string; details: Record<string, unknown> }>(
      "select actor_type, details from audit_entries where tenant_id = $1 and action = 'invoice.withdrawn'",
      [tenantId],
    );
    expect(audit).toMatchObject({
      actor_type: "staff",
      details: { reason: "publiée sur le mauvais client" },
    });
    // Another tenant's id (or no invoice at all) is a 404.
    expect(
      (await admin.get("/conseiller/factures/00000000-0000-4000-8000-000000000000/retirer")).statusCode,
    ).toBe(404);
  });
});
