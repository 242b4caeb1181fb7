import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { connectPa } from "../src/domain/pa/connect-pa.js";
import { type IntakeDeps, pollPaStatuses } from "../src/domain/pa/ingest-statuses.js";
import { queueTransmission, transmitInvoice } from "../src/domain/pa/transmit-invoice.js";
import { checkCdar } from "../src/pa/cdar-rules.js";
import { createFlowClient } from "../src/pa/flow-client.js";
import { facturx, makeCustomer, makeTenant, publishFacturX } from "./support/factories.js";
import { cdarStatus, type LocalPa, startLocalPa } from "./support/local-pa.js";
import { ENGINES, openTestServices } from "./support/services.js";

const SELLER = "443061841";
const ISSUED = "2026-11-05";

// Two tenants, each with its own PA (two PA services, the same client id at both): credentials, flows and
// statuses never cross.
describe.each(ENGINES)("PA bridge: two tenants, two PAs (%s)", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let pa1: LocalPa;
  let pa2: LocalPa;
  let a: TenantRow;
  let c: TenantRow;
  let deps: IntakeDeps;
  const client = createFlowClient({ requestTimeoutMs: 2_000 });

  beforeAll(async () => {
    pa1 = await startLocalPa();
    pa2 = await startLocalPa();
    pa1.addClient("issuer", "secret-at-pa1");
    pa2.addClient("issuer", "secret-at-pa2");
    services = await openTestServices(engine);
    a = await makeTenant(services.db, { slug: `two-a-${engine}`, displayName: "Bail A" });
    c = await makeTenant(services.db, { slug: `two-c-${engine}`, displayName: "Bail C" });
    for (const [tenant, pa, secret] of [
      [a, pa1, "secret-at-pa1"],
      [c, pa2, "secret-at-pa2"],
    ] as const)
      await connectPa(
        { db: services.db, queue: services.queue, platformSecret: services.cookieSecret },
        {
          tenantId: tenant.id,
          flowUrl: pa.flowUrl,
          tokenUrl: pa.tokenUrl,
          clientId: "issuer",
          clientSecret: secret,
          actor: { type: "platform", id: "test" },
        },
      );
    deps = { db: services.db, flowApi: client, platformSecret: services.cookieSecret, checkCdar };
  });
  afterAll(async () => {
    await services?.dispose();
    await pa1?.close();
    await pa2?.close();
  });

  it("sends each tenant's invoice to its own PA with its own secret, and records each PA's statuses on its own tenant only", async () => {
    const ids: Record<string, string> = {};
    for (const tenant of [a, c]) {
      await makeCustomer(services, tenant, "T1");
      // The same invoice number, date and seller at both tenants.
      const { id } = await publishFacturX(services, tenant, facturx("TWO-1", "T1"));
      await services.db.query(
        `update invoices set processing_rule = 'B2B', validation_status = 'passed' where id = $1`,
        [id],
      );
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
      ids[tenant.id] = id;
    }
    expect(pa1.flows().map((f) => f.trackingId)).toEqual([ids[a.id]]);
    expect(pa2.flows().map((f) => f.trackingId)).toEqual([ids[c.id]]);

    await pa1.emitLifecycle(
      "issuer",
      cdarStatus({ invoiceNumber: "TWO-1", issueDate: ISSUED, sellerSiren: SELLER, code: 205 }),
    );
    await pa2.emitLifecycle(
      "issuer",
      cdarStatus({
        invoiceNumber: "TWO-1",
        issueDate: ISSUED,
        sellerSiren: SELLER,
        code: 210,
        reasonText: "Non",
      }),
    );
    expect(await pollPaStatuses(deps, a.id)).toMatchObject({ recorded: 1 });
    expect(await pollPaStatuses(deps, c.id)).toMatchObject({ recorded: 1 });
    const codes = async (id: string) =>
      (
        await services.db.query<{ code: number }>(
          `select code from pa_lifecycle_statuses where invoice_id = $1`,
          [id],
        )
      ).map((r) => r.code);
    expect(await codes(ids[a.id]!)).toEqual([205]);
    expect(await codes(ids[c.id]!)).toEqual([210]);
    // Each PA only ever saw its own tenant's requests.
    expect(new Set(pa1.requests.map((r) => r.clientId).filter(Boolean))).toEqual(new Set(["issuer"]));
    expect(pa1.tokensIssued("issuer")).toBeGreaterThan(0);
    expect(pa2.tokensIssued("issuer")).toBeGreaterThan(0);
    expect([...pa1.invalidRequests, ...pa2.invalidRequests]).toEqual([]);
  });
});
