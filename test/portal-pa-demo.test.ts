import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDemoCdar } from "../src/demo/demo-pa.js";
import { DEMO_PASSWORD, seedDemo } from "../src/demo/seed-demo.js";
import { DEMO_PA_URL } from "../src/demo/seed-demo-pa.js";
import { readCdar } from "../src/domain/pa/cdar.js";
import type { InvoiceValidator } from "../src/einvoice/validation/types.js";
import { buildWebApp } from "../src/http/web-app.js";
import { checkCdar } from "../src/pa/cdar-rules.js";
import { customerClient } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";

// Issue #16, demo: Démo Location's fleet customer has a few B2B invoices, transmitted to the PA and followed
// by the statuses it reports, recorded through the real use cases (src/demo/seed-demo-pa.ts).

const NOW = new Date("2026-11-27T10:00:00Z");

describe("the demo's CDAR messages", () => {
  it("are valid against the CDAR XSD and read back as they were built", async () => {
    const xml = buildDemoCdar({
      invoiceNumber: "FE-202611-B2B02",
      issueDate: "2026-11-12",
      sellerSiren: "443061841",
      buyerSiren: "812345676",
      code: 207,
      role: "BY",
      reasonCode: "MONTANTTOTAL_ERR",
      reasonText: "Avenant <non> appliqué & co",
      at: new Date("2026-11-15T10:00:00Z"),
    });
    expect(await checkCdar(xml)).toMatchObject({ xsd: [], rules: [] });
    const reading = readCdar(xml);
    expect(reading).toMatchObject({
      ok: true,
      statuses: [
        {
          invoiceNumber: "FE-202611-B2B02",
          issueDate: "2026-11-12",
          sellerSiren: "443061841",
          code: 207,
          role: "BY",
          reasonCode: "MONTANTTOTAL_ERR",
          reasonText: "Avenant <non> appliqué & co",
        },
      ],
    });
  });
});

