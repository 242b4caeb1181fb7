import type { TenantRow } from "../../src/db/tenants.repository.js";
import { upsertCustomer } from "../../src/domain/customers/upsert-customer.js";
import { publishInvoice } from "../../src/domain/invoices/publish-invoice.js";
import { buildFacturX, type FacturXInput } from "../../src/einvoice/index.js";
import type { openTestServices } from "./services.js";

type TestServices = Awaited<ReturnType<typeof openTestServices>>;

export const issuer = { type: "issuer" as const, id: "test" };

/** A Factur-X invoice for customer `buyerId` (EN 16931 profile, two lines). */
export function facturx(number: string, buyerId: string, options: Partial<FacturXInput> = {}): FacturXInput {
  return {
    invoiceNumber: number,
    typeCode: "380",
    issueDate: "2026-11-05",
    dueDate: "2026-12-05",
    currency: "EUR",
    contractNumber: undefined,
    paymentReference: `PAY-${number}`,
    seller: {
      name: "Acme Location SAS",
      siren: "443061841",
      vatId: "FR44443061841",
      address: { line1: "1 rue de la Paix", postcode: "75002", city: "Paris", countryCode: "FR" },
    },
    buyer: {
      name: `Client ${buyerId}`,
      id: buyerId,
      address: { line1: "2 rue B", postcode: "69001", city: "Lyon", countryCode: "FR" },
    },
    lines: [
      { description: "Loyer", quantity: "1", unitPrice: "1234.50", vatRatePercent: "20" },
      { description: "Assurance", quantity: "1", unitPrice: "10.00", vatRatePercent: "0" },
    ],
    ...options,
  };
}

/** Creates the customer (with an address, so an account) and publishes one invoice for it. */
export async function publishFor(
  services: TestServices,
  tenant: TenantRow,
  number: string,
  customerNumber: string,
  options: { email?: string; now?: Date } = {},
) {
  await upsertCustomer(services.db, {
    queue: services.queue,
    tenantId: tenant.id,
    customerNumber,
    name: `Client ${customerNumber}`,
    email: options.email ?? `${customerNumber.toLowerCase()}@example.com`,
    contracts: [],
    actor: issuer,
  });
  const bytes = Buffer.from(await buildFacturX(facturx(number, customerNumber)));
  const { invoice } = await publishInvoice(
    {
      db: services.db,
      blobs: services.blobs,
      queue: services.queue,
      maxPdfBytes: services.config.maxPdfBytes,
      now: options.now ? () => options.now! : undefined,
    },
    { tenant, bytes, actor: issuer },
  );
  return { id: invoice.id, sha256: invoice.sha256, bytes };
}
