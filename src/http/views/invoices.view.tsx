import type { LeavingSoon, PortalInvoiceRow } from "../../db/portal-invoices.repository.js";
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
const LOCALE = "fr-FR";
const ZONE = "Europe/Paris";
const shortDate = new Intl.DateTimeFormat(LOCALE, { dateStyle: "short", timeZone: ZONE });
const longDate = new Intl.DateTimeFormat(LOCALE, { dateStyle: "long", timeZone: ZONE });
const monthName = new Intl.DateTimeFormat(LOCALE, { month: "long", year: "numeric", timeZone: "UTC" });
const integer = new Intl.NumberFormat(LOCALE);
const moneyFormats = new Map<string, Intl.NumberFormat>();

/** Money in French from a decimal string: Intl formats the string itself, so no float is involved. */
export function money(value: string, currency: string): string {
  let format = moneyFormats.get(currency);
  if (!format) {
    try {
      format = new Intl.NumberFormat(LOCALE, { style: "currency", currency });
    } catch {
      // Not an ISO 4217 code Intl knows: the number, then the code as given.
      format = new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      return `${format.format(value as `${number}`)} ${currency}`;
    }
    moneyFormats.set(currency, format);
  }
  return format.format(value as `${number}`);
}

/** A calendar date `YYYY-MM-DD` as `05/11/2026` (no time zone involved). */
export function formatDay(iso: string): string {
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
}

/** A moment as its Paris calendar day, `05/11/2026`. */
export function formatDate(at: Date): string {
  return shortDate.format(at);
}

/** A moment as its Paris calendar day, `5 novembre 2026`. */
export function formatLongDate(at: Date): string {
  return longDate.format(at);
}

const count = (n: number) => integer.format(n);
const plural = (n: number, one: string, many: string) => (n > 1 ? many : one);

/** The list's texts (French; an English table comes with the language switch of issue 5). */
const T = {
  title: "Mes factures",
  lead: (customers: number) =>
    customers > CUSTOMER_SELECT_MAX
      ? "Les factures de tous vos numéros client, à télécharger et à conserver."
      : customers > 1
        ? `Les factures de vos ${count(customers)} numéros client, à télécharger et à conserver.`
        : "Vos factures, à télécharger et à conserver.",
  leavingTitle: "Pensez à sauvegarder vos factures",
  leavingText: (n: number, last: string, first: string) =>
    n > 1
      ? `${count(n)} factures non téléchargées quitteront le portail d’ici le ${last}${first !== last ? ` (la première dès le ${first})` : ""}. Téléchargez-les pour les conserver : elles ne seront plus disponibles ensuite.`
      : `1 facture non téléchargée quittera le portail le ${last}. Téléchargez-la pour la conserver : elle ne sera plus disponible ensuite.`,
  leavingZip: (n: number) =>
    n > 1 ? `Télécharger ces ${count(n)} factures (ZIP)` : "Télécharger cette facture (ZIP)",
  leavingList: "Voir ces factures",
  filtersTitle: "Rechercher et filtrer",
  search: "Rechercher un n° de facture ou de contrat",
  more: "Plus de critères",
  moreActive: (n: number) => `${n} ${plural(n, "critère actif", "critères actifs")}`,
  period: "Période",
  anyPeriod: "Toutes les dates",
  years: "Années",
  months: "Mois",
  from: "Du",
  to: "Au",
  type: "Type",
  anyType: "Factures et avoirs",
  invoicesOnly: "Factures",
  creditNotesOnly: "Avoirs",
  contract: "Contrat",
  contractField: "N° de contrat (exact)",
  customer: "N° client",
  anyCustomer: "Tous",
  sort: "Trier par",
  sorts: {
    date_desc: "Plus récentes d’abord",
    date_asc: "Plus anciennes d’abord",
    amount_desc: "Montant décroissant",
    amount_asc: "Montant croissant",
  } satisfies Record<InvoiceSort, string>,
  only: "Afficher seulement",
  notDownloaded: "Non téléchargées",
  leavingSoon: `Quittent le portail sous ${LEAVING_SOON_DAYS} jours`,
  apply: "Filtrer",
  reset: "Réinitialiser les filtres",
  results: (n: number, filtered: boolean) =>
    n === 0
      ? "Aucun résultat"
      : filtered
        ? `${count(n)} ${plural(n, "facture correspond", "factures correspondent")} à vos critères`
        : `${count(n)} ${plural(n, "facture", "factures")}`,
  exportExcel: "Exporter (CSV pour Excel)",
  exportCsv: "CSV standard",
  zipSelection: "Télécharger la sélection (ZIP)",
  zipAll: (n: number, filtered: boolean) =>
    filtered
      ? `Télécharger ${n > 1 ? `les ${count(n)} factures` : "la facture"} correspondant aux filtres (ZIP)`
      : `Télécharger ${n > 1 ? `mes ${count(n)} factures` : "ma facture"} (ZIP)`,
  caption: (sort: InvoiceSort) =>
    ({
      date_desc: "Vos factures, des plus récentes aux plus anciennes",
      date_asc: "Vos factures, des plus anciennes aux plus récentes",
      amount_desc: "Vos factures, par montant décroissant",
      amount_asc: "Vos factures, par montant croissant",
    })[sort],
  select: "Sélection",
  selectOne: (number: string) => `Sélectionner la facture ${number}`,
  number: "Numéro",
  date: "Date",
  amount: "Montant TTC",
  status: "Statut",
  availability: "Disponible jusqu’au",
  invoice: "Facture",
  creditNote: "Avoir",
  fresh: "Nouvelle",
  downloaded: (d: string) => `Téléchargée le ${d}`,
  neverDownloaded: "Non téléchargée",
  availableUntil: "Disponible jusqu’au",
  removed: (d: string) => `Retirée du portail le ${d}`,
  pagination: "Pages de la liste",
  previous: "Factures précédentes",
  next: "Factures suivantes",
  firstPage: "Revenir au début de la liste",
  emptyTitle: "Aucune facture pour l’instant",
  emptyText: (issuer: string) =>
    `Vos factures ${issuer} apparaîtront ici dès leur mise à disposition. Un e-mail vous préviendra à chaque nouvelle facture.`,
  noMatchTitle: "Aucune facture ne correspond à ces critères",
  noMatchText:
    "Élargissez la période, retirez un critère, ou réinitialisez les filtres pour revoir toutes vos factures.",
  reversedRange: "La date de début est postérieure à la date de fin.",
  endTitle: "Vous êtes à la fin de la liste",
  endText: "Il n’y a pas d’autre facture après celle-ci.",
  badRequest: "Ces critères ne peuvent pas être appliqués",
} as const;