describe.each(ENGINES)("demo seed with B2B invoices and their lifecycle (%s)", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let seconds = 0;
  const printed: string[] = [];

  beforeAll(async () => {
    // The shared pool's threads run only when a core is idle: the seed, which the user waits for, must not
    // depend on them (a start waited minutes under the tests' parallel workers). This one refuses to work.
    services = await openTestServices(engine, {
      validator: {
        validate: () => Promise.reject(new Error("the demo seed used the shared idle-priority validator")),
        close: () => Promise.resolve(),
      } as unknown as InvoiceValidator,
    });
    const started = Date.now();
    await seedDemo(services, {
      now: NOW,
      io: { out: (line) => void printed.push(line), err: () => {}, cwd: ".", isTTY: false },
    });
    seconds = (Date.now() - started) / 1000;
    app = await buildWebApp(services);
  }, 180_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  it("publishes four B2B invoices of the fleet customer, transmitted and acknowledged by the PA", async () => {
    const rows = await services.db.query<{
      number: string;
      customer: string;
      validation: string;
      status: string;
      ack: string;
      flow: string | null;
      submitted: Date | null;
    }>(
      `select i.invoice_number as number, c.customer_number as customer, i.validation_status as validation,
              t.status, t.ack_status as ack, t.flow_id as flow, t.submitted_at as submitted
         from invoices i join customers c on c.id = i.customer_id
         left join pa_transmissions t on t.invoice_id = i.id
        where i.processing_rule = 'B2B' order by i.issue_date`,
    );
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row.customer).toBe("C100201");
      expect(["passed", "warnings"]).toContain(row.validation);
      expect(row.status).toBe("acknowledged");
      expect(row.ack).toBe("Ok");
      expect(row.flow).toMatch(/^demo-/);
      expect(row.submitted).toBeInstanceOf(Date);
    }
    // Every other invoice of the demo is as it was: no route to the PA.
    const [others] = await services.db.query<{ n: number }>(
      `select count(*)::int as n from invoices where processing_rule = 'B2B' and invoice_number not like 'FE-%-B2B__'`,
    );
    expect(others!.n).toBe(0);
    const [connection] = await services.db.query<{ flow_url: string; poll_seconds: number }>(
      "select flow_url, poll_seconds from pa_connections",
    );
    expect(connection).toEqual({ flow_url: DEMO_PA_URL, poll_seconds: 86_400 });
  });

  it("records the PA's statuses once each through the intake: an approval, a dispute with its reason, a refusal, a collection", async () => {
    const statuses = await services.db.query<{ number: string; codes: number[] }>(
      `select i.invoice_number as number, array_agg(s.code order by s.at) as codes
         from pa_lifecycle_statuses s join invoices i on i.id = s.invoice_id
        group by i.invoice_number, i.issue_date order by i.issue_date`,
    );
    expect(statuses.map((s) => s.codes.map(Number))).toEqual([
      [200, 202, 203, 204, 205, 212],
      [200, 202, 203, 204, 207],
      [200, 202, 203, 210],
      [200, 202, 203, 204, 205],
    ]);
    const [dispute] = await services.db.query<{ reason_code: string; reason_text: string; role: string }>(
      "select reason_code, reason_text, role from pa_lifecycle_statuses where code = 207",
    );
    expect(dispute).toMatchObject({ reason_code: "MONTANTTOTAL_ERR", role: "BY" });
    expect(dispute!.reason_text).toMatch(/avenant/);
    const inbound = await services.db.query<{ outcome: string; n: number }>(
      "select outcome, count(*)::int as n from pa_inbound_messages group by outcome",
    );
    // 19 statuses came from the PA; the 212 is the issuer's collection, recorded and sent as a CDAR by us.
    expect(inbound).toEqual([{ outcome: "recorded", n: 19 }]);
    const [collected] = await services.db.query<{
      source: string;
      role: string;
      status: string;
      ack: string;
    }>(
      `select s.source, s.role, p.status, p.ack_status as ack
         from pa_lifecycle_statuses s join invoice_payments p on p.invoice_id = s.invoice_id
        where s.code = 212`,
    );
    expect(collected).toEqual({ source: "portal", role: "SE", status: "acknowledged", ack: "Ok" });
    const [audits] = await services.db.query<{ n: number }>(
      "select count(*)::int as n from audit_entries where action = 'pa.status_recorded'",
    );
    expect(audits!.n).toBe(19);
  });

  it("adds no status, message or transmission when an interrupted seed runs again", async () => {
    const count = async () =>
      (
        await services.db.query<{ s: number; m: number; t: number }>(
          `select (select count(*) from pa_lifecycle_statuses)::int as s, (select count(*) from pa_inbound_messages)::int as m,
                  (select count(*) from pa_transmissions)::int as t`,
        )
      )[0];
    const before = await count();
    await services.db.query("update tenants set settings = settings - 'demoReady' where slug = 'demo'");
    await seedDemo(services, { now: NOW });
    expect(await count()).toEqual(before);
  }, 180_000);

  it("shows the fleet manager a duplicata with the timeline (seeding took a few seconds)", async () => {
    const [account] = await services.db.query<{ id: string }>(
      "select a.id from accounts a join customers c on c.account_id = a.id where c.customer_number = 'C100201'",
    );
    const [tenant] = await services.db.query<{ id: string; slug: string }>(
      "select id, slug from tenants where slug = 'demo'",
    );
    const { client } = await customerClient(services, app, tenant!, account!.id, undefined);
    const [invoice] = await services.db.query<{ id: string }>(
      "select i.id from invoices i join pa_lifecycle_statuses s on s.invoice_id = i.id where s.code = 210",
    );
    const res = await client.get(`/factures/${invoice!.id}`);
    expect(res.body).toContain("Duplicata");
    expect(res.body).toContain("Refusée");
    expect(res.body).toContain("Contrat terminé");
    expect(res.body).not.toContain("même valeur fiscale");
    expect(DEMO_PASSWORD).toBeTruthy();
    console.info(`demo seed: ${seconds.toFixed(1)} s on ${engine}; ${printed.join(" ")}`);
  });
});
