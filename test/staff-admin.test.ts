import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maskUrl } from "../src/app.js";
import { upsertCustomer } from "../src/domain/customers/upsert-customer.js";
import { checkLogoFile, contrastWithWhite } from "../src/domain/staff/logo-file.js";
import { parisDayStart, parisMonthStart } from "../src/domain/staff/paris-time.js";
import { buildWebApp } from "../src/http/web-app.js";
import { makeTenant, multipart } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";
import { enrolStaff, staffLogin } from "./support/staff.js";
import type { WebClient } from "./support/web-client.js";

const HOST = "acme.localhost:3000";
const CLEAN_SVG = `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>Acme</title><rect width="10" height="10" fill="#1f4e79"/></svg>`;
const BAD_SVGS = {
  script: `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`,
  handler: `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>`,
  foreignObject: `<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>`,
  external: `<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1" fill="url(https://evil.test/x)"/></svg>`,
  href: `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="https://evil.test/x.png"/></svg>`,
  entity: `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>`,
  style: `<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://evil.test/a.css);</style></svg>`,
  malformed: `<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>`,
};

describe("logo and colour checks", () => {
  it("accepts a drawn SVG and a PNG, and refuses every SVG that could run or fetch something", () => {
    expect(checkLogoFile(Buffer.from(CLEAN_SVG))).toBe("image/svg+xml");
    expect(checkLogoFile(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]))).toBe(
      "image/png",
    );
    for (const [name, svg] of Object.entries(BAD_SVGS))
      expect(() => checkLogoFile(Buffer.from(svg)), name).toThrow();
    expect(() => checkLogoFile(Buffer.from("MZ\x90\x00 not an image"))).toThrow();
  });
  it("masks staff enrolment tokens in logged URLs", () => {
    expect(maskUrl("/conseiller/inscription/abcDEF123_-?x=1")).toBe("/conseiller/inscription/[redacted]?x=1");
  });
  it("finds the start of a Paris day in winter and in summer", () => {
    expect(parisDayStart("2026-01-15").toISOString()).toBe("2026-01-14T23:00:00.000Z");
    expect(parisDayStart("2026-07-15").toISOString()).toBe("2026-07-14T22:00:00.000Z");
    expect(parisMonthStart(new Date("2026-11-28T01:00:00Z")).toISOString()).toBe("2026-10-31T23:00:00.000Z");
  });
  it("computes the WCAG contrast against white", () => {
    expect(contrastWithWhite("#000000")).toBeCloseTo(21, 1);
    expect(contrastWithWhite("#ffffff")).toBeCloseTo(1, 1);
    expect(contrastWithWhite("#1f4e79")).toBeGreaterThan(4.5);
    expect(contrastWithWhite("#ffcc00")).toBeLessThan(4.5);
  });
});

