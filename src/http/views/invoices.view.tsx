import { type Children, escapeHtml } from "@kitajs/html";
import type { LeavingSoon, PortalInvoiceListRow } from "../../db/portal-invoices.queries.js";
import { isCreditNote } from "../../einvoice/document-types.js";
import { formatsFor, type Ui } from "../../i18n/index.js";
import {
  filtersToQuery,
  type InvoiceFilters,
  type InvoiceSort,
  LEAVING_SOON_DAYS,
  periodOf,
} from "../invoice-filters.js";
import { type Branding, Layout, type SignedIn } from "./layout.js";

/** Up to this many customer numbers, the customer filter is a list; beyond, a text field. */
export const CUSTOMER_SELECT_MAX = 200;
/** Most PDFs in one ZIP: beyond, the list offers no ZIP of everything but asks to narrow the filters. */
export const ZIP_MAX_FILES = 5_000;

const french = formatsFor("fr");

/** One field of the filter form: its label, then its control. */
function Field(props: { id: string; label: string; wide?: boolean; children: Children }) {
  return (
    <div class={props.wide ? "inv-field inv-wide" : "inv-field"}>
      <label for={props.id} safe>
        {props.label}
      </label>
      {props.children}
    </div>
  );
}

/** A free-text filter: at most 100 characters, no autocompletion. */
function TextInput(props: { id: string; name: string; type?: "search"; value: string }) {
  return (
    <input
      id={props.id}
      name={props.name}
      type={props.type ?? "text"}
      value={props.value}
      maxlength="100"
      autocomplete="off"
    />
  );
}

/** Money in French from a decimal string: Intl formats the string itself, so no float is involved. */
export function money(value: string, currency: string): string {
  return french.money(value, currency);
}

/** A calendar date `YYYY-MM-DD` as `05/11/2026` (no time zone involved). */
export function formatDay(iso: string): string {
  return french.day(iso);
}

/** A moment as its Paris calendar day, `05/11/2026`. */
export function formatDate(at: Date): string {
  return french.date(at);
}

/** A moment as its Paris calendar day, `5 novembre 2026`. */
export function formatLongDate(at: Date): string {
  return french.longDate(at);
}

export interface InvoiceListProps {
  ui: Ui;
  branding: Branding;
  user: SignedIn;
  filters: InvoiceFilters;
  invoices: PortalInvoiceListRow[];
  /** How many invoices match the filters. */
  matching: number;
  /** How many of them still have their file (the others were removed at the end of retention): what a ZIP holds. */
  downloadable?: number;
  /** The account's oldest and newest issue dates (null: no invoice at all). */
  dates: { oldest: string | null; newest: string | null };
  /** The leaving-soon banner (home page only). */
  leaving?: LeavingSoon;
  customerNumbers: string[];
  /** Query strings (filters and cursor) of the neighbouring pages, when there are some. */
  previousPage?: string;
  nextPage?: string;
  /** A cursor was followed and nothing lies after it. */
  pastTheEnd?: boolean;
  /** Most PDFs one ZIP may hold (the download routes' limit). */
  zipMaxFiles?: number;
  /** Ids of the invoices shown whose portal copy is a duplicata (B2B route, issue #16). */
  duplicata?: ReadonlySet<string>;
  /**
   * The signed nginx link of the rows that have one (already downloaded, DOWNLOAD_OFFLOAD=nginx-signed), by
   * invoice id; the other rows link the portal's route `/factures/{id}/pdf`.
   */
  pdfLinks?: ReadonlyMap<string, string>;
}

const href = (params: URLSearchParams) => (params.size ? `/factures?${params}` : "/factures");

