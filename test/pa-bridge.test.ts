import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWithServices } from "../src/cli/main.js";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { createApiKey } from "../src/domain/api-keys/create-api-key.js";
import { checkPaConnection } from "../src/domain/pa/connect-pa.js";
import type { FlowApi } from "../src/domain/pa/flow-api.js";
import { queueTransmission, type TransmitDeps, transmitInvoice } from "../src/domain/pa/transmit-invoice.js";
import { buildWebApp } from "../src/http/web-app.js";
import { createFlowClient } from "../src/pa/flow-client.js";
import { facturx, makeCustomer, makeTenant, publishFacturX } from "./support/factories.js";
import { type LocalPa, startLocalPa } from "./support/local-pa.js";
import { ENGINES, openTestServices, waitFor } from "./support/services.js";

type TestServices = Awaited<ReturnType<typeof openTestServices>>;

describe.each(ENGINES)("PA bridge: connection and transmission (%s)", (engine) => {
  let services: TestServices;
  let pa: LocalPa;
  let a: TenantRow;
  let b: TenantRow;
  const dir = mkdtempSync(path.join(tmpdir(), "efacture-pa-"));
  const output: string[] = [];
  const io = {
    out: (t: string) => void output.push(t),
    err: (t: string) => void output.push(t),
    cwd: dir,
    isTTY: false,
  };
  let counter = 0;

  async function cli(...argv: string[]): Promise<{ code: number; text: string }> {
    output.length = 0;
    const code = await runWithServices(argv, io, services);
    return { code, text: output.join("\n") };
  }

  /** A published invoice of `tenant` with the route and validation status the other parts of #16 will set. */
  async function invoice(
    tenant: TenantRow,
    route: { processingRule?: string; validationStatus?: string | null } = {},
  ): Promise<string> {
    counter++;
    await makeCustomer(services, tenant, `C${counter}`);
    const { id } = await publishFacturX(services, tenant, facturx(`PA-${counter}`, `C${counter}`));
    await services.db.query(
      `update invoices set processing_rule = $2, validation_status = $3 where id = $1`,
      [
        id,
        route.processingRule ?? "B2B",
        route.validationStatus === undefined ? "passed" : route.validationStatus,
      ],
    );
    return id;
  }

  async function transmission(invoiceId: string) {
    const [row] = await services.db.query<{
      status: string;
      hold_reason: string | null;
      flow_id: string | null;
      ack_status: string | null;
      reasons: unknown[];
      attempts: number;
    }>(
      `select status, hold_reason, flow_id, ack_status, reasons, attempts from pa_transmissions where invoice_id = $1`,
      [invoiceId],
    );
    return row;
  }

  function deps(flowApi: FlowApi, now?: () => Date): TransmitDeps {
    return {
      db: services.db,
      blobs: services.blobs,
      queue: services.queue,
      flowApi,
      platformSecret: services.cookieSecret,
      logger: services.logger,
      ackDelaySeconds: 3600,
      ...(now ? { now } : {}),
    };
  }

  async function queued(invoiceId: string) {
    return services.db.transaction((tx) => queueTransmission(tx, services.queue, invoiceId));
  }

  const client = createFlowClient({ requestTimeoutMs: 1_000 });

  beforeAll(async () => {
    pa = await startLocalPa();
    pa.addClient("client-a", "secret-of-a");
    pa.addClient("client-b", "secret-of-b");
    services = await openTestServices(engine);
    a = await makeTenant(services.db, { slug: `pa-a-${engine}`, displayName: "Bail A" });
    b = await makeTenant(services.db, { slug: `pa-b-${engine}`, displayName: "Bail B" });
    writeFileSync(path.join(dir, "a.secret"), "  secret-of-a\n");
    writeFileSync(path.join(dir, "b.secret"), "secret-of-b\n");
  });
  afterAll(async () => {
    await services?.dispose();
    await pa?.close();
  });

  it("holds a B2B invoice until the tenant connects its PA, then `pa connect` queues it", async () => {
    const waiting = await invoice(a);
    expect(await queued(waiting)).toBe("held");
    expect((await transmission(waiting))?.hold_reason).toBe("no_connection");

    const { code, text } = await cli(
      "pa",
      "connect",
      "--tenant",
      a.slug,
      "--flow-url",
      pa.flowUrl,
      "--token-url",
      pa.tokenUrl,
      "--client-id",
      "client-a",
      "--client-secret-file",
      "a.secret",
    );
    expect(code).toBe(0);
    expect(text).toContain("1 invoice(s) waiting for a PA connection queued");
    expect(text).not.toContain("secret-of-a");
    expect((await transmission(waiting))?.status).toBe("queued");
    const [stored] = await services.db.query<{ sealed_secret: string }>(
      `select sealed_secret from pa_connections where tenant_id = $1`,
      [a.id],
    );
    expect(stored!.sealed_secret).toMatch(/^v1\./);
    expect(stored!.sealed_secret).not.toContain("secret-of-a");
    const [audit] = await services.db.query<{ details: unknown }>(
      `select details from audit_entries where tenant_id = $1 and action = 'pa.connected'`,
      [a.id],
    );
    expect(JSON.stringify(audit!.details)).not.toContain("secret-of-a");

    expect(
      (
        await cli(
          "pa",
          "connect",
          "--tenant",
          b.slug,
          "--flow-url",
          pa.flowUrl,
          "--token-url",
          pa.tokenUrl,
          "--client-id",
          "client-b",
          "--client-secret-file",
          "b.secret",
          "--poll-seconds",
          "60",
        )
      ).code,
    ).toBe(0);
  });

  it("`pa status` says in words what works, and what does not", async () => {
    const ok = await cli("pa", "status", "--tenant", a.slug);
    expect(ok.code).toBe(0);
    expect(ok.text).toContain("Token: obtained from the token endpoint.");
    expect(ok.text).toContain("Flow service: reachable");
    expect(ok.text).toContain("Access: the Flow API accepts our credentials.");

    pa.down = true;
    const down = await cli("pa", "status", "--tenant", a.slug);
    pa.down = false;
    expect(down.code).toBe(1);
    expect(down.text).toContain("UNAVAILABLE");

    const wrong = await checkPaConnection(
      { db: services.db, flowApi: client, platformSecret: "another platform secret" },
      a.id,
    ).catch((error: Error) => error);
    expect(wrong).toBeInstanceOf(Error); // a secret sealed under another key does not open

    expect(
      await cli("pa", "connect", "--tenant", a.slug, "--flow-url", "ftp://x", "--token-file", "a.secret"),
    ).toEqual(expect.objectContaining({ code: 1 }));
    expect((await cli("pa", "status", "--tenant", "nope")).code).toBe(1);
  });

  it("sends nothing for a B2C route, holds a failed or not yet validated B2B invoice, queues it once it passes", async () => {
    expect(await queued(await invoice(a, { processingRule: "B2C" }))).toBe("not_routed");
    const failed = await invoice(a, { validationStatus: "failed" });
    expect(await queued(failed)).toBe("held");
    expect((await transmission(failed))?.hold_reason).toBe("validation_failed");
    const pending = await invoice(a, { validationStatus: null });
    expect(await queued(pending)).toBe("held");
    expect((await transmission(pending))?.hold_reason).toBe("validation_pending");
    await services.db.query(`update invoices set validation_status = 'passed' where id = $1`, [pending]);
    expect(await queued(pending)).toBe("queued");
    expect(await queued(pending)).toBe("unchanged");
  });

  it("retries after a 503 and sends one flow", async () => {
    const id = await invoice(b);
    await queued(id);
    pa.failNextSubmissions("503");
    await expect(transmitInvoice(deps(client), id)).rejects.toMatchObject({ kind: "unavailable" });
    expect(await transmission(id)).toMatchObject({ status: "queued", attempts: 1 });
    expect(await transmitInvoice(deps(client), id)).toBe("submitted");
    expect(pa.flows().filter((f) => f.trackingId === id)).toHaveLength(1);
  });

  it("after a timeout when the PA had stored the flow, finds it by trackingId instead of sending it again", async () => {
    const id = await invoice(b);
    await queued(id);
    pa.failNextSubmissions("timeout-after-store");
    await expect(transmitInvoice(deps(client), id)).rejects.toMatchObject({ kind: "timeout" });
    // Found with its acknowledgement (Ok) already given.
    expect(await transmitInvoice(deps(client), id)).toBe("acknowledged");
    const flows = pa.flows().filter((f) => f.trackingId === id);
    expect(flows).toHaveLength(1);
    expect((await transmission(id))?.flow_id).toBe(flows[0]!.flowId);
  });

  it("when our process dies between the PA's answer and our record, the job's next run records the same flow", async () => {
    const id = await invoice(b);
    await queued(id);
    // The PA stores the flow and answers; the process dies before the answer is recorded.
    const dying: FlowApi = {
      ...client,
      submitFlow: async (...args) => {
        await client.submitFlow(...args);
        throw new Error("process killed");
      },
    };
    await expect(transmitInvoice(deps(dying), id)).rejects.toThrow("process killed");
    // A killed worker releases nothing: its lease stays until it runs out.
    await services.db.query(
      `update pa_transmissions set lease_until = now() + interval '5 minutes' where invoice_id = $1`,
      [id],
    );
    await expect(transmitInvoice(deps(client), id)).rejects.toThrow("another worker");
    const later = () => new Date(Date.now() + 6 * 60_000);
    expect(await transmitInvoice(deps(client, later), id)).toBe("acknowledged");
    expect(pa.flows().filter((f) => f.trackingId === id)).toHaveLength(1);
  });

  it("records the PA's Error acknowledgement with its reasons", async () => {
    const id = await invoice(b);
    await queued(id);
    pa.failNextSubmissions("ack-error");
    expect(await transmitInvoice(deps(client), id)).toBe("submitted");
    expect(await transmitInvoice(deps(client), id)).toBe("rejected");
    expect(await transmission(id)).toMatchObject({
      status: "rejected",
      ack_status: "Error",
      reasons: [expect.objectContaining({ item: "BT-47", reasonCode: "REJ_SEMAN" })],
    });
  });

  it("records an acknowledgement once when two checks of the same flow overlap", async () => {
    const id = await invoice(b);
    await queued(id);
    pa.failNextSubmissions("ack-error");
    expect(await transmitInvoice(deps(client), id)).toBe("submitted");
    // Two workers read the transmission as submitted, both ask the PA, both record.
    await Promise.all([transmitInvoice(deps(client), id), transmitInvoice(deps(client), id)]);
    const [audits] = await services.db.query<{ n: number }>(
      `select count(*)::int as n from audit_entries where action = 'pa.rejected' and target_id = $1`,
      [id],
    );
    expect(audits!.n).toBe(1);
    expect((await transmission(id))?.status).toBe("rejected");
  });

  it("never uses another tenant's credentials: each invoice reaches the PA under its own tenant's client", async () => {
    const ofA = await invoice(a);
    await queued(ofA);
    expect(await transmitInvoice(deps(client), ofA)).toBe("submitted");
    for (const flow of pa.flows()) {
      const [owner] = await services.db.query<{ tenant_id: string }>(
        `select tenant_id from invoices where id = $1`,
        [flow.trackingId],
      );
      expect(flow.clientId).toBe(owner!.tenant_id === a.id ? "client-a" : "client-b");
    }
    expect(pa.flows("client-a").length).toBeGreaterThan(0);
    expect(pa.flows("client-b").length).toBeGreaterThan(0);
    // A's sealed secret copied into B's row does not open there (bound to A's tenant id): B sends nothing.
    await services.db.query(
      `update pa_connections set sealed_secret = (select sealed_secret from pa_connections where tenant_id = $1),
         client_id = 'client-a' where tenant_id = $2`,
      [a.id, b.id],
    );
    const id = await invoice(b);
    await queued(id);
    const before = pa.flows().length;
    await expect(transmitInvoice(deps(client), id)).rejects.toThrow();
    expect(pa.flows().length).toBe(before);
  });

  it("asks the token endpoint once per client while its token lasts, and again when it expires", async () => {
    let clock = Date.now();
    const timed = createFlowClient({ requestTimeoutMs: 1_000, now: () => clock });
    const endpoint = {
      flowUrl: pa.flowUrl,
      auth: {
        kind: "oauth2" as const,
        tokenUrl: pa.tokenUrl,
        clientId: "client-a",
        clientSecret: "secret-of-a",
      },
    };
    const before = pa.tokensIssued("client-a");
    await timed.searchFlows(endpoint, { where: { flowDirection: ["Out"] } });
    await timed.searchFlows(endpoint, { where: { flowDirection: ["Out"] } });
    expect(pa.tokensIssued("client-a")).toBe(before + 1);
    clock += 3600_000;
    await timed.searchFlows(endpoint, { where: { flowDirection: ["Out"] } });
    expect(pa.tokensIssued("client-a")).toBe(before + 2);
    expect(pa.invalidRequests).toEqual([]);
  });
  it("shows the transmission in GET /api/v1/invoices/{id}, to the invoice's tenant only", async () => {
    const app = await buildWebApp(services);
    try {
      const keyOfA = (await createApiKey({ db: services.db, tenantId: a.id })).key;
      const keyOfB = (await createApiKey({ db: services.db, tenantId: b.id })).key;
      const get = (id: string, key: string, slug: string) =>
        app.inject({
          url: `/api/v1/invoices/${id}`,
          headers: { host: `${slug}.localhost:3000`, authorization: `Bearer ${key}` },
        });
      const sent = await invoice(a);
      await queued(sent);
      await transmitInvoice(deps(client), sent);
      const response = await get(sent, keyOfA, a.slug);
      expect(response.statusCode).toBe(200);
      const flow = pa.flows("client-a").find((f) => f.trackingId === sent)!;
      expect(response.json().transmission).toEqual({
        status: "submitted",
        holdReason: null,
        flowId: flow.flowId,
        submittedAt: new Date(flow.submittedAt).toISOString(),
        ackStatus: "Pending",
        reasons: [],
      });
      const b2c = await invoice(a, { processingRule: "B2C" });
      expect((await get(b2c, keyOfA, a.slug)).json().transmission).toBeNull();
      expect((await get(sent, keyOfB, b.slug)).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });

  it("sends a passed B2B invoice through the worker's job (last: the worker then serves every queued job): flowInfo, original bytes, trackingId = invoice id", async () => {
    const { startPaJobs } = await import("../src/jobs/pa-transmit.job.js");
    await startPaJobs(services, client);
    const id = await invoice(a, { validationStatus: "warnings" });
    expect(await queued(id)).toBe("queued");
    const row = await waitFor(async () => {
      const t = await transmission(id);
      return t?.status === "submitted" || t?.status === "acknowledged" ? t : undefined;
    });
    const flow = pa.flows("client-a").find((f) => f.trackingId === id)!;
    expect(row.flow_id).toBe(flow.flowId);
    expect(flow).toMatchObject({ processingRule: "B2B", flowSyntax: "Factur-X", flowProfile: "CIUS" });
    const [inv] = await services.db.query<{ sha256: string }>(`select sha256 from invoices where id = $1`, [
      id,
    ]);
    expect(flow.sha256).toBe(inv!.sha256);
    expect(pa.invalidRequests).toEqual([]);
    // Acknowledged Ok by the PA: the next check records it.
    expect(await transmitInvoice(deps(client), id)).toBe("acknowledged");
    expect(await transmission(id)).toMatchObject({ status: "acknowledged", ack_status: "Ok" });
  });
});
