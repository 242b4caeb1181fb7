import type { AccountInvoiceFilters } from "../db/portal-invoices.queries.js";
import { DomainError } from "../domain/shared/errors.js";
import { parseUuid } from "./ids.js";

/**
 * What narrows and orders an account's invoice list (list page, CSV export, bulk ZIP). The URL holds it
 * under French parameter names (`filtersToQuery`), so a filtered list is bookmarkable and the back button works.
 */
export type InvoiceFilters = AccountInvoiceFilters;

export type InvoiceSort = AccountInvoiceFilters["sort"];

/** The banner and the "quittent le portail" filter look this far ahead. */
export const LEAVING_SOON_DAYS = 60;

const SORT_PARAM: Record<InvoiceSort, string> = {
  date_desc: "date-desc",
  date_asc: "date-asc",
  amount_desc: "montant-desc",
  amount_asc: "montant-asc",
};
const SORT_BY_PARAM = new Map(
  Object.entries(SORT_PARAM).map(([sort, param]) => [param, sort as InvoiceSort]),
);
const TYPE_BY_PARAM: Record<string, "380" | "381"> = {
  facture: "380",
  avoir: "381",
  "380": "380",
  "381": "381",
};
const TRUE_VALUES = new Set(["1", "on", "oui", "true"]);
const FALSE_VALUES = new Set(["0", "non", "false"]);
const MAX_TEXT = 100;
const MAX_LEAVING_DAYS = 3660;

/** Query parameters read by `parseInvoiceFilters` (anything else in the query is left to the caller). */
export const FILTER_PARAMS = [
  "q",
  "periode",
  "mois",
  "annee",
  "du",
  "au",
  "contrat",
  "client",
  "type",
  "nouvelles",
  "retrait",
  "tri",
] as const;

function invalid(param: string, message: string): never {
  throw new DomainError("invalid_filter", message, { param });
}

/** One trimmed value, undefined when absent or empty (a GET form sends its empty fields). */
function single(query: Record<string, unknown>, param: string): string | undefined {
  const raw = query[param];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "string")
    invalid(param, `Le critère « ${param} » est donné plusieurs fois ou n’est pas lisible.`);
  const value = raw.trim();
  return value === "" ? undefined : value;
}

function text(query: Record<string, unknown>, param: string, label: string): string | undefined {
  const value = single(query, param);
  if (value === undefined) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused here
  if (value.length > MAX_TEXT || /[\u0000-\u001f\u007f]/.test(value))
    invalid(param, `${label} : ${MAX_TEXT} caractères au plus, sans caractère de contrôle.`);
  return value;
}

function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1900 || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function lastDayOfMonth(year: number, month: number): string {
  return `${year}-${String(month).padStart(2, "0")}-${String(new Date(Date.UTC(year, month, 0)).getUTCDate()).padStart(2, "0")}`;
}

/** `YYYY` or `YYYY-MM` as an inclusive date range. */
function periodRange(
  value: string,
  param: string,
  allowYear: boolean,
  allowMonth: boolean,
): { from: string; to: string } {
  const year = /^(\d{4})$/.exec(value);
  if (year && allowYear && Number(year[1]) >= 1900)
    return { from: `${year[1]}-01-01`, to: `${year[1]}-12-31` };
  const month = /^(\d{4})-(\d{2})$/.exec(value);
  if (month && allowMonth && Number(month[1]) >= 1900 && Number(month[2]) >= 1 && Number(month[2]) <= 12)
    return { from: `${value}-01`, to: lastDayOfMonth(Number(month[1]), Number(month[2])) };
  return invalid(param, `La période « ${value.slice(0, 20)} » n’est pas reconnue (AAAA ou AAAA-MM).`);
}

/**
 * The filters of a query string (`request.query`). Absent or empty fields mean "any"; unreadable values
 * throw `invalid_filter`. Period fields combine by intersection: `annee`, `mois`, `periode` (the list
 * form's select, `AAAA` or `AAAA-MM`) and the `du`/`au` dates. A range whose start is after its end is
 * kept as given and simply matches nothing.
 */
