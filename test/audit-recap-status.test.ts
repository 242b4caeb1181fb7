import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { recapitulativeCsvLines } from "../src/domain/audit/export-audit.js";
import { withdrawInvoice } from "../src/domain/invoices/withdraw-invoice.js";
import { facturx, issuer, makeCustomer, makeTenant, publishFacturX } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";

// Outside tester, item 11: in the issuer's « liste récapitulative » a withdrawn invoice looked like one
// removed at the end of retention (a date only).

describe.each(ENGINES)("the liste récapitulative's status and withdrawal reason on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let tenant: TenantRow;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    services = await openTestServices(engine);
    tenant = await makeTenant(services.db, { slug: "recap", displayName: "Recap Location" });
    await makeCustomer(services, tenant, "RC-1", { email: null });
    for (const number of ["F-ON", "F-GONE", "F-WITHDRAWN", "F-FORMULA"]) {
      ids.set(number, (await publishFacturX(services, tenant, facturx(number, "RC-1"))).id);
    }
    await services.db.query("update invoices set removed_at = now() where id = $1", [ids.get("F-GONE")]);
    await withdrawInvoice(
      { db: services.db },
      {
        tenantId: tenant.id,
        invoiceId: ids.get("F-WITHDRAWN")!,
        reason: "Publiée pour le mauvais client",
        actor: issuer,
      },
    );
    await withdrawInvoice(
      { db: services.db },
      {
        tenantId: tenant.id,
        invoiceId: ids.get("F-FORMULA")!,
        reason: '=HYPERLINK("x");doublon',
        actor: issuer,
      },
    );
  });
  afterAll(async () => {
    await services?.dispose();
  });

  it("says per invoice whether it is online, removed at the end of retention or withdrawn, and why", async () => {
    let csv = "";
    for await (const chunk of recapitulativeCsvLines(services.db, {
      tenantId: tenant.id,
      from: new Date("2000-01-01"),
      to: new Date("2100-01-01"),
    }))
      csv += chunk;
    const [header, ...lines] = csv.slice(1).split("\r\n").filter(Boolean);
    expect(header!.split(";").slice(-3)).toEqual(["Retirée du portail (UTC)", "Statut", "Motif du retrait"]);
    const byNumber = new Map(lines.map((line) => [line.split(";")[0], line]));
    expect(byNumber.get("F-ON")!.endsWith(";;En ligne;")).toBe(true);
    expect(byNumber.get("F-GONE")).toMatch(/;\d{4}-\d{2}-\d{2}T[^;]*Z;Fin de conservation;$/);
    expect(byNumber.get("F-WITHDRAWN")).toMatch(
      /;\d{4}-\d{2}-\d{2}T[^;]*Z;Retirée par l’émetteur;Publiée pour le mauvais client$/,
    );
    // The issuer's own words stay text in a spreadsheet: quoted, and a formula defused.
    expect(byNumber.get("F-FORMULA")!.endsWith(';Retirée par l’émetteur;"\'=HYPERLINK(""x"");doublon"')).toBe(
      true,
    );
  });
});
