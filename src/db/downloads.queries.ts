import type { Sql } from "./database.js";

// Named READ queries for the invoice detail page and the downloads (src/http may import them); the writes
// a download makes (first download, ZIP lease) are in downloads.repository.ts, called by the domain only.

/** One invoice as the detail page and the downloads need it. */
export interface InvoiceDetailRow {
  id: string;
  customerNumber: string;
  contractNumber: string | null;
  invoiceNumber: string;
  typeCode: string;
  issueDate: string;
  dueDate: string | null;
  currency: string;
  grandTotal: string;
  duePayable: string | null;
  taxBasisTotal: string | null;
  taxTotal: string | null;
  sellerName: string | null;
  sellerSiren: string | null;
  sellerVatId: string | null;
  buyerName: string | null;
  buyerId: string | null;
  buyerSiren: string | null;
  buyerVatId: string | null;
  paymentReference: string | null;
  profile: string | null;
  facts: Record<string, unknown>;
  sha256: string;
  sizeBytes: number;
  xmlSha256: string | null;
  publishedAt: Date;
  availableUntil: Date;
  firstDownloadedAt: Date | null;
  removedAt: Date | null;
  /** Set when the issuer withdrew it (wrong customer): its pages answer 410 and show none of its facts. */
  withdrawnAt: Date | null;
}

export interface InvoiceEventRow {
  code: number;
  at: Date;
  actor: string;
}

const DETAIL_COLUMNS = `i.id, c.customer_number as "customerNumber", i.contract_number as "contractNumber",
  i.invoice_number as "invoiceNumber", i.type_code as "typeCode", i.issue_date as "issueDate", i.due_date as "dueDate",
  i.currency, i.grand_total as "grandTotal", i.due_payable as "duePayable", i.tax_basis_total as "taxBasisTotal",
  i.tax_total as "taxTotal", i.seller_name as "sellerName", i.seller_siren as "sellerSiren", i.seller_vat_id as "sellerVatId",
  i.buyer_name as "buyerName", i.buyer_id as "buyerId", i.buyer_siren as "buyerSiren", i.buyer_vat_id as "buyerVatId",
  i.payment_reference as "paymentReference", i.profile, i.facts, i.sha256, i.size_bytes as "sizeBytes",
  i.xml_sha256 as "xmlSha256", i.published_at as "publishedAt", i.available_until as "availableUntil",
  i.first_downloaded_at as "firstDownloadedAt", i.withdrawn_at as "withdrawnAt",
  coalesce(i.removed_at, case when i.available_until <= $NOW::timestamptz then i.available_until end) as "removedAt"`;

// An invoice whose date has come reads as removed on that date even before the retention run (03:00)
// writes removed_at: the detail page says it has left, and PDF, XML, proof and ZIP give 410 / leave it out.
const detailColumns = (now: string) => DETAIL_COLUMNS.replace("$NOW::timestamptz", `${now}::timestamptz`);

/**
 * The invoice if this account may see it: same tenant and linked to the account (invoices.account_id is
 * kept in step with the customer's account by upsertCustomer, the rule the list uses too).
 */
export async function findInvoiceForAccount(
  sql: Sql,
  tenantId: string,
  accountId: string,
  invoiceId: string,
  now: Date = new Date(),
): Promise<InvoiceDetailRow | undefined> {
  const [row] = await sql.query<InvoiceDetailRow>(
    `select ${detailColumns("$4")}
       from invoices i join customers c on c.id = i.customer_id
      where i.tenant_id = $1 and i.account_id = $2 and i.id = $3`,
    [tenantId, accountId, invoiceId, now],
    { prepare: true },
  );
  return row;
}

/** Of these ids, the invoices this account may see, in list order (newest issue date first). */
export async function findInvoicesForAccount(
  sql: Sql,
  tenantId: string,
  accountId: string,
  invoiceIds: readonly string[],
  now: Date = new Date(),
): Promise<InvoiceDetailRow[]> {
  if (invoiceIds.length === 0) return [];
  return sql.query<InvoiceDetailRow>(
    `select ${detailColumns("$4")}
       from invoices i join customers c on c.id = i.customer_id
      where i.tenant_id = $1 and i.account_id = $2 and i.id = any($3::uuid[])
      order by i.issue_date desc, i.id desc`,
    [tenantId, accountId, invoiceIds, now],
  );
}

/** The lifecycle history of one invoice, oldest first. */
export async function listInvoiceEvents(
  sql: Sql,
  tenantId: string,
  invoiceId: string,
): Promise<InvoiceEventRow[]> {
  return sql.query<InvoiceEventRow>(
    `select code, at, actor from invoice_events where tenant_id = $1 and invoice_id = $2 order by at, id`,
    [tenantId, invoiceId],
    { prepare: true },
  );
}
