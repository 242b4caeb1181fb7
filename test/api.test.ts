import { readFileSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAccountPassword } from "../src/db/accounts.repository.js";
import { findCustomerByNumber } from "../src/db/customers.repository.js";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { createApiKey } from "../src/domain/api-keys/create-api-key.js";
import { listApiKeys } from "../src/domain/api-keys/list-api-keys.js";
import { revokeApiKey } from "../src/domain/api-keys/revoke-api-key.js";
import { API_RATE_LIMIT_PER_MINUTE } from "../src/http/routes/api/index.js";
import { buildWebApp } from "../src/http/web-app.js";
import { makeTenant, multipart } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CORPUS = path.resolve(ROOT, "..", "shared", "corpus");
const corpus = (file: string) => readFileSync(path.join(CORPUS, file));
const PLAIN_PDF = "plain-pdf/RE-E-974-Hetzner_2016-01-19_R0005532486.pdf";
const ACME = "acme.localhost:3000";
const OTHER = "other.localhost:3000";

describe.each(ENGINES)("issuer API on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let app: FastifyInstance;
  let acme: TenantRow;
  let other: TenantRow;
  let acmeKey: string;
  let otherKey: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    services = await openTestServices(engine);
    acme = await makeTenant(services.db);
    other = await makeTenant(services.db, { slug: "other", displayName: "Other Crédit" });
    acmeKey = (await createApiKey({ db: services.db, tenantId: acme.id, label: "ERP" })).key;
    otherKey = (await createApiKey({ db: services.db, tenantId: other.id })).key;
    // A logger that keeps every line, to check that keys never reach the log (docs/security.md G2).
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    app = await buildWebApp({ ...services, logger: pino({ level: "info" }, sink) });
  });
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  const api = (
    method: "GET" | "PUT" | "POST",
    url: string,
    options: { key?: string | null; host?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) =>
    app.inject({
      method,
      url,
      headers: {
        host: options.host ?? ACME,
        ...(options.key === null ? {} : { authorization: `Bearer ${options.key ?? acmeKey}` }),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { payload: options.body as object }),
    });

  const publish = async (
    bytes: Uint8Array,
    metadata?: string | Record<string, string>,
    options: { key?: string; host?: string } = {},
  ) => {
    const { payload, contentType } = await multipart({
      file: { bytes, filename: "invoice.pdf" },
      ...(metadata === undefined
        ? {}
        : { metadata: typeof metadata === "string" ? metadata : JSON.stringify(metadata) }),
    });
    return app.inject({
      method: "POST",
      url: "/api/v1/invoices",
      headers: {
        host: options.host ?? ACME,
        authorization: `Bearer ${options.key ?? acmeKey}`,
        "content-type": contentType,
      },
      payload,
    });
  };

  describe("API keys", () => {
    it("creates keys shown once, stores only their hash, lists and revokes them", async () => {
      const { key, apiKey } = await createApiKey({ db: services.db, tenantId: acme.id, label: "batch" });
      expect(key).toMatch(/^efk_[0-9a-f]{8}_[0-9a-f]{64}$/);
      expect(key.split("_")[1]).toBe(apiKey.prefix);
      const stored = await services.db.query<{ key_hash: string }>(
        "select key_hash from api_keys where id = $1",
        [apiKey.id],
      );
      expect(stored[0]!.key_hash).toMatch(/^[0-9a-f]{64}$/);
      const dump = JSON.stringify(await services.db.query("select * from api_keys"));
      expect(dump).not.toContain(key.split("_")[2]);

      const listed = await listApiKeys({ db: services.db, tenantId: acme.id });
      expect(listed.map((k) => k.label)).toEqual(["ERP", "batch"]);
      expect(await listApiKeys({ db: services.db, tenantId: other.id })).toHaveLength(1);

      expect((await api("GET", "/api/v1/customers/nobody", { key })).statusCode).toBe(404);
      const { revoked } = await revokeApiKey({ db: services.db, tenantId: acme.id, prefix: apiKey.prefix });
      expect(revoked.map((k) => k.id)).toEqual([apiKey.id]);
      const again = await revokeApiKey({ db: services.db, tenantId: acme.id, prefix: apiKey.prefix });
      expect(again.alreadyRevoked.map((k) => k.id)).toEqual([apiKey.id]);
      await expect(
        revokeApiKey({ db: services.db, tenantId: other.id, prefix: apiKey.prefix }),
      ).rejects.toMatchObject({ code: "api_key_not_found" });

      const audit = await services.db.query<{ action: string }>(
        "select action from audit_entries where tenant_id = $1 and target_id = $2 order by seq",
        [acme.id, apiKey.id],
      );
      expect(audit.map((a) => a.action)).toEqual(["api_key.created", "api_key.revoked"]);
    });

    it("records the last use of a key, at most once a minute", async () => {
      const { key, apiKey } = await createApiKey({ db: services.db, tenantId: acme.id });
      const lastUsed = async () =>
        (await listApiKeys({ db: services.db, tenantId: acme.id })).find((k) => k.id === apiKey.id)!
          .lastUsedAt;
      expect(await lastUsed()).toBeNull();
      await api("GET", "/api/v1/customers/nobody", { key });
      const first = await lastUsed();
      expect(first).toBeInstanceOf(Date);
      await api("GET", "/api/v1/customers/nobody", { key });
      expect((await lastUsed())!.getTime()).toBe(first!.getTime());
    });
  });

  describe("authentication (docs/security.md A5)", () => {
    const expectUnauthorized = (res: Awaited<ReturnType<typeof api>>) => {
      expect(res.statusCode).toBe(401);
      expect(res.headers["www-authenticate"]).toMatch(/^Bearer realm="efacture"/);
      expect(res.json().error.code).toBe("unauthorized");
      expect(res.json().error.message).toEqual(expect.any(String));
    };

    it("refuses a request without a key", async () => {
      const res = await api("GET", "/api/v1/customers/C1", { key: null });
      expectUnauthorized(res);
      expect(res.headers["www-authenticate"]).toBe('Bearer realm="efacture"');
    });

    it("refuses a wrong key, a malformed header and a made-up key of the right shape", async () => {
      expectUnauthorized(await api("GET", "/api/v1/customers/C1", { key: "nope" }));
      expectUnauthorized(
        await api("GET", "/api/v1/customers/C1", {
          key: null,
          headers: { authorization: `Basic ${acmeKey}` },
        }),
      );
      const forged = `efk_${acmeKey.split("_")[1]}_${"0".repeat(64)}`;
      const res = await api("GET", "/api/v1/customers/C1", { key: forged });
      expectUnauthorized(res);
      expect(res.headers["www-authenticate"]).toContain('error="invalid_token"');
    });

    it("refuses a revoked key", async () => {
      const { key, apiKey } = await createApiKey({ db: services.db, tenantId: acme.id });
      expect((await api("GET", "/api/v1/invoices", { key })).statusCode).toBe(200);
      await revokeApiKey({ db: services.db, tenantId: acme.id, prefix: apiKey.prefix });
      const res = await api("GET", "/api/v1/invoices", { key });
      expectUnauthorized(res);
      expect(res.json().error.message).toContain("revoked");
    });

    it("refuses another tenant's key: tenant B's key cannot publish or read on tenant A's portal", async () => {
      expectUnauthorized(await api("GET", "/api/v1/invoices", { key: otherKey }));
      const before = await services.db.query("select id from invoices");
      expectUnauthorized(
        await publish(corpus("facturx-valid/Facture_UE_MINIMUM.pdf"), undefined, { key: otherKey }),
      );
      expectUnauthorized(
        await api("PUT", "/api/v1/customers/X1", { key: otherKey, body: { name: "X", email: null } }),
      );
      expect(await services.db.query("select id from invoices")).toEqual(before);
      expect(await findCustomerByNumber(services.db, acme.id, "X1")).toBeUndefined();
      expect((await api("GET", "/api/v1/invoices", { key: otherKey, host: OTHER })).statusCode).toBe(200);
    });

    it("answers 404 in JSON on the platform host and on unknown hosts, key or not", async () => {
      for (const host of ["localhost:3000", "nobody.localhost:3000"]) {
        for (const url of ["/api/v1/invoices", "/api/openapi.json", "/api/docs"]) {
          const res = await api("GET", url, { host });
          expect(res.statusCode, `${host}${url}`).toBe(404);
          expect(res.json().error.code, `${host}${url}`).toBe("not_found");
        }
      }
    });

    it("never writes a key to the log, and logs refusals with the tenant and the key prefix", async () => {
      const { key } = await createApiKey({ db: services.db, tenantId: acme.id });
      await api("GET", "/api/v1/invoices", { key });
      const forged = `efk_0badc0de_${"1".repeat(64)}`;
      await api("GET", "/api/v1/invoices", { key: forged });
      const log = logLines.join("");
      expect(log).not.toContain(key.slice(13));
      expect(log).not.toContain("1".repeat(64));
      expect(log).not.toContain(acmeKey.slice(13));
      const refusal = logLines.map((l) => JSON.parse(l)).find((l) => l.keyPrefix === "0badc0de");
      expect(refusal).toMatchObject({ event: "api_key_refused", tenant: "acme", reason: "unknown" });
    });
  });

  describe("customers", () => {
    it("creates with 201, then answers 200 for the same body without duplicating anything", async () => {
      const body = { name: "Garage Dupont", email: "Compta@Garage-Dupont.fr", contracts: ["CT-1", "CT-2"] };
      const created = await api("PUT", "/api/v1/customers/C-100", { body });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toEqual({
        customerNumber: "C-100",
        name: "Garage Dupont",
        email: "compta@garage-dupont.fr",
        contracts: ["CT-1", "CT-2"],
        accountStatus: "pending",
      });
      const again = await api("PUT", "/api/v1/customers/C-100", { body });
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(created.json());
      const rows = await services.db.query(
        "select id from customers where tenant_id = $1 and customer_number = 'C-100'",
        [acme.id],
      );
      expect(rows).toHaveLength(1);
      const contracts = await services.db.query(
        "select id from contracts where tenant_id = $1 and customer_id = $2",
        [acme.id, (rows[0] as { id: string }).id],
      );
      expect(contracts).toHaveLength(2);
      const accounts = await services.db.query(
        "select id from accounts where tenant_id = $1 and email = $2",
        [acme.id, "compta@garage-dupont.fr"],
      );
      expect(accounts).toHaveLength(1);
    });

    it("updates a customer with 200 and moves it to the account of its new address", async () => {
      await api("PUT", "/api/v1/customers/C-200", { body: { name: "Old", email: "old@example.fr" } });
      const res = await api("PUT", "/api/v1/customers/C-200", {
        body: { name: "New name", email: "new@example.fr", contracts: ["CT-200"] },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ name: "New name", email: "new@example.fr", contracts: ["CT-200"] });
      const customer = await findCustomerByNumber(services.db, acme.id, "C-200");
      const [account] = await services.db.query<{ email: string }>(
        "select email from accounts where tenant_id = $1 and id = $2",
        [acme.id, customer!.accountId],
      );
      expect(account!.email).toBe("new@example.fr");
    });

    it("accepts customer numbers with spaces, dots and slashes (URL-encoded)", async () => {
      const res = await api("PUT", `/api/v1/customers/${encodeURIComponent("AB 12/3.4")}`, {
        body: { name: "Slash", email: null },
      });
      expect(res.statusCode).toBe(201);
      expect(res.json().customerNumber).toBe("AB 12/3.4");
      const got = await api("GET", `/api/v1/customers/${encodeURIComponent("AB 12/3.4")}`);
      expect(got.statusCode).toBe(200);
    });

    it("refuses a wrong body with a code saying what to fix", async () => {
      const cases: [string, unknown, number, string][] = [
        ["C-300", { name: "No email key" }, 400, "invalid_request"],
        ["C-300", { name: " ", email: null }, 422, "invalid_name"],
        ["C-300", { name: { first: "X" }, email: null }, 400, "invalid_request"],
        ["C-300", { name: "X", email: "not-an-address" }, 422, "invalid_email"],
        ["C-300", { name: "X", email: null, contracts: ["bad\ncontract"] }, 422, "invalid_contract_number"],
        ["%20", { name: "X", email: null }, 422, "invalid_customer_number"],
      ];
      for (const [number, body, status, code] of cases) {
        const res = await api("PUT", `/api/v1/customers/${number}`, { body });
        expect(res.statusCode, JSON.stringify(body)).toBe(status);
        expect(res.json().error.code, JSON.stringify(body)).toBe(code);
      }
      const notJson = await api("PUT", "/api/v1/customers/C-300", {
        body: "{not json",
        headers: { "content-type": "application/json" },
      });
      expect(notJson.statusCode).toBe(400);
      expect(notJson.json().error).toBeDefined();
      expect(await findCustomerByNumber(services.db, acme.id, "C-300")).toBeUndefined();
    });

    it("answers 409 contract_taken when a contract belongs to another customer, and changes nothing", async () => {
      await api("PUT", "/api/v1/customers/C-400", {
        body: { name: "A", email: null, contracts: ["CT-400"] },
      });
      const res = await api("PUT", "/api/v1/customers/C-401", {
        body: { name: "B", email: null, contracts: ["CT-400"] },
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({ code: "contract_taken", details: { contracts: ["CT-400"] } });
      expect(await findCustomerByNumber(services.db, acme.id, "C-401")).toBeUndefined();
    });

    it("tells each account status: none, pending, activation_sent, active, locked", async () => {
      const status = async (number: string) =>
        (await api("GET", `/api/v1/customers/${number}`)).json().accountStatus;
      await api("PUT", "/api/v1/customers/S-none", { body: { name: "No mail", email: null } });
      expect(await status("S-none")).toBe("none");

      // The Mustang sample's buyer id (BT-46) is "2": the invoice finds this customer by it.
      await api("PUT", "/api/v1/customers/2", { body: { name: "Theodor Est", email: "theodor@example.de" } });
      expect(await status("2")).toBe("pending");
      expect(
        (await publish(corpus("facturx-valid/MustangGnuaccountingBeispielRE-20201121_508.pdf"))).statusCode,
      ).toBe(201);
      expect(await status("2")).toBe("activation_sent");
      // A new address has had no activation mail yet.
      await api("PUT", "/api/v1/customers/2", {
        body: { name: "Theodor Est", email: "theodor@new.example.de" },
      });
      expect(await status("2")).toBe("pending");

      await api("PUT", "/api/v1/customers/S-active", {
        body: { name: "Active", email: "active@example.fr" },
      });
      const active = await findCustomerByNumber(services.db, acme.id, "S-active");
      await setAccountPassword(services.db, acme.id, active!.accountId!, "$argon2id$test");
      expect(await status("S-active")).toBe("active");

      await api("PUT", "/api/v1/customers/S-locked", {
        body: { name: "Locked", email: "locked@example.fr" },
      });
      const locked = await findCustomerByNumber(services.db, acme.id, "S-locked");
      await services.db.query("update accounts set status = 'locked' where tenant_id = $1 and id = $2", [
        acme.id,
        locked!.accountId,
      ]);
      expect(await status("S-locked")).toBe("locked");
    });

    it("answers 404 for an unknown customer and for another tenant's customer", async () => {
      await api("PUT", "/api/v1/customers/OTHER-1", {
        key: otherKey,
        host: OTHER,
        body: { name: "B", email: null },
      });
      for (const number of ["nobody", "OTHER-1"]) {
        const res = await api("GET", `/api/v1/customers/${number}`);
        expect(res.statusCode).toBe(404);
        expect(res.json().error.code).toBe("customer_not_found");
      }
      expect((await api("GET", "/api/v1/customers/OTHER-1", { key: otherKey, host: OTHER })).statusCode).toBe(
        200,
      );
    });
  });

  describe("reading invoices", () => {
    const numbers = ["P-1", "P-2", "P-3", "P-4", "P-5"];

    beforeAll(async () => {
      await api("PUT", "/api/v1/customers/PAGE-1", { body: { name: "Pages", email: null } });
      await api("PUT", "/api/v1/customers/PAGE-2", { body: { name: "Pages 2", email: null } });
      for (const [i, invoiceNumber] of numbers.entries()) {
        const res = await publish(corpus(PLAIN_PDF), {
          customerNumber: i % 2 === 0 ? "PAGE-1" : "PAGE-2",
          invoiceNumber,
          issueDate: `2024-01-0${i + 1}`,
          grandTotal: `${i + 1}00.00`,
          currency: "EUR",
        });
        expect(res.statusCode).toBe(201);
      }
    });

    it("pages through every invoice once, in publication order, with an opaque cursor", async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
        const res = await api("GET", `/api/v1/invoices?limit=2${query}`);
        expect(res.statusCode).toBe(200);
        const body = res.json() as {
          items: { invoiceNumber: string; publishedAt: string }[];
          nextCursor: string | null;
        };
        expect(body.items.length).toBeLessThanOrEqual(2);
        seen.push(...body.items.map((i) => i.invoiceNumber));
        cursor = body.nextCursor;
        pages++;
      } while (cursor && pages < 50);
      const all = (await api("GET", "/api/v1/invoices?limit=1000")).json().items as {
        invoiceNumber: string;
      }[];
      expect(seen).toEqual(all.map((i) => i.invoiceNumber));
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.filter((n) => numbers.includes(n))).toEqual(numbers);
      const otherTenant = (await api("GET", "/api/v1/invoices", { key: otherKey, host: OTHER })).json().items;
      expect(otherTenant.map((i: { invoiceNumber: string }) => i.invoiceNumber)).not.toContain("P-1");
    });

    it("filters by customer number and by publication instant", async () => {
      const one = (await api("GET", "/api/v1/invoices?customerNumber=PAGE-1")).json();
      expect(one.items.map((i: { invoiceNumber: string }) => i.invoiceNumber)).toEqual(["P-1", "P-3", "P-5"]);
      expect(one.nextCursor).toBeNull();
      const p3 = one.items[1];
      const since = (
        await api("GET", `/api/v1/invoices?customerNumber=PAGE-1&since=${encodeURIComponent(p3.publishedAt)}`)
      ).json();
      expect(since.items.map((i: { invoiceNumber: string }) => i.invoiceNumber)).toEqual(["P-3", "P-5"]);
      const nobody = (await api("GET", "/api/v1/invoices?customerNumber=nobody")).json();
      expect(nobody).toEqual({ items: [], nextCursor: null });
    });

    it("refuses a bad limit, since or cursor with 400", async () => {
      for (const query of [
        "limit=0",
        "limit=1001",
        "limit=abc",
        "since=yesterday",
        "since=2024-01-01",
        "cursor=xyz",
      ]) {
        const res = await api("GET", `/api/v1/invoices?${query}`);
        expect(res.statusCode, query).toBe(400);
        expect(["invalid_request", "invalid_cursor"], query).toContain(res.json().error.code);
      }
    });

    it("gets one invoice by id, and 404 for another tenant's invoice or an unknown id", async () => {
      const listed = (await api("GET", "/api/v1/invoices?customerNumber=PAGE-1")).json().items[0];
      const res = await api("GET", `/api/v1/invoices/${listed.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(listed);
      expect(res.json().status).toEqual({ code: "203", label: "Mise à disposition" });

      await api("PUT", "/api/v1/customers/B-1", {
        key: otherKey,
        host: OTHER,
        body: { name: "B", email: null },
      });
      const theirs = await publish(
        corpus(PLAIN_PDF),
        {
          customerNumber: "B-1",
          invoiceNumber: "B-INV-1",
          issueDate: "2024-02-01",
          grandTotal: "10",
          currency: "EUR",
        },
        { key: otherKey, host: OTHER },
      );
      expect(theirs.statusCode).toBe(201);
      for (const id of [theirs.json().id, "00000000-0000-0000-0000-000000000000", "not-a-uuid"]) {
        const notFound = await api("GET", `/api/v1/invoices/${id}`);
        expect(notFound.statusCode, id).toBe(404);
        expect(notFound.json().error.code).toBe("invoice_not_found");
      }
      expect(
        (await api("GET", `/api/v1/invoices/${theirs.json().id}`, { key: otherKey, host: OTHER })).statusCode,
      ).toBe(200);
    });

    it("shows 204 after the first download and the removed tombstone after retention", async () => {
      const [a, b] = (await api("GET", "/api/v1/invoices?customerNumber=PAGE-2")).json().items;
      await services.db.query(
        "update invoices set first_downloaded_at = now() where tenant_id = $1 and id = $2",
        [acme.id, a.id],
      );
      await services.db.query(
        "update invoices set first_downloaded_at = now(), removed_at = now() where tenant_id = $1 and id = $2",
        [acme.id, b.id],
      );
      const downloaded = (await api("GET", `/api/v1/invoices/${a.id}`)).json();
      expect(downloaded.status).toEqual({ code: "204", label: "Prise en charge" });
      expect(downloaded.firstDownloadedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      const removed = (await api("GET", `/api/v1/invoices/${b.id}`)).json();
      expect(removed.status.code).toBe("removed");
      expect(removed.removedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    });
  });

  describe("OpenAPI", () => {
    it("describes every route at /api/openapi.json without a key, for this portal's host", async () => {
      const res = await api("GET", "/api/openapi.json", { key: null });
      expect(res.statusCode).toBe(200);
      const spec = res.json();
      expect(spec.openapi).toMatch(/^3\./);
      expect(spec.servers).toEqual([{ url: "http://acme.localhost:3000" }]);
      expect(Object.keys(spec.paths).sort()).toEqual([
        "/api/v1/contracts/{contractNumber}/detach",
        "/api/v1/customers/{customerNumber}",
        "/api/v1/invoices",
        "/api/v1/invoices/{id}",
        "/api/v1/invoices/{id}/payments",
        "/api/v1/invoices/{id}/withdraw",
        "/api/v1/validations",
      ]);
      expect(Object.keys(spec.paths["/api/v1/invoices/{id}/payments"]).sort()).toEqual(["get", "post"]);
      expect(Object.keys(spec.paths["/api/v1/customers/{customerNumber}"]).sort()).toEqual(["get", "put"]);
      expect(Object.keys(spec.paths["/api/v1/invoices"]).sort()).toEqual(["get", "post"]);
      expect(spec.paths["/api/v1/invoices"].post.requestBody.content["multipart/form-data"]).toBeDefined();
      expect(spec.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
      expect(Object.keys(spec.components.schemas)).toEqual(
        expect.arrayContaining(["Invoice", "Customer", "ApiError"]),
      );
      const other = (await api("GET", "/api/openapi.json", { key: null, host: OTHER })).json();
      expect(other.servers).toEqual([{ url: "http://other.localhost:3000" }]);
    });

    it("serves the documentation page and its assets", async () => {
      const page = await api("GET", "/api/docs", { key: null });
      expect(page.statusCode).toBe(200);
      expect(page.headers["content-type"]).toContain("text/html");
      // Swagger UI needs inline styles; scripts stay 'self' only, and only these pages are relaxed.
      expect(page.headers["content-security-policy"]).toContain("style-src 'self' 'unsafe-inline'");
      expect(page.headers["content-security-policy"]).toMatch(/script-src 'self'(;|$)/);
      expect((await api("GET", "/", { key: null })).headers["content-security-policy"]).toContain(
        "style-src 'self';",
      );
      const script = page.body.match(/src="([^"]+swagger-ui-bundle\.js)"/)?.[1];
      expect(script).toBeDefined();
      expect((await api("GET", script!, { key: null })).statusCode).toBe(200);
      expect((await api("GET", "/api/docs/json", { key: null })).json().paths).toBeDefined();
    });
  });

  describe("rate limit", () => {
    it(`refuses the request after ${API_RATE_LIMIT_PER_MINUTE} in a minute with one key, with 429 and Retry-After`, async () => {
      const { key } = await createApiKey({ db: services.db, tenantId: acme.id, label: "flood" });
      let last: Awaited<ReturnType<typeof api>> | undefined;
      for (let i = 0; i <= API_RATE_LIMIT_PER_MINUTE; i++) {
        last = await api("GET", "/api/v1/invoices/not-a-uuid", { key });
        if (i < API_RATE_LIMIT_PER_MINUTE) expect(last.statusCode).toBe(404);
      }
      expect(last!.statusCode).toBe(429);
      expect(last!.json().error).toMatchObject({
        code: "rate_limited",
        details: { limit: API_RATE_LIMIT_PER_MINUTE },
        requestId: last!.headers["x-request-id"],
      });
      expect(Number(last!.headers["retry-after"])).toBeGreaterThan(0);
      // Another key of the same tenant has its own allowance.
      expect((await api("GET", "/api/v1/invoices/not-a-uuid")).statusCode).toBe(404);
    }, 60_000);
  });
});
