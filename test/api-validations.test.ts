// POST /api/v1/validations: the official rules on a file before it is published. Nothing touches the
// database, so one engine is enough; one server (one validator pool) for the file.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../src/domain/api-keys/create-api-key.js";
import { buildFacturX } from "../src/einvoice/build-facturx.js";
import { buildWebApp } from "../src/http/web-app.js";
import { facturx, makeTenant, multipart } from "./support/factories.js";
import { openTestServices } from "./support/services.js";

const HOST = "val.localhost:3000";

describe("POST /api/v1/validations", () => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let key: string;

  beforeAll(async () => {
    services = await openTestServices("pglite");
    const tenant = await makeTenant(services.db, { slug: "val", displayName: "Val Location" });
    key = (await createApiKey({ db: services.db, tenantId: tenant.id })).key;
    app = await buildWebApp(services);
    // The pool's threads load the stylesheets here, not in the first test: ~3.3 s of CPU per thread, which a
    // loaded CI machine stretched past the first test's 30 s.
    await services.validator.warm?.();
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  const post = async (bytes: Uint8Array, headers: Record<string, string> = {}, query = "") => {
    const { payload, contentType } = await multipart({ file: { bytes, filename: "invoice.pdf" } });
    return app.inject({
      method: "POST",
      url: `/api/v1/validations${query}`,
      headers: { host: HOST, authorization: `Bearer ${key}`, "content-type": contentType, ...headers },
      payload,
    });
  };

  it("answers the report, explanations in French by default and in English when asked, and stores nothing", async () => {
    // An individual buyer (no SIREN, no electronic address): BR-FR-12.
    const pdf = await buildFacturX(facturx("V-1", "C-1"));
    const fr = await post(pdf);
    expect(fr.statusCode, fr.body).toBe(200);
    const report = fr.json();
    expect(report).toMatchObject({ profile: "EN16931", rulesVersion: "FNFE-MPE 1.4.0.01", status: "failed" });
    const rule = report.findings.find((f: { rule: string }) => f.rule === "BR-FR-12");
    expect(rule).toMatchObject({ flag: "fatal", location: "/rsm:CrossIndustryInvoice[1]" });
    expect(rule.explanation).toMatch(/adresse électronique de l'acheteur/);

    const en = await post(pdf, { "accept-language": "en-GB,en;q=0.9" });
    expect(en.json().findings.find((f: { rule: string }) => f.rule === "BR-FR-12").explanation).toMatch(
      /buyer's electronic address/,
    );
    const list = await app.inject({
      url: "/api/v1/invoices",
      headers: { host: HOST, authorization: `Bearer ${key}` },
    });
    expect(list.json().items).toEqual([]);
  });

  it("judges with the WARNING variant of BR-FR-Flux2 when asked (?brFr=warning), and refuses another value", async () => {
    const pdf = await buildFacturX(facturx("V-2", "C-2"));
    const brFr12 = (body: { findings: { rule: string; flag: string }[] }) =>
      body.findings.filter((f) => f.rule === "BR-FR-12").map((f) => f.flag);
    const fatal = await post(pdf, {}, "?brFr=fatal");
    expect(brFr12(fatal.json())).toEqual(["fatal"]);
    const warning = await post(pdf, {}, "?brFr=warning");
    expect(warning.statusCode, warning.body).toBe(200);
    expect(brFr12(warning.json())).toEqual(["warning"]);
    expect(warning.json().status).toBe("warnings");
    const bad = await post(pdf, {}, "?brFr=lenient");
    expect(bad.statusCode).toBe(400);
  });

  it("refuses a file that is not an invoice with 422 not_an_invoice", async () => {
    const res = await post(new TextEncoder().encode("just some text"));
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({
      code: "not_an_invoice",
      message: expect.stringMatching(/neither a PDF/),
    });
  });

  it("needs an API key, and is described in the OpenAPI document", async () => {
    const { payload, contentType } = await multipart({ file: { bytes: new Uint8Array([1]), filename: "x" } });
    const anonymous = await app.inject({
      method: "POST",
      url: "/api/v1/validations",
      headers: { host: HOST, "content-type": contentType },
      payload,
    });
    expect(anonymous.statusCode).toBe(401);
    const spec = (await app.inject({ url: "/api/openapi.json", headers: { host: HOST } })).json();
    const operation = spec.paths["/api/v1/validations"].post;
    expect(operation.operationId).toBe("validateInvoice");
    expect(Object.keys(operation.requestBody.content)).toEqual(["multipart/form-data"]);
    expect(Object.keys(operation.responses)).toContain("422");
    expect(operation.parameters).toContainEqual(
      expect.objectContaining({
        in: "query",
        name: "brFr",
        schema: expect.objectContaining({ enum: ["fatal", "warning"] }),
      }),
    );
  });
});
