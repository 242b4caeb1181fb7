import type { Sql } from "./database.js";
import type { invoices as invoicesTable } from "./schema.js";

/** An invoice row as the schema types it (numeric as decimal strings, dates as `YYYY-MM-DD`). */
type Invoice = typeof invoicesTable.$inferSelect;

export type InvoiceRow = Pick<
  Invoice,
  | "id"
  | "tenantId"
  | "customerId"
  | "accountId"
  | "invoiceNumber"
  | "typeCode"
  | "issueDate"
  | "currency"
  | "grandTotal"
  | "sha256"
  | "sizeBytes"
  | "publishedAt"
  | "availableUntil"
>;

const COLUMNS = `id, tenant_id as "tenantId", customer_id as "customerId", account_id as "accountId",
  invoice_number as "invoiceNumber", type_code as "typeCode", issue_date as "issueDate", currency,
  grand_total as "grandTotal", sha256, size_bytes as "sizeBytes", published_at as "publishedAt", available_until as "availableUntil"`;

/** What a publication writes: every column but the id and those set later in the invoice's life. */
export type NewInvoice = Omit<
  Invoice,
  | "id"
  | "firstDownloadedAt"
  | "noticeQueuedAt"
  | "removedAt"
  | "reminderStep"
  | "blobDeletedAt"
  | "withdrawnAt"
  | "withdrawalReason"
  // Written by the validation job (src/domain/validation/validate-invoice.ts), after publication.
  | "validationRulesVersion"
  | "validationProfile"
  | "validationFindings"
  | "validatedAt"
>;

export type InvoiceKey = { sellerKey: string; invoiceNumber: string };

/** The live invoices of this tenant with these (seller, number) keys, in one query (a withdrawn one frees its number). */
export async function findInvoicesByNumbers(
  sql: Sql,
  tenantId: string,
  keys: InvoiceKey[],
): Promise<(InvoiceRow & { sellerKey: string; customerNumber: string })[]> {
  if (keys.length === 0) return [];
  return sql.query<InvoiceRow & { sellerKey: string; customerNumber: string }>(
    `select ${COLUMNS}, seller_key as "sellerKey",
            (select c.customer_number from customers c where c.id = invoices.customer_id) as "customerNumber"
       from invoices
      where tenant_id = $1 and withdrawn_at is null and (seller_key, invoice_number) in (select * from unnest($2::text[], $3::text[]))`,
    [tenantId, keys.map((k) => k.sellerKey), keys.map((k) => k.invoiceNumber)],
  );
}

const INSERT_COLUMNS = `tenant_id, customer_id, account_id, contract_id, contract_number, invoice_number, seller_key, type_code,
  issue_date, due_date, currency, grand_total, due_payable, tax_basis_total, tax_total, seller_name, seller_siren, seller_vat_id,
  buyer_name, buyer_id, buyer_siren, buyer_vat_id, payment_reference, profile, facts, findings, sha256, size_bytes, xml_sha256,
  published_at, available_until, processing_rule, processing_rule_source, validation_status, notice_queued_at`;

/**
 * Inserts the invoices whose (tenant, seller, number) is free, in one statement; returns those inserted
 * (an invoice missing from the answer exists already, or was inserted meanwhile by another transaction).
 * Rows go in key order, so concurrent batches take the unique index's locks in the same order.
 */
export async function insertInvoices(
  sql: Sql,
  invoices: (NewInvoice & { noticeQueuedAt?: Date | null })[],
): Promise<(InvoiceRow & { sellerKey: string })[]> {
  if (invoices.length === 0) return [];
  const sorted = [...invoices].sort((a, b) =>
    a.sellerKey === b.sellerKey
      ? a.invoiceNumber < b.invoiceNumber
        ? -1
        : a.invoiceNumber > b.invoiceNumber
          ? 1
          : 0
      : a.sellerKey < b.sellerKey
        ? -1
        : 1,
  );
  const params: unknown[] = [];
  const rows = sorted.map((invoice) => {
    const values = [
      invoice.tenantId,
      invoice.customerId,
      invoice.accountId,
      invoice.contractId,
      invoice.contractNumber,
      invoice.invoiceNumber,
      invoice.sellerKey,
      invoice.typeCode,
      invoice.issueDate,
      invoice.dueDate,
      invoice.currency,
      invoice.grandTotal,
      invoice.duePayable,
      invoice.taxBasisTotal,
      invoice.taxTotal,
      invoice.sellerName,
      invoice.sellerSiren,
      invoice.sellerVatId,
      invoice.buyerName,
      invoice.buyerId,
      invoice.buyerSiren,
      invoice.buyerVatId,
      invoice.paymentReference,
      invoice.profile,
      JSON.stringify(invoice.facts),
      JSON.stringify(invoice.findings),
      invoice.sha256,
      invoice.sizeBytes,
      invoice.xmlSha256,
      invoice.publishedAt,
      invoice.availableUntil,
      invoice.processingRule,
      invoice.processingRuleSource,
      invoice.validationStatus,
      invoice.noticeQueuedAt ?? null,
    ];
    const base = params.length;
    params.push(...values);
    return `(${values.map((_, i) => `$${base + i + 1}`).join(",")})`;
  });
  return sql.query<InvoiceRow & { sellerKey: string }>(
    `insert into invoices (${INSERT_COLUMNS}) values ${rows.join(",")}
     on conflict (tenant_id, seller_key, invoice_number) where withdrawn_at is null do nothing
     returning ${COLUMNS}, seller_key as "sellerKey"`,
    params,
  );
}

