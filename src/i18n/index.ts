import { en } from "./en.js";
import { DEFAULT_LOCALE, type Formats, formatsFor, type Locale } from "./format.js";
import { fr, type Messages } from "./fr.js";

export {
  DEFAULT_LOCALE,
  type Formats,
  formatsFor,
  isLocale,
  LOCALES,
  type Locale,
  localeFromAcceptLanguage,
} from "./format.js";
export type { FaqEntry, HelpPage, Messages } from "./fr.js";

const MESSAGES: Record<Locale, Messages> = { fr, en };

/** The customer-facing texts of one language. */
export function messagesFor(locale: Locale): Messages {
  return MESSAGES[locale] ?? MESSAGES[DEFAULT_LOCALE];
}

/** What a page needs to speak one language: the locale, its texts, its formats, and where the switch leads. */
export interface Ui {
  locale: Locale;
  t: Messages;
  f: Formats;
  /** The language switch: a GET link per language (anonymous), or a POST form (logged in). */
  switchLinks: Record<Locale, string>;
  /** Where the logged-in switch form comes back to (a path of this portal). */
  here: string;
  /** Outside production, a portal with incomplete legal details: what is missing, for the page's banner. */
  draft?: string[];
}

export function uiFor(locale: Locale, here = "/"): Ui {
  return {
    locale,
    t: messagesFor(locale),
    f: formatsFor(locale),
    switchLinks: { fr: withLang(here, "fr"), en: withLang(here, "en") },
    here,
  };
}

/** The same path and query with `lang=` set: following it sets the language cookie and comes back. */
function withLang(here: string, locale: Locale): string {
  const q = here.indexOf("?");
  const path = q === -1 ? here : here.slice(0, q);
  const params = new URLSearchParams(q === -1 ? "" : here.slice(q + 1));
  params.set("lang", locale);
  return `${path}?${params}`;
}
