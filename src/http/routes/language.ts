import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Services } from "../../app.js";
import { getAccountView, updatePreferences } from "../../domain/accounts/manage-account.js";
import { isLocale, type Locale } from "../../i18n/index.js";
import { LANG_COOKIE, safeLocalPath } from "../../i18n/request-locale.js";
import type { CustomerAuth } from "../customer-auth.js";
import type { TenantScope } from "../tenant-scope.js";

const ONE_YEAR_SECONDS = 365 * 86_400;
/** Paths that are not customer pages: the issuer API, the back office, development pages, assets. */
const NOT_CUSTOMER_PAGES = /^\/(api|conseiller|_dev|assets|branding)(\/|\.|$|\?)/;

/** Sets the `lang` cookie (a preference only: readable by scripts, sent on top-level navigation). */
export function languageCookieSetter(production: boolean) {
  return (reply: FastifyReply, locale: Locale) => {
    reply.setCookie(LANG_COOKIE, locale, {
      path: "/",
      maxAge: ONE_YEAR_SECONDS,
      sameSite: "lax",
      secure: production,
      httpOnly: false,
    });
  };
}

/**
 * The language switch. Anonymous visitors follow a link to the same page with `?lang=en`: that GET only
 * sets the cookie and redirects to the page without the parameter (the page's path, a reset token
 * included, stays a path, which the logger masks). A logged-in customer posts a CSRF-protected form to
 * `/langue`, which also saves the choice on the account (the account's preference wins over the cookie).
 */
export function languageRedirect(
  app: FastifyInstance,
  setLanguageCookie: (reply: FastifyReply, locale: Locale) => void,
) {
  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== "GET") return;
    const q = request.url.indexOf("?");
    if (q === -1) return;
    const params = new URLSearchParams(request.url.slice(q + 1));
    if (!params.has("lang")) return;
    const path = request.url.slice(0, q);
    if (NOT_CUSTOMER_PAGES.test(path)) return;
    const lang = params.get("lang");
    params.delete("lang");
    if (isLocale(lang)) setLanguageCookie(reply, lang);
    reply.header("cache-control", "no-store");
    return reply.redirect(safeLocalPath(params.size ? `${path}?${params}` : path), 303);
  });
}

/** `POST /langue` (inside the tenant scope): a logged-in customer's choice, saved on the account too. */
export async function languageRoutes(
  app: TenantScope,
  services: Services,
  auth: CustomerAuth,
  setLanguageCookie: (reply: FastifyReply, locale: Locale) => void,
) {
  app.post<{ Body: { lang?: string; retour?: string } }>(
    "/langue",
    {
      preHandler: [auth.requireCustomer, auth.checkOrigin, app.csrfProtection],
      schema: {
        body: {
          type: "object",
          required: ["lang"],
          properties: {
            lang: { type: "string", enum: ["fr", "en"] },
            retour: { type: "string", maxLength: 2000 },
            _csrf: { type: "string" },
          },
        },
      },
    },
    async (request, reply) => {
      const { tenant, customer } = request;
      if (!customer) return reply.callNotFound();
      const language = request.body.lang === "en" ? "en" : "fr";
      const account = await getAccountView(services.db, tenant.id, customer.accountId);
      if (!account) return reply.callNotFound();
      if (account.language !== language)
        await updatePreferences(services.db, {
          tenantId: tenant.id,
          accountId: customer.accountId,
          language,
          notifyNewInvoice: account.notifyNewInvoice,
          ip: request.ip,
        });
      setLanguageCookie(reply, language);
      request.log.info(
        { event: "language.changed", tenant: tenant.slug, account: customer.accountId, language },
        "language changed",
      );
      return reply.redirect(safeLocalPath(request.body.retour ?? "/factures"), 303);
    },
  );
}