/** The account's invoices: leaving-soon banner, filters, bulk actions, the table, keyset pagination. */
export function InvoicesPage(props: InvoiceListProps) {
  const { filters, matching, ui } = props;
  // The ZIP buttons promise only what the archive holds (outside tester, item 10).
  const downloadable = props.downloadable ?? matching;
  const leftOut = matching - downloadable;
  const zipMax = props.zipMaxFiles ?? ZIP_MAX_FILES;
  const T = ui.t.list;
  const query = filtersToQuery(filters);
  const filtered = [...query.keys()].some((k) => k !== "tri");
  const several = props.customerNumbers.length > 1;
  const title = filtered ? T.titleFiltered : T.title;

  if (props.dates.newest === null)
    return (
      <Layout title={T.title} branding={props.branding} ui={ui} user={props.user}>
        <h1 safe>{T.title}</h1>
        <div class="card inv-empty">
          <h2 safe>{T.emptyTitle}</h2>
          <p safe>{T.emptyText(props.branding.name)}</p>
        </div>
      </Layout>
    );

  return (
    <Layout title={title} branding={props.branding} ui={ui} user={props.user}>
      <div class="inv-head">
        <h1 safe>{T.title}</h1>
        <p class="lead" safe>
          {T.lead(props.customerNumbers.length, props.customerNumbers.length > CUSTOMER_SELECT_MAX)}
        </p>
      </div>
      {props.leaving && props.leaving.count > 0 ? (
        <LeavingBanner ui={ui} leaving={props.leaving} csrf={props.user.csrf} />
      ) : (
        ""
      )}
      <FilterForm
        ui={ui}
        filters={filters}
        dates={props.dates}
        customerNumbers={props.customerNumbers}
        filtered={filtered}
      />
      <section class="inv-results" aria-labelledby="inv-results-title">
        <div class="inv-results-head">
          <h2 id="inv-results-title" safe>
            {T.results(matching, filtered)}
          </h2>
          {matching > 0 ? (
            <p class="inv-exports">
              <a class="inv-link-button" href={`/factures/export.csv${query.size ? `?${query}` : ""}`} safe>
                {T.exportExcel}
              </a>
              <a
                class="inv-link-button"
                href={`/factures/export.csv?${withParam(query, "format", "csv")}`}
                safe
              >
                {T.exportCsv}
              </a>
            </p>
          ) : (
            ""
          )}
        </div>
        {props.invoices.length > 0 ? (
          <>
            <form id="inv-all" method="post" action="/factures/zip" class="inv-hidden-form">
              <input type="hidden" name="_csrf" value={props.user.csrf} />
              <input type="hidden" name="tout" value="1" />
              {[...query].map(([name, value]) => (
                <input type="hidden" name={name} value={value} />
              ))}
            </form>
            <form method="post" action="/factures/zip" class="inv-selection">
              <input type="hidden" name="_csrf" value={props.user.csrf} />
              <div class="inv-toolbar">
                {/* Enabled as sent: the script disables it while nothing is ticked, so that a page without
                    scripts still works (the server then answers that nothing was chosen). */}
                <button
                  type="submit"
                  class="button inv-zip-selection"
                  aria-describedby="inv-selection-hint"
                  safe
                >
                  {T.zipSelection}
                </button>
                <p id="inv-selection-hint" class="inv-selection-hint" safe>
                  {T.selectionHint}
                </p>
                {downloadable === 0 ? (
                  ""
                ) : downloadable > zipMax ? (
                  <p class="inv-zip-limit" safe>
                    {T.tooManyForZip(downloadable, zipMax)}
                  </p>
                ) : matching > props.invoices.length ? (
                  <>
                    <button
                      type="submit"
                      form="inv-all"
                      class="button secondary"
                      aria-describedby="inv-all-hint"
                      safe
                    >
                      {T.selectAll(downloadable, filtered)}
                    </button>
                    <p id="inv-all-hint" class="inv-all-hint" safe>
                      {T.selectAllHint(props.invoices.length)}
                    </p>
                  </>
                ) : (
                  <button type="submit" form="inv-all" class="button secondary" safe>
                    {T.zipAll(downloadable, filtered)}
                  </button>
                )}
                {leftOut > 0 && downloadable > 0 && downloadable <= zipMax ? (
                  <p class="inv-zip-left-out" safe>
                    {T.zipLeavesRemoved(leftOut)}
                  </p>
                ) : (
                  ""
                )}
              </div>
              <InvoiceTable
                ui={ui}
                invoices={props.invoices}
                filters={filters}
                several={several}
                duplicata={props.duplicata}
                pdfLinks={props.pdfLinks}
              />
            </form>
            <script src="/assets/invoice-selection.js" defer />
          </>
        ) : (
          <NoRows ui={ui} filters={filters} pastTheEnd={props.pastTheEnd === true} />
        )}
        {props.previousPage !== undefined || props.nextPage !== undefined ? (
          <nav class="inv-pages" aria-label={T.pagination}>
            {props.previousPage !== undefined ? (
              <a class="button secondary" href={`/factures?${props.previousPage}`} rel="prev">
                <span aria-hidden="true">← </span>
                {escapeHtml(T.previous)}
              </a>
            ) : (
              <span />
            )}
            {props.nextPage !== undefined ? (
              <a class="button secondary" href={`/factures?${props.nextPage}`} rel="next">
                {escapeHtml(T.next)}
                <span aria-hidden="true"> →</span>
              </a>
            ) : (
              ""
            )}
          </nav>
        ) : (
          ""
        )}
      </section>
    </Layout>
  );
}

