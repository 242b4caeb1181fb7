import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sql } from "../src/db/database.js";
import { iterateAccountInvoices } from "../src/db/portal-invoices.queries.js";
import { csvField } from "../src/http/invoice-csv.js";
import { openPortalFixture, type PortalFixture } from "./portal-list-fixtures.js";
import { ENGINES } from "./support/services.js";
import type { WebClient } from "./support/web-client.js";

/** RFC 4180 reader: the test's independent check of what a spreadsheet would see. */
function parseCsv(text: string, separator: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === separator) {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += c;
  }
  if (field !== "" || row.length) throw new Error("the CSV does not end with CRLF");
  return rows;
}

const HEADER = [
  "Numéro",
  "Type",
  "Code type",
  "Date d’émission",
  "Échéance",
  "Contrat",
  "N° client",
  "Total HT",
  "TVA",
  "Total TTC",
  "Net à payer",
  "Devise",
  "SHA-256",
  "Disponible jusqu’au",
  "Téléchargée le",
];

describe("csvField", () => {
  it.each([
    ["plain", "plain"],
    ["a;b", '"a;b"'],
    ['say "hi"', '"say ""hi"""'],
    ["two\nlines", '"two\nlines"'],
    ["cr\rhere", '"cr\rhere"'],
    ["=1+1", "'=1+1"],
    ["+33 1 23", "'+33 1 23"],
    ["-2", "'-2"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tTAB", "'\tTAB"],
    ['=HYPERLINK("http://x";"y")', `"'=HYPERLINK(""http://x"";""y"")"`],
    ["", ""],
  ])("writes %j as %j with ;", (value, expected) => {
    expect(csvField(value, ";")).toBe(expected);
  });

  it("quotes on the separator in use only, and leaves numbers alone when asked", () => {
    expect(csvField("a;b", ",")).toBe("a;b");
    expect(csvField("a,b", ",")).toBe('"a,b"');
    expect(csvField("-12.50", ",", { text: false })).toBe("-12.50");
  });
});

describe.each(ENGINES)("the CSV export on %s", (engine) => {
  let f: PortalFixture;
  let client: WebClient;
  let accountId: string;
  let tenantId: string;
  let bulk: WebClient;
  let bulkAccount: string;

  beforeAll(async () => {
    f = await openPortalFixture(engine);
    const acme = await f.tenant("acme");
    tenantId = acme.id;
    accountId = await f.customer(acme, "CSV-1", "csv@example.com");
    await f.customer(acme, "CSV-2", "csv@example.com");
    const first = await f.publish(acme, {
      number: "FA-1",
      customer: "CSV-1",
      issueDate: "2026-11-05",
      dueDate: "2026-11-20",
      contract: "LLD-1",
      net: "1234.56",
    });
    await f.publish(acme, {
      number: "AV-1",
      customer: "CSV-2",
      issueDate: "2026-10-01",
      type: "381",
      net: "10.00",
    });
    // Texts that a spreadsheet must not take for separators, line ends or formulas.
    await f.cloneInvoices(first, [
      {
        number: '=HYPERLINK("http://evil.example";"clic")',
        issueDate: "2026-09-01",
        grandTotal: "-12.50",
        contract: 'K;1 "quoted"\r\nnext line',
      },
      { number: "+33123", issueDate: "2026-08-01", grandTotal: "0.10", contract: "@SUM(A1:A9)" },
      { number: "-7", issueDate: "2026-07-01", grandTotal: "7.00", contract: "a,b" },
    ]);
    await f.services.db.query(
      "update invoices set first_downloaded_at = '2026-11-06T09:30:00Z' where invoice_number = 'FA-1' and tenant_id = $1",
      [tenantId],
    );
    client = await f.login(acme, accountId);

    // Someone else's invoice must never appear.
    const other = await f.customer(acme, "OTHER-1", "other@example.com");
    await f.publish(acme, { number: "NOT-MINE", customer: "OTHER-1" });
    expect(other).not.toBe(accountId);

    // 1,234 invoices to show the export streams in batches.
    bulkAccount = await f.customer(acme, "BULK-1", "bulk@example.com");
    const template = await f.publish(acme, {
      number: "BK-0000",
      customer: "BULK-1",
      issueDate: "2026-01-01",
    });
    await f.cloneInvoices(
      template,
      Array.from({ length: 1233 }, (_, n) => ({
        number: `BK-${String(n + 1).padStart(4, "0")}`,
        issueDate: `2025-${String(1 + (n % 12)).padStart(2, "0")}-${String(1 + (n % 28)).padStart(2, "0")}`,
        grandTotal: `${n % 50}.25`,
      })),
    );
    bulk = await f.login(acme, bulkAccount);
  }, 120_000);
  afterAll(() => f?.close());

  it("answers French Excel's CSV by default: BOM, « ; », decimal comma, attachment, no-store", async () => {
    const res = await client.get("/factures/export.csv");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(res.headers["content-disposition"]).toMatch(
      /^attachment; filename="factures_acme_\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const rows = parseCsv(res.body.slice(1), ";");
    expect(rows[0]).toEqual(HEADER);
    expect(rows.map((r) => r[0])).toEqual([
      "Numéro",
      "FA-1",
      "AV-1",
      `'=HYPERLINK("http://evil.example";"clic")`,
      "'+33123",
      "'-7",
    ]);
    expect(rows[1]).toEqual([
      "FA-1",
      "Facture",
      "380",
      "2026-11-05",
      "2026-11-20",
      "LLD-1",
      "CSV-1",
      "1234,56",
      "246,91",
      "1481,47",
      "1481,47",
      "EUR",
      expect.stringMatching(/^[0-9a-f]{64}$/),
      expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      "2026-11-06 10:30:00",
    ]);
    // A credit note counts against the invoices: its amounts are negative, its type and code say why.
    expect(rows[2]!.slice(0, 3)).toEqual(["AV-1", "Avoir", "381"]);
    expect(rows[2]!.slice(7, 11)).toEqual(["-10,00", "-2,00", "-12,00", "-12,00"]);
    expect(res.body).not.toContain("NOT-MINE");
  });

  it("quotes separators, quotes and line ends, and neutralises formulas but not our own amounts", async () => {
    const res = await client.get("/factures/export.csv");
    const rows = parseCsv(res.body.slice(1), ";");
    const evil = rows[3]!;
    expect(evil[5]).toBe('K;1 "quoted"\r\nnext line');
    expect(evil[9]).toBe("-12,50");
    expect(res.body).toContain(`"'=HYPERLINK(""http://evil.example"";""clic"")"`);
    expect(res.body).toContain(`"K;1 ""quoted""\r\nnext line"`);
    expect(rows[4]![5]).toBe("'@SUM(A1:A9)");
    expect(rows[5]![5]).toBe("a,b");
  });

  it("sums, as a spreadsheet would, to the invoices minus the credit notes", async () => {
    const rows = parseCsv((await client.get("/factures/export.csv")).body.slice(1), ";").slice(1);
    // What Excel does with a `;` file and decimal commas: each amount cell is a number, negative ones included.
    const cents = (cell: string) => {
      expect(cell).toMatch(/^-?\d+,\d{2}$/);
      return Math.round(Number(cell.replace(",", ".")) * 100);
    };
    const sheetSum = rows.reduce((sum, row) => sum + cents(row[9]!), 0);
    const stored = await f.services.db.query<{ typeCode: string; grandTotal: string }>(
      `select type_code as "typeCode", grand_total as "grandTotal" from invoices where account_id = $1`,
      [accountId],
    );
    const invoices = stored.filter((i) => i.typeCode !== "381");
    const creditNotes = stored.filter((i) => i.typeCode === "381");
    expect(creditNotes).toHaveLength(1);
    const total = (list: typeof stored) =>
      list.reduce((sum, i) => sum + Math.round(Number(i.grandTotal) * 100), 0);
    expect(sheetSum).toBe(total(invoices) - total(creditNotes));
    expect(sheetSum).toBe(148147 - 1200 - 1250 + 10 + 700);
  });

  it("answers plain UTF-8 CSV with « , » and a decimal point with format=csv", async () => {
    const res = await client.get("/factures/export.csv?format=csv");
    expect(res.statusCode).toBe(200);
    expect(res.body.startsWith("Numéro,Type,")).toBe(true);
    const rows = parseCsv(res.body, ",");
    expect(rows[1]!.slice(7, 11)).toEqual(["1234.56", "246.91", "1481.47", "1481.47"]);
    expect(rows[2]!.slice(7, 11)).toEqual(["-10.00", "-2.00", "-12.00", "-12.00"]);
    expect(rows[1]![14]).toBe("2026-11-06T09:30:00Z");
    expect(rows[5]![5]).toBe("a,b");
    expect(res.body).toContain('"a,b"');
    expect(rows[3]![5]).toBe('K;1 "quoted"\r\nnext line');
  });

  it("applies the list's filters and sort", async () => {
    const credit = parseCsv((await client.get("/factures/export.csv?type=avoir")).body.slice(1), ";");
    expect(credit.slice(1).map((r) => r[0])).toEqual(["AV-1"]);
    const byAmount = parseCsv(
      (await client.get("/factures/export.csv?tri=montant-asc&format=csv")).body,
      ",",
    );
    expect(byAmount.slice(1).map((r) => r[9])).toEqual(["-12.50", "0.10", "7.00", "-12.00", "1481.47"]);
    const customer = parseCsv((await client.get("/factures/export.csv?client=CSV-2&format=csv")).body, ",");
    expect(customer.slice(1).map((r) => r[6])).toEqual(["CSV-2"]);
    const none = await client.get("/factures/export.csv?q=introuvable&format=csv");
    expect(parseCsv(none.body, ",")).toHaveLength(1);
  });

  it("refuses an unknown format or an unreadable filter with 400", async () => {
    expect((await client.get("/factures/export.csv?format=xlsx")).statusCode).toBe(400);
    expect((await client.get("/factures/export.csv?du=demain")).statusCode).toBe(400);
  });

  it("streams every invoice in list order, reading the database in keyset batches", async () => {
    const res = await bulk.get("/factures/export.csv?format=csv");
    expect(res.headers["transfer-encoding"]).toBe("chunked");
    expect(res.headers["content-length"]).toBeUndefined();
    const rows = parseCsv(res.body, ",").slice(1);
    const expected = await f.services.db.query<{ n: string }>(
      "select invoice_number as n from invoices where account_id = $1 order by issue_date desc, id desc",
      [bulkAccount],
    );
    expect(rows).toHaveLength(1234);
    expect(rows.map((r) => r[0])).toEqual(expected.map((r) => r.n));

    const limits: number[] = [];
    const counting: Sql = {
      query: (text, params) => {
        limits.push(Number(params?.at(-1)));
        return f.services.db.query(text, params);
      },
      queryArrays: (text, params) => f.services.db.queryArrays(text, params),
      exec: (text) => f.services.db.exec(text),
    };
    const seen: string[] = [];
    for await (const row of iterateAccountInvoices(
      counting,
      tenantId,
      bulkAccount,
      { sort: "amount_desc" },
      100,
    ))
      seen.push(row.id);
    expect(limits).toEqual(Array(13).fill(100));
    expect(new Set(seen).size).toBe(1234);
    const byAmount = await f.services.db.query<{ id: string }>(
      "select id from invoices where account_id = $1 order by grand_total desc, id desc",
      [bulkAccount],
    );
    expect(seen).toEqual(byAmount.map((r) => r.id));
  });
});
