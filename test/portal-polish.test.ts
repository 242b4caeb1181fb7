import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPortalFixture, type PortalFixture } from "./portal-list-fixtures.js";
import { ENGINES } from "./support/services.js";

// Outside tester after issue #13: items 10 (the list's ZIP buttons), 13 (a credit note's amount) and
// 15 (the 410 page shaped like the 404).

describe.each(ENGINES)("portal polish (%s)", (engine) => {
  let fx: PortalFixture;
  beforeAll(async () => {
    fx = await openPortalFixture(engine);
  }, 120_000);
  afterAll(async () => {
    await fx?.close();
  });

  async function removeAtEndOfRetention(ids: string[]) {
    await fx.services.db.query("update invoices set removed_at = now() where id = any($1::uuid[])", [ids]);
  }

  describe("list: the ZIP buttons count only the invoices still downloadable (item 10)", () => {
    it("« Tout sélectionner » over several pages leaves out, and says so, the invoices removed at the end of retention", async () => {
      const t = await fx.tenant();
      const accountId = await fx.customer(t, "Z-1", "z1@example.com");
      const first = await fx.publish(t, { number: "Z-0000", customer: "Z-1", issueDate: "2026-01-01" });
      await fx.cloneInvoices(
        first,
        Array.from({ length: 59 }, (_, i) => ({
          number: `Z-${String(i + 1).padStart(4, "0")}`,
          issueDate: `2026-0${1 + (i % 9)}-${String(1 + (i % 28)).padStart(2, "0")}`,
          grandTotal: "120.00",
        })),
      );
      const removed = await fx.services.db.query<{ id: string }>(
        "select id from invoices where tenant_id = $1 and invoice_number like 'Z-000%' order by invoice_number limit 6",
        [t.id],
      );
      await removeAtEndOfRetention(removed.map((r) => r.id));
      const html = (await (await fx.login(t, accountId)).get("/factures")).body;
      expect(html).toContain("Tout sélectionner\u00a0: mes 54 factures (ZIP)");
      expect(html).not.toContain("mes 60 factures (ZIP)");
      expect(html).toContain(
        "6 factures supprimées à la fin de leur durée de conservation n’ont plus de fichier : elles ne sont pas dans l’archive.".replace(
          " :",
          "\u00a0:",
        ),
      );
    });

    it("on one page too, and shows no note when every invoice is still there", async () => {
      const t = await fx.tenant();
      const accountId = await fx.customer(t, "Y-1", "y1@example.com");
      const ids = [
        await fx.publish(t, { number: "Y-1", customer: "Y-1" }),
        await fx.publish(t, { number: "Y-2", customer: "Y-1" }),
        await fx.publish(t, { number: "Y-3", customer: "Y-1" }),
      ];
      const client = await fx.login(t, accountId);
      expect((await client.get("/factures")).body).not.toContain("pas dans l’archive");
      await removeAtEndOfRetention([ids[0]!]);
      await fx.services.db.query(
        "update account_list_versions set version = version + 1 where account_id = $1",
        [accountId],
      );
      const html = (await (await fx.login(t, accountId)).get("/factures")).body;
      expect(html).toContain("Télécharger mes 2 factures (ZIP)");
      expect(html).toContain("1 facture supprimée à la fin de sa durée de conservation n’a plus de fichier");
    });
  });

  it("calls a credit note's amount « Montant en votre faveur », never « Net à payer » (item 13)", async () => {
    const t = await fx.tenant();
    const accountId = await fx.customer(t, "A-1", "a1@example.com");
    const credit = await fx.publish(t, { number: "AV-1", customer: "A-1", type: "381" });
    const invoice = await fx.publish(t, { number: "F-1", customer: "A-1" });
    const client = await fx.login(t, accountId);
    const creditPage = (await client.get(`/factures/${credit}`)).body;
    expect(creditPage).toContain("<dt>Montant en votre faveur</dt>");
    expect(creditPage).not.toContain("Net à payer");
    expect((await client.get(`/factures/${invoice}`)).body).toContain("<dt>Net à payer</dt>");
    await fx.services.db.query("update accounts set language = 'en' where id = $1", [accountId]);
    const english = (await (await fx.login(t, accountId)).get(`/factures/${credit}`)).body;
    expect(english).toContain("<dt>Amount in your favour</dt>");
    expect(english).not.toContain("Amount due");
  });

  it("gives the 410 of a removed invoice the 404's small « Code d’erreur : 410 », no bare number (item 15)", async () => {
    const t = await fx.tenant();
    const accountId = await fx.customer(t, "G-1", "g1@example.com");
    const id = await fx.publish(t, { number: "G-1", customer: "G-1" });
    await removeAtEndOfRetention([id]);
    const res = await (await fx.login(t, accountId)).get(`/factures/${id}/pdf`);
    expect(res.statusCode).toBe(410);
    expect(res.body).not.toContain('class="code"');
    expect(res.body).toMatch(/<p class="error-ref">[\s\S]*Code d’erreur\u00a0: 410/);
  });
});
