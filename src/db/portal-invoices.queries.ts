import { CREDIT_NOTE_TYPE_CODES } from "../einvoice/document-types.js";
import type { Sql } from "./database.js";
import { DUPLICATA_ROUTES } from "./pa-views.queries.js";

// The customer portal's reads of an account's invoices. Every query takes the tenant and the account
// (docs/security.md A1, A2) and reads through invoices_account_list_idx (tenant_id, account_id, issue_date
// desc, id desc): the account id is kept on the invoice row, so the cost never depends on how many
// customer numbers the account holds (docs/performance.md).

/** An invoice as the portal lists and exports it. Money as decimal strings, dates as `YYYY-MM-DD`. */
export interface PortalInvoiceRow {
  id: string;
  invoiceNumber: string;
  typeCode: string;
  issueDate: string;
  dueDate: string | null;
  contractNumber: string | null;
  customerNumber: string;
  currency: string;
  /** Total excluding VAT. */
  taxBasisTotal: string | null;
  taxTotal: string | null;
  /** Total including VAT. */
  grandTotal: string;
  duePayable: string | null;
  sha256: string;
  sizeBytes: number;
  publishedAt: Date;
  availableUntil: Date;
  firstDownloadedAt: Date | null;
  removedAt: Date | null;
}

/** What one line of the list page shows: the fields the page needs and no more (every field costs parsing). */
export type PortalInvoiceListRow = PortalInvoiceListFields & {
  /** With `withFile` only: the stored PDF's SHA-256 and the seller's name (its download name). */
  sha256?: string;
  sellerName?: string | null;
  /**
   * Its portal copy is a duplicata (B2B route or sent to a platform, `isDuplicata` in pa-views.queries.ts);
   * read with the row (`listAccountInvoicePage`), absent on rows made elsewhere.
   */
  duplicata?: boolean;
};

type PortalInvoiceListFields = Pick<
  PortalInvoiceRow,
  | "id"
  | "invoiceNumber"
  | "typeCode"
  | "issueDate"
  | "contractNumber"
  | "customerNumber"
  | "currency"
  | "grandTotal"
  | "availableUntil"
  | "firstDownloadedAt"
  | "removedAt"
>;

/**
 * What narrows and orders an account's invoice list (list page, CSV export, bulk ZIP); the web layer reads it
 * from the URL (`src/http/invoice-filters.ts`).
 */
export interface AccountInvoiceFilters {
  /** Issue date range, `YYYY-MM-DD`, both inclusive. */
  from?: string;
  to?: string;
  /** Exact contract number (case-insensitive). */
  contract?: string;
  /** One customer number of the account. */
  customer?: string;
  type?: "380" | "381";
  /** Never downloaded and still on the portal. */
  notDownloaded?: boolean;
  /** Still on the portal and leaving it within this many days. */
  leavingWithinDays?: number;
  /** Part of an invoice number or of a contract number, case-insensitive. */
  q?: string;
  sort: "date_desc" | "date_asc" | "amount_desc" | "amount_asc";
}

/** A position in the list: the sort key (issue date `YYYY-MM-DD` or amount) and the row id. */
export interface InvoiceCursor {
  key: string;
  id: string;
}

/**
 * `after`: rows that follow this position in the list order; `before`: the rows just before it (the
 * `limit` nearest ones), still returned in list order.
 */
export interface InvoicePageRequest {
  limit: number;
  after?: InvoiceCursor;
  before?: InvoiceCursor;
  /**
   * Also read what names a row's stored file (`sha256`, `sellerName`): asked only when the page signs download
   * links into itself (DOWNLOAD_OFFLOAD=nginx-signed, src/http/page-download-links.ts), so that the list
   * costs nothing more otherwise.
   */
  withFile?: boolean;
}

// An invoice whose date has come is gone for the customer even before the retention run (03:00) writes
// removed_at: it reads as removed on that date, so every page and download treats it as a tombstone.
// `$NOW` is the reader's clock (the run's clock decides the same way: available_until <= now).
const EFFECTIVE_REMOVED_AT =
  "coalesce(i.removed_at, case when i.available_until <= $NOW::timestamptz then i.available_until end)";

