import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { buildWebApp } from "../src/http/web-app.js";
import {
  facturx,
  type LoggedInAccount,
  loggedInAccount,
  makeTenant,
  publishFacturX,
} from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";

// Issue #16 item 5, customer side: a B2B invoice is shown as a duplicata with the date its original went to
// the buyer's platform and the PA's statuses in plain words; a B2C or unrouted invoice looks as it always did.

const NBSP = "\u00a0";
const FISCAL_FR = "l’original a la même valeur fiscale que la facture papier";
const FISCAL_EN = "the original has the same value for tax purposes as a paper invoice";

/** Visible text of a page, tags stripped and spaces folded (non-breaking ones kept). */
const text = (html: string) =>
  html
    .replace(/<script[\s\S]*?<\/script>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/[ \t\r\n]+/g, " ");

describe.each(ENGINES)("customer pages per route (%s)", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let tenant: TenantRow;
  let other: TenantRow;
  let me: LoggedInAccount;
  const ids: Record<"b2b" | "b2bPending" | "b2c" | "unrouted" | "outOfScope", string> = {} as never;

  async function setLanguage(language: "fr" | "en") {
    await services.db.query("update accounts set language = $2 where id = $1", [me.accountId, language]);
  }

  async function page(id: string) {
    const res = await me.client.get(`/factures/${id}`);
    expect(res.statusCode).toBe(200);
    return text(res.body);
  }

  beforeAll(async () => {
    services = await openTestServices(engine);
    app = await buildWebApp(services);
    tenant = await makeTenant(services.db, { slug: `papages-${engine}`, displayName: "Bail Pro" });
    other = await makeTenant(services.db, { slug: `papages-o-${engine}`, displayName: "Autre" });
    me = await loggedInAccount(services, app, tenant, { numbers: ["C-1"], email: "pro@example.com" });
    const buyer = { siren: "812345676" };
    const publish = async (number: string, rule?: "B2B" | "B2C" | "OUTOFSCOPE") => {
      const input = facturx(number, "C-1", rule ? { processingRule: rule } : {});
      if (rule === "B2B") input.buyer = { ...input.buyer, ...buyer };
      return (await publishFacturX(services, tenant, input, { now: new Date("2026-11-05T08:00:00Z") })).id;
    };
    ids.b2b = await publish("FB-1", "B2B");
    ids.b2bPending = await publish("FB-2", "B2B");
    ids.b2c = await publish("FC-1", "B2C");
    ids.unrouted = await publish("FC-2");
    ids.outOfScope = await publish("FC-3", "OUTOFSCOPE");
    // An invoice published before the reform: no route at all.
    await services.db.query(
      "update invoices set processing_rule = null, processing_rule_source = null where id = $1",
      [ids.unrouted],
    );
    // What the transmission and the status intake record (docs/pa-bridge.md), written as they store it.
    await services.db.query(
      `insert into pa_transmissions (tenant_id, invoice_id, status, flow_id, submitted_at, ack_status)
       values ($1, $2, 'acknowledged', 'flow-1', '2026-11-05T09:30:00Z', 'Ok')`,
      [tenant.id, ids.b2b],
    );
    const status = (code: number, label: string, at: string, extra: Record<string, string> = {}) =>
      services.db.query(
        `insert into pa_lifecycle_statuses (tenant_id, invoice_id, code, label, at, source, role, reason_code, reason_text, flow_id)
         values ($1, $2, $3, $4, $5, 'pa', $6, $7, $8, $9)`,
        [
          tenant.id,
          ids.b2b,
          code,
          label,
          at,
          extra.role ?? "WK",
          extra.reasonCode ?? null,
          extra.reasonText ?? null,
          `lc-${code}`,
        ],
      );
    await status(200, "Déposée", "2026-11-05T10:00:00Z");
    await status(202, "Reçue par la plateforme", "2026-11-05T10:05:00Z");
    await status(207, "En litige", "2026-11-08T14:00:00Z", {
      role: "BY",
      reasonCode: "MONTANTTOTAL_ERR",
      reasonText: "Avenant du 1er novembre non appliqué",
    });
    // A status of another tenant's PA on this tenant's invoice id is never shown (it cannot be recorded, but
    // the page reads by tenant all the same).
    await services.db.query(
      `insert into pa_lifecycle_statuses (tenant_id, invoice_id, code, label, at, source, flow_id)
       values ($1, $2, 210, 'Refusée', '2026-11-09T10:00:00Z', 'pa', 'other-flow')`,
      [other.id, ids.b2b],
    );
    // The first download: the portal's own 204.
    expect((await me.client.get(`/factures/${ids.b2b}/pdf`)).statusCode).toBe(200);
    expect((await me.client.get(`/factures/${ids.b2c}/pdf`)).statusCode).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  it("says a B2B invoice is a duplicata, when its original went to the buyer's platform, and shows the PA's statuses (fr)", async () => {
    await setLanguage("fr");
    const b2b = await page(ids.b2b);
    expect(b2b).toContain(
      `Duplicata${NBSP}: l’original de cette facture a été transmis à la plateforme de facturation électronique de votre entreprise le 5 novembre 2026.`,
    );
    expect(b2b).toContain("Suivi par les plateformes agréées");
    expect(b2b).toContain("Déposée");
    expect(b2b).toContain("Reçue par la plateforme");
    expect(b2b).toContain("En litige");
    expect(b2b).toContain("Votre entreprise a signalé un désaccord sur cette facture.");
    expect(b2b).toContain(
      `Motif${NBSP}: Montant total erroné — «${NBSP}Avenant du 1er novembre non appliqué${NBSP}»`,
    );
    expect(b2b).toContain("Déclaré par votre entreprise");
    // Never another tenant's status; never the fiscal-value sentence; our own events in plain words, no code.
    expect(b2b).not.toContain("Refusée");
    expect(b2b).not.toContain(FISCAL_FR);
    expect(b2b).not.toContain("même valeur fiscale");
    expect(b2b).toContain("Consultable sur le portail");
    expect(b2b).toContain("Téléchargée sur le portail");
    expect(b2b).not.toMatch(/Mise à disposition|Prise en charge/);
    expect(b2b).toContain("Ce duplicata reste consultable ici jusqu’à cette date.");
    expect(b2b).toContain("Duplicata PDF");
  });

  it("names no date when the B2B original has not gone yet", async () => {
    await setLanguage("fr");
    const pending = await page(ids.b2bPending);
    expect(pending).toContain(
      `Duplicata${NBSP}: l’original de cette facture est adressé à votre entreprise par les plateformes de facturation électronique`,
    );
    expect(pending).toContain("Aucun statut n’a encore été déclaré par les plateformes pour cette facture.");
    expect(pending).not.toContain(FISCAL_FR);
  });

  it("keeps B2C, out-of-scope and unrouted invoices as originals: fiscal sentence, 203/204 as statuses (fr)", async () => {
    await setLanguage("fr");
    for (const id of [ids.b2c, ids.unrouted, ids.outOfScope]) {
      const original = await page(id);
      expect(original).toContain(FISCAL_FR);
      expect(original).not.toContain("Duplicata");
      expect(original).not.toContain("plateformes agréées");
      expect(original).toContain("Mise à disposition");
      expect(original).toContain("Original PDF");
    }
    expect(await page(ids.b2c)).toContain("Prise en charge");
  });

  it("says the same in English", async () => {
    await setLanguage("en");
    const b2b = await page(ids.b2b);
    expect(b2b).toContain(
      "Duplicate: the original of this invoice was sent to your company's e-invoicing platform on 5 November 2026.",
    );
    expect(b2b).toContain("Submitted");
    expect(b2b).toContain("Disputed");
    expect(b2b).toContain("Reason: Wrong total amount — “Avenant du 1er novembre non appliqué”");
    expect(b2b).toContain("Reported by your company");
    expect(b2b).not.toContain(FISCAL_EN);
    expect(b2b).toContain("Downloaded from the portal");
    const b2c = await page(ids.b2c);
    expect(b2c).toContain(FISCAL_EN);
    expect(b2c).not.toContain("Duplicate");
    await setLanguage("fr");
  });

  it("marks the B2B invoices of the list as duplicatas, and only them", async () => {
    await setLanguage("fr");
    const res = await me.client.get("/factures");
    const rows = [...res.body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => text(m[1]!));
    const row = (number: string) => rows.find((r) => r.includes(` ${number} `)) ?? "";
    expect(row("FB-1")).toContain("Duplicata");
    expect(row("FB-2")).toContain("Duplicata");
    for (const number of ["FC-1", "FC-2", "FC-3"]) {
      expect(row(number)).not.toBe("");
      expect(row(number)).not.toContain("Duplicata");
    }
  });
});