export function parseInvoiceFilters(query: Record<string, unknown>): InvoiceFilters {
  const filters: InvoiceFilters = { sort: "date_desc" };
  const ranges: { from?: string; to?: string }[] = [];
  const annee = single(query, "annee");
  if (annee !== undefined) ranges.push(periodRange(annee, "annee", true, false));
  const mois = single(query, "mois");
  if (mois !== undefined) ranges.push(periodRange(mois, "mois", false, true));
  const periode = single(query, "periode");
  if (periode !== undefined) ranges.push(periodRange(periode, "periode", true, true));
  for (const [param, key, label] of [
    ["du", "from", "La date de début"],
    ["au", "to", "La date de fin"],
  ] as const) {
    const value = single(query, param);
    if (value === undefined) continue;
    if (!isCalendarDate(value)) invalid(param, `${label} doit être une date au format AAAA-MM-JJ.`);
    ranges.push({ [key]: value });
  }
  for (const range of ranges) {
    if (range.from !== undefined && (filters.from === undefined || range.from > filters.from))
      filters.from = range.from;
    if (range.to !== undefined && (filters.to === undefined || range.to < filters.to)) filters.to = range.to;
  }

  const contract = text(query, "contrat", "Le numéro de contrat");
  if (contract !== undefined) filters.contract = contract;
  const customer = text(query, "client", "Le numéro client");
  if (customer !== undefined) filters.customer = customer;
  const q = text(query, "q", "La recherche");
  if (q !== undefined) filters.q = q;

  const type = single(query, "type");
  if (type !== undefined) {
    const code = TYPE_BY_PARAM[type.toLowerCase()];
    if (!code) invalid("type", "Le type doit être « facture » ou « avoir ».");
    filters.type = code;
  }
  const fresh = single(query, "nouvelles");
  if (fresh !== undefined) {
    if (TRUE_VALUES.has(fresh.toLowerCase())) filters.notDownloaded = true;
    else if (!FALSE_VALUES.has(fresh.toLowerCase()))
      invalid("nouvelles", "Le critère « nouvelles » vaut 1 ou 0.");
  }
  const leaving = single(query, "retrait");
  if (leaving !== undefined) {
    if (!/^\d{1,4}$/.test(leaving) || Number(leaving) < 1 || Number(leaving) > MAX_LEAVING_DAYS)
      invalid("retrait", `Le critère « retrait » est un nombre de jours entre 1 et ${MAX_LEAVING_DAYS}.`);
    filters.leavingWithinDays = Number(leaving);
  }
  const sort = single(query, "tri");
  if (sort !== undefined) {
    const value = SORT_BY_PARAM.get(sort);
    if (!value) invalid("tri", "Le tri demandé n’existe pas.");
    filters.sort = value;
  }
  return filters;
}

/** The whole month or whole year a range covers exactly, as `AAAA-MM` or `AAAA`; undefined otherwise. */
export function periodOf(filters: Pick<InvoiceFilters, "from" | "to">): string | undefined {
  const { from, to } = filters;
  if (!from || !to) return undefined;
  const year = from.slice(0, 4);
  if (from === `${year}-01-01` && to === `${year}-12-31`) return year;
  if (from.endsWith("-01") && to === lastDayOfMonth(Number(year), Number(from.slice(5, 7))))
    return from.slice(0, 7);
  return undefined;
}

/**
 * The canonical query string of these filters (defaults left out), so that
 * `parseInvoiceFilters(Object.fromEntries(filtersToQuery(f)))` gives `f` back. A whole month or year
 * is written `mois=` / `annee=`, any other range `du=` / `au=`.
 */
export function filtersToQuery(filters: InvoiceFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.q !== undefined) params.set("q", filters.q);
  const period = periodOf(filters);
  if (period !== undefined) params.set(period.length === 4 ? "annee" : "mois", period);
  else {
    if (filters.from !== undefined) params.set("du", filters.from);
    if (filters.to !== undefined) params.set("au", filters.to);
  }
  if (filters.contract !== undefined) params.set("contrat", filters.contract);
  if (filters.customer !== undefined) params.set("client", filters.customer);
  if (filters.type !== undefined) params.set("type", filters.type === "381" ? "avoir" : "facture");
  if (filters.notDownloaded) params.set("nouvelles", "1");
  if (filters.leavingWithinDays !== undefined) params.set("retrait", String(filters.leavingWithinDays));
  if (filters.sort !== "date_desc") params.set("tri", SORT_PARAM[filters.sort]);
  return params;
}

/** The URL query parameter of a sort (`date-desc`, `date-asc`, `montant-desc`, `montant-asc`). */
export function sortParam(sort: InvoiceSort): string {
  return SORT_PARAM[sort];
}

/** True when anything but the sort narrows the list. */
export function hasFilters(filters: InvoiceFilters): boolean {
  return [...filtersToQuery({ ...filters, sort: "date_desc" }).keys()].length > 0;
}

/** A position in the list: the sort key (issue date or amount) and the id of a row. */
export interface ListCursor {
  key: string;
  id: string;
}

const AMOUNT = /^-?\d{1,20}(\.\d{1,10})?$/;

/** `apres` / `avant` of the list URL: `<issue date or amount>_<invoice id>`. */
export function formatCursor(cursor: ListCursor): string {
  return `${cursor.key}_${cursor.id}`;
}

/**
 * A cursor of the URL for this sort, or `invalid_cursor`. A cursor is a position, not a right: pages
 * are always read within the account, so a hand-made position shows nothing the account may not see.
 */
export function parseCursor(value: string, sort: InvoiceSort): ListCursor {
  const [key = "", id = "", ...rest] = value.split("_");
  const keyOk = sort.startsWith("date") ? isCalendarDate(key) : AMOUNT.test(key);
  if (rest.length > 0 || !keyOk || !parseUuid(id))
    throw new DomainError(
      "invalid_cursor",
      "Ce lien de page n’est pas valide. Reprenez la liste depuis le début.",
    );
  return { key, id };
}
