import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import fastifyHelmet from "@fastify/helmet";
import fastifyStatic from "@fastify/static";
import fastifyHtml from "@kitajs/fastify-html-plugin";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import type { Services } from "../app.js";
import { isDatabaseDown } from "../db/database.js";
import { resolveCustomerSession } from "../domain/accounts/sessions.js";
import { DomainError } from "../domain/shared/errors.js";
import { resolveHost, tenantOrigin } from "../domain/tenants/tenant-url.js";
import { messagesFor, uiFor } from "../i18n/index.js";
import { requestLocale, requestUi } from "../i18n/request-locale.js";
import { isBlobStoreDown } from "../storage/blob-store.js";
import { installValidatedClientIp, trustProxyOption } from "./client-ip.js";
import { registerCustomerAuth } from "./customer-auth.js";
import { STATUS_BY_CODE } from "./error-status.js";
import { registerPortalReadiness } from "./portal-readiness.js";
import { accountRoutes } from "./routes/account.js";
import { apiErrorBody, apiFrameworkError } from "./routes/api/api-errors.js";
import { apiRoutes } from "./routes/api/index.js";
import { authRoutes, homeRoute } from "./routes/auth.js";
import { devRoutes } from "./routes/dev.js";
import { type DownloadRouteOptions, downloadRoutes } from "./routes/downloads.js";
import { faviconRoutes } from "./routes/favicon.js";
import { helpRoutes } from "./routes/help.js";
import { invoiceDetailRoutes } from "./routes/invoice-detail.js";
import { invoiceRoutes, listErrorText } from "./routes/invoices.js";
import { languageCookieSetter, languageRedirect, languageRoutes } from "./routes/language.js";
import { opsRoutes } from "./routes/ops.js";
import { portalRoutes, tenantBranding } from "./routes/portal.js";
import { proofRoutes, sealKeyRoutes } from "./routes/proof.js";
import { staffRoutes } from "./routes/staff/index.js";
import { hostProblem, type Site } from "./site.js";
import { createTenantCache } from "./tenant-cache.js";
import { tenantScope } from "./tenant-scope.js";
import { ErrorPage, NoPortalPage, StaffErrorPage } from "./views/errors.view.js";
import type { SignedIn } from "./views/layout.js";
import { PlatformHomePage } from "./views/platform-home.view.js";
import type { StaffHeader } from "./views/staff/staff-layout.js";

const PUBLIC_DIR = fileURLToPath(new URL("../../public/", import.meta.url));
const OPS_PATHS = new Set(["/healthz", "/readyz"]);

/** PostgreSQL's refusal of a NUL byte or of text it cannot encode (SQLSTATE 22021, 22P05). */
function isUnstorableText(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "22021" || code === "22P05";
}

