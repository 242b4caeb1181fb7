import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countAccountInvoices, summarizeLeavingSoon } from "../src/db/portal-invoices.queries.js";
import { createInvoiceListSummaries } from "../src/domain/invoices/invoice-list-summary.js";
import { promisedMonths } from "../src/domain/retention/promised-retention.js";
import { addMonths } from "../src/domain/shared/dates.js";
import { listedNumbers, openPortalFixture, type PortalFixture } from "./portal-list-fixtures.js";
import { ENGINES } from "./support/services.js";

// Issue 13, item 5: between an invoice's date and the retention run that removes it (03:00), the portal
// must never offer it nor state its date as a future one.

describe.each(ENGINES)("invoices past their date, before the retention run, on %s", (engine) => {
  let fx: PortalFixture;
  let tenant: Awaited<ReturnType<PortalFixture["tenant"]>>;
  let accountId: string;
  const ids: Record<"live" | "soon" | "past", string> = { live: "", soon: "", past: "" };
  let pastUntil: Date;

  beforeAll(async () => {
    fx = await openPortalFixture(engine);
    tenant = await fx.tenant();
    accountId = await fx.customer(tenant, "C-PAST", "past@example.test");
    ids.live = await fx.publish(tenant, { number: "F-LIVE", customer: "C-PAST", issueDate: "2026-11-01" });
    ids.soon = await fx.publish(tenant, { number: "F-SOON", customer: "C-PAST", issueDate: "2026-10-01" });
    ids.past = await fx.publish(tenant, { number: "F-PAST", customer: "C-PAST", issueDate: "2026-09-01" });
    await fx.services.db.query(
      "update invoices set available_until = now() + interval '10 days' where id = $1",
      [ids.soon],
    );
    // Its date passed an hour ago; the 03:00 run has not removed it yet (removed_at still null).
    const [row] = await fx.services.db.query<{ until: Date }>(
      "update invoices set available_until = now() - interval '1 hour' where id = $1 returning available_until as until",
      [ids.past],
    );
    pastUntil = row!.until;
  }, 120_000);
  afterAll(() => fx?.close());

  it("is listed as a removed invoice (no checkbox, no download), counted nowhere as still online", async () => {
    const client = await fx.login(tenant, accountId);
    const res = await client.get("/factures");
    expect(res.statusCode).toBe(200);
    expect(listedNumbers(res.body)).toEqual(["F-LIVE", "F-SOON", "F-PAST"]);
    expect(res.body).toContain(`value="${ids.live}"`);
    expect(res.body).not.toContain(`value="${ids.past}"`);
    expect(res.body).not.toContain(`href="/factures/${ids.past}/pdf"`);

    const notDownloaded = await client.get("/factures?nouvelles=1");
    expect(listedNumbers(notDownloaded.body)).toEqual(["F-LIVE", "F-SOON"]);
    const leaving = await client.get("/factures?retrait=60");
    expect(listedNumbers(leaving.body)).toEqual(["F-SOON"]);

    const db = fx.services.db;
    expect(
      await countAccountInvoices(db, tenant.id, accountId, { notDownloaded: true, sort: "date_desc" }),
    ).toBe(2);
    expect(
      await countAccountInvoices(db, tenant.id, accountId, { leavingWithinDays: 60, sort: "date_desc" }),
    ).toBe(1);
  });

  it("is not in the leaving-soon banner, whose first date is never in the past", async () => {
    const leaving = await summarizeLeavingSoon(fx.services.db, tenant.id, accountId, 60);
    expect(leaving.count).toBe(1);
    expect(leaving.first!.getTime()).toBeGreaterThan(Date.now());

    const client = await fx.login(tenant, accountId);
    const html = (await client.get("/factures")).body;
    const banner = /<section class="inv-leaving"[\s\S]*?<\/section>/.exec(html)?.[0] ?? "";
    expect(banner).toContain("1 facture non téléchargée quittera le portail");
  });

  it("answers 410 for its detail downloads: PDF, XML and proof; the detail page says it has left", async () => {
    const client = await fx.login(tenant, accountId);
    for (const what of ["pdf", "xml", "preuve"]) {
      const res = await client.get(`/factures/${ids.past}/${what}`);
      expect(res.statusCode, what).toBe(410);
    }
    const detail = await client.get(`/factures/${ids.past}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.body).not.toContain(`href="/factures/${ids.past}/pdf"`);
    // And it was not marked as taken by those attempts.
    const [row] = await fx.services.db.query<{ first: Date | null }>(
      "select first_downloaded_at as first from invoices where id = $1",
      [ids.past],
    );
    expect(row!.first).toBeNull();
    // The live one still downloads.
    expect((await client.get(`/factures/${ids.live}/pdf`)).statusCode).toBe(200);
  });

  it("is left out of the ZIP, chosen or by 'everything'", async () => {
    const client = await fx.login(tenant, accountId);
    await client.get("/factures");
    const chosen = await client.post("/factures/zip", { id: ids.past });
    expect(chosen.statusCode).toBe(422);
    await client.get("/factures");
    const all = await client.post("/factures/zip", { tout: "1" });
    expect(all.statusCode).toBe(200);
    expect(all.headers["content-type"]).toBe("application/zip");
    const names = all.rawPayload.toString("latin1");
    expect(names).toContain("F-SOON");
    expect(names).not.toContain("F-PAST");
  });

  it("is exported in the CSV as the removed invoices are: a record, with its past date", async () => {
    const client = await fx.login(tenant, accountId);
    const csv = (await client.get("/factures/export.csv")).body;
    const line = csv.split("\r\n").find((l) => l.startsWith("F-PAST"));
    expect(line).toBeDefined();
    expect(pastUntil.getTime()).toBeLessThan(Date.now());
  });

  it("the cached banner never shows a date that has passed meanwhile (fixed clock)", async () => {
    const db = fx.services.db;
    const other = await fx.customer(tenant, "C-CLOCK", "clock@example.test");
    const id = await fx.publish(tenant, { number: "F-CLOCK", customer: "C-CLOCK" });
    const t0 = Date.now();
    await db.query("update invoices set available_until = $2 where id = $1", [id, new Date(t0 + 10_000)]);
    let clock = t0;
    const summaries = createInvoiceListSummaries(db, { now: () => clock });
    const key = { tenantId: tenant.id, accountId: other, version: 1 };
    const before = await summaries.leavingSoon(key, 60);
    expect(before.count).toBe(1);
    expect(before.first!.getTime()).toBe(t0 + 10_000);
    // 20 s later, same list version, well within the cache's 60 s: the date has passed.
    clock = t0 + 20_000;
    const after = await summaries.leavingSoon(key, 60);
    expect(after.count).toBe(0);
    expect(after.first).toBeNull();
  });

  it("the home page never promises more than its live invoices get when the retention changed", async () => {
    const db = fx.services.db;
    const other = await fx.tenant();
    await fx.customer(other, "C-HOME", "home@example.test");
    await db.query("update tenants set retention_months = 12 where id = $1", [other.id]);
    await fx.publish({ ...other, retentionMonths: 12 }, { number: "F-HOME", customer: "C-HOME" });
    // Raised later: invoices published before keep their 12 months (their date is never recomputed).
    await db.query("update tenants set retention_months = 36 where id = $1", [other.id]);
    const home = await fx.app.inject({ method: "GET", url: "/", headers: { host: other.host } });
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain("<strong>1 an</strong>");
    expect(home.body).not.toContain("3 ans");
  });
});

describe("the promised retention", () => {
  const at = new Date("2026-01-31T09:00:00Z");
  it("is the setting when nothing online got less, or nothing is online", () => {
    expect(promisedMonths(24, undefined)).toBe(24);
    // Lowered from 36 to 12: older invoices keep 36, new ones get 12, so 12 is promised.
    expect(promisedMonths(12, { publishedAt: at, availableUntil: addMonths(at, 36) })).toBe(12);
  });
  it("is the shortest whole months of an invoice still online when the setting was raised", () => {
    expect(promisedMonths(36, { publishedAt: at, availableUntil: addMonths(at, 12) })).toBe(12);
    // 31 January + 1 month is clamped to 28 February: still one whole month.
    expect(promisedMonths(36, { publishedAt: at, availableUntil: addMonths(at, 1) })).toBe(1);
  });
});
