import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishDeps } from "../src/app.js";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { type PublishDeps, publishInvoice } from "../src/domain/invoices/publish-invoice.js";
import { buildFacturX, type FacturXInput } from "../src/einvoice/index.js";
import { buildWebApp } from "../src/http/web-app.js";
import { localeFromAcceptLanguage } from "../src/i18n/index.js";
import { invoiceInput, loggedInAccount, makeTenant } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";
import { WebClient } from "./support/web-client.js";

const actor = { type: "issuer" as const, id: "test" };

/** A monthly instalment from Rivage Crédit SA to customer `buyerId`. */
function facturx(
  number: string,
  buyerId: string,
  issueDate = "2026-11-05",
  unitPrice = "1028.80",
): FacturXInput {
  return invoiceInput(number, buyerId, {
    issueDate,
    seller: {
      name: "Rivage Crédit SA",
      siren: "552120222",
      address: { line1: "3 quai des Chartrons", postcode: "33000", city: "Bordeaux", countryCode: "FR" },
    },
    buyer: { name: `Client ${buyerId}` },
    lines: [{ description: "Mensualité", quantity: "1", unitPrice, vatRatePercent: "20" }],
  });
}

describe("Accept-Language", () => {
  it.each([
    [undefined, "fr"],
    ["", "fr"],
    ["en-GB,en;q=0.9", "en"],
    ["en-US,en;q=0.9,fr;q=0.8", "en"],
    ["fr-FR,fr;q=0.9,en;q=0.8", "fr"],
    ["de-DE,de;q=0.9,en;q=0.5", "en"],
    ["de-DE", "fr"],
    ["fr;q=0.5,en;q=0.6", "en"],
    ["en;q=0,fr;q=0.1", "fr"],
    ["*", "fr"],
    ["en;q=0.8,fr;q=0.8", "en"],
  ])("reads %j as %s (English only when preferred over French)", (header, locale) => {
    expect(localeFromAcceptLanguage(header)).toBe(locale);
  });
});

