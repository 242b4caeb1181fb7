import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDate, formatLongDate } from "../src/http/views/invoices.view.js";
import { listedNumbers, openPortalFixture, type PortalFixture, relLink } from "./portal-list-fixtures.js";
import { ENGINES } from "./support/services.js";
import { WebClient } from "./support/web-client.js";

describe.each(ENGINES)("the invoice list on %s", (engine) => {
  let f: PortalFixture;
  let acme: Awaited<ReturnType<PortalFixture["tenant"]>>;
  const accounts: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let fleet: WebClient;

  /** The invoice numbers listed at this URL for the fleet account (status 200 expected). */
  async function numbers(url: string, client = fleet): Promise<string[]> {
    const res = await client.get(url);
    expect(res.statusCode, url).toBe(200);
    return listedNumbers(res.body);
  }

  beforeAll(async () => {
    f = await openPortalFixture(engine);
    acme = await f.tenant("acme");
    const other = await f.tenant("other");

    // A fleet account: two customer numbers behind one address.
    accounts.fleet = await f.customer(acme, "FLEET-1", "fleet@example.com");
    await f.customer(acme, "FLEET-2", "fleet@example.com");
    ids.A1 = await f.publish(acme, {
      number: "FA-2026-0001",
      customer: "FLEET-1",
      issueDate: "2026-11-05",
      contract: "LLD-100",
      net: "100.00",
    });
    ids.A2 = await f.publish(acme, {
      number: "FA-2026-0002",
      customer: "FLEET-2",
      issueDate: "2026-10-15",
      contract: "LLD-200",
      net: "250.00",
    });
    ids.A3 = await f.publish(acme, {
      number: "AV-2026-0001",
      customer: "FLEET-1",
      issueDate: "2026-10-20",
      contract: "LLD-100",
      net: "50.00",
      type: "381",
    });
    ids.A4 = await f.publish(acme, {
      number: "FA-2025-0100",
      customer: "FLEET-2",
      issueDate: "2025-12-31",
      contract: "LOA-7",
      net: "1000.00",
    });

    // Someone else on the same portal, and the same customer number and address on another portal.
    accounts.solo = await f.customer(acme, "SOLO-1", "solo@example.com");
    ids.B1 = await f.publish(acme, { number: "FB-0001", customer: "SOLO-1", contract: "LLD-100" });
    await f.customer(other, "FLEET-1", "fleet@example.com");
    await f.publish(other, { number: "FX-0001", customer: "FLEET-1", contract: "LLD-100" });

    // An account with nothing published yet.
    accounts.empty = await f.customer(acme, "EMPTY-1", "empty@example.com");

    // Leaving soon: only L1 and L2 are never downloaded, still online, and leave within 60 days.
    accounts.leaving = await f.customer(acme, "LEAVE-1", "leave@example.com");
    for (const [n, date] of [
      ["L1", "2024-12-01"],
      ["L2", "2024-12-02"],
      ["L3", "2024-12-03"],
      ["L4", "2024-12-04"],
      ["L5", "2024-12-05"],
      ["L6", "2026-11-01"],
    ] as const)
      ids[n] = await f.publish(acme, { number: n, customer: "LEAVE-1", issueDate: date });
    const setInvoice = (id: string, assignments: string) =>
      f.services.db.query(`update invoices set ${assignments} where id = $1`, [id]);
    await setInvoice(ids.L1!, "available_until = now() + interval '10 days'");
    await setInvoice(ids.L2!, "available_until = now() + interval '59 days'");
    await setInvoice(
      ids.L3!,
      "available_until = now() + interval '5 days', first_downloaded_at = now() - interval '3 days'",
    );
    await setInvoice(
      ids.L4!,
      "available_until = now() - interval '1 day', removed_at = now() - interval '1 day'",
    );
    await setInvoice(ids.L5!, "available_until = now() + interval '70 days'");

    fleet = await f.login(acme, accounts.fleet);
  }, 120_000);
  afterAll(() => f?.close());

  describe("who sees what", () => {
    it("lists every invoice of every customer number of the account, newest first", async () => {
      expect(await numbers("/factures")).toEqual([
        "FA-2026-0001",
        "AV-2026-0001",
        "FA-2026-0002",
        "FA-2025-0100",
      ]);
    });

    it("never lists another account's or another tenant's invoices (A2), even when asked by customer number", async () => {
      const page = (await fleet.get("/factures")).body;
      expect(page).not.toContain("FB-0001");
      expect(page).not.toContain("FX-0001");
      expect(await numbers("/factures?client=SOLO-1")).toEqual([]);
      expect(await numbers("/factures?q=FB-0001")).toEqual([]);
      const csv = (await fleet.get("/factures/export.csv?client=SOLO-1")).body;
      expect(csv.split("\r\n").filter(Boolean)).toHaveLength(1);
      const solo = await f.login(acme, accounts.solo!);
      expect(await numbers("/factures", solo)).toEqual(["FB-0001"]);
    });

    it("sends a visitor without a session to the login page, for the list and the export", async () => {
      const anonymous = new WebClient(f.app, acme.host);
      for (const url of ["/factures", "/factures/export.csv"]) {
        const res = await anonymous.get(url);
        expect(res.statusCode).toBe(303);
        expect(res.headers.location).toBe("/?message=session");
      }
      // A session of this portal means nothing on another one.
      const elsewhere = new WebClient(f.app, "other.localhost:3000");
      elsewhere.cookies.set("efacture-session", fleet.cookies.get("efacture-session")!);
      expect((await elsewhere.get("/factures")).statusCode).toBe(303);
    });

    it("shows the customer number column and filter only when the account holds several numbers", async () => {
      const several = (await fleet.get("/factures")).body;
      expect(several).toContain('<th scope="col">N° client</th>');
      expect(several).toContain('id="f-client"');
      expect(several).toContain('<option value="FLEET-2">FLEET-2</option>');
      const one = (await (await f.login(acme, accounts.solo!)).get("/factures")).body;
      expect(one).not.toContain("N° client");
      expect(one).not.toContain('id="f-client"');
    });
    it("turns the customer filter into a text field for an account of more than 200 customer numbers", async () => {
      const account = await f.customer(acme, "BIG-000", "big@example.com");
      await f.services.db.query(
        `insert into customers (tenant_id, customer_number, name, email, account_id)
         select $1, 'BIG-' || lpad(g::text, 3, '0'), 'n', 'big@example.com', $2 from generate_series(1, 200) g`,
        [acme.id, account],
      );
      await f.publish(acme, { number: "BIG-F1", customer: "BIG-150" });
      const client = await f.login(acme, account);
      const page = (await client.get("/factures")).body;
      expect(page).toContain('<input id="f-client" name="client" type="text" value=""');
      expect(page).toContain("Les factures de tous vos numéros client");
      expect(await numbers("/factures?client=BIG-150", client)).toEqual(["BIG-F1"]);
      expect(await numbers("/factures?client=BIG-151", client)).toEqual([]);
    });
  });

  describe("rows", () => {
    it("links each number to its detail page and offers a checkbox for the ZIP", async () => {
      const page = (await fleet.get("/factures")).body;
      expect(page).toContain(`<a href="/factures/${ids.A1}">FA-2026-0001</a>`);
      expect(page).toContain(`<input type="checkbox" name="id" value="${ids.A1}" id="sel-${ids.A1}"/>`);
      expect(page).toContain(
        `<label for="sel-${ids.A1}" class="inv-sr">Sélectionner la facture FA-2026-0001</label>`,
      );
      expect(page).toMatch(
        /<form method="post" action="\/factures\/zip" class="inv-selection"><input type="hidden" name="_csrf" value="[^"]+"\/>/,
      );
      expect(page).toContain("Télécharger la sélection (ZIP)");
      expect(page).toContain("Télécharger mes 4 factures (ZIP)");
    });

    it("shows type, date, contract, amount with its currency, status and availability in French", async () => {
      const page = (await fleet.get("/factures")).body;
      const row = (number: string) =>
        page.slice(page.indexOf(`>${number}</a>`), page.indexOf("</tr>", page.indexOf(`>${number}</a>`)));
      expect(row("AV-2026-0001")).toContain("Avoir");
      expect(row("FA-2026-0001")).toContain(">Facture<");
      expect(row("FA-2026-0001")).toContain('<time datetime="2026-11-05">05/11/2026</time>');
      expect(row("FA-2026-0001")).toContain(">LLD-100<");
      expect(row("FA-2025-0100")).toContain("1\u202f200,00\u00a0€");
      expect(row("FA-2026-0001")).toContain(">Nouvelle<");
      const [available] = await f.services.db.query<{ at: Date }>(
        "select available_until as at from invoices where id = $1",
        [ids.A1],
      );
      expect(row("FA-2026-0001")).toContain(
        `Disponible jusqu’au </span><span>${formatDate(available!.at)}</span>`,
      );
    });

    it("shows downloaded and removed invoices as such; a removed invoice cannot be selected", async () => {
      const client = await f.login(acme, accounts.leaving!);
      const page = (await client.get("/factures")).body;
      const [l3] = await f.services.db.query<{ at: Date }>(
        "select first_downloaded_at as at from invoices where id = $1",
        [ids.L3],
      );
      const [l4] = await f.services.db.query<{ at: Date }>(
        "select removed_at as at from invoices where id = $1",
        [ids.L4],
      );
      expect(page).toContain(`Téléchargée le ${formatDate(l3!.at)}`);
      expect(page).toContain(`Retirée du portail le ${formatDate(l4!.at)}`);
      expect(page).toContain(`value="${ids.L3}"`);
      expect(page).not.toContain(`value="${ids.L4}"`);
      expect(listedNumbers(page)).toContain("L4");
    });
  });

  describe("filters", () => {
    it("counts every credit-note type as « Avoir » (261 self-billed here), in the label and the filters", async () => {
      const setType = (code: string) =>
        f.services.db.query("update invoices set type_code = $2 where id = $1", [ids.A3, code]);
      await setType("261");
      try {
        const page = (await fleet.get("/factures")).body;
        const at = page.indexOf(">AV-2026-0001</a>");
        expect(page.slice(at, page.indexOf("</tr>", at))).toContain("Avoir");
        expect(listedNumbers((await fleet.get("/factures?type=avoir")).body)).toEqual(["AV-2026-0001"]);
        expect(listedNumbers((await fleet.get("/factures?type=facture")).body)).not.toContain("AV-2026-0001");
      } finally {
        await setType("381");
      }
    });

    it.each([
      ["/factures?mois=2026-10", ["AV-2026-0001", "FA-2026-0002"]],
      ["/factures?annee=2025", ["FA-2025-0100"]],
      ["/factures?du=2026-10-16&au=2026-11-05", ["FA-2026-0001", "AV-2026-0001"]],
      ["/factures?du=2026-10-20", ["FA-2026-0001", "AV-2026-0001"]],
      ["/factures?au=2026-10-15", ["FA-2026-0002", "FA-2025-0100"]],
      ["/factures?contrat=lld-100", ["FA-2026-0001", "AV-2026-0001"]],
      ["/factures?client=FLEET-2", ["FA-2026-0002", "FA-2025-0100"]],
      ["/factures?type=avoir", ["AV-2026-0001"]],
      ["/factures?type=facture", ["FA-2026-0001", "FA-2026-0002", "FA-2025-0100"]],
      ["/factures?q=fa-2026-000", ["FA-2026-0001", "FA-2026-0002"]],
      ["/factures?q=loa", ["FA-2025-0100"]],
      ["/factures?q=0001", ["FA-2026-0001", "AV-2026-0001"]],
      // LIKE wildcards are taken literally.
      ["/factures?q=FA_2026", []],
      ["/factures?q=%25", []],
      ["/factures?type=facture&annee=2026&tri=montant-desc", ["FA-2026-0002", "FA-2026-0001"]],
      ["/factures?nouvelles=1&client=FLEET-1", ["FA-2026-0001", "AV-2026-0001"]],
    ])("%s", async (url, expected) => {
      expect(await numbers(url)).toEqual(expected);
    });

    it("lists only never-downloaded invoices still online with « nouvelles », and those leaving within 60 days with « retrait »", async () => {
      const client = await f.login(acme, accounts.leaving!);
      expect(await numbers("/factures?nouvelles=1", client)).toEqual(["L6", "L5", "L2", "L1"]);
      expect(await numbers("/factures?retrait=60", client)).toEqual(["L3", "L2", "L1"]);
      expect(await numbers("/factures?nouvelles=1&retrait=60", client)).toEqual(["L2", "L1"]);
    });

    it("keeps the filters in the URL: the form's empty fields and period select redirect to the canonical URL", async () => {
      const form = await fleet.get("/factures?q=+lld+&periode=2026-10&du=&au=&type=&contrat=&tri=date-desc");
      expect(form.statusCode).toBe(303);
      expect(form.headers.location).toBe("/factures?q=lld&mois=2026-10");
      const blank = await fleet.get("/factures?q=&periode=&du=&au=&type=&contrat=&client=&tri=date-desc");
      expect(blank.headers.location).toBe("/factures");
      expect(await numbers("/factures?q=lld&mois=2026-10")).toEqual(["AV-2026-0001", "FA-2026-0002"]);
    });

    it("shows the current filters in the form, the count, the ZIP of all matching and the CSV links with the same filters", async () => {
      const page = (await fleet.get("/factures?type=facture&client=FLEET-2&mois=2026-10")).body;
      expect(page).toContain('<option value="avoir">Avoirs</option>');
      expect(page).toContain('<option value="facture" selected>Factures</option>');
      expect(page).toContain('<option value="FLEET-2" selected>FLEET-2</option>');
      expect(page).toContain('<option value="2026-10" selected>Octobre 2026</option>');
      expect(page).toContain("1 facture correspond à vos critères");
      expect(page).toContain('<details class="inv-more" open>');
      const all = /<form id="inv-all" method="post" action="\/factures\/zip"[^>]*>(.*?)<\/form>/s.exec(
        page,
      )![1]!;
      expect(all).toContain('<input type="hidden" name="tout" value="1"/>');
      expect(all).toContain('<input type="hidden" name="mois" value="2026-10"/>');
      expect(all).toContain('<input type="hidden" name="client" value="FLEET-2"/>');
      expect(all).toContain('<input type="hidden" name="type" value="facture"/>');
      expect(page).toContain("Télécharger la facture correspondant aux filtres (ZIP)");
      expect(page).toContain('href="/factures/export.csv?mois=2026-10&client=FLEET-2&type=facture"');
      expect(page).toContain(
        'href="/factures/export.csv?mois=2026-10&client=FLEET-2&type=facture&format=csv"',
      );
      expect(page).toContain('<a href="/factures">Réinitialiser les filtres</a>');
    });

    it.each([
      ["type=xyz", "Le type doit être"],
      ["du=2026-02-30", "date de début"],
      ["au=hier", "date de fin"],
      ["mois=2026-13", "période"],
      ["annee=26", "période"],
      ["tri=prix", "tri"],
      ["retrait=abc", "retrait"],
      ["nouvelles=peut-etre", "nouvelles"],
      ["q=a&q=b", "plusieurs fois"],
      [`q=${"x".repeat(101)}`, "100 caractères"],
      ["contrat=a%00b", "caractère de contrôle"],
    ])("answers an unreadable filter (%s) with a 400 page that says what to do", async (query, message) => {
      const res = await fleet.get(`/factures?${query}`);
      expect(res.statusCode).toBe(400);
      expect(res.headers["cache-control"]).toBe("no-store");
      expect(res.body).toContain("Ces critères ne peuvent pas être appliqués");
      expect(res.body).toContain(message);
      expect(res.body).toContain('href="/factures"');
    });
  });

  describe("sorting", () => {
    it.each([
      ["", ["FA-2026-0001", "AV-2026-0001", "FA-2026-0002", "FA-2025-0100"]],
      ["?tri=date-asc", ["FA-2025-0100", "FA-2026-0002", "AV-2026-0001", "FA-2026-0001"]],
      ["?tri=montant-desc", ["FA-2025-0100", "FA-2026-0002", "FA-2026-0001", "AV-2026-0001"]],
      ["?tri=montant-asc", ["AV-2026-0001", "FA-2026-0001", "FA-2026-0002", "FA-2025-0100"]],
    ])("/factures%s", async (query, expected) => {
      expect(await numbers(`/factures${query}`)).toEqual(expected);
    });

    it("marks the sorted column for assistive technology and links each sortable header to the other direction", async () => {
      const page = (await fleet.get("/factures?tri=montant-asc&type=facture")).body;
      expect(page).toContain(
        '<th scope="col" class="amount" aria-sort="ascending"><a href="/factures?type=facture&tri=montant-desc"',
      );
      expect(page).toContain('<th scope="col"><a href="/factures?type=facture" class="inv-sort">Date');
    });
  });

  describe("pagination (50 per page, keyset)", () => {
    let big: WebClient;
    let bigOrder: string[];

    beforeAll(async () => {
      // 123 invoices with ties on dates and on amounts, so the id must break them.
      const account = await f.customer(acme, "PAGE-1", "pages@example.com");
      const template = await f.publish(acme, {
        number: "PG-000",
        customer: "PAGE-1",
        issueDate: "2026-06-01",
      });
      await f.cloneInvoices(
        template,
        Array.from({ length: 122 }, (_, n) => ({
          number: `PG-${String(n + 1).padStart(3, "0")}`,
          issueDate: `2026-0${1 + (n % 5)}-0${1 + (n % 3)}`,
          grandTotal: `${100 + (n % 7)}.00`,
        })),
      );
      big = await f.login(acme, account);
      const rows = await f.services.db.query<{ n: string }>(
        "select invoice_number as n from invoices where account_id = $1 order by issue_date desc, id desc",
        [account],
      );
      bigOrder = rows.map((r) => r.n);
      expect(bigOrder).toHaveLength(123);
    });

    async function walk(start: string, rel: "next" | "prev", client: WebClient) {
      const pages: string[][] = [];
      let url: string | undefined = start;
      while (url) {
        const res = await client.get(url);
        expect(res.statusCode, url).toBe(200);
        pages.push(listedNumbers(res.body));
        url = relLink(res.body, rel);
        if (pages.length > 10) throw new Error("runaway pagination");
      }
      return { pages, last: (await client.get(start)).body };
    }

    it("walks forward page by page through every invoice exactly once, then back to the first page", async () => {
      const { pages } = await walk("/factures", "next", big);
      expect(pages.map((p) => p.length)).toEqual([50, 50, 23]);
      expect(pages.flat()).toEqual(bigOrder);
      // From the last page, « précédentes » leads back through the same pages.
      let url = "/factures";
      for (let i = 0; i < 2; i++) url = relLink((await big.get(url)).body, "next")!;
      const back = await walk(url, "prev", big);
      expect(back.pages).toEqual([pages[2], pages[1], pages[0]]);
    });

    it("has no « précédentes » on the first page and no « suivantes » on the last", async () => {
      const first = (await big.get("/factures")).body;
      expect(relLink(first, "prev")).toBeUndefined();
      expect(relLink(first, "next")).toMatch(/^\/factures\?apres=2026-0\d-0\d_[0-9a-f-]{36}$/);
      const second = (await big.get(relLink(first, "next")!)).body;
      const third = (await big.get(relLink(second, "next")!)).body;
      expect(relLink(third, "next")).toBeUndefined();
      expect(relLink(third, "prev")).toBeDefined();
    });

    it("keeps the filters and the sort in the page links, and pages correctly by amount with ties", async () => {
      const { pages } = await walk("/factures?tri=montant-desc&q=PG", "next", big);
      const rows = await f.services.db.query<{ n: string }>(
        "select invoice_number as n from invoices where invoice_number like 'PG-%' and tenant_id = $1 order by grand_total desc, id desc",
        [acme.id],
      );
      expect(pages.flat()).toEqual(rows.map((r) => r.n));
      const first = (await big.get("/factures?tri=montant-desc&q=PG")).body;
      expect(relLink(first, "next")).toMatch(/^\/factures\?q=PG&tri=montant-desc&apres=1\d\d\.00_/);
    });

    it("shows exactly 50 invoices on one page without « suivantes »", async () => {
      const account = await f.customer(acme, "FIFTY-1", "fifty@example.com");
      const template = await f.publish(acme, {
        number: "FF-00",
        customer: "FIFTY-1",
        issueDate: "2026-05-05",
      });
      await f.cloneInvoices(
        template,
        Array.from({ length: 49 }, (_, n) => ({
          number: `FF-${String(n + 1).padStart(2, "0")}`,
          issueDate: "2026-05-05",
          grandTotal: "10.00",
        })),
      );
      const client = await f.login(acme, account);
      const page = (await client.get("/factures")).body;
      expect(listedNumbers(page)).toHaveLength(50);
      expect(relLink(page, "next")).toBeUndefined();
      expect(relLink(page, "prev")).toBeUndefined();
      await f.cloneInvoices(template, [{ number: "FF-50", issueDate: "2026-05-04", grandTotal: "10.00" }]);
      const more = (await client.get("/factures")).body;
      expect(listedNumbers(more)).toHaveLength(50);
      const next = (await client.get(relLink(more, "next")!)).body;
      expect(listedNumbers(next)).toEqual(["FF-50"]);
    });

    it("says so when a page link points past the end", async () => {
      const res = await big.get("/factures?apres=1999-01-01_00000000-0000-4000-8000-000000000000");
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain("Vous êtes à la fin de la liste");
      expect(res.body).toContain('href="/factures">Revenir au début de la liste');
    });

    it.each([
      ["apres=garbage"],
      ["apres=2026-06-01_not-a-uuid"],
      ["apres=2026-13-01_00000000-0000-4000-8000-000000000000"],
      ["apres=2026-06-01_00000000-0000-4000-8000-000000000000_x"],
      ["tri=montant-desc&apres=2026-06-01_00000000-0000-4000-8000-000000000000"],
      ["tri=date-desc&apres=100.00_00000000-0000-4000-8000-000000000000"],
      [
        "apres=2026-06-01_00000000-0000-4000-8000-000000000000&avant=2026-06-01_00000000-0000-4000-8000-000000000000",
      ],
      ["avant=%3Cscript%3E"],
      ["apres=a&apres=b"],
    ])("answers a tampered page link (%s) with a 400 page", async (query) => {
      const res = await big.get(`/factures?${query}`);
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain("Ce lien de page n’est pas valide");
      expect(res.body).not.toContain("<script>");
    });
  });

  describe("empty states", () => {
    it("tells a customer with no invoice yet what will happen", async () => {
      const client = await f.login(acme, accounts.empty!);
      const page = (await client.get("/factures")).body;
      expect(page).toContain("Aucune facture pour l’instant");
      expect(page).toContain("Un e-mail vous préviendra à chaque nouvelle facture.");
      expect(page).not.toContain("inv-filters");
    });

    it("offers to reset filters that match nothing, and explains a reversed date range", async () => {
      const page = (await fleet.get("/factures?q=introuvable")).body;
      expect(page).toContain("Aucune facture ne correspond à ces critères");
      expect(page).toContain('<a class="button secondary" href="/factures">Réinitialiser les filtres</a>');
      expect(page).toContain('value="introuvable"');
      expect(page).not.toContain("Exporter");
      expect(page).not.toContain('id="inv-all"');
      const reversed = (await fleet.get("/factures?du=2026-12-01&au=2026-01-01")).body;
      expect(reversed).toContain("La date de début est postérieure à la date de fin.");
    });
  });

  describe("the leaving-soon banner", () => {
    it("counts only never-downloaded invoices still online that leave within 60 days, with a one-click ZIP", async () => {
      const client = await f.login(acme, accounts.leaving!);
      const page = (await client.get("/factures")).body;
      const dates = await f.services.db.query<{ at: Date }>(
        "select available_until as at from invoices where id = any($1::uuid[]) order by 1",
        [[ids.L1, ids.L2]],
      );
      expect(page).toContain(
        `2 factures non téléchargées quitteront le portail d’ici le ${formatLongDate(dates[1]!.at)} (la première dès le ${formatLongDate(dates[0]!.at)}).`,
      );
      const banner = /<section class="inv-leaving".*?<\/section>/s.exec(page)![0];
      expect(banner).toMatch(
        /<form method="post" action="\/factures\/zip" class="inline"><input type="hidden" name="_csrf" value="[^"]+"\/>/,
      );
      expect(banner).toContain('<input type="hidden" name="tout" value="1"/>');
      expect(banner).toContain('<input type="hidden" name="nouvelles" value="1"/>');
      expect(banner).toContain('<input type="hidden" name="retrait" value="60"/>');
      expect(banner).toContain("Télécharger ces 2 factures (ZIP)");
      expect(banner).toContain('href="/factures?nouvelles=1&retrait=60&tri=date-asc"');
      // The banner's link shows exactly those invoices, most urgent first.
      expect(await numbers("/factures?nouvelles=1&retrait=60&tri=date-asc", client)).toEqual(["L1", "L2"]);
    });

    it("is a home-page banner: not on filtered views or further pages", async () => {
      const client = await f.login(acme, accounts.leaving!);
      expect((await client.get("/factures?type=facture")).body).not.toContain("inv-leaving");
      expect((await client.get("/factures?tri=date-asc")).body).toContain("inv-leaving");
      expect((await client.get(`/factures?apres=2030-01-01_${ids.L1}`)).body).not.toContain("inv-leaving");
    });

    it("does not appear when nothing never-downloaded is about to leave", async () => {
      expect((await fleet.get("/factures")).body).not.toContain("inv-leaving");
      const client = await f.login(acme, accounts.leaving!);
      await f.services.db.query(
        "update invoices set first_downloaded_at = now() where id = any($1::uuid[])",
        [[ids.L1, ids.L2]],
      );
      try {
        expect((await client.get("/factures")).body).not.toContain("inv-leaving");
      } finally {
        await f.services.db.query(
          "update invoices set first_downloaded_at = null where id = any($1::uuid[])",
          [[ids.L1, ids.L2]],
        );
      }
    });
  });
});
