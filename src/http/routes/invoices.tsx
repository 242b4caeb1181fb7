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

  app.get<{ Querystring: Query }>("/factures", page, async (request, reply) => {
    const { tenant } = request;
    if (!request.customer) return reply.callNotFound();
    const { accountId } = request.customer;
    const user = { identifier: request.customer.identifier, csrf: reply.generateCsrf() };
    const branding = request.portal.branding;
    const ui = requestUi(request);
    reply.headers(noStore);

    let filters: InvoiceFilters;
    let after: InvoiceCursor | undefined;
    let before: InvoiceCursor | undefined;
    try {
      filters = parseInvoiceFilters(request.query);
      after = cursorParam(request.query, "apres", filters);
      before = cursorParam(request.query, "avant", filters);
      if (after && before) throw new DomainError("invalid_cursor", "both apres and avant given");
    } catch (error) {
      if (
        !(error instanceof DomainError) ||
        (error.code !== "invalid_filter" && error.code !== "invalid_cursor")
      )
        throw error;
      reply.code(400);
      return reply.html(
        <InvoiceListErrorPage ui={ui} branding={branding} user={user} message={listErrorText(ui.t, error)} />,
      );
    }

    // The filter form sends its empty fields and its `periode` select: answer with the canonical,
    // bookmarkable URL of the same filters.
    if (!after && !before && !isCanonical(request.query, filters)) {
      const query = filtersToQuery(filters);
      return reply.redirect(query.size ? `/factures?${query}` : "/factures", 303);
    }

    // One index range scan for the rows. Around them, what is the same for every page of this version of
    // the account's list (customer numbers, date range, banner, count) comes from memory after the first
    // view: the session read the version. The count is not even needed when the result fits on one page.
    const list = { tenantId: tenant.id, accountId, version: request.customer.listVersion };
    const home = !after && !before && !hasFilters(filters);
    const [customerNumbers, dates, window, leaving] = await Promise.all([
      summaries.customerNumbers(list, CUSTOMER_SELECT_MAX + 1),
      summaries.issueDateRange(list),
      readPage(services, tenant.id, accountId, filters, { after, before }),
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
    return reply.html(
      <InvoicesPage
        ui={ui}
        branding={branding}
        user={user}
        filters={filters}
        invoices={window.rows}
        matching={matching}
        downloadable={downloadable}
        dates={dates}
        leaving={leaving}
        customerNumbers={customerNumbers}
        previousPage={window.hasPrevious ? link("avant", window.rows[0]) : undefined}
        nextPage={window.hasNext ? link("apres", window.rows.at(-1)) : undefined}
        pastTheEnd={window.rows.length === 0 && after !== undefined}
        zipMaxFiles={options.zipMaxFiles ?? ZIP_MAX_FILES}
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
): Promise<{ rows: PortalInvoiceListRow[]; hasPrevious: boolean; hasNext: boolean }> {
  if (position.before) {
    const rows = await listAccountInvoicePage(services.db, tenantId, accountId, filters, {
      limit: PAGE_SIZE + 1,
      before: position.before,
    });
    if (rows.length > PAGE_SIZE) return { rows: rows.slice(1), hasPrevious: true, hasNext: true };
  }
  const rows = await listAccountInvoicePage(services.db, tenantId, accountId, filters, {
    limit: PAGE_SIZE + 1,
    after: position.after,
  });
  return {
    rows: rows.slice(0, PAGE_SIZE),
    hasPrevious: position.after !== undefined && rows.length > 0,
    hasNext: rows.length > PAGE_SIZE,
  };
}
