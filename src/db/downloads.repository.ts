import type { Sql } from "./database.js";

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

/**
 * Marks the invoices as downloaded when they never were: one conditional UPDATE, so of concurrent
 * downloads exactly one sees each id come back. Returns the ids marked now. An invoice whose date has
 * come by `at` is not marked (it is no longer offered, whatever the run has done yet).
 */
export async function markFirstDownloaded(
  sql: Sql,
  tenantId: string,
  accountId: string,
  invoiceIds: readonly string[],
  at: Date,
): Promise<string[]> {
  if (invoiceIds.length === 0) return [];
  const rows = await sql.query<{ id: string }>(
    `update invoices set first_downloaded_at = $4
      where tenant_id = $1 and account_id = $2 and id = any($3::uuid[])
        and first_downloaded_at is null and removed_at is null and available_until > $4
      returning id`,
    [tenantId, accountId, invoiceIds, at],
  );
  return rows.map((r) => r.id);
}

// A running ZIP is a lease row in `throttles` (key `zip-running:<account>`): it holds no connection, works
// on both engines and across web processes, and expires by itself if the process dies mid-archive.
const leaseKey = (accountId: string) => `zip-running:${accountId}`;

/** Takes the account's ZIP lease unless a live one exists; `token` identifies the holder. */
export async function acquireZipLease(
  sql: Sql,
  tenantId: string,
  accountId: string,
  token: number,
  now: Date,
  until: Date,
): Promise<boolean> {
  const rows = await sql.query(
    `insert into throttles (tenant_id, key, count, window_started_at, blocked_until) values ($1, $2, $3, $4, $5)
     on conflict (tenant_id, key) do update set count = $3, window_started_at = $4, blocked_until = $5
       where throttles.blocked_until is null or throttles.blocked_until <= $4
     returning key`,
    [tenantId, leaseKey(accountId), token, now, until],
  );
  return rows.length === 1;
}

/** Extends the lease while the archive is still being written; false when it was lost meanwhile. */
export async function renewZipLease(
  sql: Sql,
  tenantId: string,
  accountId: string,
  token: number,
  until: Date,
): Promise<boolean> {
  const rows = await sql.query(
    `update throttles set blocked_until = $4 where tenant_id = $1 and key = $2 and count = $3 returning key`,
    [tenantId, leaseKey(accountId), token, until],
  );
  return rows.length === 1;
}

export async function releaseZipLease(
  sql: Sql,
  tenantId: string,
  accountId: string,
  token: number,
): Promise<void> {
  await sql.query(`delete from throttles where tenant_id = $1 and key = $2 and count = $3`, [
    tenantId,
    leaseKey(accountId),
    token,
  ]);
}