/** Builds the web application (does not listen): tenant resolution by Host, pages, API, operations. */
export async function buildWebApp(
  services: Services,
  options: { downloads?: DownloadRouteOptions } = {},
): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    loggerInstance: services.logger as FastifyBaseLogger,
    requestIdHeader: "x-request-id",
    genReqId: () => randomBytes(8).toString("hex"),
    trustProxy: trustProxyOption(config.trustedProxies),
    bodyLimit: 1024 * 1024,
    // A key the schema does not know is refused (400 invalid_request), not dropped: a misspelt `contract`
    // must not answer 200 having stored nothing. Fastify's default removes it silently.
    ajv: { customOptions: { removeAdditional: false } },
    // A URL the router cannot read (bad percent-encoding, a path parameter over 100 characters) is refused
    // before any hook runs: the API still answers with its envelope, a page with a short page in words.
    frameworkErrors: (error, request, rawReply) => {
      const reply = rawReply as unknown as FastifyReply;
      reply.code(400).header("cache-control", "no-store").header("x-request-id", request.id);
      if (request.url.startsWith("/api/"))
        return reply.send(
          apiErrorBody(
            request,
            "invalid_request",
            error.code === "FST_ERR_MAX_PARAM_LENGTH"
              ? "a path parameter is longer than 100 characters"
              : "the URL is not valid (bad percent-encoding)",
          ),
        );
      return reply
        .type("text/html; charset=utf-8")
        .header("content-security-policy", "default-src 'none'")
        .send(
          '<!doctype html><html lang="fr"><meta charset="utf-8"><title>Adresse invalide</title>' +
            "<h1>Adresse invalide</h1><p>Cette adresse de page n’est pas valide. Revenez à l’accueil du portail.</p>" +
            '<p lang="en">This page address is not valid. Go back to the portal’s home page.</p></html>',
        );
    },
  });
  installValidatedClientIp(app);
  const tenants = createTenantCache(services.db);

  app.decorateRequest("site", null as never);
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  app.addHook("onRequest", async (request, reply) => {
    const problem = OPS_PATHS.has(request.url.split("?")[0]!) ? undefined : hostProblem(request.raw);
    if (!problem) return;
    request.log.warn({ event: "http.bad_host", problem }, "request refused: Host");
    return reply
      .code(400)
      .header("cache-control", "no-store")
      .type("text/plain; charset=utf-8")
      .send("Bad Request\n");
  });

  await app.register(fastifyHtml as unknown as FastifyPluginAsync);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        scriptSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'self'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    strictTransportSecurity: config.production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: "same-origin" },
  });
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: "/assets/", maxAge: "1h" });

  // Which portal the Host header names. Unknown hosts get a plain 404 that says so.
  app.addHook("onRequest", async (request, reply) => {
    if (OPS_PATHS.has(request.url.split("?")[0]!)) return;
    const resolved = resolveHost(config.publicBaseUrl, request.headers.host);
    if (resolved.kind === "platform") {
      request.site = { kind: "platform" };
      return;
    }
    const tenant = resolved.kind === "tenant" ? await tenants.get(resolved.slug) : undefined;
    if (!tenant) {
      reply.code(404).header("cache-control", "no-store");
      if (request.url.startsWith("/api/"))
        return reply.send(apiErrorBody(request, "not_found", "no portal at this address"));
      return reply.html(<NoPortalPage ui={requestUi(request)} host={String(request.headers.host ?? "")} />);
    }
    request.site = { kind: "tenant", tenant, origin: tenantOrigin(config.publicBaseUrl, tenant.slug) };
  });
  registerPortalReadiness(app, { production: config.production });
  const auth = await registerCustomerAuth(app, {
    db: services.db,
    production: config.production,
    cookieSecret: services.cookieSecret,
  });
  const setLanguageCookie = languageCookieSetter(config.production);
  languageRedirect(app, setLanguageCookie);

  /** Error pages speak the visitor's language and wear the portal's colours; the back office stays French. */
  const errorPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    props: {
      status: number;
      title: string;
      message: string;
      requestId?: string;
      user?: SignedIn;
      back?: { href: string; label: string };
    },
  ) => {
    const staff = /^\/(conseiller|_dev)(\/|$|\?)/.test(request.url);
    // The switch of an error page leads home: the page must not echo the path (a 404 is the same for every id).
    const ui = uiFor(staff ? "fr" : requestLocale(request), "/");
    const site = request.site as Site | null;
    // The back office keeps its own shell (and its navigation when an advisor is logged in).
    if (/^\/conseiller(\/|$|\?)/.test(request.url) && site?.kind === "tenant")
      return (
        <StaffErrorPage
          branding={tenantBranding(site.tenant)}
          status={props.status}
          title={props.title}
          message={props.message}
          requestId={props.requestId}
          staff={staffOf(request, reply)}
        />
      );
    return (
      <ErrorPage
        ui={ui}
        branding={site?.kind === "tenant" ? tenantBranding(site.tenant) : undefined}
        {...props}
      />
    );
  };
  /** The advisor the back office's hook already found, for the staff header of an error page. */
  const staffOf = (request: FastifyRequest, reply: FastifyReply): StaffHeader | undefined =>
    request.staff
      ? {
          name: request.staff.displayName || request.staff.email,
          role: request.staff.role,
          csrf: reply.generateCsrf(),
        }
      : undefined;
  /** The customer a page's preHandler already found (no query: the error may be the database's). */
  const knownUser = (request: FastifyRequest, reply: FastifyReply): SignedIn | undefined =>
    request.customer ? { identifier: request.customer.identifier, csrf: reply.generateCsrf() } : undefined;
  /** A logged-in customer keeps the header on an error page (issue #13 item 14); nobody else gets one. */
  const signedIn = async (request: FastifyRequest, reply: FastifyReply): Promise<SignedIn | undefined> => {
    const site = request.site as Site | null;
    if (site?.kind !== "tenant" || /^\/(conseiller|_dev|api)(\/|$|\?)/.test(request.url)) return undefined;
    const identifier =
      request.customer?.identifier ??
      (
        await resolveCustomerSession(services.db, {
          tenantId: site.tenant.id,
          cookie: auth.readSessionCookie(request),
          now: new Date(),
        })
      )?.identifier;
    return identifier ? { identifier, csrf: reply.generateCsrf() } : undefined;
  };
  const textsOf = (request: FastifyRequest) =>
    /^\/(conseiller|_dev)(\/|$|\?)/.test(request.url) ? messagesFor("fr") : requestUi(request).t;

  app.setNotFoundHandler(async (request, reply) => {
    reply.code(404);
    if (request.url.startsWith("/api/")) return apiErrorBody(request, "not_found", "no such resource");
    const t = textsOf(request).errors;
    const user = await signedIn(request, reply);
    // An invoice link that leads nowhere (another account's, withdrawn, mistyped) says so in the same words for all.
    const invoice = /^\/factures\/[^/?]+/.test(request.url);
    return reply.html(
      errorPage(request, reply, {
        status: 404,
        title: invoice ? t.invoiceNotFoundTitle : t.notFoundTitle,
        message: invoice ? t.invoiceNotFoundText : t.notFoundText,
        user,
        back: user ? { href: "/factures", label: t.backToInvoices } : undefined,
      }),
    );
  });

  app.setErrorHandler(async (thrown, request, reply) => {
    const api = request.url.startsWith("/api/");
    // Text PostgreSQL cannot store (a NUL character) is the sender's mistake, refused like any bad input;
    // the statement failed, so its transaction rolled back and nothing was written.
    const error = isUnstorableText(thrown)
      ? new DomainError(
          "invalid_request",
          "the request holds text that cannot be stored (a NUL character, U+0000): remove it and send again",
        )
      : thrown;
    // The database, or the originals' store (S3 down): nothing was written, the same request works once it is back.
    if (isDatabaseDown(error) || isBlobStoreDown(error)) {
      request.log.error(
        { err: error },
        isBlobStoreDown(error) ? "blob store unavailable" : "database unavailable",
      );
      // A restart or failover lasts seconds: come back soon (integrators retry the same file, idempotently).
      reply.code(503).header("retry-after", "5");
      if (api) return apiErrorBody(request, "service_unavailable", "try again shortly");
      const t = textsOf(request).errors;
      return reply.html(
        errorPage(request, reply, {
          status: 503,
          title: t.unavailableTitle,
          message: t.unavailableText,
          requestId: request.id,
        }),
      );
    }
    if (error instanceof DomainError) {
      const status = STATUS_BY_CODE[error.code];
      reply.code(status);
      if (status === 503) reply.header("retry-after", "5");
      // A 500 is the operator's to fix (a key file it cannot read): logged like an unexpected error.
      if (status === 500) request.log.error({ err: error }, "server-side domain error");
      if (api) return apiErrorBody(request, error.code, error.message, error.details);
      // The domain's messages are French and written for issuers: customers get a text chosen by code.
      const t = textsOf(request);
      const message =
        error.code === "invalid_filter" || error.code === "invalid_cursor"
          ? listErrorText(t, error)
          : t.errors.refusedText;
      return reply.html(
        errorPage(request, reply, {
          status,
          title: t.errors.refusedTitle,
          message,
          user: knownUser(request, reply),
        }),
      );
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      if (api) {
        const refused = apiFrameworkError(request, error as Error & { code?: string; statusCode: number });
        reply.code(refused.status);
        return refused.body;
      }
      reply.code(status);
      const t = textsOf(request).errors;
      return reply.html(
        errorPage(
          request,
          reply,
          status === 403
            ? { status, title: t.forbiddenTitle, message: t.forbiddenText, user: knownUser(request, reply) }
            : {
                status,
                title: t.badRequestTitle,
                message: t.badRequestText,
                user: knownUser(request, reply),
              },
        ),
      );
    }
    request.log.error({ err: error }, "unexpected error");
    reply.code(500);
    if (api)
      return apiErrorBody(request, "internal_error", "unexpected error: quote the requestId to support");
    const t = textsOf(request).errors;
    return reply.html(
      errorPage(request, reply, {
        status: 500,
        title: t.unexpectedTitle,
        message: t.unexpectedText,
        requestId: request.id,
      }),
    );
  });

  // Routes come after the error and not-found handlers: every route, and every encapsulated plugin (the tenant
  // scope, the API), is built with the handlers in force when it loads.
  await opsRoutes(app, services);
  await faviconRoutes(app);
  await sealKeyRoutes(app, services);
  await homeRoute(app, services, {
    platformHome: (ui) => (
      <PlatformHomePage ui={ui} devOutbox={services.outboxDir !== undefined && !config.production} />
    ),
  });
  if (services.outboxDir && !config.production) await devRoutes(app, services.outboxDir);
  // Pages and files that exist only on a tenant's host: `request.tenant` inside, the 404 page on the platform.
  await app.register(tenantScope, {
    routes: async (scope) => {
      await portalRoutes(scope, { blobs: services.blobs });
      await languageRoutes(scope, services, auth, setLanguageCookie);
      await authRoutes(scope, services, auth, { setLanguageCookie });
      await accountRoutes(scope, services, auth, { setLanguageCookie });
      await helpRoutes(scope, services);
      await invoiceRoutes(scope, services, auth, { zipMaxFiles: options.downloads?.zipMaxFiles });
      await invoiceDetailRoutes(scope, services, auth);
      await downloadRoutes(scope, services, auth, options.downloads);
      await proofRoutes(scope, services, auth);
    },
  });
  await staffRoutes(app, services, auth);
  await app.register(apiRoutes, { prefix: "/api", services });

  return app;
}
