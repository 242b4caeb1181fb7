import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorCode } from "../src/domain/shared/error-codes.js";
import { DomainError } from "../src/domain/shared/errors.js";
import { createTenant } from "../src/domain/tenants/create-tenant.js";
import { STATUS_BY_CODE } from "../src/http/error-status.js";
import { buildWebApp } from "../src/http/web-app.js";
import { openTestServices } from "./support/services.js";

const HOST = "statuts.localhost:3000";

describe("HTTP status of each domain error code", () => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;

  beforeAll(async () => {
    services = await openTestServices("pglite");
    await createTenant(services.db, { slug: "statuts", displayName: "Statuts" });
    app = await buildWebApp(services);
    // A page and an API path that throw the code they are given, through the application's error handler.
    const thrower = async (request: { params: { code: string } }) => {
      throw new DomainError(request.params.code as ErrorCode, "refused for the test");
    };
    app.get<{ Params: { code: string } }>("/_statut/:code", thrower);
    app.get<{ Params: { code: string } }>("/api/_statut/:code", thrower);
  });
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  it("answers every code with its status from the table, on a page and in the API (none 422 by default)", async () => {
    for (const [code, status] of Object.entries(STATUS_BY_CODE)) {
      const page = await app.inject({ url: `/_statut/${code}`, headers: { host: HOST } });
      expect(page.statusCode, `page ${code}`).toBe(status);
      const api = await app.inject({ url: `/api/_statut/${code}`, headers: { host: HOST } });
      expect(api.statusCode, `api ${code}`).toBe(status);
      expect(api.json().error.code).toBe(code);
    }
  });

  it("answers the codes that used to fall to 422 with the status they mean (#14 item 4)", () => {
    expect(STATUS_BY_CODE.invoice_removed).toBe(410);
    expect(STATUS_BY_CODE.staff_disabled).toBe(409);
    expect(STATUS_BY_CODE.seal_key_unavailable).toBe(500);
  });

  it("answers 500 for the seal keys when the retired keys file cannot be read: the operator's problem", async () => {
    const broken = await buildWebApp({
      ...services,
      config: {
        ...services.config,
        sealRetiredPublicKeysFile: path.join(services.testEnv.dataDir, "no-such-file.pem"),
      },
    });
    try {
      const keys = await broken.inject({
        url: "/.well-known/efacture-seal-keys.pem",
        headers: { host: HOST },
      });
      expect(keys.statusCode).toBe(500);
    } finally {
      await broken.close();
    }
  });
});
