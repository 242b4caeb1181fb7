import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWithServices } from "../src/cli/main.js";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { connectPa } from "../src/domain/pa/connect-pa.js";
import { type IntakeDeps, pollPaStatuses } from "../src/domain/pa/ingest-statuses.js";
import { paWebhookFlowJob } from "../src/domain/pa/pa-jobs.js";
import { signCallback } from "../src/domain/pa/pa-webhooks.js";
import { buildWebApp } from "../src/http/web-app.js";
import { paWebhookFlowHandler } from "../src/jobs/pa-transmit.job.js";
import { checkCdar } from "../src/pa/cdar-rules.js";
import { createFlowClient } from "../src/pa/flow-client.js";
import { facturx, makeCustomer, makeTenant, publishFacturX } from "./support/factories.js";
import { cdarStatus, type LocalPa, startLocalPa } from "./support/local-pa.js";
import { ENGINES, openTestServices, waitFor } from "./support/services.js";

const SELLER = "443061841";
const ISSUED = "2026-11-05";

describe.each(ENGINES)("PA bridge: webhook intake (%s)", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let pa: LocalPa;
  let app: FastifyInstance;
  let a: TenantRow;
  let b: TenantRow;
  let deps: IntakeDeps;
  const output: string[] = [];
  const io = {
    out: (t: string) => void output.push(t),
    err: (t: string) => void output.push(t),
    cwd: mkdtempSync(path.join(tmpdir(), "efacture-pa-wh-")),
    isTTY: false,
  };

  async function cli(...argv: string[]) {
    output.length = 0;
    const code = await runWithServices(argv, io, services);
    return { code, text: output.join("\n") };
  }

  async function statusCodes(invoiceId: string): Promise<number[]> {
    const rows = await services.db.query<{ code: number }>(
      `select code from pa_lifecycle_statuses where invoice_id = $1 order by code, id`,
      [invoiceId],
    );
    return rows.map((r) => r.code);
  }

  async function inboundCount(tenantId: string): Promise<number> {
    const [row] = await services.db.query<{ n: number }>(
      `select count(*)::int as n from pa_inbound_messages where tenant_id = $1`,
      [tenantId],
    );
    return row!.n;
  }

  async function webhookOf(tenantId: string) {
    const [row] = await services.db.query<{
      webhook_uid: string | null;
      sealed_webhook_secret: string | null;
    }>(`select webhook_uid, sealed_webhook_secret from pa_connections where tenant_id = $1`, [tenantId]);
    return row!;
  }

  /** A callback as the PA (or a forger) would post it to our host. */
  function post(url: string, headers: Record<string, string>, body: string) {
    const target = new URL(url);
    return app.inject({
      method: "POST",
      url: target.pathname,
      headers: { ...headers, host: target.host },
      payload: body,
    });
  }

  beforeAll(async () => {
    pa = await startLocalPa();
    pa.addClient("client-a", "secret-a");
    pa.addClient("client-b", "secret-b");
    services = await openTestServices(engine);
    app = await buildWebApp(services);
    // The PA's callbacks reach our web application as HTTP requests to the callback URL's host and path.
    pa.deliver = async (url, init) => (await post(url, init.headers, init.body)).statusCode;
    a = await makeTenant(services.db, { slug: `wh-a-${engine}`, displayName: "Bail A" });
    b = await makeTenant(services.db, { slug: `wh-b-${engine}`, displayName: "Bail B" });
    for (const [tenant, client, secret] of [
      [a, "client-a", "secret-a"],
      [b, "client-b", "secret-b"],
    ] as const)
      await connectPa(
        { db: services.db, queue: services.queue, platformSecret: services.cookieSecret },
        {
          tenantId: tenant.id,
          flowUrl: pa.flowUrl,
          tokenUrl: pa.tokenUrl,
          clientId: client,
          clientSecret: secret,
          actor: { type: "platform", id: "test" },
        },
      );
    deps = {
      db: services.db,
      flowApi: createFlowClient({ requestTimeoutMs: 2_000 }),
      platformSecret: services.cookieSecret,
      checkCdar,
    };
  });
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
    await pa?.close();
  });

  it("`pa webhook` subscribes a callback on the tenant's host, keeps the PA's signing key sealed, and replaces an older one", async () => {
    const first = await cli("pa", "webhook", "--tenant", a.slug);
    expect(first.code).toBe(0);
    const [hook] = pa.webhooks("client-a");
    expect(hook!.callbackUrl).toMatch(
      new RegExp(`^http://${a.slug}\\.localhost:3000/api/pa/webhooks/[0-9a-f-]{36}$`),
    );
    expect(first.text).toContain(hook!.callbackUrl);
    const stored = await webhookOf(a.id);
    expect(hook!.callbackUrl.endsWith(stored.webhook_uid!)).toBe(true);
    const key = pa.signingKey(hook!.webhookId)!;
    expect(stored.sealed_webhook_secret).toBeTruthy();
    expect(stored.sealed_webhook_secret).not.toContain(key);
    expect(first.text).not.toContain(key);

    const second = await cli("pa", "webhook", "--tenant", a.slug);
    expect(second.code).toBe(0);
    expect(second.text).toContain("1 older subscription(s) removed");
    expect(pa.webhooks("client-a")).toHaveLength(1);
    expect(pa.webhooks("client-a")[0]!.callbackUrl).not.toBe(hook!.callbackUrl);
    // The old callback URL opens nothing any more.
    const stale = await post(hook!.callbackUrl, { "content-type": "application/json" }, "{}");
    expect(stale.statusCode).toBe(404);

    expect((await cli("pa", "webhook", "--tenant", b.slug)).code).toBe(0);
    expect(pa.invalidRequests).toEqual([]);
  });

  it("records every status 200-213 once, whether it comes by webhook, by poll, or both (some callbacks lost)", {
    timeout: 120_000,
  }, async () => {
    await services.queue.work(
      paWebhookFlowJob,
      paWebhookFlowHandler(services, createFlowClient({ requestTimeoutMs: 2_000 })),
      { concurrency: 2 },
    );
    await makeCustomer(services, a, "WH1");
    const { id } = await publishFacturX(services, a, facturx("WH-1", "WH1"));
    const codes = [200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213];
    const before = pa.callbacks.length;
    for (const code of codes) {
      // Three of the callbacks are lost: the poll must bring those.
      if (code === 202 || code === 207 || code === 212) pa.loseNextCallbacks(1);
      await pa.emitLifecycle(
        "client-a",
        cdarStatus({
          invoiceNumber: "WH-1",
          issueDate: ISSUED,
          sellerSiren: SELLER,
          code,
          ...(code === 207 ? { reasonCode: "MONTANTTOTAL_ERR", reasonText: "Montant contesté" } : {}),
        }),
      );
    }
    const delivered = pa.callbacks.slice(before);
    expect(delivered.filter((c) => c.status === 202)).toHaveLength(11);
    expect(delivered.filter((c) => c.status === "lost")).toHaveLength(3);
    // The webhook's job downloads each named flow and records it.
    await waitFor(async () => ((await statusCodes(id)).length === 11 ? true : undefined), 60_000);
    expect(await statusCodes(id)).toEqual(codes.filter((c) => c !== 202 && c !== 207 && c !== 212));
    const [via] = await services.db.query<{ n: number }>(
      `select count(*)::int as n from pa_inbound_messages where tenant_id = $1 and received_via = 'webhook'`,
      [a.id],
    );
    expect(via!.n).toBe(11);
    // The poll reads all 14: the 3 lost ones are recorded, the 11 others add nothing.
    expect(await pollPaStatuses(deps, a.id)).toEqual({ read: 3, recorded: 3, unmatched: 0, invalid: 0 });
    expect(await statusCodes(id)).toEqual(codes);
    // A callback delivered again for a flow already read records nothing more.
    const again = pa
      .flows("client-a")
      .filter((f) => f.flowDirection === "In")
      .at(-1)!;
    const hook = pa.webhooks("client-a")[0]!;
    const key = pa.signingKey(hook.webhookId)!;
    const body = JSON.stringify({ flowId: again.flowId });
    const ts = Math.floor(Date.now() / 1000);
    const replay = await post(
      hook.callbackUrl,
      {
        "content-type": "application/json",
        "afnor-signature": signCallback(key, body, ts),
        "afnor-signature-timestamp": String(ts),
      },
      body,
    );
    expect(replay.statusCode).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await statusCodes(id)).toEqual(codes);
    const [audits] = await services.db.query<{ n: number }>(
      `select count(*)::int as n from audit_entries where action = 'pa.status_recorded' and target_id = $1`,
      [id],
    );
    expect(audits!.n).toBe(14);
    expect(pa.invalidRequests).toEqual([]);
  });

  it("refuses unknown and forged callbacks (404/401) and records nothing from them", async () => {
    const hookA = pa.webhooks("client-a")[0]!;
    const hookB = pa.webhooks("client-b")[0]!;
    const keyA = pa.signingKey(hookA.webhookId)!;
    const inboundBefore = await inboundCount(a.id);
    const flowOfB = await pa.emitLifecycle(
      "client-b",
      cdarStatus({ invoiceNumber: "WH-1", issueDate: ISSUED, sellerSiren: SELLER, code: 210, role: "BY" }),
    );
    const body = JSON.stringify({ flowId: flowOfB.flowId });
    const ts = Math.floor(Date.now() / 1000);
    const signed = (key: string, at = ts) => ({
      "content-type": "application/json",
      "afnor-signature": signCallback(key, body, at),
      "afnor-signature-timestamp": String(at),
    });
    const uidA = new URL(hookA.callbackUrl).pathname.split("/").at(-1)!;
    const hostA = new URL(hookA.callbackUrl).host;
    // Unknown uid; B's uid on A's host.
    expect(
      (await post(`http://${hostA}/api/pa/webhooks/${crypto.randomUUID()}`, signed(keyA), body)).statusCode,
    ).toBe(404);
    expect((await post(`http://${hostA}/api/pa/webhooks/not-a-uuid`, signed(keyA), body)).statusCode).toBe(
      404,
    );
    const uidB = new URL(hookB.callbackUrl).pathname.split("/").at(-1)!;
    expect((await post(`http://${hostA}/api/pa/webhooks/${uidB}`, signed(keyA), body)).statusCode).toBe(404);
    // A's uid without a signature, with a wrong one, with B's key, with an old timestamp.
    expect((await post(hookA.callbackUrl, { "content-type": "application/json" }, body)).statusCode).toBe(
      401,
    );
    const wrong = { ...signed(keyA), "afnor-signature": Buffer.alloc(32, 7).toString("base64") };
    expect((await post(hookA.callbackUrl, wrong, body)).statusCode).toBe(401);
    expect((await post(hookA.callbackUrl, signed(pa.signingKey(hookB.webhookId)!), body)).statusCode).toBe(
      401,
    );
    expect((await post(hookA.callbackUrl, signed(keyA, ts - 3600), body)).statusCode).toBe(401);
    // Signed right but naming B's flow: A's credentials cannot fetch it; nothing is recorded for A.
    const accepted = await post(hookA.callbackUrl, signed(keyA), body);
    expect(accepted.statusCode).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await inboundCount(a.id)).toBe(inboundBefore);
    expect(uidA).toMatch(/^[0-9a-f-]{36}$/);
    // B's own webhook delivered it to B: matched to no invoice of B (WH-1 is A's), kept as unmatched.
    await waitFor(async () => ((await inboundCount(b.id)) === 1 ? true : undefined), 60_000);
    const [kept] = await services.db.query<{ outcome: string }>(
      `select outcome from pa_inbound_messages where tenant_id = $1`,
      [b.id],
    );
    expect(kept!.outcome).toBe("unmatched");
  });

  it("limits the rate of callbacks from one network (429 past the API's limit)", async () => {
    const host = new URL(pa.webhooks("client-a")[0]!.callbackUrl).host;
    let limited = 0;
    for (let i = 0; i < 650 && limited === 0; i++) {
      const response = await post(
        `http://${host}/api/pa/webhooks/${crypto.randomUUID()}`,
        { "content-type": "application/json", "x-forwarded-for": "198.51.100.7" },
        "{}",
      );
      if (response.statusCode === 429) limited = i;
      else expect(response.statusCode).toBe(404);
    }
    expect(limited).toBeGreaterThan(0);
  });
});
