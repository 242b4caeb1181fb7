import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalPa, startLocalPa } from "./support/local-pa.js";

// The local PA is the yardstick of the Flow API tests: it must refuse what the official OpenAPI file refuses.
describe("local PA (AFNOR XP Z12-013 Flow Service 1.3.0)", () => {
  let pa: LocalPa;
  let token: string;

  beforeAll(async () => {
    pa = await startLocalPa();
    pa.addClient("issuer-a", "secret-a");
    const response = await fetch(pa.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&client_id=issuer-a&client_secret=secret-a",
    });
    token = ((await response.json()) as { access_token: string }).access_token;
  });
  afterAll(() => pa.close());

  const auth = () => ({ authorization: `Bearer ${token}` });

  async function submit(flowInfo: unknown, file = new Blob(["<x/>"], { type: "application/xml" })) {
    const form = new FormData();
    form.append("flowInfo", new Blob([JSON.stringify(flowInfo)], { type: "application/json" }));
    form.append("file", file, "f.xml");
    return fetch(`${pa.flowUrl}/v1/flows`, { method: "POST", headers: auth(), body: form });
  }

  it("refuses a wrong client secret and answers the healthcheck without a token", async () => {
    const refused = await fetch(pa.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&client_id=issuer-a&client_secret=nope",
    });
    expect(refused.status).toBe(401);
    expect((await fetch(`${pa.flowUrl}/v1/healthcheck`)).status).toBe(200);
    expect((await fetch(`${pa.flowUrl}/v1/webhooks`)).status).toBe(401);
  });

  it("refuses requests the OpenAPI file does not allow (enum, limit, docType)", async () => {
    const before = pa.invalidRequests.length;
    expect((await submit({ name: "f.xml", flowSyntax: "PDF" })).status).toBe(400);
    const search = await fetch(`${pa.flowUrl}/v1/flows/search`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({ where: {}, limit: 500 }),
    });
    expect(search.status).toBe(400);
    expect((await fetch(`${pa.flowUrl}/v1/flows/x?docType=Pdf`, { headers: auth() })).status).toBe(400);
    expect(pa.invalidRequests.length).toBe(before + 3);
  });

  it("stores a flow, finds it by trackingId page by page, and serves its original", async () => {
    for (const n of [1, 2, 3]) {
      const response = await submit({
        trackingId: `t-${n}`,
        name: `f${n}.xml`,
        flowSyntax: "CII",
        processingRule: "B2B",
      });
      expect(response.status).toBe(202);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const response = await fetch(`${pa.flowUrl}/v1/flows/search`, {
        method: "POST",
        headers: { ...auth(), "content-type": "application/json" },
        body: JSON.stringify({ where: { flowDirection: ["Out"] }, limit: 2, ...(cursor ? { cursor } : {}) }),
      });
      const page = (await response.json()) as { results: { trackingId: string }[]; nextCursor?: string };
      seen.push(...page.results.map((r) => r.trackingId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(["t-1", "t-2", "t-3"]);
    const flowId = pa.flows("issuer-a")[0]!.flowId;
    const original = await fetch(`${pa.flowUrl}/v1/flows/${flowId}?docType=Original`, { headers: auth() });
    expect(await original.text()).toBe("<x/>");
  });

  it("answers 503 when told to, and registers and deletes webhooks", async () => {
    pa.failNextSubmissions("503");
    expect((await submit({ name: "f.xml", flowSyntax: "CII" })).status).toBe(503);
    const created = await fetch(`${pa.flowUrl}/v1/webhooks`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({
        callbackUrl: "https://portal.example/pa/webhook",
        flowTypes: ["CustomerInvoiceLC"],
      }),
    });
    expect(created.status).toBe(201);
    const { webhookId } = (await created.json()) as { webhookId: string };
    const deleted = await fetch(`${pa.flowUrl}/v1/webhooks/${webhookId}`, {
      method: "DELETE",
      headers: auth(),
    });
    expect(deleted.status).toBe(204);
    expect(pa.webhooks("issuer-a")).toEqual([]);
  });
});
