import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { connectPa } from "../src/domain/pa/connect-pa.js";
import { type IntakeDeps, ingestLifecycleFlow, pollPaStatuses } from "../src/domain/pa/ingest-statuses.js";
import { checkCdar } from "../src/pa/cdar-rules.js";
import { createFlowClient } from "../src/pa/flow-client.js";
import { facturx, makeCustomer, makeTenant, publishFacturX } from "./support/factories.js";
import { cdarStatus, type LocalPa, startLocalPa } from "./support/local-pa.js";
import { ENGINES, openTestServices } from "./support/services.js";

const SELLER = "443061841"; // the seller SIREN of the factories' invoices
const ISSUED = "2026-11-05";

describe.each(ENGINES)("PA bridge: lifecycle statuses (%s)", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let pa: LocalPa;
  let a: TenantRow;
  let b: TenantRow;
  let deps: IntakeDeps;

  async function statuses(invoiceId: string) {
    return services.db.query<{
      code: number;
      label: string;
      role: string | null;
      reason_code: string | null;
      reason_text: string | null;
    }>(
      `select code, label, role, reason_code, reason_text from pa_lifecycle_statuses where invoice_id = $1 order by code`,
      [invoiceId],
    );
  }

  async function inbound(tenantId: string, flowId: string) {
    const [row] = await services.db.query<{
      outcome: string;
      detail: string | null;
      document: string | null;
    }>(`select outcome, detail, document from pa_inbound_messages where tenant_id = $1 and flow_id = $2`, [
      tenantId,
      flowId,
    ]);
    return row;
  }

  beforeAll(async () => {
    pa = await startLocalPa();
    pa.addClient("client-a", "secret-a");
    pa.addClient("client-b", "secret-b");
    services = await openTestServices(engine);
    a = await makeTenant(services.db, { slug: `lc-a-${engine}`, displayName: "Bail A" });
    b = await makeTenant(services.db, { slug: `lc-b-${engine}`, displayName: "Bail B" });
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
    await services?.dispose();
    await pa?.close();
  });

  it("records every status 200-213 once, whether it is polled once, twice, or also pushed by webhook", {
    timeout: 120_000,
  }, async () => {
    await makeCustomer(services, a, "LC1");
    const { id } = await publishFacturX(services, a, facturx("LC-1", "LC1"));
    const codes = [200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213];
    const flows = [];
    for (const code of codes)
      flows.push(
        await pa.emitLifecycle(
          "client-a",
          cdarStatus({
            invoiceNumber: "LC-1",
            issueDate: ISSUED,
            sellerSiren: SELLER,
            code,
            ...(code === 210 ? { reasonCode: "CONTRAT_TERM", reasonText: "Contrat terminé" } : {}),
          }),
        ),
      );
    expect(await pollPaStatuses(deps, a.id)).toEqual({ read: 14, recorded: 14, unmatched: 0, invalid: 0 });
    expect(await pollPaStatuses(deps, a.id)).toEqual({ read: 0, recorded: 0, unmatched: 0, invalid: 0 });
    const endpoint = {
      flowUrl: pa.flowUrl,
      auth: {
        kind: "oauth2" as const,
        tokenUrl: pa.tokenUrl,
        clientId: "client-a",
        clientSecret: "secret-a",
      },
    };
    expect(await ingestLifecycleFlow(deps, endpoint, a.id, flows[10]!.flowId, "webhook")).toBe("seen");
    const recorded = await statuses(id);
    expect(recorded.map((s) => s.code)).toEqual(codes);
    expect(recorded.find((s) => s.code === 210)).toEqual({
      code: 210,
      label: "Refusée",
      role: "BY",
      reason_code: "CONTRAT_TERM",
      reason_text: "Contrat terminé",
    });
    expect(recorded.find((s) => s.code === 212)?.label).toBe("Encaissée");
    const [audit] = await services.db.query<{ count: number }>(
      `select count(*)::int as count from audit_entries where tenant_id = $1 and action = 'pa.status_recorded' and target_id = $2`,
      [a.id, id],
    );
    expect(audit!.count).toBe(14);
    expect(pa.invalidRequests).toEqual([]);
  });

  it("keeps a message matching no invoice, and one the CDAR XSD refuses, with the reason", async () => {
    const stray = await pa.emitLifecycle(
      "client-a",
      cdarStatus({ invoiceNumber: "NOPE-9", issueDate: ISSUED, sellerSiren: SELLER, code: 205, role: "BY" }),
    );
    // Elements out of the XSD's order (the status code before the issue date).
    const misordered = cdarStatus({
      invoiceNumber: "LC-1",
      issueDate: ISSUED,
      sellerSiren: SELLER,
      code: 207,
    }).replace(
      /(<ram:FormattedIssueDateTime>.*?<\/ram:FormattedIssueDateTime>)(<ram:ProcessConditionCode>\d+<\/ram:ProcessConditionCode>)/,
      "$2$1",
    );
    const invalid = await pa.emitLifecycle("client-a", misordered);
    const garbage = await pa.emitLifecycle("client-a", "not xml at all");
    // Valid against the XSD, refused by the FNFE rules: a refusal (210) without its reason code (BR-FR-CDV-15),
    // and a 212 without the amount collected per VAT rate (BR-FR-CDV-14).
    const noReason = cdarStatus({
      invoiceNumber: "LC-1",
      issueDate: ISSUED,
      sellerSiren: SELLER,
      code: 210,
    }).replace(/<ram:ReasonCode>[^<]*<\/ram:ReasonCode>/, "");
    const noAmounts = cdarStatus({
      invoiceNumber: "LC-1",
      issueDate: ISSUED,
      sellerSiren: SELLER,
      code: 212,
    }).replace(/<ram:SpecifiedDocumentCharacteristic>.*?<\/ram:SpecifiedDocumentCharacteristic>/, "");
    const ruleless = await pa.emitLifecycle("client-a", noReason);
    const unpaid = await pa.emitLifecycle("client-a", noAmounts);
    expect(await pollPaStatuses(deps, a.id)).toEqual({ read: 5, recorded: 0, unmatched: 1, invalid: 4 });
    expect(await inbound(a.id, ruleless.flowId)).toMatchObject({
      outcome: "invalid",
      detail: expect.stringMatching(/^FNFE CDAR rules \[[^\]]*BR-FR-CDV-15/),
    });
    expect(await inbound(a.id, unpaid.flowId)).toMatchObject({
      outcome: "invalid",
      detail: expect.stringMatching(/^FNFE CDAR rules \[[^\]]*BR-FR-CDV-14/),
    });
    expect(await inbound(a.id, stray.flowId)).toMatchObject({
      outcome: "unmatched",
      detail: expect.stringContaining("NOPE-9"),
    });
    expect(await inbound(a.id, invalid.flowId)).toMatchObject({
      outcome: "invalid",
      detail: expect.stringContaining("CDAR XSD"),
    });
    expect((await inbound(a.id, invalid.flowId))?.document).toBe(misordered);
    expect(await inbound(a.id, garbage.flowId)).toMatchObject({ outcome: "invalid" });
  });

  it("never records a status on another tenant's invoice, nor reads another tenant's flows", async () => {
    await makeCustomer(services, a, "LC2");
    const { id } = await publishFacturX(services, a, facturx("LC-2", "LC2"));
    // B's PA reports on an invoice with A's number, date and seller: it is not B's invoice.
    const flow = await pa.emitLifecycle(
      "client-b",
      cdarStatus({ invoiceNumber: "LC-2", issueDate: ISSUED, sellerSiren: SELLER, code: 207, role: "BY" }),
    );
    expect(await pollPaStatuses(deps, b.id)).toMatchObject({ unmatched: 1, recorded: 0 });
    expect(await pollPaStatuses(deps, a.id)).toMatchObject({ read: 0 });
    expect(await statuses(id)).toEqual([]);
    expect(await inbound(a.id, flow.flowId)).toBeUndefined();
    expect(await inbound(b.id, flow.flowId)).toMatchObject({ outcome: "unmatched" });
  });
});