function withParam(query: URLSearchParams, name: string, value: string): URLSearchParams {
  const copy = new URLSearchParams(query);
  copy.set(name, value);
  return copy;
}

function LeavingBanner(props: { ui: Ui; leaving: LeavingSoon; csrf: string }) {
  const T = props.ui.t.list;
  const f = props.ui.f;
  const { count: leaving, first: leavingFirst, last: leavingLast } = props.leaving;
  const soon = { notDownloaded: true, leavingWithinDays: LEAVING_SOON_DAYS, sort: "date_asc" as const };
  return (
    <section class="inv-leaving" aria-labelledby="inv-leaving-title">
      <div>
        <h2 id="inv-leaving-title" safe>
          {T.leavingTitle}
        </h2>
        <p safe>{T.leavingText(leaving, f.longDate(leavingLast!), f.longDate(leavingFirst!))}</p>
      </div>
      <div class="inv-leaving-actions">
        <form method="post" action="/factures/zip" class="inline">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <input type="hidden" name="tout" value="1" />
          <input type="hidden" name="nouvelles" value="1" />
          <input type="hidden" name="retrait" value={String(LEAVING_SOON_DAYS)} />
          <button type="submit" class="button" safe>
            {T.leavingZip(leaving)}
          </button>
        </form>
        <a href={href(filtersToQuery(soon))} safe>
          {T.leavingList}
        </a>
      </div>
    </section>
  );
}

