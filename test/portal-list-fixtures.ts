import type { FastifyInstance } from "fastify";
import { startSession } from "../src/domain/accounts/sessions.js";
import { upsertCustomer } from "../src/domain/customers/upsert-customer.js";
import { type PublishDeps, publishInvoice } from "../src/domain/invoices/publish-invoice.js";
import { buildFacturX, type FacturXInput } from "../src/einvoice/index.js";
import { buildWebApp } from "../src/http/web-app.js";
import { makeTenant } from "./support/factories.js";
import { type Engine, openTestServices } from "./support/services.js";
import { WebClient } from "./support/web-client.js";

// Shared set-up of the invoice-list tests: a database, the web app, tenants, customers, published invoices.

const actor = { type: "issuer" as const, id: "test" };
type TenantRow = Awaited<ReturnType<typeof makeTenant>>;

export interface InvoiceSpec {
  number: string;
  customer: string;
  issueDate?: string;
  dueDate?: string;
  type?: "380" | "381";
  contract?: string;
  /** Net amount of the single line (VAT 20 % added). */
  net?: string;
  currency?: string;
}

export type PortalFixture = Awaited<ReturnType<typeof openPortalFixture>>;

/** Services on a fresh database, the web app, and helpers to fill and read the list. */
export async function openPortalFixture(engine: Engine) {
  const services = await openTestServices(engine);
  const app: FastifyInstance = await buildWebApp(services);
  const deps: PublishDeps = {
    db: services.db,
    blobs: services.blobs,
    queue: services.queue,
    maxPdfBytes: services.config.maxPdfBytes,
  };
  let tenantSeq = 0;

  async function tenant(
    slug = `t${++tenantSeq}${engine.slice(0, 2)}`,
  ): Promise<TenantRow & { host: string }> {
    const row = await makeTenant(services.db, { slug, displayName: `Bailleur ${slug.toUpperCase()}` });
    return Object.assign(row, { host: `${slug}.localhost:3000` });
  }

  /** Customer numbers sharing one address share one account; returns the account id. */
  async function customer(tenantRow: TenantRow, number: string, email: string): Promise<string> {
    const { customer: row } = await upsertCustomer(services.db, {
      queue: services.queue,
      tenantId: tenantRow.id,
      customerNumber: number,
      name: `Client ${number}`,
      email,
      actor,
    });
    return row.accountId!;
  }

  function facturX(spec: InvoiceSpec): FacturXInput {
    return {
      invoiceNumber: spec.number,
      typeCode: spec.type ?? "380",
      issueDate: spec.issueDate ?? "2026-11-05",
      dueDate: spec.dueDate,
      currency: spec.currency ?? "EUR",
      seller: {
        name: "Acme Location",
        siren: "443061841",
        address: { line1: "1 rue A", postcode: "75001", city: "Paris", countryCode: "FR" },
      },
      buyer: {
        name: `Client ${spec.customer}`,
        id: spec.customer,
        address: { line1: "2 rue B", postcode: "69001", city: "Lyon", countryCode: "FR" },
      },
      contractNumber: spec.contract,
      lines: [
        {
          description: spec.type === "381" ? "Avoir sur loyer" : "Loyer",
          quantity: "1",
          unitPrice: spec.net ?? "100.00",
          vatRatePercent: "20",
        },
      ],
    };
  }

  /** Publishes a generated Factur-X invoice through the real path; returns its id. */
  async function publish(tenantRow: TenantRow, spec: InvoiceSpec): Promise<string> {
    const result = await publishInvoice(deps, {
      tenant: tenantRow,
      bytes: await buildFacturX(facturX(spec)),
      actor,
    });
    return result.invoice.id;
  }

  /**
   * Many rows at once, copied from a published invoice (same customer, account, seller) with their own
   * number, issue date and amounts: enough for pagination without building thousands of PDFs.
   */
  async function cloneInvoices(
    templateId: string,
    rows: { number: string; issueDate: string; grandTotal: string; contract?: string | null }[],
  ) {
    if (rows.length === 0) return;
    await services.db.query(
      `insert into invoices (tenant_id, customer_id, account_id, contract_id, contract_number, invoice_number, seller_key, type_code,
                             issue_date, due_date, currency, grand_total, due_payable, tax_basis_total, tax_total, sha256, size_bytes,
                             published_at, available_until)
       select t.tenant_id, t.customer_id, t.account_id, null, coalesce(x.contract, t.contract_number), x.num, t.seller_key, t.type_code,
              x.d::date, x.d::date + 15, t.currency, x.total::numeric, x.total::numeric, round(x.total::numeric / 1.2, 2),
              x.total::numeric - round(x.total::numeric / 1.2, 2), t.sha256, t.size_bytes, t.published_at, t.available_until
         from invoices t, unnest($2::text[], $3::text[], $4::text[], $5::text[]) as x(num, d, total, contract)
        where t.id = $1`,
      [
        templateId,
        rows.map((r) => r.number),
        rows.map((r) => r.issueDate),
        rows.map((r) => r.grandTotal),
        rows.map((r) => r.contract ?? null),
      ],
    );
  }

  /** A browser-like client logged in to this account (a real session row, its cookie set). */
  async function login(tenantRow: TenantRow & { host: string }, accountId: string): Promise<WebClient> {
    await services.db.query(
      "update accounts set status = 'active', activated_at = coalesce(activated_at, now()) where id = $1",
      [accountId],
    );
    const cookie = await startSession(services.db, {
      tenantId: tenantRow.id,
      accountId,
      kind: "customer",
      ip: null,
      userAgent: "vitest",
      now: new Date(),
    });
    const client = new WebClient(app, tenantRow.host);
    client.cookies.set("efacture-session", cookie);
    return client;
  }

  return {
    services,
    app,
    tenant,
    customer,
    publish,
    cloneInvoices,
    login,
    async close() {
      await app.close();
      await services.dispose();
    },
  };
}

/** The invoice numbers of a list page, in order. */
export function listedNumbers(html: string): string[] {
  return [
    ...html.matchAll(
      /<th scope="row" class="inv-c-num"><a href="\/factures\/[0-9a-f-]{36}">([^<]*)<\/a><\/th>/g,
    ),
  ].map((m) => m[1]!);
}

/** The href of a link of the page (`rel="next"` / `rel="prev"`), HTML entities decoded. */
export function relLink(html: string, rel: "next" | "prev"): string | undefined {
  const match = new RegExp(`<a class="button secondary" href="([^"]+)" rel="${rel}"`).exec(html);
  return match?.[1]?.replaceAll("&amp;", "&");
}
