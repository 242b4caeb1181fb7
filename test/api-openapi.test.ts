import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FINDING_CODES } from "../src/einvoice/findings.js";
import { STATUS_BY_CODE } from "../src/http/error-status.js";
import { API_ERROR_CODES } from "../src/http/routes/api/api-errors.js";
import { buildWebApp } from "../src/http/web-app.js";
import { makeTenant } from "./support/factories.js";
import { openTestServices } from "./support/services.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const HOST = "doc.localhost:3000";

/** Source files whose DomainErrors can reach an issuer API answer. */
function apiReachableSources(): string[] {
  const dir = (d: string) =>
    readdirSync(path.join(ROOT, d))
      .filter((f) => /\.tsx?$/.test(f) && !f.includes(".test."))
      .map((f) => path.join(d, f));
  return [
    ...dir("src/domain/invoices"),
    ...dir("src/domain/customers"),
    ...dir("src/http/routes/api"),
    "src/http/api-auth.ts",
    "src/domain/api-keys/authenticate-api-key.ts",
  ];
}

/** Every code thrown as `new DomainError("code"` (or `super("code"` of a subclass) in those files. */
function thrownCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const file of apiReachableSources()) {
    const text = readFileSync(path.join(ROOT, file), "utf8");
    for (const match of text.matchAll(/(?:new DomainError|super)\(\s*"([a-z_]+)"/g))
      codes.set(match[1]!, file);
  }
  return codes;
}

type Operation = {
  operationId?: string;
  responses: Record<
    string,
    { content?: Record<string, { schema: Record<string, unknown>; example?: unknown }> }
  >;
};

describe("issuer API OpenAPI description", () => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let spec: {
    info: { title: string };
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, { examples?: unknown[] }> };
  };

  beforeAll(async () => {
    services = await openTestServices("pglite");
    await makeTenant(services.db, { slug: "doc", displayName: "Doc Location" });
    app = await buildWebApp(services);
    const res = await app.inject({ url: "/api/openapi.json", headers: { host: HOST } });
    expect(res.statusCode).toBe(200);
    spec = res.json();
  });
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  const operations = () =>
    Object.entries(spec.paths).flatMap(([url, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ url, method, operation })),
    );
  const errorCodesOf = (operation: Operation, status: string): string[] | undefined => {
    const schema = operation.responses[status]?.content?.["application/json"]?.schema as
      | { properties?: { error?: { properties?: { code?: { enum?: string[] } } } } }
      | undefined;
    return schema?.properties?.error?.properties?.code?.enum;
  };

  it("is titled with the product's name", () => {
    expect(spec.info.title).toBe("E-FACTURE API");
  });

  it("gives every operation a unique operationId", () => {
    const ids = operations().map(({ url, method, operation }) => {
      expect(operation.operationId, `${method} ${url}`).toMatch(/^[a-z][A-Za-z]+$/);
      return operation.operationId;
    });
    expect(ids.length).toBeGreaterThanOrEqual(5);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("enumerates the error codes of every error response, and an example of each", () => {
    for (const { url, method, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        const codes = errorCodesOf(operation, status);
        expect(codes, `${method} ${url} ${status}`).toEqual(
          API_ERROR_CODES[Number(status) as keyof typeof API_ERROR_CODES],
        );
        // @fastify/swagger moves a response schema's `examples` to the media type's `example`.
        const media = response.content?.["application/json"] as { example?: unknown } | undefined;
        const example = media?.example as { error: { code: string; requestId: string } };
        expect(example, `${method} ${url} ${status} example`).toBeDefined();
        expect(codes, `${method} ${url} ${status} example`).toContain(example.error.code);
        expect(example.error.requestId).toBeTruthy();
      }
    }
  });

  it("lists every code the API can throw, under the status the application answers it with", () => {
    const thrown = thrownCodes();
    // Sanity: the scan does find the codes (a regex that matched nothing would pass below).
    expect([...thrown.keys()]).toEqual(
      expect.arrayContaining(["unknown_customer", "metadata_mismatch", "contract_taken", "unauthorized"]),
    );
    // Read by any string: the scan and the API's own codes (invalid_json…) are not typed as ErrorCode.
    const statusOf: Record<string, number | undefined> = STATUS_BY_CODE;
    const all = [...thrown.keys(), ...Object.keys(FINDING_CODES)];
    for (const code of all) {
      const status = statusOf[code];
      expect(status, `${code} (${thrown.get(code) ?? "findings.ts"}) has no HTTP status`).toBeDefined();
      const listed = API_ERROR_CODES[status as keyof typeof API_ERROR_CODES] as readonly string[];
      expect(listed, `${code} is answered with ${status}`).toContain(code);
    }
    // And the other way: each listed domain code is answered with the status it is listed under.
    for (const [status, codes] of Object.entries(API_ERROR_CODES))
      for (const code of codes)
        if (statusOf[code] !== undefined) expect(statusOf[code], code).toBe(Number(status));
  });

  it("shows the invoice and customer with a real example, the invoice with its findings", () => {
    const invoice = spec.components.schemas.Invoice!.examples?.[0] as Record<string, unknown>;
    expect(invoice).toMatchObject({ invoiceNumber: "FA-2017-0010", profile: "BASIC WL" });
    expect(invoice.findings).toEqual([expect.objectContaining({ code: "profile_not_accepted_for_issuing" })]);
    expect(spec.components.schemas.Customer!.examples?.[0]).toMatchObject({ customerNumber: "C-1001" });
  });

  it("serves a docs page with the product's name and no Swagger logo", async () => {
    const page = await app.inject({ url: "/api/docs/", headers: { host: HOST } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("<title>E-FACTURE API</title>");
    expect(page.body).not.toMatch(/favicon-32x32\.png|favicon-16x16\.png/);
    const init = await app.inject({
      url: "/api/docs/static/swagger-initializer.js",
      headers: { host: HOST },
    });
    expect(init.statusCode).toBe(200);
    const logo = init.body.match(/img\.src = 'data:image\/svg\+xml;base64,([^']+)'/)?.[1];
    expect(logo, "the top bar logo is replaced").toBeDefined();
    const svg = Buffer.from(logo!, "base64").toString("utf8");
    expect(svg).toContain("E-FACTURE");
    expect(svg.toLowerCase()).not.toContain("swagger");
  });
});