function FilterForm(props: {
  ui: Ui;
  filters: InvoiceFilters;
  dates: { oldest: string | null; newest: string | null };
  customerNumbers: string[];
  filtered: boolean;
}) {
  const { filters } = props;
  const T = props.ui.t.list;
  const period = periodOf(filters);
  const { years, months } = periodOptions(props.dates.oldest, props.dates.newest, period);
  const several = props.customerNumbers.length > 1;
  // The criteria behind "Plus de critères": the panel opens by itself when one of them is in use.
  const more = [
    filters.type,
    period ? undefined : filters.from,
    period ? undefined : filters.to,
    filters.contract,
    filters.customer,
    filters.notDownloaded,
    filters.leavingWithinDays,
  ].filter((v) => v !== undefined).length;
  return (
    <search class="card inv-filters" aria-labelledby="inv-filters-title">
      <h2 id="inv-filters-title" class="inv-sr" safe>
        {T.filtersTitle}
      </h2>
      <form method="get" action="/factures">
        <div class="inv-grid inv-main">
          <Field id="f-q" label={T.search} wide>
            <TextInput id="f-q" name="q" type="search" value={filters.q ?? ""} />
          </Field>
          <Field id="f-periode" label={T.period}>
            <select id="f-periode" name="periode">
              <option value="" safe>
                {T.anyPeriod}
              </option>
              <optgroup label={T.years}>
                {years.map((y) => (
                  <option value={y} selected={period === y} safe>
                    {y}
                  </option>
                ))}
              </optgroup>
              <optgroup label={T.months}>
                {months.map((m) => (
                  <option value={m} selected={period === m} safe>
                    {props.ui.f.month(m)}
                  </option>
                ))}
              </optgroup>
            </select>
          </Field>
          <Field id="f-tri" label={T.sort}>
            <select id="f-tri" name="tri">
              {(Object.keys(T.sorts) as InvoiceSort[]).map((sort) => (
                <option value={sortValue(sort)} selected={filters.sort === sort} safe>
                  {T.sorts[sort]}
                </option>
              ))}
            </select>
          </Field>
          <div class="inv-filter-buttons">
            <button type="submit" class="button" safe>
              {T.apply}
            </button>
          </div>
        </div>
        <details class="inv-more" open={more > 0}>
          <summary>
            {escapeHtml(T.more)}
            {more > 0 ? (
              <span class="inv-more-count" safe>
                {T.moreActive(more)}
              </span>
            ) : (
              ""
            )}
          </summary>
          <div class={several ? "inv-grid inv-grid-5" : "inv-grid"}>
            <Field id="f-type" label={T.type}>
              <select id="f-type" name="type">
                <option value="" safe>
                  {T.anyType}
                </option>
                <option value="facture" selected={filters.type === "380"} safe>
                  {T.invoicesOnly}
                </option>
                <option value="avoir" selected={filters.type === "381"} safe>
                  {T.creditNotesOnly}
                </option>
              </select>
            </Field>
            <Field id="f-du" label={T.from}>
              <input id="f-du" name="du" type="date" value={period ? "" : (filters.from ?? "")} />
            </Field>
            <Field id="f-au" label={T.to}>
              <input id="f-au" name="au" type="date" value={period ? "" : (filters.to ?? "")} />
            </Field>
            <Field id="f-contrat" label={T.contractField}>
              <TextInput id="f-contrat" name="contrat" value={filters.contract ?? ""} />
            </Field>
            {several ? (
              <Field id="f-client" label={T.customer}>
                {props.customerNumbers.length > CUSTOMER_SELECT_MAX ? (
                  <TextInput id="f-client" name="client" value={filters.customer ?? ""} />
                ) : (
                  <select id="f-client" name="client">
                    <option value="" safe>
                      {T.anyCustomer}
                    </option>
                    {props.customerNumbers.map((n) => (
                      <option value={n} selected={filters.customer === n} safe>
                        {n}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            ) : (
              ""
            )}
          </div>
          <fieldset class="inv-checks">
            <legend safe>{T.only}</legend>
            <label>
              <input type="checkbox" name="nouvelles" value="1" checked={filters.notDownloaded === true} />
              {escapeHtml(T.notDownloaded)}
            </label>
            <label>
              <input
                type="checkbox"
                name="retrait"
                value={String(LEAVING_SOON_DAYS)}
                checked={filters.leavingWithinDays !== undefined}
              />
              {escapeHtml(T.leavingSoon(LEAVING_SOON_DAYS))}
            </label>
          </fieldset>
        </details>
        {props.filtered ? (
          <p class="inv-reset">
            <a href="/factures" safe>
              {T.reset}
            </a>
          </p>
        ) : (
          ""
        )}
      </form>
    </search>
  );
}

function sortValue(sort: InvoiceSort): string {
  return filtersToQuery({ sort }).get("tri") ?? "date-desc";
}

/** Years and months (newest first) between the account's oldest and newest invoice, plus the one selected. */
function periodOptions(oldest: string | null, newest: string | null, selected: string | undefined) {
  const years: string[] = [];
  const months: string[] = [];
  if (oldest && newest) {
    for (let y = Number(newest.slice(0, 4)); y >= Number(oldest.slice(0, 4)); y--) years.push(String(y));
    let y = Number(newest.slice(0, 4));
    let m = Number(newest.slice(5, 7));
    const stop = oldest.slice(0, 7);
    // Bounded: the portal keeps invoices a few years at most; a deeper month can still be typed as a range.
    while (months.length < 60) {
      const value = `${y}-${String(m).padStart(2, "0")}`;
      months.push(value);
      if (value <= stop) break;
      m -= 1;
      if (m === 0) {
        m = 12;
        y -= 1;
      }
    }
  }
  if (selected?.length === 4 && !years.includes(selected)) years.push(selected);
  if (selected?.length === 7 && !months.includes(selected)) months.push(selected);
  return { years, months };
}

function InvoiceTable(props: {
  ui: Ui;
  invoices: PortalInvoiceListRow[];
  filters: InvoiceFilters;
  several: boolean;
  duplicata?: ReadonlySet<string>;
  pdfLinks?: ReadonlyMap<string, string>;
}) {
  const { filters } = props;
  const T = props.ui.t.list;
  const dateSorted = filters.sort.startsWith("date");
  const sortLink = (kind: "date" | "amount") => {
    const current = filters.sort.startsWith(kind === "date" ? "date" : "amount");
    const sort: InvoiceSort =
      kind === "date"
        ? filters.sort === "date_desc"
          ? "date_asc"
          : "date_desc"
        : filters.sort === "amount_desc"
          ? "amount_asc"
          : "amount_desc";
    return { href: href(filtersToQuery({ ...filters, sort })), current };
  };
  const date = sortLink("date");
  const amount = sortLink("amount");
  const ariaSort = (active: boolean) =>
    active ? (filters.sort.endsWith("desc") ? "descending" : "ascending") : undefined;
  return (
    <div class="inv-table-wrap">
      <table class="inv-table">
        <caption safe>{T.caption(filters.sort)}</caption>
        <thead>
          <tr>
            <th scope="col" class="inv-c-sel">
              <span class="inv-sr" safe>
                {T.select}
              </span>
            </th>
            <th scope="col" safe>
              {T.number}
            </th>
            <th scope="col" safe>
              {T.type}
            </th>
            <th scope="col" aria-sort={ariaSort(dateSorted)}>
              <a href={date.href} class="inv-sort">
                {escapeHtml(T.date)}
                <SortMark active={date.current} desc={filters.sort.endsWith("desc")} />
              </a>
            </th>
            <th scope="col" safe>
              {T.contract}
            </th>
            {props.several ? (
              <th scope="col" safe>
                {T.customer}
              </th>
            ) : (
              ""
            )}
            <th scope="col" class="amount" aria-sort={ariaSort(!dateSorted)}>
              <a href={amount.href} class="inv-sort">
                {escapeHtml(T.amount)}
                <SortMark active={amount.current} desc={filters.sort.endsWith("desc")} />
              </a>
            </th>
            <th scope="col" safe>
              {T.status}
            </th>
            <th scope="col" safe>
              {T.availability}
            </th>
            <th scope="col" class="inv-c-dl">
              <span class="inv-sr" safe>
                {T.downloadColumn}
              </span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.invoices.map((i) => (
            <InvoiceRow
              ui={props.ui}
              invoice={i}
              several={props.several}
              duplicata={props.duplicata?.has(i.id) ?? false}
              pdfHref={props.pdfLinks?.get(i.id)}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SortMark(props: { active: boolean; desc: boolean }) {
  if (!props.active) return <span class="inv-sort-mark inv-sort-idle" aria-hidden="true" />;
  return <span class={`inv-sort-mark ${props.desc ? "inv-sort-desc" : "inv-sort-asc"}`} aria-hidden="true" />;
}

function InvoiceRow(props: {
  ui: Ui;
  invoice: PortalInvoiceListRow;
  several: boolean;
  duplicata: boolean;
  /** nginx's signed link (already downloaded, DOWNLOAD_OFFLOAD=nginx-signed); otherwise the portal's route. */
  pdfHref?: string;
}) {
  const i = props.invoice;
  const T = props.ui.t.list;
  const f = props.ui.f;
  const leavingSoon =
    !i.removedAt &&
    !i.firstDownloadedAt &&
    i.availableUntil.getTime() - Date.now() < LEAVING_SOON_DAYS * 86_400_000;
  const inputId = `sel-${i.id}`;
  return (
    <tr class={i.removedAt ? "inv-removed" : undefined}>
      <td class="inv-c-sel">
        {i.removedAt ? (
          ""
        ) : (
          <>
            <input type="checkbox" name="id" value={i.id} id={inputId} />
            <label for={inputId} class="inv-sr" safe>
              {T.selectOne(i.invoiceNumber)}
            </label>
          </>
        )}
      </td>
      <th scope="row" class="inv-c-num">
        <a href={`/factures/${i.id}`} safe>
          {i.invoiceNumber}
        </a>
      </th>
      <td class="inv-c-type">
        <span class={isCreditNote(i.typeCode) ? "inv-type inv-type-credit" : "inv-type"} safe>
          {isCreditNote(i.typeCode) ? T.creditNote : T.invoice}
        </span>
        {props.duplicata ? (
          <>
            {" "}
            <span class="inv-duplicata" safe>
              {T.duplicata}
            </span>
            <span class="inv-sr" safe>{` (${T.duplicataTitle})`}</span>
          </>
        ) : (
          ""
        )}
      </td>
      <td class="inv-c-date">
        <time datetime={i.issueDate} safe>
          {f.day(i.issueDate)}
        </time>
      </td>
      <td class="inv-c-contract" data-label={T.contract} safe>
        {i.contractNumber ?? ""}
      </td>
      {props.several ? (
        <td class="inv-c-customer" data-label={T.customer} safe>
          {i.customerNumber}
        </td>
      ) : (
        ""
      )}
      <td class="amount inv-c-amount" safe>
        {f.money(i.grandTotal, i.currency)}
      </td>
      <td class="inv-c-status">
        {i.removedAt ? (
          <span class="inv-gone" safe>
            {T.removed(f.date(i.removedAt))}
          </span>
        ) : i.firstDownloadedAt ? (
          <span class="inv-done" safe>
            {T.downloaded(f.date(i.firstDownloadedAt))}
          </span>
        ) : (
          <span class="inv-badge-new" safe>
            {T.fresh}
          </span>
        )}
      </td>
      {i.removedAt ? (
        <td class="inv-c-avail">
          <span aria-hidden="true">—</span>
          <span class="inv-sr" safe>
            {T.removedNoFile}
          </span>
        </td>
      ) : (
        <td class={leavingSoon ? "inv-c-avail inv-soon" : "inv-c-avail"}>
          {/* The column header says it on a wide screen; the phone's card layout shows the words. */}
          <span class="inv-avail-label" safe>{`${T.availableUntil} `}</span>
          <span safe>{f.date(i.availableUntil)}</span>
        </td>
      )}
      <td class="inv-c-dl">
        {i.removedAt ? (
          ""
        ) : (
          <a
            class="inv-dl"
            href={props.pdfHref ?? `/factures/${i.id}/pdf`}
            aria-label={T.downloadOne(i.invoiceNumber)}
            title={T.downloadOne(i.invoiceNumber)}
          >
            <DownloadIcon />
          </a>
        )}
      </td>
    </tr>
  );
}

/** A tray with an arrow into it, drawn in the text's colour (no image to load, nothing for a screen reader). */
function DownloadIcon() {
  return (
    <svg
      class="inv-dl-icon"
      aria-hidden="true"
      focusable="false"
      viewBox="0 0 24 24"
      width="20"
      height="20"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
    >
      <path d="M12 3v12" />
      <path d="m7 10 5 5 5-5" />
      <path d="M4 17v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2" />
    </svg>
  );
}

function NoRows(props: { ui: Ui; filters: InvoiceFilters; pastTheEnd: boolean }) {
  const T = props.ui.t.list;
  if (props.pastTheEnd)
    return (
      <div class="card inv-empty">
        <h3 safe>{T.endTitle}</h3>
        <p safe>{T.endText}</p>
        <p>
          <a href={href(filtersToQuery(props.filters))} safe>
            {T.firstPage}
          </a>
        </p>
      </div>
    );
  const reversed =
    props.filters.from !== undefined &&
    props.filters.to !== undefined &&
    props.filters.from > props.filters.to;
  return (
    <div class="card inv-empty">
      <h3 safe>{T.noMatchTitle}</h3>
      {reversed ? <p safe>{T.reversedRange}</p> : ""}
      <p safe>{T.noMatchText}</p>
      <p>
        <a class="button secondary" href="/factures" safe>
          {T.reset}
        </a>
      </p>
    </div>
  );
}

/** A filter or a page link that cannot be read: say so and offer the way back (400). */
export function InvoiceListErrorPage(props: { ui: Ui; branding: Branding; user: SignedIn; message: string }) {
  const T = props.ui.t.list;
  return (
    <Layout title={T.title} branding={props.branding} ui={props.ui} user={props.user}>
      <h1 safe>{T.title}</h1>
      <div class="error" role="alert">
        <p>
          <strong safe>{T.badRequest}</strong>
        </p>
        <p safe>{props.message}</p>
      </div>
      <p>
        <a class="button secondary" href="/factures" safe>
          {T.reset}
        </a>
      </p>
    </Layout>
  );
}
