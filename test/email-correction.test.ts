import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker } from "../src/app.js";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { buildWebApp } from "../src/http/web-app.js";
import {
  activateByMail,
  invoiceInput,
  makeCustomer,
  makeTenant,
  publishFacturX,
} from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";
import { type SmtpSink, startSmtpSink } from "./support/smtp-sink.js";
import { ADVISOR_PAUL, loggedInStaff } from "./support/staff.js";
import { WebClient } from "./support/web-client.js";

// Issue 13, item 1: an advisor's e-mail correction changes the ADDRESS of the customer's account; moving a
// customer to another account (joining one, or leaving a shared one) is the explicit, confirmed exception.

const HOST = "acme.localhost:3000";
const PASSWORD = "un vieux cheval gris dort au pré";

describe.each(ENGINES)("advisor's e-mail correction keeps the customer's account on %s", (engine) => {
  let sink: SmtpSink;
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let tenant: TenantRow;
  let tenantId: string;
  let advisor: WebClient;
  let advisorId: string;

  async function customer(number: string, name: string, email: string | null) {
    return (await makeCustomer(services, tenant, number, { name, email, contracts: [] })).customer;
  }
  async function publish(invoiceNumber: string, customerNumber: string) {
    await publishFacturX(services, tenant, invoiceInput(invoiceNumber, customerNumber));
  }
  const accountOf = async (customerId: string) =>
    (
      await services.db.query<{
        id: string;
        identifier: string;
        email: string;
        status: string;
        password_hash: string | null;
      }>(
        `select a.id, a.identifier, a.email, a.status, a.password_hash
           from customers c join accounts a on a.id = c.account_id where c.id = $1`,
        [customerId],
      )
    )[0]!;
  const invoicesOf = (customerId: string) =>
    services.db.query<{
      id: string;
      invoice_number: string;
      account_id: string;
      first_downloaded_at: Date | null;
    }>(
      "select id, invoice_number, account_id, first_downloaded_at from invoices where customer_id = $1 order by invoice_number",
      [customerId],
    );
  const lastCorrection = async (customerId: string) =>
    (
      await services.db.query<{ actor_id: string; details: Record<string, unknown> }>(
        `select actor_id, details from audit_entries
          where tenant_id = $1 and action = 'customer.email_corrected' and target_id = $2 order by seq desc limit 1`,
        [tenantId, customerId],
      )
    )[0];
  // Invoice numbers only (F-1015-1): a looser pattern also matched random tokens in the page (CSRF, ids).
  const listed = (html: string) => [...html.matchAll(/\bF-\d{4}-\d+\b/g)].map((m) => m[0]);

  async function login(identifier: string, password = PASSWORD) {
    const client = new WebClient(app, HOST);
    await client.get("/");
    const res = await client.post("/connexion", { identifier, password });
    return { client, res };
  }

  /** The customer activates the account through « Mot de passe oublié », as the guide says. */
  const activate = (email: string) => activateByMail(app, HOST, sink, email, PASSWORD);

  const correct = (customerId: string, email: string, extra: Record<string, string> = {}) =>
    advisor.post(`/conseiller/clients/${customerId}/email`, {
      email,
      confirmation: email,
      reason: "appel du client, nouvelle adresse",
      ...extra,
    });

  beforeAll(async () => {
    sink = await startSmtpSink();
    services = await openTestServices(engine, {
      smtp: sink,
    });
    tenant = await makeTenant(services.db);
    tenantId = tenant.id;
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

  it("changes the address of an active account in place: same identifier, password, invoices and history; sessions revoked; both addresses told", async () => {
    const c = await customer("C101015", "Claire Martin", "claire.old@example.com");
    for (const n of ["F-1015-1", "F-1015-2", "F-1015-3"]) await publish(n, "C101015");
    await sink.waitMail("claire.old@example.com", "activation");
    await activate("claire.old@example.com");
    const before = await accountOf(c.id);
    expect(before.status).toBe("active");
    const { client: portal, res: loggedIn } = await login(before.identifier);
    expect(loggedIn.statusCode).toBe(303);
    for (const inv of await invoicesOf(c.id))
      expect((await portal.get(`/factures/${inv.id}/pdf`)).statusCode).toBe(200);
    const downloaded = await invoicesOf(c.id);
    expect(downloaded.every((i) => i.first_downloaded_at !== null)).toBe(true);

    // The form says what will happen before the POST.
    const form = await advisor.get(`/conseiller/clients/${c.id}/email`);
    expect(form.body).toContain("Compte activé (identifiant");
    expect(form.body).toContain(before.identifier);
    expect(form.body).toContain("garde son identifiant, son mot de passe, son historique et ses factures");

    const done = await correct(c.id, "claire.new@example.com");
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toContain("message=email-corrected");

    const after = await accountOf(c.id);
    expect(after).toEqual({ ...before, email: "claire.new@example.com" });
    expect(await invoicesOf(c.id)).toEqual(downloaded);
    // No empty account was created for the new address.
    const [{ n }] = (await services.db.query<{ n: number }>(
      "select count(*)::int as n from accounts where tenant_id = $1 and email like 'claire.%'",
      [tenantId],
    )) as [{ n: number }];
    expect(n).toBe(1);

    // The old session is closed; the same identifier and password open the same invoices.
    expect((await portal.get("/factures")).statusCode).not.toBe(200);
    const again = await login(before.identifier);
    expect(again.res.statusCode).toBe(303);
    const list = await again.client.get("/factures");
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain("Aucune facture pour l’instant");
    expect(new Set(listed(list.body))).toEqual(new Set(["F-1015-1", "F-1015-2", "F-1015-3"]));

    const oldNotice = await sink.waitMail("claire.old@example.com", "email-changed");
    expect(oldNotice.text).toContain("C101015");
    expect(oldNotice.text).not.toContain("claire.new@example.com");
    const newNotice = await sink.waitMail("claire.new@example.com", "email-changed-new");
    expect(newNotice.text).toContain(before.identifier);
    expect(newNotice.text).toContain("C101015");
    expect(newNotice.text).not.toContain("claire.old@example.com");
    // No activation mail for an account that is already active.
    expect(sink.mailsTo("claire.new@example.com", "activation")).toHaveLength(0);

    const audit = await lastCorrection(c.id);
    expect(audit?.actor_id).toBe(advisorId);
    expect(audit?.details).toMatchObject({
      mode: "in-place",
      by: "Paul Martin <paul@acme.test>",
      reason: "appel du client, nouvelle adresse",
      from: "claire.old@example.com",
      to: "claire.new@example.com",
      fromAccountId: before.id,
      toAccountId: before.id,
    });

    const record = await advisor.get(`/conseiller/clients/${c.id}`);
    expect(record.body.replace(/<wbr\/?>/g, "")).toContain("claire.new@example.com");
    expect(record.body).toContain(before.identifier);
    expect(record.body).not.toContain("pas encore de compte");
  });

  it("changes a pending account in place too: the next invoice's activation mail goes to the new address", async () => {
    const c = await customer("CL-PEND", "Paul Attente", "pend.old@example.com");
    await publish("F-PEND-1", "CL-PEND");
    await sink.waitMail("pend.old@example.com", "activation");
    const before = await accountOf(c.id);
    const form = await advisor.get(`/conseiller/clients/${c.id}/email`);
    expect(form.body).toContain("Compte pas encore activé (identifiant");
    expect(form.body).toContain("le client garde son identifiant et ses factures");
    expect((await correct(c.id, "pend.new@example.com")).statusCode).toBe(303);
    expect(await accountOf(c.id)).toEqual({ ...before, email: "pend.new@example.com" });
    await sink.waitMail("pend.old@example.com", "email-changed");
    await publish("F-PEND-2", "CL-PEND");
    const activation = await sink.waitMail("pend.new@example.com", "activation");
    expect(activation.text).toContain(before.identifier);
    expect(sink.mailsTo("pend.new@example.com", "email-changed-new")).toHaveLength(0);
  });

  it("joins another existing account only once the advisor saw which one and what moves, and confirmed", async () => {
    const a = await customer("CL-JOIN-A", "Société A", "compta@example.com");
    const b = await customer("CL-JOIN-B", "Société B", "b.join@example.com");
    await publish("F-JOIN-B", "CL-JOIN-B");
    const from = await accountOf(b.id);
    const to = await accountOf(a.id);
    await advisor.get(`/conseiller/clients/${b.id}/email`);
    const warned = await correct(b.id, "compta@example.com");
    expect(warned.statusCode).toBe(200);
    expect(warned.body).toContain("déjà celle d’un autre compte");
    expect(warned.body).toContain("CL-JOIN-A");
    expect(warned.body).toContain(`Sa facture quittera le compte ${from.identifier}`);
    expect((await accountOf(b.id)).id).toBe(from.id);

    const confirmed = await correct(b.id, "compta@example.com", { confirmMerge: "1" });
    expect(confirmed.statusCode).toBe(303);
    expect((await accountOf(b.id)).id).toBe(to.id);
    expect((await invoicesOf(b.id)).map((i) => i.account_id)).toEqual([to.id]);
    await sink.waitMail("b.join@example.com", "email-changed");
    expect((await lastCorrection(b.id))?.details).toMatchObject({ mode: "joined", toAccountId: to.id });
  });

  it("asks, for a shared account, whether the other customer numbers follow; each choice does what it said", async () => {
    const f1 = await customer("FLEET-1", "Flotte Un", "flotte@example.com");
    const f2 = await customer("FLEET-2", "Flotte Deux", "flotte@example.com");
    await publish("F-FLEET-1", "FLEET-1");
    await publish("F-FLEET-2", "FLEET-2");
    const shared = await accountOf(f1.id);
    expect((await accountOf(f2.id)).id).toBe(shared.id);

    const form = await advisor.get(`/conseiller/clients/${f1.id}/email`);
    expect(form.body).toContain("partagé avec le(s) client(s) n°");
    expect(form.body).toContain("FLEET-2");
    const asked = await correct(f1.id, "conducteur@example.com");
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain("Ce compte est partagé");
    expect(asked.body).toContain("Seul le client n° FLEET-1 change");
    expect(asked.body).toContain(`Sa facture quittera le compte ${shared.identifier}`);
    expect((await accountOf(f1.id)).email).toBe("flotte@example.com");

    // Only this number: it leaves for a new pending account; the fleet keeps its account as it was.
    const moved = await correct(f1.id, "conducteur@example.com", { scope: "customer" });
    expect(moved.statusCode).toBe(303);
    const own = await accountOf(f1.id);
    expect(own.id).not.toBe(shared.id);
    expect(own).toMatchObject({ email: "conducteur@example.com", status: "pending" });
    expect((await invoicesOf(f1.id)).map((i) => i.account_id)).toEqual([own.id]);
    expect(await accountOf(f2.id)).toEqual(shared);
    expect((await lastCorrection(f1.id))?.details).toMatchObject({ mode: "moved", fromAccountId: shared.id });

    // Everyone follows: the shared account changes address in place, numbers and invoices stay on it.
    const f3 = await customer("FLEET-3", "Flotte Trois", "flotte@example.com");
    await advisor.get(`/conseiller/clients/${f2.id}/email`);
    const all = await correct(f2.id, "flotte.new@example.com", { scope: "account" });
    expect(all.statusCode).toBe(303);
    expect(await accountOf(f2.id)).toEqual({ ...shared, email: "flotte.new@example.com" });
    expect((await accountOf(f3.id)).id).toBe(shared.id);
    const emails = await services.db.query<{ email: string }>(
      "select email from customers where id = any($1::uuid[])",
      [[f2.id, f3.id]],
    );
    expect(emails.map((e) => e.email)).toEqual(["flotte.new@example.com", "flotte.new@example.com"]);
    expect((await invoicesOf(f2.id)).map((i) => i.account_id)).toEqual([shared.id]);
    expect((await lastCorrection(f2.id))?.details).toMatchObject({
      mode: "in-place",
      customerNumbers: ["FLEET-2", "FLEET-3"],
    });
  });
});
