import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { recapitulativeCsvLines } from "../src/domain/audit/export-audit.js";
import { facturx, makeCustomer, makeTenant, publishFacturX } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";

// Issue #13 item 6: the issuer's « liste récapitulative » added credit notes to the invoices.

describe.each(ENGINES)("the liste récapitulative's signed amounts on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let tenant: TenantRow;

  beforeAll(async () => {
    services = await openTestServices(engine);
    tenant = await makeTenant(services.db, { slug: "recap", displayName: "Recap Location" });
    await makeCustomer(services, tenant, "RC-1", { email: null });
    for (const input of [
      facturx("F-1", "RC-1"),
      facturx("AV-1", "RC-1", {
        typeCode: "381",
        lines: [{ description: "Remboursement", quantity: "1", unitPrice: "100.00", vatRatePercent: "20" }],
      }),
    ])
      await publishFacturX(services, tenant, input);
  });
  afterAll(() => services?.dispose());

  it("writes a type column and counts a credit note negative, so a column sums to invoices minus credit notes", async () => {
    let csv = "";
    for await (const chunk of recapitulativeCsvLines(services.db, {
      tenantId: tenant.id,
      from: new Date("2000-01-01"),
      to: new Date("2100-01-01"),
    }))
      csv += chunk;
    const [header, ...rows] = csv
      .slice(1)
      .split("\r\n")
      .filter(Boolean)
      .map((line) => line.split(";"));
    expect(header!.slice(0, 9)).toEqual([
      "Numéro",
      "Type",
      "Code type",
      "Date d’émission",
      "N° client",
      "Client",
      "Total HT",
      "TVA",
      "Total TTC",
    ]);
    const byNumber = new Map(rows.map((r) => [r[0], r]));
    expect(byNumber.get("F-1")!.slice(1, 3)).toEqual(["Facture", "380"]);
    expect(byNumber.get("F-1")!.slice(6, 9)).toEqual(["1244,50", "246,90", "1491,40"]);
    expect(byNumber.get("AV-1")!.slice(1, 3)).toEqual(["Avoir", "381"]);
    expect(byNumber.get("AV-1")!.slice(6, 9)).toEqual(["-100,00", "-20,00", "-120,00"]);
    // What a spreadsheet adds up: 1491.40 invoiced, 120.00 credited.
    const cents = rows.reduce((sum, r) => sum + Math.round(Number(r[8]!.replace(",", ".")) * 100), 0);
    expect(cents).toBe(149140 - 12000);
  });
});
