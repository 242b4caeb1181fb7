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
  const moneyFormats = new Map<string, ((value: string) => string) | null>();
  return {
    locale,
    count: (n) => integer.format(n),
    day: (iso) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`,
    longDay: remembered((iso) => longUtc.format(new Date(`${iso}T00:00:00Z`))),
    date: parisDay(short),
    longDate: parisDay(long),
    dateTime: (at) => medium.format(at),
    longDateTime: (at) => longTime.format(at),
    // The period filter lists every month of the account's range on every list page.
    month: remembered((yearMonth) => {
      const text = monthName.format(new Date(`${yearMonth}-01T00:00:00Z`));
      return text.charAt(0).toUpperCase() + text.slice(1);
    }),
    money(value, currency) {
      let format = moneyFormats.get(currency);
      if (format === undefined) {
        try {
          format = moneyFormat(new Intl.NumberFormat(tag, { style: "currency", currency }));
        } catch {
          format = null;
        }
        moneyFormats.set(currency, format);
      }
      // Not an ISO 4217 code Intl knows: the number, then the code as given.
      if (format === null) return `${fixed2.format(value as `${number}`)} ${currency}`;
      return format(value);
    },
    decimal: (value) => plain.format(value as `${number}`),
    size: (bytes) =>
      bytes >= 1_000_000
        ? megabytes.format(bytes / 1_000_000)
        : kilobytes.format(Math.max(1, Math.round(bytes / 1000))),
  };
}

// The list page formats two dates and an amount per line: through Intl that was a fifth of the page's
// CPU. Both shortcuts below give Intl's own output (test/format.test.ts checks them against Intl).

/** A pure function of a string, remembered (at most 10,000 answers, then forgotten at once). */
function remembered(compute: (key: string) => string): (key: string) => string {
  const answers = new Map<string, string>();
  return (key) => {
    let answer = answers.get(key);
    if (answer === undefined) {
      if (answers.size >= 10_000) answers.clear();
      answer = compute(key);
      answers.set(key, answer);
    }
    return answer;
  };
}

/**
 * A moment's Paris calendar day through `format`, remembered per UTC hour: Paris is a whole number of
 * hours from UTC and changes offset on the hour, so every moment of one UTC hour has the same Paris day.
 */
function parisDay(format: Intl.DateTimeFormat): (at: Date) => string {
  const days = new Map<number, string>();
  return (at) => {
    const hour = Math.floor(at.getTime() / 3_600_000);
    // Before 1980 (and for invalid dates) without the memory: local mean time was not whole hours.
    if (!(hour >= 87_660)) return format.format(at);
    let day = days.get(hour);
    if (day === undefined) {
      if (days.size >= 100_000) days.clear();
      day = format.format(at);
      days.set(hour, day);
    }
    return day;
  };
}

/**
 * An amount from its decimal string exactly as `format` writes it, without Intl for the usual case: at
 * most the currency's number of decimals (no rounding to decide) and no leading zero. The shape (signs,
 * symbol, separators, grouping by three) is read from Intl once and checked on samples; any other value,
 * or a currency whose samples disagree, goes through Intl.
 */
function moneyFormat(format: Intl.NumberFormat): (value: string) => string {
  const intl = (value: string) => format.format(value as `${number}`);
  const digits = format.resolvedOptions().minimumFractionDigits ?? 2;
  const shape = (n: number) => {
    const parts = format.formatToParts(n);
    const first = parts.findIndex((p) => p.type === "integer");
    const last = parts.findLastIndex((p) => p.type === "integer" || p.type === "fraction");
    const text = (from: number, to: number) =>
      parts
        .slice(from, to)
        .map((p) => p.value)
        .join("");
    return {
      before: text(0, first),
      after: text(last + 1, parts.length),
      group: parts.find((p) => p.type === "group")?.value ?? "",
      decimal: parts.find((p) => p.type === "decimal")?.value ?? "",
    };
  };
  const sample = 1_234_567 + (digits > 0 ? 0.5 : 0);
  const plus = shape(sample);
  const minus = shape(-sample);
  const fast = (value: string): string | undefined => {
    const m = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?$/.exec(value);
    if (!m || (m[3]?.length ?? 0) > digits || m[2]!.length > 15) return undefined;
    const { before, after, group, decimal } = m[1] ? minus : plus;
    const integer = m[2]!.replace(/\B(?=(\d{3})+$)/g, group);
    const fraction = digits > 0 ? `${decimal}${(m[3] ?? "").padEnd(digits, "0")}` : "";
    return `${before}${integer}${fraction}${after}`;
  };
  const samples = ["0", "5", "-5", "12.3", "1234", "-1234.5", "12345.67", "1234567", "-1234567.89", "-0"];
  if (!samples.every((v) => fast(v) === undefined || fast(v) === intl(v))) return intl;
  return (value) => fast(value) ?? intl(value);
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
