import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../src/domain/api-keys/create-api-key.js";
import { buildWebApp } from "../src/http/web-app.js";
import { makeTenant, multipart } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";

// Issue #13 item 10: the refusals an integrator cannot fix without being told what the portal compared.
// The details are put into the DomainErrors by publish-invoice.ts and upsert-customer.ts (helper "control");
// the API carries them in `error.details`. The assertions name values, not the shape chosen for them.

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const corpus = (file: string) => readFileSync(path.resolve(ROOT, "..", "shared", "corpus", file));
const HOST = "det.localhost:3000";
// facturx-valid/Facture_FR_BASICWL.pdf: FA-2017-0010, contract (BT-12) MSPE2017, no buyer id, total 671.15.
const BASICWL = "facturx-valid/Facture_FR_BASICWL.pdf";
// The Mustang sample: buyer id (BT-46) "2", no contract.
const MUSTANG = "facturx-valid/MustangGnuaccountingBeispielRE-20201121_508.pdf";

describe.each(ENGINES)("issuer API error details on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let key: string;

  beforeAll(async () => {
    services = await openTestServices(engine);
    const tenant = await makeTenant(services.db, { slug: "det", displayName: "Det Location" });
    key = (await createApiKey({ db: services.db, tenantId: tenant.id })).key;
    app = await buildWebApp(services);
  });
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  const putCustomer = (customerNumber: string, body: object) =>
    app.inject({
      method: "PUT",
      url: `/api/v1/customers/${encodeURIComponent(customerNumber)}`,
      headers: { host: HOST, authorization: `Bearer ${key}` },
      payload: body,
    });

  const publish = async (file: string, metadata?: Record<string, string>) => {
    const body = await multipart({
      file: { bytes: corpus(file), filename: "f.pdf" },
      ...(metadata ? { metadata: JSON.stringify(metadata) } : {}),
    });
    return app.inject({
      method: "POST",
      url: "/api/v1/invoices",
      headers: { host: HOST, authorization: `Bearer ${key}`, "content-type": body.contentType },
      payload: body.payload,
    });
  };

  const refusal = (
    res: { statusCode: number; body: string; json(): unknown },
    status: number,
    code: string,
  ) => {
    expect(res.statusCode, res.body).toBe(status);
    const { error } = res.json() as { error: { code: string; details: unknown; requestId: string } };
    expect(error.code).toBe(code);
    expect(error.requestId).toBeTruthy();
    return JSON.stringify(error.details);
  };

  it("unknown_customer says which identifiers were tried: the contract (BT-12) of the file", async () => {
    const details = refusal(await publish(BASICWL), 422, "unknown_customer");
    expect(details).toContain("MSPE2017");
    expect(details).toMatch(/BT-12|contract/i);
  });

  it("unknown_customer says which identifiers were tried: the buyer id (BT-46) of the file", async () => {
    const details = refusal(await publish(MUSTANG), 422, "unknown_customer");
    expect(details).toContain('"2"');
    expect(details).toMatch(/BT-46|buyer/i);
  });

  it("unknown_customer names the metadata customerNumber that matched nobody", async () => {
    const details = refusal(await publish(BASICWL, { customerNumber: "NOPE-42" }), 422, "unknown_customer");
    expect(details).toContain("NOPE-42");
  });

  it("metadata_mismatch gives the field and both values", async () => {
    expect(
      (await putCustomer("MJB-1", { name: "MJB", email: null, contracts: ["MSPE2017"] })).statusCode,
    ).toBe(201);
    const details = refusal(await publish(BASICWL, { grandTotal: "999.99" }), 422, "metadata_mismatch");
    expect(details).toContain("grandTotal");
    expect(details).toContain("999.99");
    expect(details).toContain("671.15");
  });

  it("contract_taken names the customer number holding the contract", async () => {
    expect(
      (await putCustomer("HOLDER-7", { name: "Holder", email: null, contracts: ["CT-77"] })).statusCode,
    ).toBe(201);
    const details = refusal(
      await putCustomer("OTHER-8", { name: "Other", email: null, contracts: ["CT-77"] }),
      409,
      "contract_taken",
    );
    expect(details).toContain("CT-77");
    expect(details).toContain("HOLDER-7");
  });
});