describe.each(ENGINES)("admin pages and journal on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let tenantId: string;
  let admin: WebClient;
  let advisor: WebClient;
  let advisorId: string;
  const audits = (action: string) =>
    services.db.query<{ actor_id: string; target_id: string; details: Record<string, unknown> }>(
      "select actor_id, target_id, details from audit_entries where tenant_id = $1 and action = $2 order by seq",
      [tenantId, action],
    );

  beforeAll(async () => {
    services = await openTestServices(engine);
    app = await buildWebApp(services);
    tenantId = (await makeTenant(services.db)).id;
    const a = await enrolStaff(services, app, {
      tenantId,
      host: HOST,
      email: "anne@acme.test",
      role: "admin",
      name: "Anne Admin",
    });
    const p = await enrolStaff(services, app, {
      tenantId,
      host: HOST,
      email: "paul@acme.test",
      role: "advisor",
    });
    advisorId = p.staffId;
    admin = (await staffLogin(app, HOST, "anne@acme.test", a.codes[0]!)).client;
    advisor = (await staffLogin(app, HOST, "paul@acme.test", p.codes[0]!)).client;
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  it("gives an advisor 403 on every admin page and form", async () => {
    for (const path of [
      "/conseiller/admin",
      "/conseiller/admin/equipe",
      "/conseiller/admin/cles",
      "/conseiller/admin/portail",
    ])
      expect((await advisor.get(path)).statusCode, path).toBe(403);
    await advisor.get("/conseiller");
    const refused = await advisor.post("/conseiller/admin/cles", { label: "x" });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain("réservée aux administrateurs");
    await advisor.get("/conseiller");
    expect(
      (await advisor.post("/conseiller/admin/equipe", { email: "x@acme.test", role: "admin" })).statusCode,
    ).toBe(403);
    const home = await advisor.get("/conseiller");
    expect(home.body).not.toContain("/conseiller/admin");
  });

  it("shows the statistics on the admin home", async () => {
    await upsertCustomer(services.db, {
      queue: services.queue,
      tenantId,
      customerNumber: "S-1",
      name: "Stat",
      email: "s@example.com",
      actor: { type: "issuer", id: "t" },
    });
    const res = await admin.get("/conseiller/admin");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("comptes en attente d’activation");
    expect(res.body).toContain("mails en échec");
  });

  it("invites an advisor (link shown), resets their second factor, disables them — each audited", async () => {
    await admin.get("/conseiller/admin/equipe");
    const invited = await admin.post("/conseiller/admin/equipe", {
      email: "lea@acme.test",
      name: "Léa",
      role: "advisor",
    });
    expect(invited.statusCode).toBe(200);
    expect(invited.body).toMatch(/http:\/\/acme\.localhost:3000\/conseiller\/inscription\/[A-Za-z0-9_-]{43}/);
    expect((await audits("staff.invited")).at(-1)!.details.email).toBe("lea@acme.test");
    const bad = await admin.post("/conseiller/admin/equipe", { email: "not-an-address", role: "advisor" });
    expect(bad.statusCode).toBe(422);

    const reset = await admin.post(`/conseiller/admin/equipe/${advisorId}/reinitialiser`, {});
    expect(reset.statusCode).toBe(200);
    expect(reset.body).toContain("/conseiller/inscription/");
    expect((await advisor.get("/conseiller")).statusCode).toBe(303); // sessions closed
    const [row] = await services.db.query<{ status: string; totp_secret: string | null }>(
      "select status, totp_secret from staff where id = $1",
      [advisorId],
    );
    expect(row).toEqual({ status: "invited", totp_secret: null });
    expect((await audits("staff.totp_reset")).at(-1)!.target_id).toBe(advisorId);

    await admin.get("/conseiller/admin/equipe");
    const disabled = await admin.post(`/conseiller/admin/equipe/${advisorId}/desactiver`, {});
    expect(disabled.statusCode).toBe(303);
    expect((await audits("staff.disabled")).at(-1)!.target_id).toBe(advisorId);
    const link = /\/conseiller\/inscription\/[A-Za-z0-9_-]{43}/.exec(reset.body)![0];
    expect((await admin.get(link)).statusCode).toBe(410);
  });

  it("creates an API key shown once and revokes it, audited", async () => {
    await admin.get("/conseiller/admin/cles");
    const created = await admin.post("/conseiller/admin/cles", { label: "SAP" });
    const key = /class="staff-secret">([^<]+)</.exec(created.body)?.[1];
    expect(key).toBeDefined();
    const list = await admin.get("/conseiller/admin/cles");
    expect(list.body).not.toContain(key!);
    expect(list.body).toContain("SAP");
    const prefix = /\/conseiller\/admin\/cles\/([^/]+)\/revoquer/.exec(list.body)![1]!;
    const api = await app.inject({
      method: "GET",
      url: "/api/v1/invoices",
      headers: { host: HOST, authorization: `Bearer ${key}` },
    });
    expect(api.statusCode).toBe(200);
    const revoked = await admin.post(`/conseiller/admin/cles/${prefix}/revoquer`, {});
    expect(revoked.statusCode).toBe(303);
    const after = await app.inject({
      method: "GET",
      url: "/api/v1/invoices",
      headers: { host: HOST, authorization: `Bearer ${key}` },
    });
    expect(after.statusCode).toBe(401);
    expect((await audits("api_key.revoked")).length).toBeGreaterThan(0);
  });

  async function postBranding(
    fields: Record<string, string>,
    file?: { name: string; type: string; bytes: Buffer },
  ) {
    await admin.get("/conseiller/admin/portail");
    const body = await multipart({
      _csrf: admin.csrf(),
      ...fields,
      ...(file ? { logo: { bytes: file.bytes, filename: file.name, type: file.type } } : {}),
    });
    return app.inject({
      method: "POST",
      url: "/conseiller/admin/portail/apparence",
      remoteAddress: admin.remoteAddress,
      payload: body.payload,
      headers: {
        host: HOST,
        "content-type": body.contentType,
        cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
      },
    });
  }

  it("saves the branding, refuses a low-contrast colour and an SVG with script", async () => {
    const low = await postBranding({ displayName: "Acme", primaryColor: "#ffcc00" });
    expect(low.statusCode).toBe(422);
    expect(low.body).toContain("4,5:1");
    const script = await postBranding(
      { displayName: "Acme", primaryColor: "#1f4e79" },
      { name: "logo.svg", type: "image/svg+xml", bytes: Buffer.from(BAD_SVGS.script) },
    );
    expect(script.statusCode).toBe(422);
    expect(script.body).toContain("élément non autorisé");
    const ok = await postBranding(
      { displayName: "Acme Location Pro", primaryColor: "#1F4E79" },
      { name: "logo.svg", type: "image/svg+xml", bytes: Buffer.from(CLEAN_SVG) },
    );
    expect(ok.statusCode).toBe(303);
    const [row] = await services.db.query<{
      display_name: string;
      logo_content_type: string;
      primary_color: string;
    }>("select display_name, logo_content_type, primary_color from tenants where id = $1", [tenantId]);
    expect(row).toEqual({
      display_name: "Acme Location Pro",
      logo_content_type: "image/svg+xml",
      primary_color: "#1f4e79",
    });
    expect((await audits("tenant.branding_changed")).length).toBe(1);
    const withoutCsrf = await multipart({ displayName: "X", primaryColor: "#000000" });
    const noCsrf = await app.inject({
      method: "POST",
      url: "/conseiller/admin/portail/apparence",
      payload: withoutCsrf.payload,
      headers: {
        host: HOST,
        "content-type": withoutCsrf.contentType,
        cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
      },
    });
    expect(noCsrf.statusCode).toBe(403);
  });

  it("saves retention (1–120), FAQ (Markdown without HTML) and legal details under the agreed keys", async () => {
    await admin.get("/conseiller/admin/portail");
    expect((await admin.post("/conseiller/admin/portail/conservation", { months: "0" })).statusCode).toBe(
      422,
    );
    expect((await admin.post("/conseiller/admin/portail/conservation", { months: "121" })).statusCode).toBe(
      422,
    );
    const page = await admin.get("/conseiller/admin/portail");
    expect(page.body).toContain("factures publiées à partir de maintenant");
    expect((await admin.post("/conseiller/admin/portail/conservation", { months: "36" })).statusCode).toBe(
      303,
    );
    const faq = "## Où est ma facture ?\n\nDans **Mes factures**.\n\n<script>alert(1)</script>";
    await admin.get("/conseiller/admin/portail");
    const preview = await admin.post("/conseiller/admin/portail/faq", { faq, intent: "preview" });
    // The preview is the published page's rendering: the issuer's first level sits below the page's h2.
    expect(preview.body).toContain("<h3>Où est ma facture ?</h3>");
    expect(preview.body).not.toContain("<script>alert(1)</script>");
    expect(preview.body).toContain("&lt;script&gt;");
    await admin.get("/conseiller/admin/portail");
    expect((await admin.post("/conseiller/admin/portail/faq", { faq, intent: "save" })).statusCode).toBe(303);
    await admin.get("/conseiller/admin/portail");
    const legal = {
      companyName: "Acme Location SAS",
      address: "1 rue A, 75001 Paris",
      siren: "443 061 841",
      contactEmail: "contact@acme.test",
      dpoEmail: "dpo@acme.test",
      publisherName: "Anne Admin",
    };
    expect(
      (await admin.post("/conseiller/admin/portail/mentions", { ...legal, siren: "12" })).statusCode,
    ).toBe(422);
    // Nine digits with a wrong control key (Luhn) are no SIREN either (the seller identities refuse it too).
    expect(
      (await admin.post("/conseiller/admin/portail/mentions", { ...legal, siren: "123456789" })).statusCode,
    ).toBe(422);
    expect((await admin.post("/conseiller/admin/portail/mentions", legal)).statusCode).toBe(303);
    const [row] = await services.db.query<{ retention_months: number; settings: Record<string, unknown> }>(
      "select retention_months, settings from tenants where id = $1",
      [tenantId],
    );
    expect(row!.retention_months).toBe(36);
    expect(row!.settings.faqMarkdown).toBe(faq);
    expect(row!.settings.legal).toEqual({
      ...legal,
      siren: "443061841",
      hostName: "",
      hostAddress: "",
      hostPhone: "",
    });
    for (const action of ["tenant.retention_changed", "tenant.faq_changed", "tenant.legal_changed"])
      expect((await audits(action)).length, action).toBe(1);
  });

  it("shows the journal with filters, chain status per entry, and a streamed CSV export", async () => {
    const res = await admin.get("/conseiller/journal?action=staff.invited");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("lea@acme.test");
    expect(res.body).toContain("✓ vérifié");
    expect(res.body).not.toContain("✗ rompu");
    const csv = await admin.get("/conseiller/journal.csv");
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toContain("text/csv");
    const lines = csv.body.trim().split("\r\n");
    const [count] = await services.db.query<{ n: number }>(
      "select count(*)::int as n from audit_entries where tenant_id = $1",
      [tenantId],
    );
    expect(lines.length - 1).toBeGreaterThanOrEqual(count!.n - 1);
    expect((await audits("audit.exported")).length).toBe(1);
    // A changed entry no longer checks.
    await services.db.query(
      "update audit_entries set details = '{\"email\":\"mallory@acme.test\"}' where tenant_id = $1 and action = 'staff.invited' and details->>'email' = 'lea@acme.test'",
      [tenantId],
    );
    const tampered = await admin.get("/conseiller/journal?action=staff.invited");
    expect(tampered.body).toContain("✗ rompu");
    const period = await admin.get("/conseiller/journal?from=2000-01-01&to=2000-01-02");
    expect(period.body).toContain("Aucune entrée");
  });
});
