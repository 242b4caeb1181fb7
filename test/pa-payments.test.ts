import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { createApiKey } from "../src/domain/api-keys/create-api-key.js";
import { readCdar } from "../src/domain/pa/cdar.js";
import { connectPa } from "../src/domain/pa/connect-pa.js";
import type { FlowApi } from "../src/domain/pa/flow-api.js";
import { queueTransmission, transmitInvoice } from "../src/domain/pa/transmit-invoice.js";
import { type PaymentDeps, transmitPayment } from "../src/domain/pa/transmit-payment.js";
import { buildWebApp } from "../src/http/web-app.js";
import { checkCdar } from "../src/pa/cdar-rules.js";
import { createFlowClient } from "../src/pa/flow-client.js";
import { facturx, makeCustomer, makeTenant, publishFacturX } from "./support/factories.js";
import { type LocalPa, startLocalPa } from "./support/local-pa.js";
import { ENGINES, openTestServices } from "./support/services.js";

const BUYER = {
  name: "Transports Durand SARL",
  siren: "552100554",
  address: { line1: "2 rue B", postcode: "69001", city: "Lyon", countryCode: "FR" },
};

describe.each(ENGINES)("PA bridge: payments, status 212 (%s)", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let pa: LocalPa;
  let app: FastifyInstance;
  let a: TenantRow;
  let b: TenantRow;
  let keyA: string;
  let keyB: string;
  let n = 0;
  const client = createFlowClient({ requestTimeoutMs: 1_000 });

  const deps = (flowApi: FlowApi = client, now?: () => Date): PaymentDeps => ({
    db: services.db,
    queue: services.queue,
    flowApi,
    platformSecret: services.cookieSecret,
    checkCdar,
    ackDelaySeconds: 3600,
    ...(now ? { now } : {}),
  });

  /** A published B2B invoice of `tenant` whose compliance check passed (route and verdict as #15/#16 set them). */
  async function b2bInvoice(tenant: TenantRow, rule = "B2B"): Promise<{ id: string; number: string }> {
    n++;
    await makeCustomer(services, tenant, `P${n}`);
    const number = `PAY-${n}`;
    const { id } = await publishFacturX(
      services,
      tenant,
      facturx(number, `P${n}`, { processingRule: rule, buyer: { ...BUYER, id: `P${n}` } } as never),
    );
    await services.db.query(
      `update invoices set processing_rule = $2, validation_status = 'passed' where id = $1`,
      [id, rule],
    );
    return { id, number };
  }

  async function sendInvoice(id: string) {
    await services.db.transaction((tx) => queueTransmission(tx, services.queue, id));
    await transmitInvoice(
      {
        db: services.db,
        blobs: services.blobs,
        queue: services.queue,
        flowApi: client,
        platformSecret: services.cookieSecret,
        logger: services.logger,
        ackDelaySeconds: 3600,
      },
      id,
    );
  }

  function api(method: "GET" | "POST", url: string, key: string, slug: string, body?: unknown, headers = {}) {
    return app.inject({
      method,
      url,
      headers: { host: `${slug}.localhost:3000`, authorization: `Bearer ${key}`, ...headers },
      ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}),
    });
  }

  const pay = (id: string, body: unknown, headers: Record<string, string> = {}, key = keyA, slug = a.slug) =>
    api("POST", `/api/v1/invoices/${id}/payments`, key, slug, body, headers);

  beforeAll(async () => {
    pa = await startLocalPa();
    pa.addClient("client-a", "secret-a");
    pa.addClient("client-b", "secret-b");
    services = await openTestServices(engine);
    app = await buildWebApp(services);
    a = await makeTenant(services.db, { slug: `pay-a-${engine}`, displayName: "Bail A" });
    b = await makeTenant(services.db, { slug: `pay-b-${engine}`, displayName: "Bail B" });
    for (const [tenant, id, secret] of [
      [a, "client-a", "secret-a"],
      [b, "client-b", "secret-b"],
    ] as const)
      await connectPa(
        { db: services.db, queue: services.queue, platformSecret: services.cookieSecret },
        {
          tenantId: tenant.id,
          flowUrl: pa.flowUrl,
          tokenUrl: pa.tokenUrl,
          clientId: id,
          clientSecret: secret,
          actor: { type: "platform", id: "test" },
        },
      );
    keyA = (await createApiKey({ db: services.db, tenantId: a.id })).key;
    keyB = (await createApiKey({ db: services.db, tenantId: b.id })).key;
  });
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
    await pa?.close();
  });

  it("records a payment (201), shows 212 « Encaissée » in the lifecycle, lists it, and replays an Idempotency-Key", async () => {
    const { id } = await b2bInvoice(a);
    const body = {
      amount: "1200.00",
      date: "2026-12-01",
      vatBreakdown: [
        { rate: "20", amount: "1000.00" },
        { rate: 5.5, amount: 200 },
      ],
    };
    const created = await pay(id, body, { "idempotency-key": "pay-1" });
    expect(created.statusCode, created.body).toBe(201);
    const payment = created.json();
    expect(payment).toMatchObject({
      invoiceId: id,
      amount: "1200.00",
      currency: "EUR",
      date: "2026-12-01",
      vatBreakdown: [
        { rate: "20.00", amount: "1000.00" },
        { rate: "5.50", amount: "200.00" },
      ],
      status: "queued",
      flowId: null,
    });
    const again = await pay(id, body, { "idempotency-key": "pay-1" });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(payment.id);
    const other = await pay(id, { ...body, date: "2026-12-02" }, { "idempotency-key": "pay-1" });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe("idempotency_key_reused");

    const list = await api("GET", `/api/v1/invoices/${id}/payments`, keyA, a.slug);
    expect(list.json().items.map((p: { id: string }) => p.id)).toEqual([payment.id]);
    const invoice = (await api("GET", `/api/v1/invoices/${id}`, keyA, a.slug)).json();
    expect(invoice.status.code).toBe("published");
    expect(invoice.lifecycle).toEqual([
      { code: "212", label: "Encaissée", at: "2026-12-01T00:00:00.000Z", source: "portal", role: "SE" },
      {
        code: "published",
        label: "Duplicata publié sur le portail",
        at: invoice.publishedAt,
        source: "portal",
      },
    ]);
    const english = await app.inject({
      url: `/api/v1/invoices/${id}`,
      headers: { host: `${a.slug}.localhost:3000`, authorization: `Bearer ${keyA}`, "accept-language": "en" },
    });
    expect(english.json().lifecycle[0].label).toBe("Collected");
    // Another tenant sees neither the invoice nor its payments.
    expect((await api("GET", `/api/v1/invoices/${id}/payments`, keyB, b.slug)).statusCode).toBe(404);
    expect((await pay(id, body, {}, keyB, b.slug)).statusCode).toBe(404);
  });

  it("refuses bad input with a 400 that names the field, and records nothing", async () => {
    const { id } = await b2bInvoice(a);
    const good = {
      amount: "100.00",
      date: "2026-12-01",
      vatBreakdown: [{ rate: "20.00", amount: "100.00" }],
    };
    const cases: [unknown, string][] = [
      [{ ...good, amount: "12.345" }, "amount"],
      [{ ...good, amount: "-5" }, "amount"],
      [{ ...good, amount: "0" }, "amount"],
      [{ ...good, date: "2026-02-30" }, "date"],
      [{ ...good, date: "2999-01-01" }, "date"],
      [{ ...good, vatBreakdown: [] }, "vatBreakdown"],
      [{ ...good, vatBreakdown: [{ rate: "20.00", amount: "90.00" }] }, "vatBreakdown"],
      [{ ...good, vatBreakdown: [{ rate: "150", amount: "100.00" }] }, "vatBreakdown[0].rate"],
      [
        {
          ...good,
          vatBreakdown: [
            { rate: "20", amount: "50" },
            { rate: "20.00", amount: "50" },
          ],
        },
        "vatBreakdown[1].rate",
      ],
    ];
    for (const [body, field] of cases) {
      const response = await pay(id, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().error).toMatchObject({ code: "invalid_payment", details: { field } });
    }
    // Shape errors are caught by the schema: still a 400 that says what is wrong.
    const missing = await pay(id, { amount: "1" });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.message).toContain("date");
    const badKey = await pay(id, good, { "idempotency-key": "with space" });
    expect(badKey.statusCode).toBe(400);
    // A B2C invoice has no 212 to send.
    const b2c = await b2bInvoice(a, "B2C");
    const refused = await pay(b2c.id, good);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe("payment_not_allowed");
    const [count] = await services.db.query<{ n: number }>(
      `select count(*)::int as n from invoice_payments where invoice_id = any($1::uuid[])`,
      [[id, b2c.id]],
    );
    expect(count!.n).toBe(0);
  });

  it("sends a CDAR 212 valid against the FNFE CDAR XSD and rules, once the invoice reached the PA, exactly once", async () => {
    const { id, number } = await b2bInvoice(a);
    const body = {
      amount: "600.00",
      date: "2026-12-03",
      vatBreakdown: [{ rate: "20.00", amount: "600.00" }],
    };
    const payment = (await pay(id, body)).json();
    // The invoice has not reached the PA yet: the payment waits (its job is retried).
    await expect(transmitPayment(deps(), payment.id)).rejects.toThrow(/not reached the PA/);
    await sendInvoice(id);
    // A 503, then a timeout after the PA stored the flow: one flow in the end, found by trackingId.
    pa.failNextSubmissions("503");
    await expect(transmitPayment(deps(), payment.id)).rejects.toMatchObject({ kind: "unavailable" });
    pa.failNextSubmissions("timeout-after-store");
    await expect(transmitPayment(deps(), payment.id)).rejects.toMatchObject({ kind: "timeout" });
    expect(await transmitPayment(deps(), payment.id)).toBe("acknowledged");
    const flows = pa.flows("client-a").filter((f) => f.trackingId === payment.id);
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({
      flowSyntax: "CDAR",
      flowType: "CustomerInvoiceLC",
      processingRule: "B2B",
    });
    const xml = flows[0]!.bytes.toString("utf8");
    // The 212 we built passes the official checks (XSD, BR-FR-CDV in its blocking variant) and says what we meant.
    expect(await checkCdar(xml)).toEqual({ xsd: [], rules: [], warnings: [] });
    const reading = readCdar(xml);
    expect(reading).toMatchObject({
      ok: true,
      statuses: [
        { code: 212, invoiceNumber: number, issueDate: "2026-11-05", sellerSiren: "443061841", role: "SE" },
      ],
    });
    expect(xml).toContain("<ram:TypeCode>MEN</ram:TypeCode>");
    expect(xml).toContain(">600.00</ram:ValueAmount>");
    const listed = (await api("GET", `/api/v1/invoices/${id}/payments`, keyA, a.slug)).json().items[0];
    expect(listed).toMatchObject({ status: "acknowledged", flowId: flows[0]!.flowId, ackStatus: "Ok" });
    expect(pa.invalidRequests).toEqual([]);
  });

  it("when our process dies between the PA's answer and our record, the next run records the same flow", async () => {
    const { id } = await b2bInvoice(b);
    await sendInvoice(id);
    const payment = (
      await pay(
        id,
        { amount: "50.00", date: "2026-12-04", vatBreakdown: [{ rate: "20.00", amount: "50.00" }] },
        {},
        keyB,
        b.slug,
      )
    ).json();
    const dying: FlowApi = {
      ...client,
      submitFlow: async (...args) => {
        await client.submitFlow(...args);
        throw new Error("process killed");
      },
    };
    await expect(transmitPayment(deps(dying), payment.id)).rejects.toThrow("process killed");
    await services.db.query(
      `update invoice_payments set lease_until = now() + interval '5 minutes' where id = $1`,
      [payment.id],
    );
    await expect(transmitPayment(deps(), payment.id)).rejects.toThrow("another worker");
    const later = () => new Date(Date.now() + 6 * 60_000);
    expect(await transmitPayment(deps(client, later), payment.id)).toBe("acknowledged");
    // Under B's own client, once.
    expect(pa.flows("client-b").filter((f) => f.trackingId === payment.id)).toHaveLength(1);
    expect(pa.flows("client-a").filter((f) => f.trackingId === payment.id)).toHaveLength(0);
  });

  it("does not send the 212 of an invoice the PA rejected: the payment is kept, rejected with the reason", async () => {
    const { id } = await b2bInvoice(a);
    pa.failNextSubmissions("ack-error");
    await sendInvoice(id);
    await transmitInvoice(
      {
        db: services.db,
        blobs: services.blobs,
        queue: services.queue,
        flowApi: client,
        platformSecret: services.cookieSecret,
        logger: services.logger,
        ackDelaySeconds: 3600,
      },
      id,
    );
    const payment = (
      await pay(id, {
        amount: "10.00",
        date: "2026-12-05",
        vatBreakdown: [{ rate: "20.00", amount: "10.00" }],
      })
    ).json();
    const before = pa.flows().length;
    expect(await transmitPayment(deps(), payment.id)).toBe("rejected");
    expect(pa.flows().length).toBe(before);
    const listed = (await api("GET", `/api/v1/invoices/${id}/payments`, keyA, a.slug)).json().items[0];
    expect(listed).toMatchObject({ status: "rejected", reasons: [{ reasonCode: "INVOICE_REJECTED" }] });
  });
});
