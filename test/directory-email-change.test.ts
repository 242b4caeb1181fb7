import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker } from "../src/app.js";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { createApiKey } from "../src/domain/api-keys/create-api-key.js";
import { buildWebApp } from "../src/http/web-app.js";
import { activateByMail, invoiceInput, makeTenant, publishFacturX } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";
import { type SmtpSink, startSmtpSink } from "./support/smtp-sink.js";
import { WebClient } from "./support/web-client.js";

// The issuer's directory (PUT /api/v1/customers, `efacture customers import`) giving an ACTIVE customer a
// new address used to move that customer to a new, empty account: new identifier, « Aucune facture », the
// same defect as the advisor's correction (issue #13 item 1) through the other door. A customer alone on
// its account now keeps the account (its address changes); a fleet account keeps its other numbers.

const HOST = "acme.localhost:3000";
const PASSWORD = "un vieux cheval gris dort au pré";

describe.each(ENGINES)("the issuer's directory changing an address on %s", (engine) => {
  let sink: SmtpSink;
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let tenant: TenantRow;
  let tenantId: string;
  let apiKey: string;

  const put = (number: string, body: Record<string, unknown>) =>
    app.inject({
      method: "PUT",
      url: `/api/v1/customers/${number}`,
      headers: { host: HOST, authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      payload: JSON.stringify(body),
    });
  async function publish(invoiceNumber: string, customerNumber: string) {
    await publishFacturX(services, tenant, invoiceInput(invoiceNumber, customerNumber));
  }
  const accountOf = async (customerNumber: string) =>
    (
      await services.db.query<{ id: string; identifier: string; email: string; status: string }>(
        `select a.id, a.identifier, a.email, a.status
           from customers c join accounts a on a.id = c.account_id where c.tenant_id = $1 and c.customer_number = $2`,
        [tenantId, customerNumber],
      )
    )[0]!;
  const listed = (html: string) => [...new Set([...html.matchAll(/\bD-\d{3}-\d\b/g)].map((m) => m[0]))];

  async function login(identifier: string) {
    const client = new WebClient(app, HOST);
    await client.get("/");
    const res = await client.post("/connexion", { identifier, password: PASSWORD });
    return { client, res };
  }
  /** The customer activates the account through « Mot de passe oublié », as the guide says. */
  const activate = (email: string) => activateByMail(app, HOST, sink, email, PASSWORD);

  beforeAll(async () => {
    sink = await startSmtpSink();
    services = await openTestServices(engine, {
      smtp: sink,
    });
    tenant = await makeTenant(services.db);
    tenantId = tenant.id;
    apiKey = (await createApiKey({ db: services.db, tenantId, label: "directory" })).key;
    await startWorker(services);
    app = await buildWebApp(services);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
    await sink?.close();
  });

  it("keeps an active customer's account: same identifier, password and invoices; sessions closed; both addresses told", async () => {
    expect((await put("D100", { name: "Denise Roux", email: "denise.old@example.com" })).statusCode).toBe(
      201,
    );
    for (const n of ["D-100-1", "D-100-2"]) await publish(n, "D100");
    await sink.waitMail("denise.old@example.com", "activation");
    await activate("denise.old@example.com");
    const before = await accountOf("D100");
    expect(before.status).toBe("active");
    const { client: session } = await login(before.identifier);
    expect(listed((await session.get("/factures")).body).sort()).toEqual(["D-100-1", "D-100-2"]);

    const res = await put("D100", { name: "Denise Roux", email: "denise.new@example.com" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ email: "denise.new@example.com", accountStatus: "active" });

    const after = await accountOf("D100");
    expect(after).toMatchObject({ id: before.id, identifier: before.identifier, status: "active" });
    expect(after.email).toBe("denise.new@example.com");
    // The open session was closed; the same identifier and password open the same invoices.
    expect((await session.get("/factures")).statusCode).not.toBe(200);
    const { client: again, res: loggedIn } = await login(before.identifier);
    expect(loggedIn.statusCode).toBe(303);
    expect(listed((await again.get("/factures")).body).sort()).toEqual(["D-100-1", "D-100-2"]);

    const old = await sink.waitMail("denise.old@example.com", "email-changed");
    expect(old.text).toContain("a mis à jour son fichier clients");
    expect(old.text).not.toContain("denise.new@example.com");
    const fresh = await sink.waitMail("denise.new@example.com", "email-changed-new");
    expect(fresh.text).toContain(before.identifier);
    const [audit] = await services.db.query<{ details: Record<string, unknown> }>(
      `select details from audit_entries where tenant_id = $1 and action = 'customer.email_changed'
        order by seq desc limit 1`,
      [tenantId],
    );
    expect(audit!.details).toMatchObject({
      mode: "in-place",
      fromAccountId: before.id,
      toAccountId: before.id,
    });
  });

  it("moves only the changed number off a shared account, and joins an existing account of the new address", async () => {
    await put("F1", { name: "Flotte Nord", email: "flotte@example.com" });
    await put("F2", { name: "Flotte Sud", email: "flotte@example.com" });
    await publish("D-201-1", "F1");
    await publish("D-202-1", "F2");
    const fleet = await accountOf("F1");
    expect((await accountOf("F2")).id).toBe(fleet.id);

    await put("F2", { name: "Flotte Sud", email: "sud@example.com" });
    const moved = await accountOf("F2");
    expect(moved.id).not.toBe(fleet.id);
    expect(moved.email).toBe("sud@example.com");
    const kept = await accountOf("F1");
    expect(kept).toMatchObject({ id: fleet.id, email: "flotte@example.com", identifier: fleet.identifier });

    // An address that already has an account: the customer joins it, nothing else changes address.
    await put("G1", { name: "Garage", email: "garage@example.com" });
    const garage = await accountOf("G1");
    await put("F1", { name: "Flotte Nord", email: "garage@example.com" });
    expect((await accountOf("F1")).id).toBe(garage.id);
    const [fleetAccount] = await services.db.query<{ email: string }>(
      "select email from accounts where id = $1",
      [fleet.id],
    );
    expect(fleetAccount!.email).toBe("flotte@example.com");
  });
});
