import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../src/domain/api-keys/create-api-key.js";
import { buildWebApp } from "../src/http/web-app.js";
import { makeTenant, multipart } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const corpus = (file: string) => readFileSync(path.resolve(ROOT, "..", "shared", "corpus", file));
const HOST = "env.localhost:3000";

/** The one error envelope: code, message, details (an object), and the request id of the answer. */
function expectEnvelope(
  res: { statusCode: number; headers: Record<string, unknown>; json(): unknown; body: string },
  status: number,
  code: string,
) {
  expect(res.statusCode, res.body).toBe(status);
  expect(String(res.headers["content-type"])).toContain("application/json");
  const { error } = res.json() as {
    error: { code: string; message: string; details: unknown; requestId: string };
  };
  expect(error.code, res.body).toBe(code);
  expect(error.message.length, res.body).toBeGreaterThan(5);
  expect(error.details, res.body).toBeTypeOf("object");
  expect(error.details).not.toBeNull();
  expect(error.requestId, res.body).toBe(res.headers["x-request-id"]);
  return error;
}

describe.each(ENGINES)("issuer API error envelope and findings on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let key: string;

  beforeAll(async () => {
    services = await openTestServices(engine);
    const tenant = await makeTenant(services.db, { slug: "env", displayName: "Env Location" });
    key = (await createApiKey({ db: services.db, tenantId: tenant.id })).key;
    app = await buildWebApp(services);
  });
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  const api = (
    method: "GET" | "PUT" | "POST",
    url: string,
    options: { payload?: string | object; headers?: Record<string, string>; key?: string | null } = {},
  ) =>
    app.inject({
      method,
      url,
      headers: {
        host: HOST,
        ...(options.key === null ? {} : { authorization: `Bearer ${options.key ?? key}` }),
        ...options.headers,
      },
      ...(options.payload === undefined ? {} : { payload: options.payload }),
    });

  const publish = async (bytes: Uint8Array, metadata?: Record<string, string>) => {
    const { payload, contentType } = await multipart({
      file: { bytes, filename: "invoice.pdf" },
      ...(metadata ? { metadata: JSON.stringify(metadata) } : {}),
    });
    return api("POST", "/api/v1/invoices", { payload, headers: { "content-type": contentType } });
  };

  describe("one envelope for every refusal", () => {
    it("answers an unknown path under /api/v1 with the envelope and its request id", async () => {
      expectEnvelope(await api("GET", "/api/v1/nothing-here"), 404, "not_found");
      expectEnvelope(await api("GET", "/api/nothing-here", { key: null }), 404, "not_found");
    });

    it("answers a host without portal with the envelope", async () => {
      expectEnvelope(
        await api("GET", "/api/v1/invoices", { headers: { host: "nobody.localhost:3000" } }),
        404,
        "not_found",
      );
    });

    it("answers a missing key with the envelope", async () => {
      expectEnvelope(await api("GET", "/api/v1/invoices", { key: null }), 401, "unauthorized");
    });

    it("answers a wrong content type with 415 unsupported_media_type, naming the type sent", async () => {
      const error = expectEnvelope(
        await api("PUT", "/api/v1/customers/C-1", {
          payload: "name=Dupont",
          headers: { "content-type": "text/plain" },
        }),
        415,
        "unsupported_media_type",
      );
      expect(error.details).toEqual({ contentType: "text/plain" });
      expectEnvelope(
        await api("PUT", "/api/v1/customers/C-1", {
          payload: "<customer/>",
          headers: { "content-type": "application/xml" },
        }),
        415,
        "unsupported_media_type",
      );
    });

    it("answers a body that is not JSON with 400 invalid_json", async () => {
      expectEnvelope(
        await api("PUT", "/api/v1/customers/C-1", {
          payload: '{"name": "Dupont",',
          headers: { "content-type": "application/json" },
        }),
        400,
        "invalid_json",
      );
    });

    it("answers a JSON body over 1 MiB with 413 body_too_large", async () => {
      const error = expectEnvelope(
        await api("PUT", "/api/v1/customers/C-1", {
          payload: JSON.stringify({ name: "x".repeat(1024 * 1024), email: null }),
          headers: { "content-type": "application/json" },
        }),
        413,
        "body_too_large",
      );
      expect(error.details).toEqual({ maxBytes: 1024 * 1024 });
    });

    it("answers schema violations and domain refusals with the envelope", async () => {
      const invalid = expectEnvelope(
        await api("PUT", "/api/v1/customers/C-1", { payload: { name: "Dupont" } }),
        400,
        "invalid_request",
      );
      expect(invalid.details).toHaveProperty("validation");
      expectEnvelope(
        await api("GET", "/api/v1/invoices/00000000-0000-4000-8000-000000000000"),
        404,
        "invoice_not_found",
      );
      expectEnvelope(await api("GET", "/api/v1/invoices?cursor=nope"), 400, "invalid_cursor");
    });

    it("refuses a NUL character anywhere (path, query, body) with 400 invalid_request, and stores nothing", async () => {
      expectEnvelope(await api("GET", "/api/v1/customers/%00"), 400, "invalid_request");
      expectEnvelope(await api("GET", "/api/v1/invoices?customerNumber=%00"), 400, "invalid_request");
      expectEnvelope(
        await api("PUT", "/api/v1/customers/NUL-1", { payload: { name: "A\u0000B", email: null } }),
        400,
        "invalid_request",
      );
      expectEnvelope(await api("GET", "/api/v1/customers/NUL-1"), 404, "customer_not_found");
    });

    it("answers a URL the router cannot read (parameter over 100 characters, bad encoding) with the envelope", async () => {
      const long = expectEnvelope(
        await api("GET", `/api/v1/customers/${"x".repeat(300)}`),
        400,
        "invalid_request",
      );
      expect(long.message).toContain("longer than 100");
      expectEnvelope(await api("GET", "/api/v1/customers/%E0%A4%A"), 400, "invalid_request");
      const page = await app.inject({ url: "/factures/%E0%A4%A", headers: { host: HOST } });
      expect(page.statusCode).toBe(400);
      expect(page.headers["content-type"]).toContain("text/html");
      expect(page.body).toContain("Adresse invalide");
    });

    it("refuses a key the schema does not know (a misspelt `contract`) instead of dropping it", async () => {
      const res = expectEnvelope(
        await api("PUT", "/api/v1/customers/TYPO-1", {
          payload: { name: "Typo", email: null, contract: ["CT-TYPO"] },
        }),
        400,
        "invalid_request",
      );
      expect(JSON.stringify(res.details)).toContain("contract");
      expectEnvelope(await api("GET", "/api/v1/customers/TYPO-1"), 404, "customer_not_found");
    });

    it("answers an unexpected failure with 500 internal_error and nothing of its cause", async () => {
      const failing = await buildWebApp({
        ...services,
        blobs: {
          ...services.blobs,
          put: async () => {
            throw new Error("EIO at /srv/secret-volume/blobs while writing");
          },
          putMany: async () => {
            throw new Error("EIO at /srv/secret-volume/blobs while writing");
          },
        },
      });
      try {
        const { payload, contentType } = await multipart({
          file: { bytes: corpus("facturx-valid/Facture_FR_BASICWL.pdf"), filename: "f.pdf" },
          metadata: JSON.stringify({ customerNumber: "FAIL-1" }),
        });
        await api("PUT", "/api/v1/customers/FAIL-1", { payload: { name: "Fail", email: null } });
        const res = await failing.inject({
          method: "POST",
          url: "/api/v1/invoices",
          headers: { host: HOST, authorization: `Bearer ${key}`, "content-type": contentType },
          payload,
        });
        const error = expectEnvelope(res, 500, "internal_error");
        expect(error.details).toEqual({});
        expect(res.body).not.toContain("secret-volume");
        expect(res.body).not.toContain("EIO");
      } finally {
        await failing.close();
      }
    });
  });

  describe("findings of a published invoice", () => {
    beforeAll(async () => {
      const res = await api("PUT", "/api/v1/customers/MJB-1", {
        payload: { name: "Ma jolie boutique", email: null, contracts: ["MSPE2017"] },
      });
      expect(res.statusCode, res.body).toBe(201);
    });

    it("returns the warnings stored at publication in the publish answer, GET and the list", async () => {
      const published = await publish(corpus("facturx-valid/Facture_FR_BASICWL.pdf"));
      expect(published.statusCode, published.body).toBe(201);
      const expected = [
        {
          code: "profile_not_accepted_for_issuing",
          severity: "warning",
          message: expect.stringContaining("BASIC WL"),
          field: "profile",
        },
      ];
      expect(published.json().findings).toEqual(expected);
      const { id } = published.json();
      expect((await api("GET", `/api/v1/invoices/${id}`)).json().findings).toEqual(expected);
      const list = (await api("GET", "/api/v1/invoices?customerNumber=MJB-1")).json();
      expect(list.items.find((i: { id: string }) => i.id === id).findings).toEqual(expected);
    });

    it("returns an empty list when nothing was noted", async () => {
      await api("PUT", "/api/v1/customers/2", { payload: { name: "Theodor Est", email: null } });
      const res = await publish(corpus("facturx-valid/MustangGnuaccountingBeispielRE-20201121_508.pdf"));
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().profile).toBe("EN 16931");
      expect(res.json().findings).toEqual([]);
    });
  });
});
