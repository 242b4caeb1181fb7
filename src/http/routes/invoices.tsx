import { Readable } from "node:stream";
import type { Services } from "../../app.js";
import {
  type InvoiceCursor,
  iterateAccountInvoices,
  listAccountInvoicePage,
  type PortalInvoiceListRow,
} from "../../db/portal-invoices.queries.js";
import { createInvoiceListSummaries } from "../../domain/invoices/invoice-list-summary.js";
import { DomainError } from "../../domain/shared/errors.js";
import type { Messages } from "../../i18n/index.js";
import { requestUi } from "../../i18n/request-locale.js";
import type { CustomerAuth } from "../customer-auth.js";
import { type CsvFlavour, invoiceCsv } from "../invoice-csv.js";
import {
  FILTER_PARAMS,
  filtersToQuery,
  formatCursor,
  hasFilters,
  type InvoiceFilters,
  LEAVING_SOON_DAYS,
  parseCursor,
  parseInvoiceFilters,
} from "../invoice-filters.js";
import { pageDownloadLinks } from "../page-download-links.js";
import type { TenantScope } from "../tenant-scope.js";
import {
  CUSTOMER_SELECT_MAX,
  InvoiceListErrorPage,
  InvoicesPage,
  ZIP_MAX_FILES,
} from "../views/invoices.view.js";

const PAGE_SIZE = 50;

const noStore = { "cache-control": "no-store" };

type Query = Record<string, unknown>;

/** The customer's invoice list (`GET /factures`, home after login) and its CSV export. */
export async function invoiceRoutes(
  app: TenantScope,
  services: Services,
  auth: CustomerAuth,
  options: { zipMaxFiles?: number } = {},
) {
  const page = { preHandler: [auth.requireCustomer] };
  const summaries = createInvoiceListSummaries(services.db);
  // DOWNLOAD_OFFLOAD=nginx-signed, filesystem store: the rows already downloaded carry nginx's signed link.
  const pageLinks = pageDownloadLinks(services, auth);

  app.get<{ Querystring: Query }>("/factures", page, async (request, reply) => {
    const customer = request.customer;
    if (!customer) return reply.callNotFound();
    const ui = requestUi(request);
    const shell = {
      ui,
      branding: request.portal.branding,
      user: { identifier: customer.identifier, csrf: reply.generateCsrf() },
    };
    reply.headers(noStore);
    let asked: ListRequest;
    try {
      asked = parseListQuery(request.query);
    } catch (error) {
      if (!isListError(error)) throw error;
      reply.code(400);
      const message = listErrorText(ui.t, error);
      return reply.html(<InvoiceListErrorPage {...shell} message={message} />);
    }
    const canonical = canonicalUrl(request.query, asked);
    if (canonical) return reply.redirect(canonical, 303);
    const signer = pageLinks?.(request);
    const shown = await loadListPage(services, summaries, request.tenant.id, customer, asked, !!signer);
    const zipMaxFiles = options.zipMaxFiles ?? ZIP_MAX_FILES;
    const pdfLinks = signer ? signedLinksOf(shown.invoices, signer) : undefined;
    return reply.html(
      <InvoicesPage
        {...shell}
        filters={asked.filters}
        {...shown}
        zipMaxFiles={zipMaxFiles}
        pdfLinks={pdfLinks}
      />,
    );
  });

  app.get<{ Querystring: Query }>("/factures/export.csv", page, async (request, reply) => {
    const { tenant } = request;
    if (!request.customer) return reply.callNotFound();
    const filters = parseInvoiceFilters(request.query);
    const flavour = csvFlavour(request.query.format);
    const ui = requestUi(request);
    const rows = iterateAccountInvoices(services.db, tenant.id, request.customer.accountId, filters);
    const day = new Date().toISOString().slice(0, 10);
    reply.headers({
      ...noStore,
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${ui.t.csv.fileName}_${tenant.slug}_${day}.csv"`,
      "x-content-type-options": "nosniff",
    });
    request.log.info(
      { event: "invoices.exported", tenant: tenant.slug, account: request.customer.accountId, flavour },
      "invoice list exported",
    );
    return reply.send(Readable.from(invoiceCsv(rows, flavour, ui.t.csv)));
  });
}

/** The signed link of each row that has one (one MD5 per downloaded row), by invoice id. */
function signedLinksOf(
  rows: PortalInvoiceListRow[],
  signer: (row: PortalInvoiceListRow) => string | undefined,
): Map<string, string> {
  const links = new Map<string, string>();
  for (const row of rows) {
    const link = signer(row);
    if (link) links.set(row.id, link);
  }
  return links;
}

/** What the list URL asks for: the filters, and a page after or before a position (never both). */
interface ListRequest {
  filters: InvoiceFilters;
  after?: InvoiceCursor;
  before?: InvoiceCursor;
}

/** The list's filters and position from its URL; throws invalid_filter or invalid_cursor. */
function parseListQuery(query: Query): ListRequest {
  const filters = parseInvoiceFilters(query);
  const after = cursorParam(query, "apres", filters);
  const before = cursorParam(query, "avant", filters);
  if (after && before) throw new DomainError("invalid_cursor", "both apres and avant given");
  return { filters, after, before };
}

const isListError = (error: unknown): error is DomainError =>
  error instanceof DomainError && (error.code === "invalid_filter" || error.code === "invalid_cursor");

