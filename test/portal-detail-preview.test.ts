import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishDeps } from "../src/app.js";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { type PublishDeps, publishInvoice } from "../src/domain/invoices/publish-invoice.js";
import { buildFacturX, type FacturXInput } from "../src/einvoice/index.js";
import { buildWebApp } from "../src/http/web-app.js";
import { plainPdf } from "./retention-fixtures.js";
import { invoiceInput, loggedInAccount, makeTenant, publishFacturX } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";
import { WebClient } from "./support/web-client.js";

// Issue #13 item 13 (the invoice page) and item 14 in part (the list's selection button).

const actor = { type: "issuer" as const, id: "test" };
const NNBSP = "\u202f";

/** An invoice from Acme Location SAS (with its VAT id) to `buyer`, as the detail page shows it. */
function facturx(number: string, buyer: FacturXInput["buyer"]): FacturXInput {
  return invoiceInput(number, undefined, {
    seller: {
      name: "Acme Location SAS",
      vatId: "FR44443061841",
      address: { line1: "1 rue de la Paix", postcode: "75002", city: "Paris", countryCode: "FR" },
    },
    buyer,
  });
}

const address = { line1: "2 rue B", postcode: "69001", city: "Lyon", countryCode: "FR" };

/** The text of the `<dt>` labels of one card of the page (by the id of its heading). */
function labelsOf(html: string, headingId: string): string[] {
  const start = html.indexOf(`id="${headingId}"`);
  if (start < 0) return [];
  const end = html.indexOf("</section>", start);
  return [...html.slice(start, end).matchAll(/<dt>([^<]*)<\/dt>/g)].map((m) => m[1]!);
}