/** Lifecycle events of several invoices, in one statement. */
export async function insertInvoiceEvents(
  sql: Sql,
  events: { tenantId: string; invoiceId: string; code: number; actor: string; at: Date }[],
): Promise<void> {
  if (events.length === 0) return;
  const params: unknown[] = [];
  const rows = events.map((event) => {
    const base = params.length;
    params.push(event.tenantId, event.invoiceId, event.code, event.actor, event.at);
    return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5})`;
  });
  await sql.query(
    `insert into invoice_events (tenant_id, invoice_id, code, actor, at) values ${rows.join(",")}`,
    params,
  );
}

/** Of these accounts, those that already had an activation mail queued at their current address. */
export async function accountsWithActivationSent(
  sql: Sql,
  tenantId: string,
  accounts: { accountId: string; address: string }[],
): Promise<Set<string>> {
  if (accounts.length === 0) return new Set();
  const rows = await sql.query<{ accountId: string }>(
    `select distinct account_id as "accountId" from mails
      where tenant_id = $1 and kind = 'activation'
        and (account_id, to_address) in (select * from unnest($2::uuid[], $3::text[]))`,
    [tenantId, accounts.map((a) => a.accountId), accounts.map((a) => a.address)],
  );
  return new Set(rows.map((r) => r.accountId));
}

/** An invoice as a withdrawal reads and leaves it. */
export type WithdrawnInvoiceRow = Pick<
  Invoice,
  | "id"
  | "invoiceNumber"
  | "typeCode"
  | "issueDate"
  | "grandTotal"
  | "currency"
  | "customerId"
  | "accountId"
  | "sha256"
  | "firstDownloadedAt"
  | "noticeQueuedAt"
> & {
  customerNumber: string;
  removedAt: Date;
  withdrawnAt: Date;
  withdrawalReason: string;
};

const WITHDRAWN_COLUMNS = `i.id, i.invoice_number as "invoiceNumber", i.type_code as "typeCode", i.issue_date as "issueDate",
  i.grand_total as "grandTotal", i.currency, i.customer_id as "customerId",
  (select c.customer_number from customers c where c.id = i.customer_id and c.tenant_id = i.tenant_id) as "customerNumber",
  i.account_id as "accountId", i.sha256, i.first_downloaded_at as "firstDownloadedAt", i.notice_queued_at as "noticeQueuedAt",
  i.removed_at as "removedAt", i.withdrawn_at as "withdrawnAt", i.withdrawal_reason as "withdrawalReason"`;

/**
 * Withdraws a live (or retention-removed) invoice: withdrawn_at and the reason set, removed_at set unless the
 * retention run set it already. Undefined when there is no such invoice or it was withdrawn before
 * (`findWithdrawal` tells which).
 */
export async function markInvoiceWithdrawn(
  sql: Sql,
  input: { tenantId: string; invoiceId: string; reason: string; at: Date },
): Promise<WithdrawnInvoiceRow | undefined> {
  const [row] = await sql.query<WithdrawnInvoiceRow>(
    `update invoices i set withdrawn_at = $3, withdrawal_reason = $4, removed_at = coalesce(i.removed_at, $3)
      where i.tenant_id = $1 and i.id = $2 and i.withdrawn_at is null
      returning ${WITHDRAWN_COLUMNS}`,
    [input.tenantId, input.invoiceId, input.at, input.reason],
  );
  return row;
}

/** The invoice with its withdrawal fields (null when it is not withdrawn), or undefined when there is none. */
export async function findWithdrawal(
  sql: Sql,
  tenantId: string,
  invoiceId: string,
): Promise<
  | (Omit<WithdrawnInvoiceRow, "removedAt" | "withdrawnAt" | "withdrawalReason"> & {
      removedAt: Date | null;
      withdrawnAt: Date | null;
      withdrawalReason: string | null;
    })
  | undefined
> {
  const [row] = await sql.query<never>(
    `select ${WITHDRAWN_COLUMNS} from invoices i where i.tenant_id = $1 and i.id = $2`,
    [tenantId, invoiceId],
  );
  return row;
}

/** An invoice as its proof bundle shows it, with its customer number and its tenant's name. */
export type ProofInvoiceRow = Pick<
  Invoice,
  | "id"
  | "invoiceNumber"
  | "issueDate"
  | "typeCode"
  | "currency"
  | "grandTotal"
  | "taxBasisTotal"
  | "taxTotal"
  | "sellerName"
  | "buyerName"
  | "customerId"
  | "accountId"
  | "sha256"
  | "sizeBytes"
  | "xmlSha256"
  | "publishedAt"
  | "availableUntil"
  | "firstDownloadedAt"
  | "removedAt"
> & { customerNumber: string; tenantSlug: string; tenantName: string };

/** One invoice of the tenant for its proof bundle (its account: the invoice's, else its customer's). */
export async function findInvoiceForProof(
  sql: Sql,
  tenantId: string,
  invoiceId: string,
): Promise<ProofInvoiceRow | undefined> {
  const [invoice] = await sql.query<ProofInvoiceRow>(
    `select i.id, i.invoice_number as "invoiceNumber", i.issue_date as "issueDate", i.type_code as "typeCode",
            i.currency, i.grand_total as "grandTotal", i.tax_basis_total as "taxBasisTotal", i.tax_total as "taxTotal",
            i.seller_name as "sellerName", i.buyer_name as "buyerName", c.customer_number as "customerNumber",
            i.customer_id as "customerId", coalesce(i.account_id, c.account_id) as "accountId", i.sha256, i.size_bytes as "sizeBytes", i.xml_sha256 as "xmlSha256", i.published_at as "publishedAt",
            i.available_until as "availableUntil", i.first_downloaded_at as "firstDownloadedAt", i.removed_at as "removedAt",
            t.slug as "tenantSlug", t.display_name as "tenantName"
       from invoices i join customers c on c.id = i.customer_id join tenants t on t.id = i.tenant_id
      where i.tenant_id = $1 and i.id = $2`,
    [tenantId, invoiceId],
  );
  return invoice;
}

/**
 * The ids of the records linked to an account (or, without one, to a customer): its customers, their
 * invoices and their mails. Reads customers and mails too: the three share the customers subquery.
 */
export async function listAccountRecordIds(
  sql: Sql,
  tenantId: string,
  accountId: string | null,
  customerId: string,
): Promise<{ customerIds: string[]; invoiceIds: string[]; mailIds: string[] }> {
  const ids = async (query: string) =>
    (await sql.query<{ id: string }>(query, [tenantId, accountId, customerId])).map((r) => String(r.id));
  const customers = `select id from customers where tenant_id = $1 and (account_id = $2 or id = $3)`;
  return {
    customerIds: await ids(customers),
    invoiceIds: await ids(
      `select id from invoices where tenant_id = $1 and (account_id = $2 or customer_id in (${customers}))`,
    ),
    mailIds: await ids(
      `select id from mails where tenant_id = $1 and (account_id = $2 or customer_id in (${customers}))`,
    ),
  };
}

/** One page of the distinct blobs of the live invoices (all tenants, or one), by SHA-256 after `after`. */
export async function listLiveInvoiceBlobs(
  sql: Sql,
  input: { after: string; limit: number; tenantId?: string },
): Promise<{ sha256: string; sizeBytes: number; invoices: number }[]> {
  const { after, limit, tenantId } = input;
  return sql.query<{ sha256: string; sizeBytes: number; invoices: number }>(
    `select sha256, size_bytes as "sizeBytes", count(*)::int as invoices from invoices
      where removed_at is null and sha256 > $1 ${tenantId ? "and tenant_id = $3" : ""}
      group by sha256, size_bytes order by sha256 limit $2`,
    tenantId ? [after, limit, tenantId] : [after, limit],
  );
}

/** The live invoices (at most 20) holding these bytes, named by tenant slug and number. */
export async function listLiveInvoicesWithBlob(
  sql: Sql,
  sha256: string,
  tenantId?: string,
): Promise<{ tenant: string; invoiceNumber: string; id: string }[]> {
  return sql.query(
    `select t.slug as tenant, i.invoice_number as "invoiceNumber", i.id from invoices i join tenants t on t.id = i.tenant_id
      where i.sha256 = $1 and i.removed_at is null ${tenantId ? "and i.tenant_id = $2" : ""} order by t.slug, i.invoice_number limit 20`,
    tenantId ? [sha256, tenantId] : [sha256],
  );
}

/** An invoice as the « liste récapitulative » lists it, with its customer's number and name. */
export type RecapInvoiceRow = Pick<
  Invoice,
  | "id"
  | "invoiceNumber"
  | "typeCode"
  | "issueDate"
  | "taxBasisTotal"
  | "taxTotal"
  | "grandTotal"
  | "currency"
  | "sha256"
  | "publishedAt"
  | "firstDownloadedAt"
  | "removedAt"
  | "withdrawnAt"
  | "withdrawalReason"
> & { customerNumber: string; customerName: string };

/** One page of the invoices a tenant published in [from, to), in publication order, after the key `after`. */
export async function listPublishedInvoicesPage(
  sql: Sql,
  input: { tenantId: string; from: Date; to: Date },
  after: { publishedAt: Date; id: string } | undefined,
  limit: number,
): Promise<RecapInvoiceRow[]> {
  return sql.query<RecapInvoiceRow>(
    `select i.id, i.invoice_number as "invoiceNumber", i.type_code as "typeCode", i.issue_date as "issueDate", c.customer_number as "customerNumber",
            c.name as "customerName", i.tax_basis_total as "taxBasisTotal", i.tax_total as "taxTotal",
            i.grand_total as "grandTotal", i.currency, i.sha256, i.published_at as "publishedAt",
            i.first_downloaded_at as "firstDownloadedAt", i.removed_at as "removedAt",
            i.withdrawn_at as "withdrawnAt", i.withdrawal_reason as "withdrawalReason"
       from invoices i join customers c on c.id = i.customer_id
      where i.tenant_id = $1 and i.published_at >= $2 and i.published_at < $3
        and ($4::timestamptz is null or (i.published_at, i.id) > ($4::timestamptz, $5::uuid))
      order by i.published_at, i.id limit $6`,
    [input.tenantId, input.from, input.to, after?.publishedAt ?? null, after?.id ?? null, limit],
  );
}

/** An invoice as the new-invoice digest lists it. */
export type UnannouncedInvoiceRow = Pick<
  Invoice,
  "id" | "invoiceNumber" | "typeCode" | "issueDate" | "grandTotal" | "currency"
>;

/** The live invoices of an account that no digest has announced yet, newest first. */
export async function listUnannouncedInvoices(
  sql: Sql,
  tenantId: string,
  accountId: string,
): Promise<UnannouncedInvoiceRow[]> {
  return sql.query<UnannouncedInvoiceRow>(
    `select id, invoice_number as "invoiceNumber", type_code as "typeCode", issue_date as "issueDate",
            grand_total as "grandTotal", currency
       from invoices
      where tenant_id = $1 and account_id = $2 and notice_queued_at is null and removed_at is null
      order by issue_date desc, id desc`,
    [tenantId, accountId],
  );
}

/** Records that a digest announcing these invoices was queued. */
export async function markInvoicesAnnounced(sql: Sql, tenantId: string, ids: string[]): Promise<void> {
  await sql.query(
    "update invoices set notice_queued_at = now() where tenant_id = $1 and id = any($2::uuid[])",
    [tenantId, ids],
  );
}

/** How many of the customer's invoices are still on the portal. */
export async function countLiveInvoicesOfCustomer(sql: Sql, tenantId: string, customerId: string) {
  const [row] = await sql.query<{ n: number }>(
    "select count(*)::int as n from invoices where tenant_id = $1 and customer_id = $2 and removed_at is null",
    [tenantId, customerId],
  );
  return row?.n ?? 0;
}

/** The account id is kept on invoice rows for the list index: it follows the customer to its new account. */
export async function moveCustomerInvoicesToAccount(
  sql: Sql,
  tenantId: string,
  customerId: string,
  accountId: string | null,
): Promise<void> {
  await sql.query("update invoices set account_id = $3 where tenant_id = $1 and customer_id = $2", [
    tenantId,
    customerId,
    accountId,
  ]);
}

/** Marks every invoice of the tenant not yet announced as announced at its publication (no digest for history). */
export async function markAllInvoicesAnnounced(sql: Sql, tenantId: string): Promise<void> {
  await sql.query(
    "update invoices set notice_queued_at = published_at where tenant_id = $1 and notice_queued_at is null",
    [tenantId],
  );
}
