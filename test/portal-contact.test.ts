import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/io.js";
import { runWithServices } from "../src/cli/main.js";
import { buildWebApp } from "../src/http/web-app.js";
import { activationMail } from "../src/mail/templates/activation.js";
import { emailChangedMail } from "../src/mail/templates/email-changed.js";
import { emailChangedNewMail } from "../src/mail/templates/email-changed-new.js";
import { passwordChangedMail } from "../src/mail/templates/password-changed.js";
import { makeTenant } from "./support/factories.js";
import { COMPLETE_CONTACT, COMPLETE_LEGAL, completePortalDetails } from "./support/portal-details.js";
import { ENGINES, openTestServices } from "./support/services.js";
import { enrolStaff, staffLogin } from "./support/staff.js";
import { WebClient } from "./support/web-client.js";

// Issue #13 items 11 and 12: the issuer's contact block and FAQ on the customer pages; a portal whose legal
// details are incomplete is closed in production (503) and flagged by a banner elsewhere.

const NNBSP = "\u202f";
const FAQ = "## Quand suis-je prélevé ?\n\nLe **20** du mois.";

describe.each(ENGINES)("issuer contact block and legal readiness on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let acmeId: string;
  let admin: WebClient;
  const settingsOf = async (id: string) =>
    (
      await services.db.query<{ settings: Record<string, Record<string, string>> }>(
        "select settings from tenants where id = $1",
        [id],
      )
    )[0]!.settings;

  beforeAll(async () => {
    services = await openTestServices(engine);
    app = await buildWebApp(services);
    acmeId = (await makeTenant(services.db)).id;
    const rivage = await makeTenant(services.db, { slug: "rivage", displayName: "Rivage Crédit" });
    await completePortalDetails(services.db, rivage.id);
    await services.db.query(
      `update tenants set settings = jsonb_set(settings, '{faqMarkdown}', to_jsonb($2::text)) where id = $1`,
      [rivage.id, FAQ],
    );
    const a = await enrolStaff(services, app, {
      tenantId: acmeId,
      host: "acme.localhost:3000",
      email: "anne@acme.test",
      role: "admin",
      name: "Anne Admin",
    });
    admin = (await staffLogin(app, "acme.localhost:3000", "anne@acme.test", a.codes[0]!)).client;
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  it("shows the issuer's FAQ beside the platform's questions, and its contact block, on the home page", async () => {
    const visitor = new WebClient(app, "rivage.localhost:3000");
    const fr = (await visitor.get("/", { "accept-language": "fr" })).body;
    expect(fr).toContain("Les questions de Rivage Crédit");
    expect(fr).toContain("<h3>Quand suis-je prélevé ?</h3>");
    expect(fr).toContain("<strong>20</strong>");
    expect(fr).toContain("Je n’ai pas reçu de mail d’activation");
    expect(fr.indexOf("Quand suis-je prélevé")).toBeLessThan(
      fr.indexOf("Je n’ai pas reçu de mail d’activation"),
    );
    expect(fr).toContain('id="contact"');
    expect(fr).toContain("Nous contacter");
    expect(fr).toContain('<a href="tel:0123456789" class="contact-phone">01 23 45 67 89</a>');
    expect(fr).toContain("Du lundi au vendredi, de 9 h à 18 h");
    expect(fr).toContain('<a href="mailto:service@acme.test">service@acme.test</a>');
    expect(fr).toContain('<a href="https://acme.test/contact" rel="noopener noreferrer">');
    expect(fr).toContain("TSA 1");
    const en = (await visitor.get("/", { "accept-language": "en" })).body;
    expect(en).toContain("Questions from Rivage Crédit");
    expect(en).toContain("Contact us");
  });

  it("follows every answer that says « contactez votre conseiller(e) » with a link to the contact block", async () => {
    const visitor = new WebClient(app, "rivage.localhost:3000");
    for (const path of ["/", "/aide"]) {
      const html = (await visitor.get(path)).body;
      // Two answers of the standard FAQ send to the advisor: « pas reçu de mail d'activation » and « Qui contacter ? ».
      expect(
        html.match(/<a class="contact-link" href="#contact">Coordonnées du service client<\/a>/g),
        path,
      ).toHaveLength(2);
      expect(html, path).toContain('id="contact"');
    }
    for (const path of ["/aide/sauvegarder", "/aide/valeur-fiscale"])
      expect((await visitor.get(path)).body, path).toContain("01 23 45 67 89");
  });

  it("links the forgot-password confirmation's « contactez votre conseiller(e) » to the contact block", async () => {
    const visitor = new WebClient(app, "rivage.localhost:3000");
    await visitor.get("/mot-de-passe-oublie");
    const sent = await visitor.post("/mot-de-passe-oublie", { email: "nobody@example.com" });
    const html =
      sent.statusCode === 303 ? (await visitor.get(String(sent.headers.location))).body : sent.body;
    expect(html).toContain("contactez votre conseiller(e) clientèle");
    expect(html).toContain('<a class="contact-link" href="/aide#contact">Coordonnées du service client</a>');
  });

  it("names the hosting provider and the DPO on the legal notice", async () => {
    const html = (await new WebClient(app, "rivage.localhost:3000").get("/mentions-legales")).body;
    expect(html).toContain("Hébergeur Test SAS");
    expect(html).toContain("2 rue B, 59100 Roubaix");
    expect(html).toContain('<a href="mailto:dpo@acme.test">dpo@acme.test</a>');
    // Complete (the host's phone is optional): no line says the operator's details stand in.
    expect(html).not.toContain("celle de l’opérateur du service E-FACTURE est indiquée");
  });

  it("shows a development banner naming what is missing on an incomplete portal, none on a complete one", async () => {
    const incomplete = new WebClient(app, "acme.localhost:3000");
    for (const path of ["/", "/aide", "/mentions-legales", "/confidentialite"]) {
      const res = await incomplete.get(path, { "accept-language": "fr" });
      expect(res.statusCode, path).toBe(200);
      expect(res.body, path).toContain('class="draft-banner"');
      expect(res.body, path).toContain(`Aperçu de développement${NNBSP}: mentions légales incomplètes`);
      expect(res.body, path).toContain("nom de l’hébergeur");
    }
    expect((await incomplete.get("/", { "accept-language": "en" })).body).toContain("hosting provider name");
    const complete = (await new WebClient(app, "rivage.localhost:3000").get("/")).body;
    expect(complete).not.toContain("draft-banner");
  });

  it("tells the admin exactly which details are missing, until there are none", async () => {
    const home = await admin.get("/conseiller/admin");
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain("en production, ce portail serait fermé à vos clients");
    for (const label of [
      "raison sociale",
      "adresse du siège",
      "SIREN",
      "e-mail du délégué à la protection des données",
      "nom de l’hébergeur",
      "adresse de l’hébergeur",
      "coordonnées du service client (téléphone, e-mail ou formulaire)",
    ])
      expect(home.body).toContain(`<li>${label}</li>`);
    await admin.get("/conseiller/admin/portail");
    const { hostName: _, ...withoutHost } = COMPLETE_LEGAL;
    expect((await admin.post("/conseiller/admin/portail/mentions", withoutHost)).statusCode).toBe(303);
    const partial = (await admin.get("/conseiller/admin/portail")).body;
    expect(partial).toContain("<li>nom de l’hébergeur</li>");
    expect(partial).not.toContain("<li>raison sociale</li>");
    expect(partial).toContain("<li>coordonnées du service client (téléphone, e-mail ou formulaire)</li>");
    expect((await admin.post("/conseiller/admin/portail/mentions", COMPLETE_LEGAL)).statusCode).toBe(303);
    await admin.get("/conseiller/admin/portail");
    expect((await admin.post("/conseiller/admin/portail/contact", COMPLETE_CONTACT)).statusCode).toBe(303);
    const done = (await admin.get("/conseiller/admin")).body;
    expect(done).not.toContain("staff-readiness");
    await expect(settingsOf(acmeId)).resolves.toMatchObject({
      legal: COMPLETE_LEGAL,
      contact: COMPLETE_CONTACT,
    });
  });

  it("refuses a contact block with no way in, a malformed phone or e-mail, a form that is not https; audits a saved one", async () => {
    const refusals: [Record<string, string>, string][] = [
      [{ hours: "9 h – 18 h", address: "1 rue A" }, "au moins un moyen de joindre le service client"],
      [{ phone: "appelez-nous" }, "Le téléphone doit s’écrire en chiffres"],
      [{ email: "service@" }, "n’est pas valide"],
      [{ formUrl: "http://acme.test/contact" }, "adresse https://"],
      [{ formUrl: "javascript:alert(1)" }, "adresse https://"],
      [{ phone: "01 23 45 67 89", hours: "x".repeat(201) }, "trop long"],
    ];
    for (const [form, message] of refusals) {
      await admin.get("/conseiller/admin/portail");
      const res = await admin.post("/conseiller/admin/portail/contact", form);
      expect(res.statusCode, JSON.stringify(form)).toBe(422);
      expect(res.body, JSON.stringify(form)).toContain(message);
    }
    // A refused form comes back as typed, so the admin corrects one field instead of typing all again.
    await admin.get("/conseiller/admin/portail");
    const typed = await admin.post("/conseiller/admin/portail/contact", { phone: "abc", hours: "Lundi 9 h" });
    expect(typed.body).toContain('value="abc"');
    expect(typed.body).toContain('value="Lundi 9 h"');
    await admin.get("/conseiller/admin/portail");
    const saved = await admin.post("/conseiller/admin/portail/contact", {
      phone: " +33 1 23 45 67 89 ",
      email: "",
      formUrl: "",
      hours: "",
      address: "",
    });
    expect(saved.statusCode).toBe(303);
    expect((await settingsOf(acmeId)).contact).toEqual({
      phone: "+33 1 23 45 67 89",
      hours: "",
      address: "",
      email: "",
      formUrl: "",
    });
    const [audit] = await services.db.query<{ details: { fields: string[]; by: string } }>(
      "select details from audit_entries where tenant_id = $1 and action = 'tenant.contact_changed' order by seq desc limit 1",
      [acmeId],
    );
    expect(audit!.details).toMatchObject({ fields: ["phone"], by: "Anne Admin <anne@acme.test>" });
  });

  it("refuses a malformed phone for the hosting provider", async () => {
    await admin.get("/conseiller/admin/portail");
    const res = await admin.post("/conseiller/admin/portail/mentions", {
      ...COMPLETE_LEGAL,
      hostPhone: "n/a",
    });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain("Le téléphone de l’hébergeur");
  });

  it("sets legal details and the contact block from the command line, saying what is still missing", async () => {
    const lines: string[] = [];
    const io: CliIo = {
      out: (t) => lines.push(t),
      err: (t) => lines.push(t),
      cwd: process.cwd(),
      isTTY: false,
    };
    expect(await runWithServices(["tenant", "create", "cli", "--name", "Cli Bail"], io, services)).toBe(0);
    expect(lines.join("\n")).toContain(
      'Portal "cli" stays closed to customers in production until these are set: company name, registered address, SIREN',
    );
    lines.length = 0;
    const legal = [
      ["--company-name", "Cli Bail SA"],
      ["--address", "3 quai C, 33000 Bordeaux"],
      ["--siren", "552 120 222"],
      ["--contact-email", "contact@cli.test"],
      ["--dpo-email", "dpo@cli.test"],
      ["--publisher-name", "Marie Durand"],
      ["--host-name", "Hôte SAS"],
    ].flat();
    expect(await runWithServices(["tenant", "legal", "cli", ...legal], io, services)).toBe(0);
    expect(lines.join("\n")).toContain(
      "until these are set: hosting provider address, customer-service contact",
    );
    lines.length = 0;
    // Only the options given change: the host's address is added, the rest is kept.
    expect(
      await runWithServices(["tenant", "legal", "cli", "--host-address", "4 rue D, Lille"], io, services),
    ).toBe(0);
    expect(await runWithServices(["tenant", "contact", "cli", "--email", "bad"], io, services)).toBe(1);
    expect(lines.join("\n")).toContain("n’est pas valide");
    lines.length = 0;
    expect(
      await runWithServices(["tenant", "contact", "cli", "--phone", "05 56 00 00 00"], io, services),
    ).toBe(0);
    expect(lines.join("\n")).toContain(
      'Portal "cli": legal details and contact complete, open to customers.',
    );
    const [row] = await services.db.query<{ settings: { legal: Record<string, string> } }>(
      "select settings from tenants where slug = 'cli'",
    );
    expect(row!.settings.legal).toMatchObject({
      companyName: "Cli Bail SA",
      siren: "552120222",
      hostAddress: "4 rue D, Lille",
    });
    lines.length = 0;
    expect(await runWithServices(["tenant", "status", "cli"], io, services)).toBe(0);
    expect(lines[0]).toContain("open to customers");
  });
});

describe("mails that say « contactez votre conseiller(e) clientèle »", () => {
  it("give the address of the issuer's contact block, in French and in English", () => {
    const at = "2026-12-07T10:00:00Z";
    for (const language of ["fr", "en"] as const) {
      const context = {
        language,
        tenantName: "Acme",
        tenantColor: "#1f4e79",
        portalUrl: "https://acme.e-facture.test/",
      };
      for (const mail of [
        activationMail(context, { identifier: "K7QM-4TZP", email: "a@b.test", retentionMonths: 24 }),
        emailChangedMail(context, { at, customerNumber: "C-1" }),
        emailChangedNewMail(context, { at, identifier: "K7QM-4TZP", customerNumbers: "C-1" }),
        passwordChangedMail(context, { at, identifier: "K7QM-4TZP" }),
      ]) {
        expect(mail.text, mail.subject).toContain(
          `${language === "fr" ? `Ses coordonnées${NNBSP}:` : "Contact details:"} https://acme.e-facture.test/aide#contact`,
        );
        expect(mail.html, mail.subject).toContain("https://acme.e-facture.test/aide#contact");
      }
    }
  });
});

describe("in production", () => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;

  beforeAll(async () => {
    services = await openTestServices("pglite", {
      overrides: {
        NODE_ENV: "production",
        PUBLIC_BASE_URL: "https://e-facture.test",
        SMTP_URL: "smtp://127.0.0.1:9",
        SESSION_SECRET: "0123456789abcdef0123456789abcdef",
        LOG_LEVEL: "silent",
      },
    });
    app = await buildWebApp(services);
    await makeTenant(services.db, { slug: "nu", displayName: "Bail Nu" });
    const ok = await makeTenant(services.db, { slug: "ouvert", displayName: "Bail Ouvert" });
    await completePortalDetails(services.db, ok.id);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  it("answers 503 « Ce portail n'est pas encore ouvert » on every customer page of an incomplete portal", async () => {
    const visitor = new WebClient(app, "nu.e-facture.test");
    for (const path of [
      "/",
      "/aide",
      "/mentions-legales",
      "/confidentialite",
      "/factures",
      "/mot-de-passe-oublie",
    ]) {
      const res = await visitor.get(path, { "accept-language": "fr" });
      expect(res.statusCode, path).toBe(503);
      expect(res.headers["content-type"], path).toContain("text/html");
      expect(res.headers["cache-control"], path).toBe("no-store");
      expect(res.body, path).toContain("Ce portail n’est pas encore ouvert");
      expect(res.body, path).toContain("Bail Nu");
      // Neither the development banner nor links to the legal pages that are missing.
      expect(res.body, path).not.toContain("draft-banner");
      expect(res.body, path).not.toContain('href="/mentions-legales"');
    }
    const en = await visitor.get("/", { "accept-language": "en" });
    expect(en.statusCode).toBe(503);
    expect(en.body).toContain("This portal is not open yet");
    const login = await visitor.post("/connexion", { identifier: "X", password: "y" }, { csrf: "none" });
    expect(login.statusCode).toBe(503);
  });

  it("keeps the back office, the API and the branding reachable so the admin can complete the details", async () => {
    const visitor = new WebClient(app, "nu.e-facture.test");
    expect((await visitor.get("/conseiller/connexion")).statusCode).toBe(200);
    expect((await visitor.get("/branding.css?v=1")).statusCode).toBe(200);
    // The closed page itself shows the portal's icon.
    const icon = await visitor.get("/favicon.svg?v=1f4e79N");
    expect(icon.statusCode).toBe(200);
    expect(icon.headers["content-type"]).toContain("image/svg+xml");
    const api = await visitor.get("/api/v1/invoices");
    expect(api.statusCode).toBe(401);
  });

  it("serves a complete portal normally", async () => {
    const res = await new WebClient(app, "ouvert.e-facture.test").get("/");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("Bail Ouvert");
    expect(res.body).not.toContain("draft-banner");
  });
});
