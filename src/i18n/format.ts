/** The portal's languages; `fr` is the source and the default. */
export type Locale = "fr" | "en";
export const LOCALES: readonly Locale[] = ["fr", "en"];
export const DEFAULT_LOCALE: Locale = "fr";

/** Intl locale of each portal language: French of France, English of Great Britain (dd/mm/yyyy). */
const INTL: Record<Locale, string> = { fr: "fr-FR", en: "en-GB" };
const ZONE = "Europe/Paris";

export function isLocale(value: unknown): value is Locale {
  return value === "fr" || value === "en";
}

/** Dates, amounts and counts in one language (formatters built once per language). */
export interface Formats {
  locale: Locale;
  /** An integer with the language's grouping: `1 234` / `1,234`. */
  count(n: number): string;
  /** A calendar date `YYYY-MM-DD` as `05/11/2026` (no time zone involved). */
  day(iso: string): string;
  /** A calendar date `YYYY-MM-DD` as `5 novembre 2026` / `5 November 2026`. */
  longDay(iso: string): string;
  /** A moment as its Paris calendar day, `05/11/2026`. */
  date(at: Date): string;
  /** A moment as its Paris calendar day, `5 novembre 2026` / `5 November 2026`. */
  longDate(at: Date): string;
  /** A moment with its Paris time, `5 nov. 2026, 14:03` style. */
  dateTime(at: Date): string;
  /** A moment with its Paris time, long form. */
  longDateTime(at: Date): string;
  /** `2026-10` as `Octobre 2026` / `October 2026`. */
  month(yearMonth: string): string;
  /** An amount from its decimal string with its currency; Intl formats the string exactly (no float). */
  money(value: string, currency: string): string;
  /** A plain decimal string (VAT rates): `5,5` / `5.5`. */
  decimal(value: string): string;
  /** A file size, `45 ko` / `45 kB`. */
  size(bytes: number): string;
}

function build(locale: Locale): Formats {
  const tag = INTL[locale];
  const integer = new Intl.NumberFormat(tag);
  const short = new Intl.DateTimeFormat(tag, {
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
    timeZone: ZONE,
  });
  const long = new Intl.DateTimeFormat(tag, { dateStyle: "long", timeZone: ZONE });
  const longUtc = new Intl.DateTimeFormat(tag, { dateStyle: "long", timeZone: "UTC" });
  const medium = new Intl.DateTimeFormat(tag, { dateStyle: "medium", timeStyle: "short", timeZone: ZONE });
  const longTime = new Intl.DateTimeFormat(tag, { dateStyle: "long", timeStyle: "short", timeZone: ZONE });
  const monthName = new Intl.DateTimeFormat(tag, { month: "long", year: "numeric", timeZone: "UTC" });
  const plain = new Intl.NumberFormat(tag, { maximumFractionDigits: 20 });
  const fixed2 = new Intl.NumberFormat(tag, { minimumFractionDigits: 2, maximumFractionDigits: 20 });
  const kilobytes = new Intl.NumberFormat(tag, { style: "unit", unit: "kilobyte", maximumFractionDigits: 0 });
  const megabytes = new Intl.NumberFormat(tag, { style: "unit", unit: "megabyte", maximumFractionDigits: 1 });
  const moneyFormats = new Map<string, Intl.NumberFormat | null>();
  return {
    locale,
    count: (n) => integer.format(n),
    day: (iso) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`,
    longDay: (iso) => longUtc.format(new Date(`${iso}T00:00:00Z`)),
    date: (at) => short.format(at),
    longDate: (at) => long.format(at),
    dateTime: (at) => medium.format(at),
    longDateTime: (at) => longTime.format(at),
    month: (yearMonth) => {
      const text = monthName.format(new Date(`${yearMonth}-01T00:00:00Z`));
      return text.charAt(0).toUpperCase() + text.slice(1);
    },
    money(value, currency) {
      let format = moneyFormats.get(currency);
      if (format === undefined) {
        try {
          format = new Intl.NumberFormat(tag, { style: "currency", currency });
        } catch {
          format = null;
        }
        moneyFormats.set(currency, format);
      }
      // Not an ISO 4217 code Intl knows: the number, then the code as given.
      if (format === null) return `${fixed2.format(value as `${number}`)} ${currency}`;
      return format.format(value as `${number}`);
    },
    decimal: (value) => plain.format(value as `${number}`),
    size: (bytes) =>
      bytes >= 1_000_000
        ? megabytes.format(bytes / 1_000_000)
        : kilobytes.format(Math.max(1, Math.round(bytes / 1000))),
  };
}

const FORMATS: Record<Locale, Formats> = { fr: build("fr"), en: build("en") };

export function formatsFor(locale: Locale): Formats {
  return FORMATS[locale];
}

/**
 * The preferred portal language of an Accept-Language header: English when English is preferred over
 * French (by q-value, then order), French otherwise (and when neither is named).
 */
export function localeFromAcceptLanguage(header: string | undefined): Locale {
  if (!header) return DEFAULT_LOCALE;
  let best: { locale: Locale; q: number; order: number } | undefined;
  header
    .slice(0, 1000)
    .split(",")
    .forEach((part, order) => {
      const [range = "", ...params] = part.trim().split(";");
      const primary = range.trim().toLowerCase().split("-")[0];
      if (primary !== "fr" && primary !== "en") return;
      let q = 1;
      for (const p of params) {
        const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/.exec(p);
        if (m) q = Number(m[1]);
      }
      if (q <= 0) return;
      if (!best || q > best.q || (q === best.q && order < best.order)) best = { locale: primary, q, order };
    });
  return best?.locale ?? DEFAULT_LOCALE;
}
