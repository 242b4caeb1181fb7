import { createHash } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Services } from "../src/app.js";
import { findTenantBySlug, type TenantRow } from "../src/db/tenants.queries.js";
import { validatePublishedInvoice } from "../src/domain/validation/validate-invoice.js";
import type { FacturXInput } from "../src/einvoice/build-cii-xml.js";
import type { InvoiceValidator, ValidationReport } from "../src/einvoice/validation/types.js";
import { complianceMonth } from "../src/http/routes/staff/compliance.js";
import { buildWebApp } from "../src/http/web-app.js";
import { facturx, makeCustomer, makeTenant, publishFacturX } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";
import { loggedInStaff } from "./support/staff.js";
import type { WebClient } from "./support/web-client.js";

// Issue #15 item 4: the issuer's view of the compliance check in the back office — an invoice's findings in
// words, the customer record's flag, the monthly counts by rule (admins) and their CSV; never another tenant's.

const HOST = "acme.localhost:3000";
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const report = (findings: ValidationReport["findings"]): ValidationReport => ({
  profile: "EN16931",
  rulesVersion: "FNFE-MPE 1.4.0",
  status: findings.some((f) => f.flag === "fatal") ? "failed" : findings.length ? "warnings" : "passed",
  findings,
});
const SELLER_SIREN_MISSING = {
  rule: "BR-CO-26",
  flag: "fatal" as const,
  message: "[BR-CO-26] The seller <SIREN> is mandatory",
  location: "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement",
  explanation: { fr: "Le SIREN du vendeur (BT-30) manque.", en: "The seller's SIREN (BT-30) is missing." },
};
const NOTE_WARNING = {
  rule: "BR-FR-CO-15",
  flag: "warning" as const,
  message: "A note should be given.",
  location: "",
  explanation: null,
};

