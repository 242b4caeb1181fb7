import type { FastifyInstance } from "fastify";
import { PDFDocument } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishDeps } from "../src/app.js";
import type { CliIo } from "../src/cli/io.js";
import { runWithServices } from "../src/cli/main.js";
import type { TenantRow } from "../src/db/tenants.repository.js";
import { createApiKey } from "../src/domain/api-keys/create-api-key.js";
import { upsertCustomer } from "../src/domain/customers/upsert-customer.js";
import { type PublishDeps, publishInvoice } from "../src/domain/invoices/publish-invoice.js";
import { runRetention } from "../src/domain/retention/run-retention.js";
import { buildFacturX, type FacturXInput } from "../src/einvoice/index.js";
import { buildWebApp } from "../src/http/web-app.js";
import { customerClient, makeTenant, multipart } from "./support/factories.js";
import { ENGINES, openTestServices } from "./support/services.js";

const actor = { type: "issuer" as const, id: "test" };
const ACME_SIREN = "443061841";
const ACME_VAT = "FR64443061841";
const OTHER_SIREN = "999999998";

function invoice(
  overrides: Partial<FacturXInput> = {},
  seller: Partial<FacturXInput["seller"]> = {},
): FacturXInput {
  return {
    invoiceNumber: "FA-2026-0001",
    typeCode: "380",
    issueDate: "2026-11-05",
    dueDate: "2026-11-20",
    currency: "EUR",
    seller: {
      name: "ACME Leasing",
      siren: ACME_SIREN,
      vatId: ACME_VAT,
      address: { line1: "1 rue A", postcode: "75001", city: "Paris", countryCode: "FR" },
      ...seller,
    },
    buyer: {
      name: "Client",
      address: { line1: "2 rue B", postcode: "69001", city: "Lyon", countryCode: "FR" },
    },
    lines: [{ description: "Loyer", quantity: "1", unitPrice: "300.00", vatRatePercent: "20" }],
    ...overrides,
  };
}

async function plainPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage([595, 842]).drawText("Facture FA-PLAIN-1");
  return doc.save();
}