const COLUMNS = `i.id, i.invoice_number as "invoiceNumber", i.type_code as "typeCode", i.issue_date as "issueDate",
  i.due_date as "dueDate", i.contract_number as "contractNumber",
  (select c.customer_number from customers c where c.id = i.customer_id and c.tenant_id = i.tenant_id) as "customerNumber", i.currency,
  i.tax_basis_total as "taxBasisTotal", i.tax_total as "taxTotal", i.grand_total as "grandTotal",
  i.due_payable as "duePayable", i.sha256, i.size_bytes as "sizeBytes", i.published_at as "publishedAt",
  i.available_until as "availableUntil", i.first_downloaded_at as "firstDownloadedAt", ${EFFECTIVE_REMOVED_AT} as "removedAt"`;

const LIST_COLUMNS = `i.id, i.invoice_number as "invoiceNumber", i.type_code as "typeCode", i.issue_date as "issueDate",
  i.contract_number as "contractNumber",
  (select c.customer_number from customers c where c.id = i.customer_id and c.tenant_id = i.tenant_id) as "customerNumber",
  i.currency, i.grand_total as "grandTotal", i.available_until as "availableUntil",
  i.first_downloaded_at as "firstDownloadedAt", ${EFFECTIVE_REMOVED_AT} as "removedAt",
  (coalesce(i.processing_rule = any(array[${DUPLICATA_ROUTES.map((r) => `'${r}'`).join(", ")}]::text[]), false)
    or exists (select 1 from pa_transmissions t where t.invoice_id = i.id and t.tenant_id = i.tenant_id)) as "duplicata"`;

const LIST_FILE_COLUMNS = `, i.sha256, i.seller_name as "sellerName"`;

/** A lazily pushed `$n::timestamptz` parameter for `now`: a parameter never used must not be sent (PostgreSQL cannot type it). */
function nowParam(params: unknown[], now: Date): () => string {
  let ref: string | undefined;
  return () => {
    ref ??= `$${params.push(now)}::timestamptz`;
    return ref;
  };
}

const ORDER: Record<AccountInvoiceFilters["sort"], { column: string; cast: string; desc: boolean }> = {
  date_desc: { column: "i.issue_date", cast: "date", desc: true },
  date_asc: { column: "i.issue_date", cast: "date", desc: false },
  amount_desc: { column: "i.grand_total", cast: "numeric", desc: true },
  amount_asc: { column: "i.grand_total", cast: "numeric", desc: false },
};