/**
 * One page of the list and what the page shows around it. One index range scan for the rows. Around them,
 * what is the same for every page of this version of the account's list (customer numbers, date range,
 * banner, count) comes from memory after the first view: the session read the version. The count is not
 * even needed when the result fits on one page.
 */
async function loadListPage(
  services: Services,
  summaries: ReturnType<typeof createInvoiceListSummaries>,
  tenantId: string,
  customer: { accountId: string; listVersion: number },
  { filters, after, before }: ListRequest,
  withFile = false,
) {
  const list = { tenantId, accountId: customer.accountId, version: customer.listVersion };
  const home = !after && !before && !hasFilters(filters);
  const [customerNumbers, dates, window, leaving] = await Promise.all([
    summaries.customerNumbers(list, CUSTOMER_SELECT_MAX + 1),
    summaries.issueDateRange(list),
    readPage(services, list.tenantId, list.accountId, filters, { after, before }, withFile),
    home ? summaries.leavingSoon(list, LEAVING_SOON_DAYS) : undefined,
  ]);
  const onePage = !after && !before && !window.hasNext;
  const [matching, downloadable] = onePage
    ? [window.rows.length, window.rows.filter((row) => !row.removedAt).length]
    : await Promise.all([summaries.count(list, filters), summaries.downloadable(list, filters)]);
  const base = filtersToQuery(filters);
  const link = (name: "apres" | "avant", row: PortalInvoiceListRow | undefined) => {
    if (!row) return undefined;
    const query = new URLSearchParams(base);
    query.set(name, formatCursor({ key: keyOf(row, filters), id: row.id }));
    return query.toString();
  };
  return {
    invoices: window.rows,
    // Read with the rows (one statement less per page than asking pa_transmissions for them afterwards).
    duplicata: new Set(window.rows.filter((row) => row.duplicata).map((row) => row.id)),
    matching,
    downloadable,
    dates,
    leaving,
    customerNumbers,
    previousPage: window.hasPrevious ? link("avant", window.rows[0]) : undefined,
    nextPage: window.hasNext ? link("apres", window.rows.at(-1)) : undefined,
    pastTheEnd: window.rows.length === 0 && after !== undefined,
  };
}

function csvFlavour(value: unknown): CsvFlavour {
  if (value === undefined || value === "" || value === "excel") return "excel";
  if (value === "csv") return "csv";
  throw new DomainError("invalid_filter", "format must be excel or csv", { param: "format" });
}

function cursorParam(
  query: Query,
  name: "apres" | "avant",
  filters: InvoiceFilters,
): InvoiceCursor | undefined {
  const value = query[name];
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string") throw new DomainError("invalid_cursor", `${name} given several times`);
  return parseCursor(value, filters.sort);
}

/** The customer's text for an unreadable filter or page link: chosen by code and parameter, never the domain's message. */
export function listErrorText(t: Messages, error: DomainError): string {
  if (error.code === "invalid_cursor") return t.list.badCursor;
  const param = String((error.details as { param?: unknown } | undefined)?.param ?? "");
  return t.list.badFilter[param] ?? t.list.badFilter.other!;
}

function keyOf(row: PortalInvoiceListRow, filters: InvoiceFilters): string {
  return filters.sort.startsWith("date") ? row.issueDate : row.grandTotal;
}

/**
 * The filter form sends its empty fields and its `periode` select: the canonical, bookmarkable URL of the
 * same filters to redirect to, or undefined when the query already is it (or holds a page position).
 */
function canonicalUrl(query: Query, { filters, after, before }: ListRequest): string | undefined {
  if (after || before || isCanonical(query, filters)) return undefined;
  const canonical = filtersToQuery(filters);
  return canonical.size ? `/factures?${canonical}` : "/factures";
}

/** True when the query already is the canonical form of its filters (other parameters aside). */
function isCanonical(query: Query, filters: InvoiceFilters): boolean {
  const given = new URLSearchParams();
  for (const name of FILTER_PARAMS) if (query[name] !== undefined) given.set(name, String(query[name]));
  const canonical = filtersToQuery(filters);
  if (given.size !== canonical.size) return false;
  for (const [name, value] of canonical) if (given.get(name) !== value) return false;
  return true;
}

/**
 * The rows of one page and whether pages exist on either side. Going back (`avant`) reads the rows just
 * before the cursor; when fewer than a page remain, that is the start of the list, shown as the first page.
 */
async function readPage(
  services: Services,
  tenantId: string,
  accountId: string,
  filters: InvoiceFilters,
  position: { after?: InvoiceCursor; before?: InvoiceCursor },
  withFile: boolean,
): Promise<{ rows: PortalInvoiceListRow[]; hasPrevious: boolean; hasNext: boolean }> {
  if (position.before) {
    const rows = await listAccountInvoicePage(services.db, tenantId, accountId, filters, {
      limit: PAGE_SIZE + 1,
      before: position.before,
      withFile,
    });
    if (rows.length > PAGE_SIZE) return { rows: rows.slice(1), hasPrevious: true, hasNext: true };
  }
  const rows = await listAccountInvoicePage(services.db, tenantId, accountId, filters, {
    limit: PAGE_SIZE + 1,
    after: position.after,
    withFile,
  });
  return {
    rows: rows.slice(0, PAGE_SIZE),
    hasPrevious: position.after !== undefined && rows.length > 0,
    hasNext: rows.length > PAGE_SIZE,
  };
}