describe.each(ENGINES)("seller identities, withdrawal and contract detach on %s", (engine) => {
  let services: Awaited<ReturnType<typeof openTestServices>>;
  let deps: PublishDeps;
  let app: FastifyInstance;
  let seq = 0;

  /** Runs an efacture command in this process, as the CLI tests do. */
  async function cli(argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), cwd: process.cwd(), isTTY: false };
    const code = await runWithServices(argv, io, services);
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  }

  async function tenantWith(numbers: { number: string; contracts?: string[] }[]) {
    const tenant = await makeTenant(services.db, {
      slug: `sw${engine.slice(0, 2)}${++seq}`,
      displayName: `ACME ${seq}`,
    });
    const customers: Record<string, { id: string; accountId: string | null }> = {};
    for (const { number, contracts } of numbers) {
      const { customer } = await upsertCustomer(services.db, {
        queue: services.queue,
        tenantId: tenant.id,
        customerNumber: number,
        name: `Client ${number}`,
        email: `${number.toLowerCase()}-${seq}@example.com`,
        contracts,
        actor,
      });
      customers[number] = customer;
    }
    return { tenant, customers };
  }

  /** A browser holding an active session of the customer's account. */
  async function portalOf(tenant: TenantRow, accountId: string) {
    return (await customerClient(services, app, tenant, accountId)).client;
  }

  beforeAll(async () => {
    services = await openTestServices(engine);
    deps = publishDeps(services);
    app = await buildWebApp(services);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await services?.dispose();
  });

  describe("seller check (item 8)", () => {
    it("refuses another company's invoice once the tenant declared its sellers, and accepts every declared entity", async () => {
      const { tenant } = await tenantWith([{ number: "C-1" }]);
      const other = Buffer.from(
        await buildFacturX(
          invoice({ invoiceNumber: "X-1" }, { name: "Other Co", siren: OTHER_SIREN, vatId: "FR11999999998" }),
        ),
      );
      // Nothing declared yet: accepted, as before.
      const before = await publishInvoice(deps, {
        tenant,
        bytes: other,
        metadata: { customerNumber: "C-1" },
        actor,
      });
      expect(before.created).toBe(true);

      expect((await cli(["tenant", "seller", "add", tenant.slug, "443 061 841"])).code).toBe(0);
      const otherAgain = Buffer.from(
        await buildFacturX(
          invoice({ invoiceNumber: "X-2" }, { name: "Other Co", siren: OTHER_SIREN, vatId: undefined }),
        ),
      );
      await expect(
        publishInvoice(deps, { tenant, bytes: otherAgain, metadata: { customerNumber: "C-1" }, actor }),
      ).rejects.toMatchObject({
        code: "seller_not_declared",
        details: { seller: { name: "Other Co", siren: OTHER_SIREN }, declared: [ACME_SIREN] },
      });
      const own = Buffer.from(await buildFacturX(invoice({ invoiceNumber: "A-1" })));
      expect(
        (await publishInvoice(deps, { tenant, bytes: own, metadata: { customerNumber: "C-1" }, actor }))
          .created,
      ).toBe(true);

      // An issuer publishing for a second legal entity declares it (here by its VAT id).
      expect((await cli(["tenant", "seller", "add", tenant.slug, "FR02702002221"])).code).toBe(0);
      const sister = Buffer.from(
        await buildFacturX(
          invoice({ invoiceNumber: "S-1" }, { name: "ACME Services", siren: "702002221", vatId: undefined }),
        ),
      );
      expect(
        (await publishInvoice(deps, { tenant, bytes: sister, metadata: { customerNumber: "C-1" }, actor }))
          .created,
      ).toBe(true);

      // A plain PDF states no seller: accepted (docs/product.md keeps plain PDFs publishable), with a warning.
      const plain = await publishInvoice(deps, {
        tenant,
        bytes: await plainPdf(),
        metadata: {
          customerNumber: "C-1",
          invoiceNumber: "P-1",
          issueDate: "2026-11-05",
          grandTotal: "10.00",
          currency: "EUR",
        },
        actor,
      });
      expect(plain.warnings.map((w) => w.code)).toContain("seller_not_stated");
      // …and stored with the invoice, so the API and the back office show it too (it was only in the answer).
      const [stored] = await services.db.query<{ findings: { code: string; severity: string }[] }>(
        "select findings from invoices where id = $1",
        [plain.invoice.id],
      );
      expect(stored!.findings).toContainEqual(
        expect.objectContaining({ code: "seller_not_stated", severity: "warning", field: "seller" }),
      );

      const listed = await cli(["tenant", "seller", "list", tenant.slug]);
      expect(listed.stdout.split("\n")).toEqual(["SIREN  443061841", "VAT    FR02702002221"]);
      expect((await cli(["tenant", "seller", "add", tenant.slug, "443061842"])).stderr).toContain(
        "invalid_seller_identity",
      );
      expect((await cli(["tenant", "seller", "remove", tenant.slug, ACME_SIREN])).code).toBe(0);
      expect((await cli(["tenant", "seller", "remove", tenant.slug, ACME_SIREN])).stderr).toContain(
        "seller_identity_not_found",
      );
      const [audit] = await services.db.query<{ n: number }>(
        "select count(*)::int as n from audit_entries where tenant_id = $1 and action in ('tenant.seller_added', 'tenant.seller_removed')",
        [tenant.id],
      );
      expect(audit!.n).toBe(3);
    });
  });

  describe("error details (item 10, domain side)", () => {
    it("says which identifiers were tried, which fields disagree, and who holds a contract", async () => {
      const { tenant } = await tenantWith([{ number: "C-1", contracts: ["K-1"] }]);
      const bytes = Buffer.from(
        await buildFacturX(invoice({ contractNumber: "K-404", buyer: { ...invoice().buyer, id: "B-404" } })),
      );
      await expect(publishInvoice(deps, { tenant, bytes, actor })).rejects.toMatchObject({
        code: "unknown_customer",
        details: {
          tried: [
            { source: "metadata.customerNumber", value: null },
            { source: "BT-46", value: "B-404" },
            { source: "BT-12", value: "K-404" },
          ],
        },
      });
      await expect(
        publishInvoice(deps, { tenant, bytes, metadata: { customerNumber: "NOPE" }, actor }),
      ).rejects.toMatchObject({
        code: "unknown_customer",
        details: { tried: [{ source: "metadata.customerNumber", value: "NOPE" }] },
      });
      await expect(
        publishInvoice(deps, {
          tenant,
          bytes,
          metadata: { customerNumber: "C-1", grandTotal: "1.00" },
          actor,
        }),
      ).rejects.toMatchObject({
        code: "metadata_mismatch",
        details: {
          fields: ["grandTotal"],
          mismatches: [{ field: "grandTotal", metadata: "1.00", file: "360.00" }],
        },
      });
      await expect(
        upsertCustomer(services.db, {
          queue: services.queue,
          tenantId: tenant.id,
          customerNumber: "C-2",
          name: "Deux",
          contracts: ["K-1"],
          actor,
        }),
      ).rejects.toMatchObject({
        code: "contract_taken",
        details: { contracts: ["K-1"], holders: [{ contractNumber: "K-1", customerNumber: "C-1" }] },
      });
    });
  });

  describe("withdrawal and reassignment (item 9)", () => {
    it("withdraws an invoice published to the wrong customer and publishes the same file to the right one", async () => {
      const { tenant, customers } = await tenantWith([{ number: "WRONG" }, { number: "RIGHT" }]);
      const key = (await createApiKey({ db: services.db, tenantId: tenant.id })).key;
      const host = `${tenant.slug}.localhost:3000`;
      const api = (method: "GET" | "POST", url: string, payload?: object) =>
        app.inject({ method, url, headers: { host, authorization: `Bearer ${key}` }, payload });
      const publishTo = async (customerNumber: string, bytes: Uint8Array) => {
        const body = await multipart({
          file: { bytes, filename: "f.pdf" },
          metadata: JSON.stringify({ customerNumber }),
        });
        return app.inject({
          method: "POST",
          url: "/api/v1/invoices",
          headers: { host, authorization: `Bearer ${key}`, "content-type": body.contentType },
          payload: body.payload,
        });
      };
      const bytes = Buffer.from(await buildFacturX(invoice({ invoiceNumber: "FA-MISTAKE" })));
      const wrongPortal = await portalOf(tenant, customers.WRONG!.accountId!);
      const rightPortal = await portalOf(tenant, customers.RIGHT!.accountId!);

      const first = await publishTo("WRONG", bytes);
      expect(first.statusCode, first.body).toBe(201);
      const wrongId = first.json().id as string;
      expect((await wrongPortal.get("/factures")).body).toContain("FA-MISTAKE");
      expect((await wrongPortal.get(`/factures/${wrongId}`)).statusCode).toBe(200);
      const versionBefore = await listVersion(customers.WRONG!.accountId!);

      expect(
        (await api("POST", `/api/v1/invoices/${wrongId}/withdraw`, { reason: " " })).json().error.code,
      ).toBe("withdrawal_reason_required");
      const withdrawn = await api("POST", `/api/v1/invoices/${wrongId}/withdraw`, {
        reason: "publiée sur le mauvais client",
      });
      expect(withdrawn.statusCode, withdrawn.body).toBe(200);
      expect(withdrawn.json()).toMatchObject({
        id: wrongId,
        withdrawalReason: "publiée sur le mauvais client",
        status: { code: "withdrawn" },
      });
      expect(withdrawn.json().withdrawnAt).toBe(withdrawn.json().removedAt);
      // Twice: nothing more is recorded, the same answer comes back.
      const again = await api("POST", `/api/v1/invoices/${wrongId}/withdraw`, { reason: "autre raison" });
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(withdrawn.json());
      expect((await api("GET", `/api/v1/invoices/${wrongId}`)).json()).toEqual(withdrawn.json());

      // Gone for the wrong customer: not in the list, 410 on its pages, nothing of it shown.
      expect(await listVersion(customers.WRONG!.accountId!)).toBeGreaterThan(versionBefore);
      expect((await wrongPortal.get("/factures")).body).not.toContain("FA-MISTAKE");
      for (const path of ["", "/pdf", "/preuve"]) {
        const page = await wrongPortal.get(`/factures/${wrongId}${path}`);
        expect(page.statusCode, path).toBe(410);
        expect(page.body).toContain("retirée du portail");
        expect(page.body).not.toContain("FA-MISTAKE");
      }

      // The same bytes to the right customer: a new invoice, not a replay of the withdrawn one.
      const second = await publishTo("RIGHT", bytes);
      expect(second.statusCode, second.body).toBe(201);
      const rightId = second.json().id as string;
      expect(rightId).not.toBe(wrongId);
      expect(second.json()).toMatchObject({
        customerNumber: "RIGHT",
        withdrawnAt: null,
        status: { code: "203" },
      });
      expect((await rightPortal.get("/factures")).body).toContain("FA-MISTAKE");
      expect((await rightPortal.get(`/factures/${rightId}/pdf`)).statusCode).toBe(200);
      expect((await wrongPortal.get(`/factures/${rightId}`)).statusCode).toBe(404);
      // Publishing it again is the usual idempotent replay, of the live invoice.
      expect((await publishTo("RIGHT", bytes)).json().id).toBe(rightId);
      // The same file named for another customer is no retry: 409 saying whose it is, not a 200 that files nothing.
      const elsewhere = await publishTo("WRONG", bytes);
      expect(elsewhere.statusCode, elsewhere.body).toBe(409);
      expect(elsewhere.json().error).toMatchObject({
        code: "invoice_number_conflict",
        details: { invoiceId: rightId, customerNumber: "RIGHT", requestedCustomerNumber: "WRONG" },
      });

      const events = await services.db.query<{ code: number }>(
        "select code from invoice_events where invoice_id = $1 order by at, id",
        [wrongId],
      );
      expect(events.map((e) => e.code)).toEqual([203, 901]);
      const audits = await services.db.query<{ details: Record<string, unknown> }>(
        "select details from audit_entries where tenant_id = $1 and action = 'invoice.withdrawn'",
        [tenant.id],
      );
      expect(audits).toHaveLength(1);
      expect(audits[0]!.details).toMatchObject({
        invoiceNumber: "FA-MISTAKE",
        customerNumber: "WRONG",
        reason: "publiée sur le mauvais client",
      });

      // The bytes are shared with the live invoice: the retention run keeps them; the trail verifies.
      await runRetention(
        { db: services.db, blobs: services.blobs, queue: services.queue },
        { now: new Date(), tenantId: tenant.id },
      );
      expect(await services.blobs.has(second.json().sha256)).toBe(true);
      const [settled] = await services.db.query<{ blobDeletedAt: Date | null }>(
        `select blob_deleted_at as "blobDeletedAt" from invoices where id = $1`,
        [wrongId],
      );
      expect(settled!.blobDeletedAt).not.toBeNull();
      const verify = await cli(["audit", "verify", "--tenant", tenant.slug]);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    });

    it("deletes the bytes of a withdrawn invoice at the next retention run, withdraws from the CLI, and 404s another tenant", async () => {
      const { tenant, customers } = await tenantWith([{ number: "C-1" }]);
      const { tenant: other } = await tenantWith([]);
      const { invoice: published } = await publishInvoice(deps, {
        tenant,
        bytes: Buffer.from(await buildFacturX(invoice({ invoiceNumber: "FA-ALONE" }))),
        metadata: { customerNumber: "C-1" },
        actor,
      });
      expect(customers["C-1"]).toBeDefined();
      expect(
        (await cli(["invoices", "withdraw", "--tenant", other.slug, "--reason", "erreur", published.id]))
          .stderr,
      ).toContain("invoice_not_found");
      expect((await cli(["invoices", "withdraw", "--tenant", tenant.slug, published.id])).code).toBe(2);
      const done = await cli([
        "invoices",
        "withdraw",
        "--tenant",
        tenant.slug,
        "--reason",
        "envoyée par erreur",
        published.id,
      ]);
      expect(done).toMatchObject({ code: 0 });
      expect(done.stdout).toBe(
        "Invoice FA-ALONE withdrawn from customer C-1: its number is free to publish again.",
      );
      expect(
        (await cli(["invoices", "withdraw", "--tenant", tenant.slug, "--reason", "x y z", published.id]))
          .stdout,
      ).toMatch(/^Invoice FA-ALONE was already withdrawn on .* \(envoyée par erreur\); nothing changed\.$/);
      expect(await services.blobs.has(published.sha256)).toBe(true);
      await runRetention(
        { db: services.db, blobs: services.blobs, queue: services.queue },
        { now: new Date(), tenantId: tenant.id },
      );
      expect(await services.blobs.has(published.sha256)).toBe(false);
      expect((await cli(["audit", "verify", "--tenant", tenant.slug])).code).toBe(0);
    });
  });

  describe("contract detach (item 9)", () => {
    it("stops routing by a detached contract and lets the right customer take it", async () => {
      const { tenant } = await tenantWith([{ number: "WRONG", contracts: ["K-9"] }, { number: "RIGHT" }]);
      const byContract = async (invoiceNumber: string) =>
        publishInvoice(deps, {
          tenant,
          bytes: Buffer.from(await buildFacturX(invoice({ invoiceNumber, contractNumber: "K-9" }))),
          actor,
        });
      expect((await byContract("K-A")).invoice.customerId).toBeDefined();
      const detached = await cli(["customers", "detach-contract", "--tenant", tenant.slug, "K-9"]);
      expect(detached.code, detached.stderr).toBe(0);
      expect(detached.stdout).toMatch(/^Contract K-9 detached from customer WRONG/);
      expect((await cli(["customers", "detach-contract", "--tenant", tenant.slug, "K-9"])).stdout).toBe(
        "Contract K-9 was already detached; nothing changed.",
      );
      expect((await cli(["customers", "detach-contract", "--tenant", tenant.slug, "K-0"])).stderr).toContain(
        "contract_not_found",
      );
      await expect(byContract("K-B")).rejects.toMatchObject({ code: "unknown_customer" });
      const { customer: right } = await upsertCustomer(services.db, {
        queue: services.queue,
        tenantId: tenant.id,
        customerNumber: "RIGHT",
        name: "Client RIGHT",
        contracts: ["K-9"],
        actor,
      });
      expect((await byContract("K-C")).invoice.customerId).toBe(right.id);
      const [audit] = await services.db.query<{ details: Record<string, unknown> }>(
        "select details from audit_entries where tenant_id = $1 and action = 'contract.detached'",
        [tenant.id],
      );
      expect(audit!.details).toMatchObject({ contractNumber: "K-9", customerNumber: "WRONG" });
    });
  });

  describe("contract detach through the API (item 9)", () => {
    it("detaches with the issuer's key, says from whom, changes nothing the second time, 404 elsewhere", async () => {
      const { tenant } = await tenantWith([{ number: "WRONG", contracts: ["K/7 A"] }]);
      const { tenant: other } = await tenantWith([{ number: "OTHER", contracts: ["K-8"] }]);
      const key = (await createApiKey({ db: services.db, tenantId: tenant.id })).key;
      const detach = (contract: string) =>
        app.inject({
          method: "POST",
          url: `/api/v1/contracts/${encodeURIComponent(contract)}/detach`,
          headers: { host: `${tenant.slug}.localhost:3000`, authorization: `Bearer ${key}` },
        });
      const first = await detach("K/7 A");
      expect(first.statusCode, first.body).toBe(200);
      expect(first.json()).toEqual({ contractNumber: "K/7 A", fromCustomerNumber: "WRONG", detached: true });
      expect((await detach("K/7 A")).json()).toEqual({
        contractNumber: "K/7 A",
        fromCustomerNumber: null,
        detached: false,
      });
      // Another tenant's contract is not found from this key's portal, and stays attached.
      const foreign = await detach("K-8");
      expect(foreign.statusCode).toBe(404);
      expect(foreign.json().error.code).toBe("contract_not_found");
      const [held] = await services.db.query<{ customer_id: string | null }>(
        "select customer_id from contracts where tenant_id = $1 and contract_number = 'K-8'",
        [other.id],
      );
      expect(held!.customer_id).not.toBeNull();
    });
  });

  async function listVersion(accountId: string): Promise<number> {
    const [row] = await services.db.query<{ version: number }>(
      "select version::int as version from account_list_versions where account_id = $1",
      [accountId],
    );
    return row?.version ?? 0;
  }
});