describe.each(ENGINES)("the compliance check in the back office on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let tenant: TenantRow;
  let admin: WebClient;
  let advisor: WebClient;
  const ids: Record<string, string> = {};
  let customerId: string;

  /** Publishes `input` and stores `verdict` for it, as the validate-invoice job would. */
  async function publishChecked(s: Services, t: TenantRow, input: FacturXInput, verdict: ValidationReport) {
    const published = await publishFacturX(s, t, input);
    const validator: InvoiceValidator = {
      validate: async (bytes) => {
        expect(sha256(bytes)).toBe(published.sha256);
        return verdict;
      },
      close: async () => {},
    };
    await validatePublishedInvoice({ ...s, validator }, { tenantId: t.id, invoiceId: published.id });
    return published.id;
  }

  beforeAll(async () => {
    services = await openTestServices(engine);
    app = await buildWebApp(services);
    tenant = await makeTenant(services.db);
    const other = await makeTenant(services.db, { slug: "zeta", displayName: "Zeta Bail" });
    customerId = (await makeCustomer(services, tenant, "C-1", { email: null })).customer.id;
    await makeCustomer(services, other, "Z-1", { email: null });
    const b2b = (input: FacturXInput) => ({ ...input, note: undefined });
    ids.failed = await publishChecked(
      services,
      tenant,
      b2b(facturx("F-FAIL", "C-1")),
      report([SELLER_SIREN_MISSING, NOTE_WARNING]),
    );
    ids.warned = await publishChecked(services, tenant, facturx("F-WARN", "C-1"), report([NOTE_WARNING]));
    ids.passed = await publishChecked(services, tenant, facturx("F-OK", "C-1"), report([]));
    ids.zeta = await publishChecked(
      services,
      other,
      facturx("Z-FAIL", "Z-1"),
      report([{ ...SELLER_SIREN_MISSING, rule: "BR-ZETA-ONLY", explanation: null }]),
    );
    // F-FAIL is routed B2B (the portal's default at its publication would be B2C: set it by SQL on the row).
    await services.db.query("update invoices set processing_rule = 'B2B' where id = $1", [ids.failed]);
    admin = (
      await loggedInStaff(services, app, {
        tenantId: tenant.id,
        host: HOST,
        email: "anne@acme.test",
        role: "admin",
      })
    ).client;
    advisor = (
      await loggedInStaff(services, app, {
        tenantId: tenant.id,
        host: HOST,
        email: "paul@acme.test",
        role: "advisor",
      })
    ).client;
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  it("shows an invoice's findings in words: rule, explanation, official message, location; and the B2B hold", async () => {
    const page = await advisor.get(`/conseiller/factures/${ids.failed}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("<code>BR-CO-26</code>");
    expect(page.body).toContain("Le SIREN du vendeur (BT-30) manque.");
    expect(page.body).toContain("[BR-CO-26] The seller &lt;SIREN> is mandatory");
    expect(page.body).toContain(SELLER_SIREN_MISSING.location);
    expect(page.body).toContain("Non conforme");
    expect(page.body).toContain("Bloquée\u00a0: ne sera pas transmise à la plateforme agréée");
    expect(page.body).toContain("FNFE-MPE 1.4.0");
    const journal = await services.db.query<{ n: number }>(
      "select count(*)::int as n from audit_entries where action = 'invoice.compliance_viewed' and target_id = $1",
      [ids.failed],
    );
    expect(journal[0]!.n).toBe(1);

    const b2c = await advisor.get(`/conseiller/factures/${ids.warned}`);
    expect(b2c.body).toContain("Conforme, avec avertissements");
    expect(b2c.body).toContain("Pas de transmission\u00a0: la facture publiée sur le portail est l’original");
  });

  it("never shows another tenant's invoice (404), nor a malformed id", async () => {
    expect((await advisor.get(`/conseiller/factures/${ids.zeta}`)).statusCode).toBe(404);
    expect((await advisor.get("/conseiller/factures/not-a-uuid")).statusCode).toBe(404);
  });

  it("flags the failed invoices in the advisor's customer record", async () => {
    const record = await advisor.get(`/conseiller/clients/${customerId}`);
    expect(record.statusCode).toBe(200);
    expect(record.body).toContain('class="staff-failed-notice"');
    expect(record.body).toContain("1 facture de ce client ne respecte pas les règles officielles");
    expect(record.body).toContain(`href="/conseiller/factures/${ids.failed}"`);
    expect(record.body).toContain("Non conforme · bloquée");
    expect(record.body).toContain(">Conforme</a>");
  });

  it("counts the month's failed and warned invoices by rule for admins, with a CSV, never another tenant's", async () => {
    const month = complianceMonth(undefined).month;
    const page = await admin.get(`/conseiller/admin/conformite?mois=${month}`);
    expect(page.statusCode).toBe(200);
    const row = (rule: string) =>
      new RegExp(`<code>${rule}</code></td><td[^>]*>(\\d+)</td><td[^>]*>(\\d+)</td>`)
        .exec(page.body)
        ?.slice(1);
    expect(row("BR-CO-26")).toEqual(["1", "0"]);
    expect(row("BR-FR-CO-15")).toEqual(["0", "2"]);
    expect(page.body).not.toContain("BR-ZETA-ONLY");
    expect(page.body).not.toContain("Z-FAIL");
    expect(page.body).toMatch(/<strong class="staff-bad">1<\/strong><span>B2B bloquées/);

    const csv = await admin.get(`/conseiller/admin/conformite.csv?mois=${month}`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toContain("text/csv");
    expect(csv.body).toBe(
      [
        "\uFEFFMois;Règle;Factures non conformes;Factures avec avertissement",
        `${month};BR-CO-26;1;0`,
        `${month};BR-FR-CO-15;0;2`,
        `${month};TOTAL (factures);1;1`,
        "",
      ].join("\r\n"),
    );
    // An earlier month has none of them.
    const before = await admin.get(`/conseiller/admin/conformite.csv?mois=2020-01`);
    expect(before.body).toBe(
      [
        "\uFEFFMois;Règle;Factures non conformes;Factures avec avertissement",
        "2020-01;TOTAL (factures);0;0",
        "",
      ].join("\r\n"),
    );
  });

  it("keeps the monthly counts to admins", async () => {
    expect((await advisor.get("/conseiller/admin/conformite")).statusCode).toBe(403);
    expect((await advisor.get("/conseiller/admin/conformite.csv")).statusCode).toBe(403);
  });

  it("lets an admin set the portal's default route, and refuses a value outside the Flow API enum", async () => {
    await admin.get("/conseiller/admin/portail");
    const saved = await admin.post("/conseiller/admin/portail/route", { processingRule: "B2B" });
    expect(saved.statusCode).toBe(303);
    expect((await findTenantBySlug(services.db, "acme"))!.defaultProcessingRule).toBe("B2B");
    const settings = await admin.get("/conseiller/admin/portail?message=route-saved");
    expect(settings.body).toContain('<option value="B2B" selected>');
    const refused = await admin.post("/conseiller/admin/portail/route", { processingRule: "B2G" });
    expect(refused.statusCode).toBe(422);
    expect((await findTenantBySlug(services.db, "acme"))!.defaultProcessingRule).toBe("B2B");
    await advisor.get("/conseiller");
    expect(
      (await advisor.post("/conseiller/admin/portail/route", { processingRule: "B2C" })).statusCode,
    ).toBe(403);
  });
});
