import { PDFDocument } from "pdf-lib";
import type { Services } from "../src/app.js";
import { upsertCustomer } from "../src/domain/customers/upsert-customer.js";
import { publishInvoice } from "../src/domain/invoices/publish-invoice.js";
import { makeTenant } from "./support/factories.js";

// Shared set-up of the retention tests: tenants, customers with accounts in a chosen state, invoices
// published at a chosen instant through the real publication path.

const actor = { type: "issuer" as const, id: "test" };
type TenantRow = Awaited<ReturnType<typeof makeTenant>>;

/** A small PDF without Factur-X data whose bytes depend on `text` only (same text, same bytes). */
export async function plainPdf(text: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.addPage([200, 200]).drawText(text, { x: 20, y: 100, size: 10 });
  return doc.save({ useObjectStreams: false });
}

export function retentionFixture(services: Pick<Services, "db" | "blobs" | "queue" | "config">) {
  let seq = 0;

  async function tenant(slug: string, retentionMonths = 24): Promise<TenantRow> {
    return makeTenant(services.db, {
      slug,
      displayName: `Bailleur ${slug.toUpperCase()}`,
      retentionMonths,
    });
  }

  /** A customer and its account; `status` other than pending is set as if the customer had set a password. */
  async function customer(
    tenantRow: TenantRow,
    number: string,
    email: string,
    account: { status?: "pending" | "active" | "locked"; language?: "fr" | "en"; notify?: boolean } = {},
  ): Promise<{ customerNumber: string; accountId: string }> {
    const { customer: row } = await upsertCustomer(services.db, {
      queue: services.queue,
      tenantId: tenantRow.id,
      customerNumber: number,
      name: `Client ${number}`,
      email,
      actor,
    });
    const status = account.status ?? "active";
    await services.db.query(
      `update accounts set status = $2, password_hash = case when $2 = 'pending' then null else 'x' end,
              language = $3, notify_new_invoice = $4 where id = $1`,
      [row.accountId, status, account.language ?? "fr", account.notify ?? true],
    );
    return { customerNumber: number, accountId: row.accountId! };
  }

  /** Publishes a plain PDF (its own bytes unless `bytes` is given) at `publishedAt`; returns the invoice. */
  async function publish(
    tenantRow: TenantRow,
    customerNumber: string,
    publishedAt: Date,
    options: { number?: string; bytes?: Uint8Array } = {},
  ) {
    const number = options.number ?? `F-${++seq}`;
    const result = await publishInvoice(
      {
        db: services.db,
        blobs: services.blobs,
        queue: services.queue,
        maxPdfBytes: services.config.maxPdfBytes,
        now: () => publishedAt,
      },
      {
        tenant: tenantRow,
        bytes: options.bytes ?? (await plainPdf(`${tenantRow.slug} ${number}`)),
        metadata: {
          customerNumber,
          invoiceNumber: number,
          issueDate: "2024-01-05",
          grandTotal: "120.00",
          currency: "EUR",
        },
        actor,
      },
    );
    return result.invoice;
  }

  return { tenant, customer, publish };
}
