import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker } from "../src/app.js";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { buildWebApp } from "../src/http/web-app.js";
import { createFsBlobStore } from "../src/storage/fs-blob-store.js";
import { invoiceInput, makeCustomer, makeTenant, publishFacturX } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";
import { type SmtpSink, startSmtpSink } from "./support/smtp-sink.js";
import { ADVISOR_PAUL, loggedInStaff } from "./support/staff.js";
import { WebClient } from "./support/web-client.js";

const HOST = "acme.localhost:3000";

describe.each(ENGINES)("advisor: search, record, e-mail correction, actions on %s", (engine) => {
  let sink: SmtpSink;
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let tenant: TenantRow;
  let tenantId: string;
  let advisor: WebClient;
  let advisorId: string;
  let otherTenant: Awaited<ReturnType<typeof makeTenant>>;

  async function customer(number: string, name: string, email: string | null, contracts: string[] = []) {
    return (await makeCustomer(services, tenant, number, { name, email, contracts })).customer;
  }
  async function publish(invoiceNumber: string, customerNumber: string) {
    await publishFacturX(services, tenant, invoiceInput(invoiceNumber, customerNumber));
  }
  const audits = (action: string) =>
    services.db.query<{ actor_id: string; target_id: string; details: Record<string, unknown> }>(
      "select actor_id, target_id, details from audit_entries where tenant_id = $1 and action = $2 order by seq",
      [tenantId, action],
    );

  beforeAll(async () => {
    sink = await startSmtpSink();
    services = await openTestServices(engine, {
      smtp: sink,
    });
    tenant = await makeTenant(services.db);
    tenantId = tenant.id;
    otherTenant = await makeTenant(services.db, { slug: "other", displayName: "Other" });
    await startWorker(services);
    app = await buildWebApp(services);
    const paul = await loggedInStaff(services, app, { tenantId, host: HOST, ...ADVISOR_PAUL });
    advisorId = paul.staffId;
    advisor = paul.client;
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
    await sink?.close();
  });

  it("gives the advisor an invoice's proof bundle from the record, audited, without counting it as the customer's download", async () => {
    const c = await customer("CL-PROOF", "Preuve SA", "preuve@example.com");
    await publish("F-PROOF-1", "CL-PROOF");
    const [inv] = await services.db.query<{ id: string }>(
      "select id from invoices where tenant_id = $1 and invoice_number = 'F-PROOF-1'",
      [tenantId],
    );
    const record = await advisor.get(`/conseiller/clients/${c.id}`);
    expect(record.body).toContain(`/conseiller/factures/${inv!.id}/preuve`);
    const res = await advisor.get(`/conseiller/factures/${inv!.id}/preuve`);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/zip");
    expect(res.rawPayload.subarray(0, 4).toString("latin1")).toBe("PK\u0003\u0004");
    expect(res.rawPayload.toString("latin1")).toContain("certificate.json");
    expect((await audits("invoice.proof_taken_by_staff")).at(-1)).toMatchObject({
      actor_id: advisorId,
      target_id: inv!.id,
    });
    const [after] = await services.db.query<{ first: Date | null }>(
      `select first_downloaded_at as first from invoices where id = $1`,
      [inv!.id],
    );
    expect(after!.first).toBeNull();

    // Another tenant's invoice, an unknown id, a malformed id: 404; a customer-less visitor: no bundle.
    await makeCustomer(services, otherTenant, "CL-OTHER", { name: "Autre", email: "autre@example.com" });
    await publishFacturX(services, otherTenant, invoiceInput("F-OTHER-1", "CL-OTHER"));
    const [foreign] = await services.db.query<{ id: string }>(
      "select id from invoices where tenant_id = $1 and invoice_number = 'F-OTHER-1'",
      [otherTenant.id],
    );
    expect((await advisor.get(`/conseiller/factures/${foreign!.id}/preuve`)).statusCode).toBe(404);
    expect(
      (await advisor.get("/conseiller/factures/00000000-0000-4000-8000-000000000000/preuve")).statusCode,
    ).toBe(404);
    expect((await advisor.get("/conseiller/factures/nope/preuve")).statusCode).toBe(404);
    const anonymous = await new WebClient(app, HOST).get(`/conseiller/factures/${inv!.id}/preuve`);
    expect(anonymous.statusCode).not.toBe(200);
    expect(String(anonymous.headers["content-type"])).not.toContain("zip");
  });

  it("refuses the advisor a proof of an altered original: a page in words, the operator alerted, nothing audited as taken", async () => {
    await customer("CL-ALTER", "Altère SA", "altere@example.com");
    await publish("F-ALTER-1", "CL-ALTER");
    const [inv] = await services.db.query<{ id: string; sha256: string }>(
      "select id, sha256 from invoices where tenant_id = $1 and invoice_number = 'F-ALTER-1'",
      [tenantId],
    );
    const file = createFsBlobStore(path.join(services.testEnv.dataDir, "blobs")).pathOf(inv!.sha256);
    const original = readFileSync(file);
    const flipped = Buffer.from(original);
    flipped[flipped.length - 10] = flipped[flipped.length - 10]! ^ 0xff;
    writeFileSync(file, flipped);
    try {
      const res = await advisor.get(`/conseiller/factures/${inv!.id}/preuve`);
      expect(res.statusCode).toBe(500);
      expect(res.headers["content-type"]).toContain("text/html");
      expect(res.body).toContain("Preuve indisponible");
      const failed = await audits("integrity.failed");
      expect(failed.filter((a) => a.target_id === inv!.id).map((a) => a.details.during)).toEqual(["proof"]);
      expect((await audits("invoice.proof_taken_by_staff")).some((a) => a.target_id === inv!.id)).toBe(false);
    } finally {
      writeFileSync(file, original);
    }
  });

  it("finds a customer by exact number and opens the record directly; the view is audited", async () => {
    const c = await customer("CL-100", "Élodie Durand", "elodie@example.com", ["CT-100"]);
    const res = await advisor.get("/conseiller?q=CL-100");
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/conseiller/clients/${c.id}`);
    const record = await advisor.get(res.headers.location as string);
    expect(record.statusCode).toBe(200);
    expect(record.body.replace(/<wbr\/?>/g, "")).toContain("elodie@example.com");
    expect(record.body).toContain("CT-100");
    expect(record.body).toContain("Pas encore de compte");
    const viewed = await audits("customer.viewed");
    expect(viewed.at(-1)).toMatchObject({ actor_id: advisorId, target_id: c.id });
    expect(viewed.at(-1)!.details.by).toContain("Paul Martin");
  });

  it("finds by contract, invoice number, e-mail prefix and name prefix without accents or case", async () => {
    const c = await customer("CL-200", "Zoé Lefèvre", "zoe.lefevre@example.org", ["CT-200"]);
    await publish("F-200", "CL-200");
    for (const q of ["CT-200", "F-200", "zoe.lef", "ZOE.LEFEVRE@EXAMPLE.ORG", "zoe lef", "LEFÈ"]) {
      const res = await advisor.get(`/conseiller?q=${encodeURIComponent(q)}`);
      if (q === "LEFÈ") {
        expect(res.body).not.toContain("CL-200"); // a name is searched from its start
        continue;
      }
      expect(res.statusCode, q).toBe(200);
      expect(res.body, q).toContain(`/conseiller/clients/${c.id}`);
    }
  });

  it("takes LIKE wildcards literally", async () => {
    await customer("CL-300", "100% Auto", "pct@example.com");
    await customer("CL-301", "1000 Autos", "a_b@example.com");
    await customer("CL-302", "Axb", "axb@example.com");
    const pct = await advisor.get(`/conseiller?q=${encodeURIComponent("100%")}`);
    expect(pct.body).toContain("CL-300");
    expect(pct.body).not.toContain("CL-301");
    const under = await advisor.get(`/conseiller?q=${encodeURIComponent("a_b@")}`);
    expect(under.body).toContain("CL-301");
    expect(under.body).not.toContain("CL-302");
    const all = await advisor.get(`/conseiller?q=${encodeURIComponent("%")}`);
    expect(all.body).toContain("Aucun client");
    const backslash = await advisor.get(`/conseiller?q=${encodeURIComponent("\\")}`);
    expect(backslash.statusCode).toBe(200);
  });

  it("corrects the e-mail end to end: old address notified, old link dead, next invoice activates the new address", async () => {
    const c = await customer("CL-400", "Jean Dupont", "jean.old@example.com");
    await publish("F-400", "CL-400");
    await sink.waitMail("jean.old@example.com", "activation");
    // The customer asked for a reset link at the old address and opened it.
    const portal = new WebClient(app, HOST);
    await portal.get("/mot-de-passe-oublie");
    await portal.post("/mot-de-passe-oublie", { email: "jean.old@example.com" });
    const resetMail = await sink.waitMail("jean.old@example.com", "password-reset");
    const link = /https?:\/\/[^\s]+\/reinitialiser\/[A-Za-z0-9_-]{43}/.exec(resetMail.text ?? "")![0];
    const path = new URL(link).pathname;
    expect((await portal.get(path)).statusCode).toBe(200);
    const record = await advisor.get(`/conseiller/clients/${c.id}`);
    expect(record.body).toContain("A ouvert le lien le");
    expect(record.body).toMatch(/Mail d’activation envoyé le .* à jean\.old@example\.com/);

    const form = await advisor.get(`/conseiller/clients/${c.id}/email`);
    expect(form.statusCode).toBe(200);
    const post = (email: string, confirmation: string, reason = "appel du client, faute de frappe") =>
      advisor.post(`/conseiller/clients/${c.id}/email`, { email, confirmation, reason });
    const malformed = await post("jean.new@", "jean.new@");
    expect(malformed.statusCode).toBe(422);
    expect(malformed.body).toContain("n’est pas valide");
    const mismatch = await post("jean.new@example.com", "jean.neuf@example.com");
    expect(mismatch.statusCode).toBe(422);
    expect(mismatch.body).toContain("ne sont pas identiques");
    const same = await post(" Jean.Old@example.com", "jean.old@example.com");
    expect(same.statusCode).toBe(422);
    expect(same.body).toContain("déjà l’adresse enregistrée");
    const noReason = await post("jean.new@example.com", "jean.new@example.com", "");
    expect(noReason.statusCode).toBe(422);
    expect(noReason.body).toContain("motif");

    const ok = await post("jean.new@example.com", "jean.new@example.com");
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toContain("message=email-corrected");
    const notice = await sink.waitMail("jean.old@example.com", "email-changed");
    expect(notice.text).toContain("CL-400");
    expect(notice.text).not.toContain("jean.new@example.com");
    expect((await portal.get(path)).statusCode).toBe(410);
    const corrected = await audits("customer.email_corrected");
    expect(corrected.at(-1)).toMatchObject({ actor_id: advisorId, target_id: c.id });
    expect(corrected.at(-1)!.details).toMatchObject({
      reason: "appel du client, faute de frappe",
      from: "jean.old@example.com",
      to: "jean.new@example.com",
    });
    expect(String(corrected.at(-1)!.details.by)).toContain("Paul Martin");

    await publish("F-401", "CL-400");
    const activation = await sink.waitMail("jean.new@example.com", "activation");
    expect(activation.text).toContain("jean.new@example.com");
    const after = await advisor.get(`/conseiller/clients/${c.id}`);
    expect(after.body.replace(/<wbr\/?>/g, "")).toContain("jean.new@example.com");
  });

  it("says explicitly when the new address joins another account, and merges only once confirmed", async () => {
    const a = await customer("CL-500", "Société A", "shared@example.com");
    const b = await customer("CL-501", "Société B", "b@example.com");
    await advisor.get(`/conseiller/clients/${b.id}/email`);
    const first = await advisor.post(`/conseiller/clients/${b.id}/email`, {
      email: "shared@example.com",
      confirmation: "shared@example.com",
      reason: "même comptabilité",
    });
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain("déjà celle d’un autre compte");
    expect(first.body).toContain("CL-500");
    expect(first.body).toContain("rejoindra ce compte");
    const [unchanged] = await services.db.query<{ email: string }>(
      "select email from customers where id = $1",
      [b.id],
    );
    expect(unchanged!.email).toBe("b@example.com");
    const confirmed = await advisor.post(`/conseiller/clients/${b.id}/email`, {
      email: "shared@example.com",
      confirmation: "shared@example.com",
      reason: "même comptabilité",
      confirmMerge: "1",
    });
    expect(confirmed.statusCode).toBe(303);
    const accounts = await services.db.query<{ account_id: string }>(
      "select account_id from customers where id = any($1::uuid[])",
      [[a.id, b.id]],
    );
    expect(new Set(accounts.map((r) => r.account_id)).size).toBe(1);
  });

  it("sends the activation mail at once, at most 3 times an hour per customer, audited", async () => {
    const c = await customer("CL-600", "Marc Petit", "marc@example.com");
    await advisor.get(`/conseiller/clients/${c.id}`);
    for (let i = 1; i <= 3; i++) {
      const res = await advisor.post(`/conseiller/clients/${c.id}/activation`, {});
      expect(res.headers.location).toContain("message=activation-sent");
      await sink.waitMail("marc@example.com", "activation", i);
    }
    const fourth = await advisor.post(`/conseiller/clients/${c.id}/activation`, {});
    expect(fourth.headers.location).toContain("message=activation-throttled");
    expect((await audits("account.activation_resent")).filter((e) => e.target_id === c.id)).toHaveLength(3);
  });

  it("unlocks a locked account and revokes sessions, each audited; no password is shown or set", async () => {
    const c = await customer("CL-700", "Anne Roy", "anne.roy@example.com");
    await services.db.query(
      "update accounts set status = 'locked', password_hash = '$argon2id$x' where email = 'anne.roy@example.com'",
    );
    const record = await advisor.get(`/conseiller/clients/${c.id}`);
    expect(record.body).toContain("Verrouillé");
    const unlock = await advisor.post(`/conseiller/clients/${c.id}/deverrouiller`, {});
    expect(unlock.headers.location).toContain("message=unlocked");
    const [row] = await services.db.query<{ status: string; password_hash: string }>(
      "select status, password_hash from accounts where email = 'anne.roy@example.com'",
    );
    expect(row).toEqual({ status: "active", password_hash: "$argon2id$x" });
    expect((await audits("account.unlocked")).at(-1)).toMatchObject({ actor_id: advisorId, target_id: c.id });
    await advisor.get(`/conseiller/clients/${c.id}`);
    const revoke = await advisor.post(`/conseiller/clients/${c.id}/sessions`, {});
    expect(revoke.headers.location).toContain("message=sessions-revoked");
    expect((await audits("account.sessions_revoked")).at(-1)).toMatchObject({
      actor_id: advisorId,
      target_id: c.id,
    });
    expect((await advisor.get(`/conseiller/clients/${c.id}`)).body).not.toMatch(/argon2/);
  });

  it("writes an audit entry for every search", async () => {
    const before = (await audits("customer.searched")).length;
    await advisor.get("/conseiller?q=nothing-here");
    expect((await audits("customer.searched")).length).toBe(before + 1);
  });
});