export interface InvoiceListProps {
  branding: Branding;
  user: SignedIn;
  filters: InvoiceFilters;
  invoices: PortalInvoiceRow[];
  /** How many invoices match the filters. */
  matching: number;
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
}

const href = (params: URLSearchParams) => (params.size ? `/factures?${params}` : "/factures");

/** The account's invoices: leaving-soon banner, filters, bulk actions, the table, keyset pagination. */
export function InvoicesPage(props: InvoiceListProps) {
  const { filters, matching } = props;
  const query = filtersToQuery(filters);
  const filtered = [...query.keys()].some((k) => k !== "tri");
  const several = props.customerNumbers.length > 1;
  const title = filtered ? `${T.title} (filtrées)` : T.title;

  if (props.dates.newest === null)
    return (
      <Layout title={T.title} branding={props.branding} user={props.user}>
        <h1>{T.title}</h1>
        <div class="card inv-empty">
          <h2>{T.emptyTitle}</h2>
          <p safe>{T.emptyText(props.branding.name)}</p>
        </div>
      </Layout>
    );

  return (
    <Layout title={title} branding={props.branding} user={props.user}>
      <div class="inv-head">
        <h1>{T.title}</h1>
        <p class="lead" safe>
          {T.lead(props.customerNumbers.length)}
        </p>
      </div>
      {props.leaving && props.leaving.count > 0 ? (
        <LeavingBanner leaving={props.leaving} csrf={props.user.csrf} />
      ) : (
        ""
      )}
      <FilterForm
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
              <a class="inv-link-button" href={`/factures/export.csv${query.size ? `?${query}` : ""}`}>
                {T.exportExcel}
              </a>
              <a class="inv-link-button" href={`/factures/export.csv?${withParam(query, "format", "csv")}`}>
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
                <button type="submit" class="button">
                  {T.zipSelection}
                </button>
                <button type="submit" form="inv-all" class="button secondary" safe>
                  {T.zipAll(matching, filtered)}
                </button>
              </div>
              <InvoiceTable invoices={props.invoices} filters={filters} several={several} />
            </form>
          </>
        ) : (
          <NoRows filters={filters} pastTheEnd={props.pastTheEnd === true} />
        )}
        {props.previousPage !== undefined || props.nextPage !== undefined ? (
          <nav class="inv-pages" aria-label={T.pagination}>
            {props.previousPage !== undefined ? (
              <a class="button secondary" href={`/factures?${props.previousPage}`} rel="prev">
                <span aria-hidden="true">← </span>
                {T.previous}
              </a>
            ) : (
              <span />
            )}
            {props.nextPage !== undefined ? (
              <a class="button secondary" href={`/factures?${props.nextPage}`} rel="next">
                {T.next}
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

function LeavingBanner(props: { leaving: LeavingSoon; csrf: string }) {
  const { count: leaving, first: leavingFirst, last: leavingLast } = props.leaving;
  const soon = { notDownloaded: true, leavingWithinDays: LEAVING_SOON_DAYS, sort: "date_asc" as const };
  return (
    <section class="inv-leaving" aria-labelledby="inv-leaving-title">
      <div>
        <h2 id="inv-leaving-title">{T.leavingTitle}</h2>
        <p safe>{T.leavingText(leaving, formatLongDate(leavingLast!), formatLongDate(leavingFirst!))}</p>
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
        <a href={href(filtersToQuery(soon))}>{T.leavingList}</a>
      </div>
    </section>
  );
}

function FilterForm(props: {
  filters: InvoiceFilters;
  dates: { oldest: string | null; newest: string | null };
  customerNumbers: string[];
  filtered: boolean;
}) {
  const { filters } = props;
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
      <h2 id="inv-filters-title" class="inv-sr">
        {T.filtersTitle}
      </h2>
      <form method="get" action="/factures">
        <div class="inv-grid inv-main">
          <div class="inv-field inv-wide">
            <label for="f-q">{T.search}</label>
            <input
              id="f-q"
              name="q"
              type="search"
              value={filters.q ?? ""}
              maxlength="100"
              autocomplete="off"
            />
          </div>
          <div class="inv-field">
            <label for="f-periode">{T.period}</label>
            <select id="f-periode" name="periode">
              <option value="">{T.anyPeriod}</option>
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
                    {capitalize(monthName.format(new Date(`${m}-01T00:00:00Z`)))}
                  </option>
                ))}
              </optgroup>
            </select>
          </div>
          <div class="inv-field">
            <label for="f-tri">{T.sort}</label>
            <select id="f-tri" name="tri">
              {(Object.keys(T.sorts) as InvoiceSort[]).map((sort) => (
                <option value={sortValue(sort)} selected={filters.sort === sort} safe>
                  {T.sorts[sort]}
                </option>
              ))}
            </select>
          </div>
          <div class="inv-filter-buttons">
            <button type="submit" class="button">
              {T.apply}
            </button>
          </div>
        </div>
        <details class="inv-more" open={more > 0}>
          <summary>
            {T.more}
            {more > 0 ? (
              <span class="inv-more-count" safe>
                {T.moreActive(more)}
              </span>
            ) : (
              ""
            )}
          </summary>
          <div class={several ? "inv-grid inv-grid-5" : "inv-grid"}>
            <div class="inv-field">
              <label for="f-type">{T.type}</label>
              <select id="f-type" name="type">
                <option value="">{T.anyType}</option>
                <option value="facture" selected={filters.type === "380"}>
                  {T.invoicesOnly}
                </option>
                <option value="avoir" selected={filters.type === "381"}>
                  {T.creditNotesOnly}
                </option>
              </select>
            </div>
            <div class="inv-field">
              <label for="f-du">{T.from}</label>
              <input id="f-du" name="du" type="date" value={period ? "" : (filters.from ?? "")} />
            </div>
            <div class="inv-field">
              <label for="f-au">{T.to}</label>
              <input id="f-au" name="au" type="date" value={period ? "" : (filters.to ?? "")} />
            </div>
            <div class="inv-field">
              <label for="f-contrat">{T.contractField}</label>
              <input
                id="f-contrat"
                name="contrat"
                type="text"
                value={filters.contract ?? ""}
                maxlength="100"
                autocomplete="off"
              />
            </div>
            {several ? (
              <div class="inv-field">
                <label for="f-client">{T.customer}</label>
                {props.customerNumbers.length > CUSTOMER_SELECT_MAX ? (
                  <input
                    id="f-client"
                    name="client"
                    type="text"
                    value={filters.customer ?? ""}
                    maxlength="100"
                    autocomplete="off"
                  />
                ) : (
                  <select id="f-client" name="client">
                    <option value="">{T.anyCustomer}</option>
                    {props.customerNumbers.map((n) => (
                      <option value={n} selected={filters.customer === n} safe>
                        {n}
                      </option>
                    ))}
                  </select>
                )}
              </div>
            ) : (
              ""
            )}
          </div>
          <fieldset class="inv-checks">
            <legend>{T.only}</legend>
            <label>
              <input type="checkbox" name="nouvelles" value="1" checked={filters.notDownloaded === true} />
              {T.notDownloaded}
            </label>
            <label>
              <input
                type="checkbox"
                name="retrait"
                value={String(LEAVING_SOON_DAYS)}
                checked={filters.leavingWithinDays !== undefined}
              />
              {T.leavingSoon}
            </label>
          </fieldset>
        </details>
        {props.filtered ? (
          <p class="inv-reset">
            <a href="/factures">{T.reset}</a>
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

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
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

function InvoiceTable(props: { invoices: PortalInvoiceRow[]; filters: InvoiceFilters; several: boolean }) {
  const { filters } = props;
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
              <span class="inv-sr">{T.select}</span>
            </th>
            <th scope="col">{T.number}</th>
            <th scope="col">{T.type}</th>
            <th scope="col" aria-sort={ariaSort(dateSorted)}>
              <a href={date.href} class="inv-sort">
                {T.date}
                <SortMark active={date.current} desc={filters.sort.endsWith("desc")} />
              </a>
            </th>
            <th scope="col">{T.contract}</th>
            {props.several ? <th scope="col">{T.customer}</th> : ""}
            <th scope="col" class="amount" aria-sort={ariaSort(!dateSorted)}>
              <a href={amount.href} class="inv-sort">
                {T.amount}
                <SortMark active={amount.current} desc={filters.sort.endsWith("desc")} />
              </a>
            </th>
            <th scope="col">{T.status}</th>
            <th scope="col">{T.availability}</th>
          </tr>
        </thead>
        <tbody>
          {props.invoices.map((i) => (
            <InvoiceRow invoice={i} several={props.several} />
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

function InvoiceRow(props: { invoice: PortalInvoiceRow; several: boolean }) {
  const i = props.invoice;
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
        <span class={i.typeCode === "381" ? "inv-type inv-type-credit" : "inv-type"}>
          {i.typeCode === "381" ? T.creditNote : T.invoice}
        </span>
      </td>
      <td class="inv-c-date">
        <time datetime={i.issueDate} safe>
          {formatDay(i.issueDate)}
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
        {money(i.grandTotal, i.currency)}
      </td>
      <td class="inv-c-status">
        {i.firstDownloadedAt ? (
          <span class="inv-done" safe>
            {T.downloaded(formatDate(i.firstDownloadedAt))}
          </span>
        ) : i.removedAt ? (
          <span class="muted">{T.neverDownloaded}</span>
        ) : (
          <span class="inv-badge-new">{T.fresh}</span>
        )}
      </td>
      {i.removedAt ? (
        <td class="inv-c-avail inv-gone" safe>
          {T.removed(formatDate(i.removedAt))}
        </td>
      ) : (
        <td class={leavingSoon ? "inv-c-avail inv-soon" : "inv-c-avail"}>
          {/* The column header says it on a wide screen; the phone's card layout shows the words. */}
          <span class="inv-avail-label">{T.availableUntil} </span>
          <span safe>{formatDate(i.availableUntil)}</span>
        </td>
      )}
    </tr>
  );
}

function NoRows(props: { filters: InvoiceFilters; pastTheEnd: boolean }) {
  if (props.pastTheEnd)
    return (
      <div class="card inv-empty">
        <h3>{T.endTitle}</h3>
        <p>{T.endText}</p>
        <p>
          <a href={href(filtersToQuery(props.filters))}>{T.firstPage}</a>
        </p>
      </div>
    );
  const reversed =
    props.filters.from !== undefined &&
    props.filters.to !== undefined &&
    props.filters.from > props.filters.to;
  return (
    <div class="card inv-empty">
      <h3>{T.noMatchTitle}</h3>
      {reversed ? <p>{T.reversedRange}</p> : ""}
      <p>{T.noMatchText}</p>
      <p>
        <a class="button secondary" href="/factures">
          {T.reset}
        </a>
      </p>
    </div>
  );
}

/** A filter or a page link that cannot be read: say so and offer the way back (400). */
export function InvoiceListErrorPage(props: { branding: Branding; user: SignedIn; message: string }) {
  return (
    <Layout title={T.title} branding={props.branding} user={props.user}>
      <h1>{T.title}</h1>
      <div class="error" role="alert">
        <p>
          <strong>{T.badRequest}</strong>
        </p>
        <p safe>{props.message}</p>
      </div>
      <p>
        <a class="button secondary" href="/factures">
          {T.reset}
        </a>
      </p>
    </Layout>
  );
}
