import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { connectPa } from "../src/domain/pa/connect-pa.js";
import { type FlowApi, FlowApiError } from "../src/domain/pa/flow-api.js";
import { queueTransmission } from "../src/domain/pa/transmit-invoice.js";
import { PA_TRANSMIT_BATCH, PA_TRANSMIT_WORKERS, startPaJobs } from "../src/jobs/pa-transmit.job.js";
import { createFlowClient } from "../src/pa/flow-client.js";
import { facturx, makeCustomer, makeTenant, publishFacturX } from "./support/factories.js";
import { type LocalPa, startLocalPa } from "./support/local-pa.js";
import { ENGINES, openTestServices, waitFor } from "./support/services.js";

// The pa-transmit workers (src/jobs/pa-transmit.job.ts): each fetch takes several jobs and runs them at once
// (pg-boss lets a worker fetch only once per polling interval), each job keeping its own outcome.

type TestServices = Awaited<ReturnType<typeof openTestServices>>;

describe.each(ENGINES)("PA transmission workers (%s)", (engine) => {
  let services: TestServices;
  let pa: LocalPa;
  let tenant: TenantRow;
  let counter = 0;

  // The real client, with every submission held until `release` and some invoices answered 503.
  const real = createFlowClient({ requestTimeoutMs: 5_000 });
  let inFlight = 0;
  let release: () => void = () => {};
  let gate: Promise<void> = Promise.resolve();
  const unavailable = new Set<string>();
  const flowApi: FlowApi = {
    ...real,
    async submitFlow(endpoint, info, file) {
      inFlight++;
      try {
        await gate;
        if (unavailable.has(info.trackingId ?? ""))
          throw new FlowApiError("unavailable", "the PA answered 503", {
            status: 503,
            mayHaveReachedPa: false,
          });
        return await real.submitFlow(endpoint, info, file);
      } finally {
        inFlight--;
      }
    },
  };

  async function queuedInvoice(): Promise<string> {
    counter++;
    await makeCustomer(services, tenant, `W${counter}`);
    const { id } = await publishFacturX(services, tenant, facturx(`PW-${counter}`, `W${counter}`));
    await services.db.query(
      `update invoices set processing_rule = 'B2B', validation_status = 'passed' where id = $1`,
      [id],
    );
    expect(await services.db.transaction((tx) => queueTransmission(tx, services.queue, id))).toBe("queued");
    return id;
  }

  async function statusOf(id: string): Promise<string | undefined> {
    const [row] = await services.db.query<{ status: string }>(
      `select status from pa_transmissions where invoice_id = $1`,
      [id],
    );
    return row?.status;
  }

  /** The states of the invoice's pa-transmit jobs in pg-boss. */
  async function jobStates(id: string): Promise<string[]> {
    const rows = await services.db.query<{ state: string }>(
      `select state from ${services.queue.schema}.job where name = 'pa-transmit' and data->>'invoiceId' = $1
       order by created_on`,
      [id],
    );
    return rows.map((r) => r.state);
  }

  beforeAll(async () => {
    pa = await startLocalPa();
    pa.addClient("client-w", "secret-of-w");
    services = await openTestServices(engine);
    tenant = await makeTenant(services.db, { slug: `pa-w-${engine}`, displayName: "Bail W" });
    await connectPa(
      { db: services.db, queue: services.queue, platformSecret: services.cookieSecret },
      {
        tenantId: tenant.id,
        flowUrl: pa.flowUrl,
        tokenUrl: pa.tokenUrl,
        clientId: "client-w",
        clientSecret: "secret-of-w",
        actor: { type: "platform", id: "test" },
      },
    );
  });
  afterAll(async () => {
    release();
    await services?.dispose();
    await pa?.close();
  });

  it("sends several queued invoices at once, more than there are workers: one fetch takes a batch", async () => {
    gate = new Promise((resolve) => {
      release = resolve;
    });
    const count = PA_TRANSMIT_WORKERS + 4;
    expect(PA_TRANSMIT_BATCH * PA_TRANSMIT_WORKERS).toBeGreaterThanOrEqual(count);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await queuedInvoice());
    await startPaJobs(services, flowApi);
    // Every submission is under way at the same time (before: one per worker, two at most).
    await waitFor(async () => inFlight >= count, 15_000, `${count} submissions in flight at once`);
    release();
    for (const id of ids)
      await waitFor(async () => ["submitted", "acknowledged"].includes((await statusOf(id)) ?? ""));
    for (const id of ids) expect(pa.flows("client-w").filter((f) => f.trackingId === id)).toHaveLength(1);
    expect(pa.invalidRequests).toEqual([]);
  });

  it("a transmission that fails is retried alone: the others fetched with it complete", async () => {
    const failing = await queuedInvoice();
    unavailable.add(failing);
    const others = [await queuedInvoice(), await queuedInvoice(), await queuedInvoice()];
    for (const id of others) await waitFor(async () => (await statusOf(id)) !== "queued");
    await waitFor(async () => (await jobStates(failing))[0] === "retry", 15_000, "the failed job's retry");
    expect(await statusOf(failing)).toBe("queued");
    for (const id of others) {
      expect(await statusOf(id)).toMatch(/^(submitted|acknowledged)$/);
      await waitFor(async () => (await jobStates(id))[0] === "completed", 15_000, "the sent job completed");
    }
    const [row] = await services.db.query<{ last_error: string | null }>(
      `select last_error from pa_transmissions where invoice_id = $1`,
      [failing],
    );
    expect(row?.last_error).toContain("503");
  });
});