describe.each(ENGINES)("the portal in French and English on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let deps: PublishDeps;
  let app: FastifyInstance;
  let tenant: TenantRow;
  let bare: TenantRow;
  let other: TenantRow;
  let seq = 0;

  async function account(t: TenantRow, numbers = [`C-${++seq}`]) {
    return loggedInAccount(services, app, t, { numbers, email: `client${++seq}@example.com` });
  }

  async function publish(t: TenantRow, input: FacturXInput) {
    const { invoice } = await publishInvoice(deps, { tenant: t, bytes: await buildFacturX(input), actor });
    return invoice.id;
  }

  const language = async (accountId: string) =>
    (
      await services.db.query<{ language: string }>("select language from accounts where id = $1", [
        accountId,
      ])
    )[0]?.language;
  const htmlLang = (html: string) => /<html lang="([a-z]+)">/.exec(html)?.[1];

  beforeAll(async () => {
    services = await openTestServices(engine);
    deps = publishDeps(services);
    tenant = await makeTenant(services.db, { slug: "rivage", displayName: "Rivage Crédit" });
    bare = await makeTenant(services.db, { slug: "nu", displayName: "Bail Nu" });
    other = await makeTenant(services.db, { slug: "autre", displayName: "Autre Bail" });
    await services.db.query("update tenants set settings = $2::jsonb where id = $1", [
      tenant.id,
      JSON.stringify({
        faqMarkdown:
          '## Prélèvements\n\nLe **5** du mois. <script>alert("x")</script> [site](https://rivage.example/aide) [piège](javascript:alert(1)) <img src=x onerror=alert(1)>',
        legal: {
          companyName: "Rivage Crédit SA",
          address: "3 quai des Chartrons, 33000 Bordeaux",
          siren: "552 120 222",
          contactEmail: "contact@rivage.example",
          dpoEmail: "dpo@rivage.example",
          publisherName: "Marie Durand",
          hostName: "Hébergeur Rivage SAS",
          hostAddress: "5 rue du Port, 33000 Bordeaux",
        },
      }),
    ]);
    await services.db.query("update tenants set settings = $2::jsonb where id = $1", [
      bare.id,
      JSON.stringify({ legal: { companyName: "Bail Nu SAS", siren: "   " } }),
    ]);
    app = await buildWebApp(services);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  describe("choosing the language", () => {
    it("answers a first visit in the language Accept-Language prefers, French otherwise", async () => {
      const visitor = new WebClient(app, "rivage.localhost:3000");
      const english = await visitor.get("/", { "accept-language": "en-GB,en;q=0.9,fr;q=0.5" });
      expect(htmlLang(english.body)).toBe("en");
      expect(english.body).toContain("Your Rivage Crédit invoices online");
      expect(english.body).toContain("Forgot password or identifier?");
      expect(english.body).toContain("2 years");
      const french = await visitor.get("/", { "accept-language": "de-DE,fr;q=0.8,en;q=0.7" });
      expect(htmlLang(french.body)).toBe("fr");
      expect(french.body).toContain("Mot de passe ou identifiant oublié\u202f?");
      expect(htmlLang((await visitor.get("/")).body)).toBe("fr");
    });

    it("follows the switch link: sets the cookie, comes back to the same page without `lang`, keeps it", async () => {
      const visitor = new WebClient(app, "rivage.localhost:3000");
      const home = await visitor.get("/mot-de-passe-oublie", { "accept-language": "fr-FR" });
      expect(home.body).toContain(
        '<a href="/mot-de-passe-oublie?lang=en" lang="en" hreflang="en" aria-label="Show the portal in English" rel="alternate">English</a>',
      );
      const switched = await visitor.get("/mot-de-passe-oublie?lang=en");
      expect(switched.statusCode).toBe(303);
      expect(switched.headers.location).toBe("/mot-de-passe-oublie");
      expect(String(switched.headers["set-cookie"])).toMatch(
        /^lang=en; Max-Age=31536000; Path=\/; SameSite=Lax/,
      );
      expect(visitor.cookies.get("lang")).toBe("en");
      // The cookie wins over Accept-Language from now on.
      const page = await visitor.get("/mot-de-passe-oublie", { "accept-language": "fr-FR" });
      expect(htmlLang(page.body)).toBe("en");
      expect(page.body).toContain("Send me the reset e-mail");
      expect(page.body).toContain('lang="fr" hreflang="fr"');
      // Other query parameters are kept; an unknown language only drops the parameter.
      const kept = await visitor.get("/?message=logged-out&lang=fr");
      expect(kept.headers.location).toBe("/?message=logged-out");
      const odd = await visitor.get("/aide?lang=de");
      expect(odd.statusCode).toBe(303);
      expect(odd.headers.location).toBe("/aide");
      expect(visitor.cookies.get("lang")).toBe("fr");
    });

    it("never redirects the switch off the portal", async () => {
      const visitor = new WebClient(app, "rivage.localhost:3000");
      for (const url of ["//evil.example/?lang=en", "/\\evil.example?lang=en"]) {
        const res = await visitor.get(url);
        if (res.statusCode === 303) expect(res.headers.location).toBe("/");
        else expect(res.statusCode).toBe(404);
      }
    });

    it("lets the account's preference win over the cookie and Accept-Language", async () => {
      const me = await account(tenant);
      await services.db.query("update accounts set language = 'en' where id = $1", [me.accountId]);
      me.client.cookies.set("lang", "fr");
      const list = await me.client.get("/factures", { "accept-language": "fr-FR" });
      expect(htmlLang(list.body)).toBe("en");
      expect(list.body).toContain("My invoices");
      // The logged-in switch is a POST form with the CSRF token.
      expect(list.body).toMatch(
        /<form method="post" action="\/langue" class="inline"><input type="hidden" name="_csrf" value="[^"]+"\/><input type="hidden" name="lang" value="fr"\/><input type="hidden" name="retour" value="\/factures"\/>/,
      );
    });

    it("saves the switch on the account and in the cookie, and comes back to the page", async () => {
      const me = await account(tenant);
      await me.client.get("/factures?annee=2026");
      const res = await me.client.post("/langue", { lang: "en", retour: "/factures?annee=2026" });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe("/factures?annee=2026");
      expect(await language(me.accountId)).toBe("en");
      expect(me.client.cookies.get("lang")).toBe("en");
      expect(htmlLang((await me.client.get("/compte")).body)).toBe("en");
      // The account page shows the same choice and still saves it (and the cookie follows).
      const page = await me.client.get("/compte");
      expect(page.body).toContain('<option value="en" lang="en" selected>English</option>');
      await me.client.post("/compte/preferences", { language: "fr", notify: "1" });
      expect(await language(me.accountId)).toBe("fr");
      expect(me.client.cookies.get("lang")).toBe("fr");
      expect(htmlLang((await me.client.get("/compte?message=preferences")).body)).toBe("fr");
      // Nowhere else to go: a foreign or odd return path comes home.
      const away = await me.client.post(
        "/langue",
        { lang: "en", retour: "//evil.example/x" },
        { csrf: me.client.csrf() },
      );
      expect(away.headers.location).toBe("/");
    });

    it("refuses the switch form without its CSRF token or from another origin, and changes nothing", async () => {
      const me = await account(tenant);
      await me.client.get("/factures");
      const token = me.client.csrf();
      expect((await me.client.post("/langue", { lang: "en" }, { csrf: false })).statusCode).toBe(403);
      const foreign = await me.client.post(
        "/langue",
        { lang: "en" },
        { csrf: token, headers: { origin: "http://autre.localhost:3000" } },
      );
      expect(foreign.statusCode).toBe(403);
      expect(await language(me.accountId)).toBe("fr");
      expect(htmlLang(foreign.body)).toBe("fr");
    });

    it("sets the cookie to the account's language at login", async () => {
      const visitor = new WebClient(app, "rivage.localhost:3000");
      const me = await account(tenant);
      const [row] = await services.db.query<{ identifier: string }>(
        "update accounts set language = 'en', password_hash = $2 where id = $1 returning identifier",
        [
          me.accountId,
          await (await import("../src/domain/accounts/password-hashing.js")).hashPassword(
            "une phrase assez longue ici",
          ),
        ],
      );
      await visitor.get("/", { "accept-language": "fr-FR" });
      const login = await visitor.post("/connexion", {
        identifier: row!.identifier,
        password: "une phrase assez longue ici",
      });
      expect(login.statusCode).toBe(303);
      expect(visitor.cookies.get("lang")).toBe("en");
    });
  });

  describe("help and legal pages", () => {
    const pages = [
      "/aide",
      "/aide/sauvegarder",
      "/aide/valeur-fiscale",
      "/mentions-legales",
      "/confidentialite",
    ];

    it.each(pages)("serves %s in both languages, tenant-branded, linked from the footer", async (path) => {
      const visitor = new WebClient(app, "rivage.localhost:3000");
      const fr = await visitor.get(path, { "accept-language": "fr-FR" });
      const en = await visitor.get(path, { "accept-language": "en-GB" });
      for (const [res, lang] of [
        [fr, "fr"],
        [en, "en"],
      ] as const) {
        expect(res.statusCode).toBe(200);
        expect(htmlLang(res.body)).toBe(lang);
        expect(res.body).toContain("<title>");
        expect(res.body).toContain("Rivage Crédit");
        expect(res.body).toContain('<link rel="stylesheet" href="/branding.css?v=1f4e79"/>');
        expect(res.body).toContain(`<a href="${path}" aria-current="page">`);
        expect(res.headers.vary).toContain("Accept-Language");
      }
      expect(fr.body).toContain('<a href="/mentions-legales">Mentions légales</a>');
      expect(en.body).toContain('<a href="/mentions-legales">Legal notice</a>');
      expect(fr.body).not.toBe(en.body);
    });

    it("shows the how-to-save and fiscal-value texts", async () => {
      const visitor = new WebClient(app, "rivage.localhost:3000");
      const save = (await visitor.get("/aide/sauvegarder")).body;
      for (const text of [
        "PDF",
        "XML",
        "ZIP",
        "CSV",
        "SHA-256",
        "sha256sum facture.pdf",
        "Get-FileHash facture.pdf",
      ])
        expect(save).toContain(text);
      const fiscal = (await visitor.get("/aide/valeur-fiscale", { "accept-language": "en" })).body;
      for (const text of ["Factur-X", "6 years", "10 years", "usually 2 years"])
        expect(fiscal).toContain(text);
    });

    it("renders the tenant's FAQ markdown with raw HTML shown as text and unsafe links dropped, then the standard FAQ", async () => {
      const visitor = new WebClient(app, "rivage.localhost:3000");
      const html = (await visitor.get("/aide")).body;
      expect(html).toContain("<h3>Prélèvements</h3>");
      expect(html).toContain("<strong>5</strong>");
      expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
      expect(html).not.toContain("<script");
      expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
      expect(html).not.toContain("<img src=x");
      expect(html).toContain(
        '<a href="https://rivage.example/aide" rel="noopener noreferrer nofollow">site</a>',
      );
      expect(html).not.toContain('href="javascript:');
      expect(html.indexOf("Prélèvements")).toBeLessThan(
        html.indexOf("Je n’ai pas reçu de mail d’activation"),
      );
      // The standard FAQ is the home page's.
      expect((await visitor.get("/")).body).toContain("Je n’ai pas reçu de mail d’activation");
      // Without a tenant FAQ only the standard one is shown.
      const plain = (await new WebClient(app, "nu.localhost:3000").get("/aide", { "accept-language": "en" }))
        .body;
      expect(plain).not.toContain("help-md");
      expect(plain).toContain("I did not receive an activation e-mail");
    });

    it("shows the tenant's legal details on the legal notice and privacy pages", async () => {
      const visitor = new WebClient(app, "rivage.localhost:3000");
      const notice = (await visitor.get("/mentions-legales")).body;
      for (const text of [
        "Rivage Crédit SA",
        "3 quai des Chartrons, 33000 Bordeaux",
        "552 120 222",
        "Marie Durand",
      ])
        expect(notice).toContain(text);
      expect(notice).toContain('<a href="mailto:contact@rivage.example">contact@rivage.example</a>');
      expect(notice).not.toContain("opérateur E-FACTURE, communiqué");
      const privacy = (await visitor.get("/confidentialite", { "accept-language": "en" })).body;
      expect(privacy).toContain("Rivage Crédit SA is the controller of your data");
      expect(privacy).toContain('<a href="mailto:dpo@rivage.example">dpo@rivage.example</a>');
      expect(privacy).toContain("2 years");
    });

    it("fills every missing legal detail with the operator's, never an empty line", async () => {
      const visitor = new WebClient(app, "nu.localhost:3000");
      const notice = (await visitor.get("/mentions-legales")).body;
      expect(notice).toContain("Bail Nu SAS");
      expect(notice).toContain("Adresse de l’opérateur E-FACTURE, communiquée sur simple demande");
      expect(notice).toContain("Communiqué sur simple demande à l’opérateur E-FACTURE");
      expect(notice).toContain("Le représentant légal de l’opérateur E-FACTURE");
      expect(notice).not.toMatch(/<dd>\s*<\/dd>|<dd><span[^>]*><\/span><\/dd>/);
      const en = (await visitor.get("/confidentialite", { "accept-language": "en" })).body;
      expect(en).toContain("Bail Nu SAS is the controller");
      expect(en).toContain("Your customer-service advisor, who forwards to the E-FACTURE operator");
    });

    it("has no help page on the platform host", async () => {
      const res = await app.inject({ method: "GET", url: "/aide", headers: { host: "localhost:3000" } });
      expect(res.statusCode).toBe(404);
    });
  });

  describe("removed invoices (tombstones)", () => {
    it("shows a removed invoice without checkbox, its facts and SHA-256 without downloads; 410 on its files", async () => {
      const me = await account(tenant, ["RC-100"]);
      const live = await publish(tenant, facturx(`RC-L-${seq}`, "RC-100"));
      const gone = await publish(tenant, facturx(`RC-G-${seq}`, "RC-100", "2024-09-05"));
      await services.db.query("update invoices set removed_at = '2026-09-06T10:00:00Z' where id = $1", [
        gone,
      ]);
      const [{ sha256 }] = (await services.db.query<{ sha256: string }>(
        "select sha256 from invoices where id = $1",
        [gone],
      )) as [{ sha256: string }];

      const list = (await me.client.get("/factures")).body;
      const row = (id: string) => {
        const at = list.indexOf(`href="/factures/${id}"`);
        return list.slice(list.lastIndexOf("<tr", at), list.indexOf("</tr>", at));
      };
      expect(row(gone)).toContain("Retirée du portail le 06/09/2026");
      expect(row(gone)).not.toContain(`value="${gone}"`);
      expect(row(gone)).not.toContain("Nouvelle");
      expect(row(live)).toContain(`<input type="checkbox" name="id" value="${live}"`);

      const detail = await me.client.get(`/factures/${gone}`);
      expect(detail.statusCode).toBe(200);
      expect(detail.body).toContain("Cette facture a été retirée du portail le 6 septembre 2026.");
      expect(detail.body).toContain(sha256);
      expect(detail.body).not.toContain(`/factures/${gone}/pdf`);
      expect(detail.body).not.toContain("Télécharger le PDF");

      for (const kind of ["pdf", "xml"]) {
        const res = await me.client.get(`/factures/${gone}/${kind}`);
        expect(res.statusCode).toBe(410);
        expect(res.headers["content-type"]).toContain("text/html");
        expect(res.body).toContain("Facture retirée du portail");
        expect(res.body).toContain("le 6 septembre 2026");
        expect(res.body).toContain(`href="/factures/${gone}"`);
      }
      await services.db.query("update accounts set language = 'en' where id = $1", [me.accountId]);
      const en = await me.client.get(`/factures/${gone}/pdf`);
      expect(en.statusCode).toBe(410);
      expect(htmlLang(en.body)).toBe("en");
      expect(en.body).toContain("This invoice was removed from the portal on 6 September 2026");
      expect((await me.client.get(`/factures/${gone}`)).body).toContain(
        "This invoice was removed from the portal on 6 September 2026.",
      );
      // Another tenant's customer gets a 404, never a 410 that would reveal the invoice.
      const stranger = await account(other);
      expect((await stranger.client.get(`/factures/${gone}/pdf`)).statusCode).toBe(404);
    });

    it("leaves removed invoices out of a ZIP and says so when nothing else was chosen", async () => {
      const me = await account(tenant, ["RC-200"]);
      const gone = await publish(tenant, facturx(`RC-Z-${seq}`, "RC-200"));
      await services.db.query("update invoices set removed_at = now() where id = $1", [gone]);
      await me.client.get("/factures");
      const res = await me.client.post("/factures/zip", { id: gone });
      expect(res.statusCode).toBe(422);
      expect(res.body).toContain("La facture choisie a été retirée du portail");
      const all = await me.client.post("/factures/zip", { tout: "1" }, { csrf: me.client.csrf() });
      expect(all.statusCode).toBe(422);
      expect(all.body).toContain("Aucune facture téléchargeable ne correspond à ces critères");
    });
  });

  describe("select all N matching the filters", () => {
    it("offers every matching invoice when they exceed the page, and replaces the ZIP beyond the limit", async () => {
      const me = await account(tenant, ["RC-300"]);
      for (let i = 0; i < 51; i++)
        await publish(
          tenant,
          facturx(`RC-P-${seq}-${i}`, "RC-300", `2026-0${1 + (i % 9)}-1${i % 10}`, "10.00"),
        );
      const list = (await me.client.get("/factures")).body;
      expect(list).toContain("Tout sélectionner\u00a0: mes 51 factures (ZIP)");
      expect(list).toContain("Seules 50 factures sont affichées sur cette page");
      expect(list).toContain('<button type="submit" form="inv-all"');
      const filtered = (await me.client.get("/factures?mois=2026-01")).body;
      expect(filtered).toContain("Télécharger les 6 factures correspondant aux filtres (ZIP)");
      // The hidden form posts the filter state (works without JavaScript).
      expect(filtered).toContain('<input type="hidden" name="mois" value="2026-01"/>');

      const limited = await buildWebApp(services, { downloads: { zipMaxFiles: 5 } });
      try {
        const client = new WebClient(limited, me.client.host);
        client.cookies.set("efacture-session", me.client.cookies.get("efacture-session")!);
        const page = (await client.get("/factures")).body;
        expect(page).toContain(
          "51 factures correspondent\u00a0: c’est plus que les 5 qu’une archive ZIP peut contenir",
        );
        expect(page).not.toContain('form="inv-all"');
        expect(page).toContain("Télécharger la sélection (ZIP)");
        const en = (await client.get("/factures?lang=en")).headers.location;
        expect(en).toBe("/factures");
      } finally {
        await limited.close();
      }
    }, 120_000);
  });

  describe("CSV and error pages", () => {
    it("names the CSV columns in the customer's language, the same ones every time", async () => {
      const me = await account(tenant, ["RC-400"]);
      await publish(tenant, facturx(`RC-C-${seq}`, "RC-400"));
      const fr = (await me.client.get("/factures/export.csv")).body;
      expect(fr.split("\r\n")[0]).toBe(
        "\uFEFFNuméro;Type;Code type;Date d’émission;Échéance;Contrat;N° client;Total HT;TVA;Total TTC;Net à payer;Devise;SHA-256;Disponible jusqu’au;Téléchargée le",
      );
      await services.db.query("update accounts set language = 'en' where id = $1", [me.accountId]);
      const res = await me.client.get("/factures/export.csv?format=csv");
      expect(res.headers["content-disposition"]).toMatch(
        /^attachment; filename="invoices_rivage_\d{4}-\d{2}-\d{2}\.csv"$/,
      );
      const [header, line] = res.body.split("\r\n");
      expect(header).toBe(
        "Number,Type,Type code,Issue date,Due date,Contract,Customer number,Total excl. VAT,VAT,Total incl. VAT,Amount due,Currency,SHA-256,Available until,Downloaded on",
      );
      expect(line).toMatch(/^RC-C-\d+,Invoice,380,2026-11-05,/);
      const bad = await me.client.get("/factures/export.csv?format=xls");
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain("The export format must be “excel” or “csv”.");
    });

    it("answers 404 in the visitor's language, in the portal's colours, the same for every path", async () => {
      const visitor = new WebClient(app, "rivage.localhost:3000");
      const a = await visitor.get("/nulle-part", { "accept-language": "en" });
      const b = await visitor.get("/ailleurs", { "accept-language": "en" });
      expect(a.statusCode).toBe(404);
      expect(htmlLang(a.body)).toBe("en");
      expect(a.body).toContain("Page not found");
      expect(a.body).toContain("/branding.css");
      expect(a.body).toBe(b.body);
      const fr = await visitor.get("/nulle-part");
      expect(fr.body).toContain("Page introuvable");
    });
  });
});