/** `%`, `_` and `\` taken literally inside an ILIKE pattern. */
function likeContains(value: string): string {
  return `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The WHERE conditions of the filters; `params` starts with [tenantId, accountId] and receives the values.
 * `now` is the parameter holding the reader's clock (pushed the first time a condition needs it).
 */
function whereOf(filters: AccountInvoiceFilters, params: unknown[], now: () => string): string[] {
  const add = (value: unknown) => `$${params.push(value)}`;
  // A withdrawn invoice (issue #13 item 9: published to the wrong customer) is not in the list at all.
  const where = ["i.tenant_id = $1", "i.account_id = $2", "i.withdrawn_at is null"];
  if (filters.from !== undefined) where.push(`i.issue_date >= ${add(filters.from)}::date`);
  if (filters.to !== undefined) where.push(`i.issue_date <= ${add(filters.to)}::date`);
  if (filters.contract !== undefined)
    where.push(`upper(i.contract_number) = upper(${add(filters.contract)})`);
  // Resolved once (an InitPlan), and only among the account's own customer numbers.
  if (filters.customer !== undefined)
    where.push(
      `i.customer_id = (select k.id from customers k where k.tenant_id = $1 and k.account_id = $2 and k.customer_number = ${add(filters.customer)})`,
    );
  // "Avoir" is every credit-note type (381, 261, 396…), "Facture" every other one: the labels the list shows.
  if (filters.type !== undefined)
    where.push(
      `${filters.type === "381" ? "" : "not "}(i.type_code = any(${add([...CREDIT_NOTE_TYPE_CODES])}::text[]))`,
    );
  // "Still online" is removed_at null AND the date not yet come (the run may not have caught up).
  if (filters.notDownloaded)
    where.push(`i.first_downloaded_at is null and i.removed_at is null and i.available_until > ${now()}`);
  if (filters.leavingWithinDays !== undefined) {
    const at = now();
    where.push(
      `i.removed_at is null and i.available_until > ${at} and i.available_until < ${at} + make_interval(days => ${add(filters.leavingWithinDays)}::int)`,
    );
  }
  if (filters.q !== undefined) {
    const pattern = add(likeContains(filters.q));
    where.push(
      `(i.invoice_number ilike ${pattern} escape '\\' or i.contract_number ilike ${pattern} escape '\\')`,
    );
  }
  return where;
}

/**
 * One page of the account's invoices matching the filters, in the filters' order. With the date orders
 * this is one range scan of invoices_account_list_idx (forwards or backwards), stopped after `limit`
 * matching rows; the customer number is looked up (customers_pkey) for the rows returned only, after the
 * limit, so no join can turn the plan into a scan of the tenant's customers. The amount orders read the
 * account's range of the same index and keep the top `limit`.
 */
export async function listAccountInvoices(
  sql: Sql,
  tenantId: string,
  accountId: string,
  filters: AccountInvoiceFilters,
  page: InvoicePageRequest,
  now: Date = new Date(),
): Promise<PortalInvoiceRow[]> {
  return selectAccountInvoices<PortalInvoiceRow>(COLUMNS, sql, tenantId, accountId, filters, page, now);
}

/** `listAccountInvoices` with only the fields of the list page (`PortalInvoiceListRow`). */
export async function listAccountInvoicePage(
  sql: Sql,
  tenantId: string,
  accountId: string,
  filters: AccountInvoiceFilters,
  page: InvoicePageRequest,
  now: Date = new Date(),
): Promise<PortalInvoiceListRow[]> {
  return selectAccountInvoices<PortalInvoiceListRow>(
    page.withFile ? LIST_COLUMNS + LIST_FILE_COLUMNS : LIST_COLUMNS,
    sql,
    tenantId,
    accountId,
    filters,
    page,
    now,
  );
}

async function selectAccountInvoices<R>(
  columns: string,
  sql: Sql,
  tenantId: string,
  accountId: string,
  filters: AccountInvoiceFilters,
  page: InvoicePageRequest,
  now: Date,
): Promise<R[]> {
  const params: unknown[] = [tenantId, accountId];
  const at = nowParam(params, now);
  const select = columns.replace("$NOW::timestamptz", at());
  const where = whereOf(filters, params, at);
  const order = ORDER[filters.sort];
  const backwards = page.before !== undefined;
  const cursor = page.before ?? page.after;
  // Reading backwards flips the order; the rows are put back in list order below.
  const desc = order.desc !== backwards;
  if (cursor) {
    const key = `$${params.push(cursor.key)}::${order.cast}`;
    const id = `$${params.push(cursor.id)}::uuid`;
    where.push(`(${order.column}, i.id) ${desc ? "<" : ">"} (${key}, ${id})`);
  }
  // invoices_account_list_idx is (issue_date DESC NULLS LAST, id DESC NULLS LAST) (drizzle writes NULLS LAST):
  // the ORDER BY must say the same, or PostgreSQL reads the whole account and sorts it. The columns are
  // NOT NULL, so the NULLS clause changes nothing else.
  const direction = desc ? "desc nulls last" : "asc nulls first";
  const rows = await sql.query<R>(
    `select ${select}
       from invoices i
      where ${where.join(" and ")}
      order by ${order.column} ${direction}, i.id ${direction}
      limit $${params.push(page.limit)}`,
    params,
    // A bounded set of texts (the filters given, the order, the direction): each prepared once per connection.
    { prepare: true },
  );
  return backwards ? rows.reverse() : rows;
}

/**
 * Every invoice of the account matching the filters, in list order, read in keyset batches of
 * `batchSize`: memory stays flat whatever the account holds (CSV export, bulk ZIP).
 */
export async function* iterateAccountInvoices(
  sql: Sql,
  tenantId: string,
  accountId: string,
  filters: AccountInvoiceFilters,
  batchSize = 500,
  now: Date = new Date(),
): AsyncGenerator<PortalInvoiceRow> {
  // One clock for every batch: an invoice cannot change sides halfway through an export.
  const keyOf = filters.sort.startsWith("date")
    ? (row: PortalInvoiceRow) => row.issueDate
    : (row: PortalInvoiceRow) => row.grandTotal;
  let after: InvoiceCursor | undefined;
  for (;;) {
    const rows = await listAccountInvoices(
      sql,
      tenantId,
      accountId,
      filters,
      { limit: batchSize, after },
      now,
    );
    yield* rows;
    const last = rows.at(-1);
    if (!last || rows.length < batchSize) return;
    after = { key: keyOf(last), id: last.id };
  }
}

/** How many invoices of the account match the filters. */
export async function countAccountInvoices(
  sql: Sql,
  tenantId: string,
  accountId: string,
  filters: AccountInvoiceFilters,
  now: Date = new Date(),
  /** Only those whose file is still on the portal (not removed at the end of retention): what a ZIP holds. */
  downloadableOnly = false,
): Promise<number> {
  const params: unknown[] = [tenantId, accountId];
  const nowRef = nowParam(params, now);
  const where = whereOf(filters, params, nowRef);
  // The same test as the list's tombstones (EFFECTIVE_REMOVED_AT): a date already come counts as removed.
  if (downloadableOnly)
    where.push(`(${EFFECTIVE_REMOVED_AT.replace("$NOW::timestamptz", nowRef())}) is null`);
  const [row] = await sql.query<{ n: number }>(
    `select count(*)::int as n from invoices i where ${where.join(" and ")}`,
    params,
  );
  return row?.n ?? 0;
}

/** The account's oldest and newest issue dates (null when it has no invoice): two probes of the list index. */
export async function findAccountIssueDateRange(
  sql: Sql,
  tenantId: string,
  accountId: string,
): Promise<{ oldest: string | null; newest: string | null }> {
  const [row] = await sql.query<{ oldest: string | null; newest: string | null }>(
    `select min(issue_date) as oldest, max(issue_date) as newest from invoices where tenant_id = $1 and account_id = $2`,
    [tenantId, accountId],
  );
  return row ?? { oldest: null, newest: null };
}

/** Invoices never downloaded, still on the portal (date not come), that leave it within `days` of `now`: how many, and between which dates (both after `now`). */
export interface LeavingSoon {
  count: number;
  first: Date | null;
  last: Date | null;
}

/**
 * The leaving-soon banner: a range of invoices_account_leaving_idx (tenant_id, account_id, available_until,
 * partial on never-downloaded invoices still online), so a few index entries whatever the account holds.
 */
export async function summarizeLeavingSoon(
  sql: Sql,
  tenantId: string,
  accountId: string,
  days: number,
  now: Date = new Date(),
): Promise<LeavingSoon> {
  // Bounded on both sides: a date already come (the run not caught up yet) is never announced as coming.
  const [row] = await sql.query<LeavingSoon>(
    `select count(*)::int as count, min(available_until) as first, max(available_until) as last
       from invoices
      where tenant_id = $1 and account_id = $2
        and first_downloaded_at is null and removed_at is null
        and available_until > $4::timestamptz and available_until < $4::timestamptz + make_interval(days => $3::int)`,
    [tenantId, accountId, days, now],
  );
  return row ?? { count: 0, first: null, last: null };
}

/** The customer numbers linked to the account, in order; at most `limit` of them. */
export async function listAccountCustomerNumbers(
  sql: Sql,
  tenantId: string,
  accountId: string,
  limit = 10_000,
): Promise<string[]> {
  const rows = await sql.query<{ customerNumber: string }>(
    `select customer_number as "customerNumber" from customers where tenant_id = $1 and account_id = $2 order by customer_number limit $3`,
    [tenantId, accountId, limit],
  );
  return rows.map((r) => r.customerNumber);
}
