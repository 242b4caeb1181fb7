import type { FastifyRequest } from "fastify";
import { isLocale, type Locale, localeFromAcceptLanguage } from "./format.js";
import { type Ui, uiFor } from "./index.js";

/** The cookie that remembers the language chosen with the switch (or on the account). */
export const LANG_COOKIE = "lang";

/**
 * The language of a customer-facing answer: the logged-in account's preference, else the `lang` cookie,
 * else the browser's Accept-Language (English only when preferred over French).
 */
export function requestLocale(request: FastifyRequest): Locale {
  const language = request.customer?.language;
  if (isLocale(language)) return language;
  const cookie = (request.cookies as Record<string, string | undefined> | undefined)?.[LANG_COOKIE];
  if (isLocale(cookie)) return cookie;
  const header = request.headers["accept-language"];
  return localeFromAcceptLanguage(typeof header === "string" ? header : undefined);
}

/** Texts, formats and switch links of a request; the switch comes back to the page itself (GET) or home. */
export function requestUi(request: FastifyRequest): Ui {
  const locale = requestLocale(request);
  const ui = uiFor(locale, request.method === "GET" ? safeLocalPath(request.url) : "/");
  return request.portalDraft ? { ...ui, draft: request.portalDraft.map((d) => d[locale]) } : ui;
}

/** A path of this portal to come back to: anything that could leave the site becomes `/`. */
export function safeLocalPath(value: unknown): string {
  if (typeof value !== "string" || value.length > 2000) return "/";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused here
  if (!value.startsWith("/") || value.startsWith("//") || /[\\\u0000-\u001f\u007f]/.test(value)) return "/";
  return value;
}
