import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWithServices } from "../src/cli/main.js";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { queueTransmission, transmitInvoice } from "../src/domain/pa/transmit-invoice.js";
import { createFlowClient } from "../src/pa/flow-client.js";
import { facturx, makeCustomer, makeTenant, publishFacturX } from "./support/factories.js";
import { type LocalPa, startLocalPa } from "./support/local-pa.js";
import { ENGINES, openTestServices } from "./support/services.js";

describe.each(ENGINES)("PA bridge: e-reporting opt-in (%s)", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let pa: LocalPa;
  let tenant: TenantRow;
  let n = 0;
  const dir = mkdtempSync(path.join(tmpdir(), "efacture-pa-er-"));
  const output: string[] = [];
  const io = {
    out: (t: string) => void output.push(t),
    err: (t: string) => void output.push(t),
    cwd: dir,
    isTTY: false,
  };
  const cli = async (...argv: string[]) => {
    output.length = 0;
    return { code: await runWithServices(argv, io, services), text: output.join("\n") };
  };
  const connect = (...extra: string[]) =>
    cli(
      "pa",
      "connect",
      "--tenant",
      tenant.slug,
      "--flow-url",
      pa.flowUrl,
      "--token-url",
      pa.tokenUrl,
      "--client-id",
      "client-er",
      "--client-secret-file",
      "er.secret",
      ...extra,
    );

  async function invoice(rule: string): Promise<string> {
    n++;
    await makeCustomer(services, tenant, `E${n}`);
    const { id } = await publishFacturX(services, tenant, facturx(`ER-${n}`, `E${n}`));
    await services.db.query(
      `update invoices set processing_rule = $2, validation_status = 'passed' where id = $1`,
      [id, rule],
    );
    return id;
  }
  const decide = (id: string) => services.db.transaction((tx) => queueTransmission(tx, services.queue, id));

  beforeAll(async () => {
    pa = await startLocalPa();
    pa.addClient("client-er", "secret-er");
    services = await openTestServices(engine);
    tenant = await makeTenant(services.db, { slug: `er-${engine}`, displayName: "Bail ER" });
    writeFileSync(path.join(dir, "er.secret"), "secret-er\n");
  });
  afterAll(async () => {
    await services?.dispose();
    await pa?.close();
  });

  it("sends B2C and B2BInt invoices only when the tenant opted in (`pa connect --ereporting on|off`)", {
    timeout: 120_000,
  }, async () => {
    expect((await connect()).code).toBe(0);
    expect(await decide(await invoice("B2C"))).toBe("not_routed");
    expect((await connect("--ereporting", "maybe")).code).not.toBe(0);

    const on = await connect("--ereporting", "on");
    expect(on.code).toBe(0);
    expect(on.text).toContain("E-reporting on");
    const [row] = await services.db.query<{ pa_ereporting: boolean }>(
      `select pa_ereporting from tenants where id = $1`,
      [tenant.id],
    );
    expect(row!.pa_ereporting).toBe(true);
    const b2c = await invoice("B2C");
    const b2bint = await invoice("B2BInt");
    const outOfScope = await invoice("OutOfScope");
    expect(await decide(b2c)).toBe("queued");
    expect(await decide(b2bint)).toBe("queued");
    expect(await decide(outOfScope)).toBe("not_routed");
    const deps = {
      db: services.db,
      blobs: services.blobs,
      queue: services.queue,
      flowApi: createFlowClient({ requestTimeoutMs: 2_000 }),
      platformSecret: services.cookieSecret,
      logger: services.logger,
      ackDelaySeconds: 3600,
    };
    await transmitInvoice(deps, b2c);
    await transmitInvoice(deps, b2bint);
    expect(pa.flows("client-er").find((f) => f.trackingId === b2c)?.processingRule).toBe("B2C");
    expect(pa.flows("client-er").find((f) => f.trackingId === b2bint)?.processingRule).toBe("B2BInt");

    expect((await connect("--ereporting", "off")).text).toContain("E-reporting off");
    expect(await decide(await invoice("B2C"))).toBe("not_routed");
    const [audit] = await services.db.query<{ n: number }>(
      `select count(*)::int as n from audit_entries where tenant_id = $1 and action = 'pa.connection_replaced' and details ? 'ereporting'`,
      [tenant.id],
    );
    expect(audit!.n).toBe(2);
    expect(pa.invalidRequests).toEqual([]);
  });
});