describe.each(ENGINES)(
  "invoice page: cards, preview, verification; list: icons and selection (%s)",
  (engine) => {
    let services: Awaited<ReturnType<typeof openTestServices>>;
    let deps: PublishDeps;
    let app: FastifyInstance;
    let tenant: TenantRow;
    let other: TenantRow;
    let seq = 0;

    async function account(t: TenantRow) {
      const number = `C-${++seq}`;
      const { client } = await loggedInAccount(services, app, t, {
        numbers: [number],
        email: `client${seq}@example.com`,
        contracts: [],
      });
      return { number, client };
    }

    async function publishPlain(t: TenantRow, customerNumber: string, invoiceNumber: string) {
      const bytes = Buffer.from(await plainPdf(invoiceNumber));
      const { invoice } = await publishInvoice(deps, {
        tenant: t,
        bytes,
        metadata: {
          customerNumber,
          invoiceNumber,
          issueDate: "2026-10-01",
          grandTotal: "42.00",
          currency: "EUR",
        },
        actor,
      });
      return { ...invoice, bytes };
    }

    beforeAll(async () => {
      services = await openTestServices(engine);
      deps = publishDeps(services);
      tenant = await makeTenant(services.db);
      other = await makeTenant(services.db, { slug: "other", displayName: "Other Bail" });
      app = await buildWebApp(services);
    }, 120_000);
    afterAll(async () => {
      await app?.close();
      await services?.dispose();
    });

    describe("party cards", () => {
      it("shows no empty « Émetteur » or « Client » card for a plain PDF", async () => {
        const me = await account(tenant);
        const inv = await publishPlain(tenant, me.number, "PLAIN-CARDS-1");
        const html = (await me.client.get(`/factures/${inv.id}`)).body;
        expect(html).toContain("PDF sans données structurées");
        expect(html).not.toContain('id="det-seller"');
        expect(html).not.toContain('id="det-buyer"');
        expect(html).not.toContain(">Émetteur<");
        expect(html).not.toContain(">Client<");
        // The customer number still shows, in the references.
        expect(labelsOf(html, "det-refs")).toContain("N° client");
      });

      it("names a buyer without SIREN or VAT number « Nom », a company « Raison sociale »", async () => {
        const me = await account(tenant);
        const person = await publishFacturX(
          services,
          tenant,
          facturx("F-PERSON-1", { name: "Camille Durand", id: me.number, address }),
        );
        const company = await publishFacturX(
          services,
          tenant,
          facturx("F-COMPANY-1", {
            name: "Transports Martin SARL",
            id: me.number,
            siren: "552120222",
            address,
          }),
        );
        const personPage = (await me.client.get(`/factures/${person.id}`)).body;
        expect(labelsOf(personPage, "det-buyer")[0]).toBe("Nom");
        expect(personPage).toContain("Camille Durand");
        // The seller has a SIREN: a company.
        expect(labelsOf(personPage, "det-seller")[0]).toBe("Raison sociale");
        const companyPage = (await me.client.get(`/factures/${company.id}`)).body;
        expect(labelsOf(companyPage, "det-buyer")[0]).toBe("Raison sociale");
      });

      it("never labels the buyer's number « Identifiant » (the login word); repeats it only when it differs", async () => {
        const me = await account(tenant);
        const same = await publishFacturX(
          services,
          tenant,
          facturx("F-ID-SAME", { name: "Camille Durand", id: me.number, address }),
        );
        const html = (await me.client.get(`/factures/${same.id}`)).body;
        expect(labelsOf(html, "det-buyer")).not.toContain("Identifiant");
        expect(labelsOf(html, "det-seller")).not.toContain("Identifiant");
        expect(labelsOf(html, "det-buyer")).not.toContain("N° client sur la facture");
        expect(labelsOf(html, "det-refs")).toContain("N° client");

        // An issuer may put another number of its own in the buyer's ID; the account still sees the invoice
        // through its customer number (the metadata's), so both are shown, each with its own label.
        const bytes = Buffer.from(
          await buildFacturX(facturx("F-ID-OTHER", { name: "Camille Durand", id: "ERP-00042", address })),
        );
        const { invoice } = await publishInvoice(deps, {
          tenant,
          bytes,
          metadata: { customerNumber: me.number },
          actor,
        });
        const page = (await me.client.get(`/factures/${invoice.id}`)).body;
        expect(labelsOf(page, "det-buyer")).toContain("N° client sur la facture");
        expect(page).toContain("ERP-00042");
        expect(labelsOf(page, "det-buyer")).not.toContain("Identifiant");
      });
    });

    describe("verification fold and history", () => {
      it("folds the SHA-256, the commands and the status codes under « Vérifier l’authenticité »; the history keeps date and status", async () => {
        const me = await account(tenant);
        const inv = await publishFacturX(
          services,
          tenant,
          facturx("F-VERIFY-1", { name: "Camille Durand", id: me.number, address }),
        );
        const html = (await me.client.get(`/factures/${inv.id}`)).body;
        const fold = html.slice(html.indexOf('<details class="card det-card det-verify"'));
        expect(fold.startsWith('<details class="card det-card det-verify">')).toBe(true);
        const folded = fold.slice(0, fold.indexOf("</details>"));
        expect(folded).toContain('<summary><h2 id="det-integrity">Vérifier l’authenticité</h2></summary>');
        for (const text of [
          inv.sha256,
          "sha256sum fichier.pdf",
          "Get-FileHash fichier.pdf",
          "Codes de statut du cycle de vie",
          "<td>203</td>",
        ])
          expect(folded, text).toContain(text);
        const outside = html.replace(folded, "");
        expect(outside).not.toContain(inv.sha256);
        expect(outside).not.toContain("sha256sum fichier.pdf");
        expect(outside).not.toContain("<td>203</td>");
        expect(outside).toContain("Mise à disposition");
      });

      it("opens the fold by itself for an invoice that has left the portal", async () => {
        const me = await account(tenant);
        const inv = await publishFacturX(
          services,
          tenant,
          facturx("F-VERIFY-GONE", { name: "Camille Durand", id: me.number, address }),
        );
        await services.db.query("update invoices set removed_at = now() where id = $1", [inv.id]);
        const html = (await me.client.get(`/factures/${inv.id}`)).body;
        expect(html).toContain('<details class="card det-card det-verify" open>');
        expect(html).not.toContain("/apercu");
      });
    });

    describe("preview", () => {
      it("frames /apercu on the page; it serves the PDF inline, framable by this origin only, and records nothing", async () => {
        const me = await account(tenant);
        const inv = await publishPlain(tenant, me.number, "PLAIN-PREVIEW-1");
        const page = (await me.client.get(`/factures/${inv.id}`)).body;
        expect(page).toMatch(
          new RegExp(
            `<iframe class="det-preview-frame" src="/factures/${inv.id}/apercu#view=FitH&navpanes=0" title="Aperçu du PDF${NNBSP}: Facture PLAIN-PREVIEW-1"`,
          ),
        );

        const res = await me.client.get(`/factures/${inv.id}/apercu`, { "sec-fetch-dest": "iframe" });
        expect(res.statusCode).toBe(200);
        expect(res.headers["content-type"]).toBe("application/pdf");
        expect(res.rawPayload.equals(inv.bytes)).toBe(true);
        expect(String(res.headers["content-disposition"])).toMatch(/^inline; filename="[^"]+\.pdf"/);
        const csp = String(res.headers["content-security-policy"]);
        expect(csp).toBe("sandbox; default-src 'none'; frame-ancestors 'self'");
        expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
        expect(res.headers["x-content-type-options"]).toBe("nosniff");
        expect(res.headers["cache-control"]).toBe("no-store");

        // Seen is not taken: no first download, no lifecycle 204, still « Nouvelle ».
        const [row] = await services.db.query<{ first: Date | null }>(
          `select first_downloaded_at as "first" from invoices where id = $1`,
          [inv.id],
        );
        expect(row!.first).toBeNull();
        const codes = await services.db.query<{ code: number }>(
          "select code from invoice_events where invoice_id = $1",
          [inv.id],
        );
        expect(codes.map((c) => c.code)).not.toContain(204);
        expect((await me.client.get(`/factures/${inv.id}`)).body).toContain("Nouvelle");

        // The download itself is unchanged: an attachment under the portal's own policy, and it records.
        const pdf = await me.client.get(`/factures/${inv.id}/pdf`);
        expect(String(pdf.headers["content-disposition"])).toMatch(/^attachment; /);
        expect(String(pdf.headers["content-security-policy"])).toContain("object-src 'none'");
        expect(String(pdf.headers["content-security-policy"])).not.toContain("sandbox");
        const after = (await me.client.get(`/factures/${inv.id}`)).body;
        expect(after).toContain("Prise en charge");
      });

      it("answers 404 for another account's or another tenant's invoice, 410 once removed, and needs a session", async () => {
        const me = await account(tenant);
        const stranger = await account(tenant);
        const foreign = await account(other);
        const inv = await publishPlain(tenant, me.number, "PLAIN-PREVIEW-2");
        expect((await stranger.client.get(`/factures/${inv.id}/apercu`)).statusCode).toBe(404);
        expect((await foreign.client.get(`/factures/${inv.id}/apercu`)).statusCode).toBe(404);
        expect((await me.client.get("/factures/not-a-uuid/apercu")).statusCode).toBe(404);
        const anonymous = new WebClient(app, "acme.localhost:3000");
        const res = await anonymous.get(`/factures/${inv.id}/apercu`);
        expect(res.statusCode).not.toBe(200);
        expect(res.headers["content-type"]).not.toBe("application/pdf");
        await services.db.query("update invoices set removed_at = now() where id = $1", [inv.id]);
        expect((await me.client.get(`/factures/${inv.id}/apercu`)).statusCode).toBe(410);
      });
    });

    describe("list", () => {
      it("gives each row still on the portal a download icon, and its selection button a hint and the script", async () => {
        const me = await account(tenant);
        const kept = await publishPlain(tenant, me.number, "PLAIN-LIST-1");
        const gone = await publishPlain(tenant, me.number, "PLAIN-LIST-2");
        await services.db.query("update invoices set removed_at = now() where id = $1", [gone.id]);
        const html = (await me.client.get("/factures")).body;
        expect(html).toContain(
          `<a class="inv-dl" href="/factures/${kept.id}/pdf" aria-label="Télécharger le PDF de la facture PLAIN-LIST-1"`,
        );
        expect(html).not.toContain(`href="/factures/${gone.id}/pdf"`);
        expect(html).toMatch(
          /<button type="submit" class="button inv-zip-selection" aria-describedby="inv-selection-hint">Télécharger la sélection \(ZIP\)<\/button>/,
        );
        expect(html).toContain('<script src="/assets/invoice-selection.js" defer></script>');
        const script = await me.client.get("/assets/invoice-selection.js");
        expect(script.statusCode).toBe(200);
        expect(script.headers["content-type"]).toContain("javascript");
      });
    });
  },
);
