import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Services } from "../../app.js";
import type { TenantRow } from "../../db/tenants.queries.js";
import { logIn } from "../../domain/accounts/log-in.js";
import { getAccountView } from "../../domain/accounts/manage-account.js";
import {
  inspectResetToken,
  requestPasswordReset,
  resetPassword,
} from "../../domain/accounts/password-reset.js";
import { endSession } from "../../domain/accounts/sessions.js";
import { promisedRetentionMonths } from "../../domain/retention/promised-retention.js";
import type { Ui } from "../../i18n/index.js";
import { requestUi } from "../../i18n/request-locale.js";
import type { CustomerAuth } from "../customer-auth.js";
import { tenantHelp } from "../tenant-help.js";
import type { TenantRequest, TenantScope } from "../tenant-scope.js";
import { ForgotPage, ForgotSentPage, ResetInvalidPage, ResetPage } from "../views/auth.view.js";
import { HomePage } from "../views/home.view.js";
import { tenantBranding } from "./portal.js";

/** Messages shown after a redirect: only these keys, never text taken from the request. */
const MESSAGE_KINDS: Record<string, "error" | "success"> = {
  "password-set": "success",
  "logged-out": "success",
  session: "error",
};

function redirectMessage(ui: Ui, key: unknown) {
  const kind = MESSAGE_KINDS[String(key ?? "")];
  const text = ui.t.home.messages[String(key)];
  return kind && text ? { kind, text } : undefined;
}

const loginBody = {
  type: "object",
  required: ["identifier", "password"],
  properties: {
    identifier: { type: "string", maxLength: 256 },
    password: { type: "string", maxLength: 4096 },
    _csrf: { type: "string" },
  },
} as const;
const forgotBody = {
  type: "object",
  required: ["email"],
  properties: { email: { type: "string", maxLength: 1024 }, _csrf: { type: "string" } },
} as const;
const noStore = { "cache-control": "no-store" };
const resetBody = {
  type: "object",
  required: ["password", "confirmation"],
  properties: {
    password: { type: "string", maxLength: 4096 },
    confirmation: { type: "string", maxLength: 4096 },
    _csrf: { type: "string" },
  },
} as const;

/** The login form fills in the identifier the reset page showed (see `takePrefill`). */
function prefillCookieOf(services: Services) {
  return {
    name: `${services.config.production ? "__Host-" : ""}efacture-identifier`,
    options: { path: "/", httpOnly: true, secure: services.config.production, sameSite: "lax" as const },
  };
}

/**
 * `/`: a tenant's home page (the login form), or the platform's own home page on the platform host; the
 * only customer route outside the tenant scope, since it answers on both kinds of host.
 */
export async function homeRoute(
  app: FastifyInstance,
  services: Services,
  options: { platformHome: (ui: Ui) => JSX.Element },
) {
  const prefill = prefillCookieOf(services);
  // The identifier the reset page showed fills the login form that follows (issue #13 item 14). It travels
  // in a short-lived, signed, HttpOnly cookie rather than the URL: nothing in logs, history or a crafted
  // link, and it exists only after a spent token (R9). Read once, then cleared.
  const takePrefill = (request: FastifyRequest, reply: FastifyReply): string | undefined => {
    const raw = request.cookies[prefill.name];
    if (raw === undefined) return undefined;
    reply.clearCookie(prefill.name, prefill.options);
    const cookie = request.unsignCookie(raw);
    return cookie.valid && cookie.value ? cookie.value.slice(0, 64) : undefined;
  };

  app.get<{ Querystring: { message?: string } }>("/", async (request, reply) => {
    const { site } = request;
    const ui = requestUi(request);
    if (site.kind !== "tenant") return reply.html(options.platformHome(ui));
    reply.headers(noStore);
    return reply.html(
      await tenantHome(services, site.tenant, {
        ui,
        csrf: reply.generateCsrf(),
        message: redirectMessage(ui, request.query.message),
        identifier: takePrefill(request, reply),
      }),
    );
  });
}

/** A tenant's home page: the login form (with the identifier to fill in), its help and a message. */
async function tenantHome(
  services: Services,
  tenant: TenantRow,
  page: { ui: Ui; csrf: string; message?: { kind: "error" | "success"; text: string }; identifier?: string },
) {
  return (
    <HomePage
      ui={page.ui}
      branding={tenantBranding(tenant)}
      retentionMonths={await promisedRetentionMonths(services.db, tenant)}
      {...tenantHelp(tenant)}
      csrf={page.csrf}
      message={page.message}
      identifier={page.identifier}
    />
  );
}

/** Login, logout, "Mot de passe ou identifiant oublié" and the reset page (docs/security.md L1-L3, R1-R13), inside the tenant scope. */
export async function authRoutes(
  app: TenantScope,
  services: Services,
  auth: CustomerAuth,
  options: { setLanguageCookie: (reply: FastifyReply, locale: "fr" | "en") => void },
) {
  const form = { preHandler: [auth.checkOrigin, app.csrfProtection] };
  const prefill = prefillCookieOf(services);

  // The login form lives on the home page; a bookmark of, or a "back" to, its action URL lands there.
  app.get("/connexion", async (_request, reply) => reply.redirect("/", 303));

  app.post<{ Body: { identifier: string; password: string } }>(
    "/connexion",
    { ...form, schema: { body: loginBody } },
    async (request, reply) => {
      const { tenant } = request;
      const result = await logIn(services.db, {
        tenantId: tenant.id,
        identifier: request.body.identifier,
        password: request.body.password,
        ip: request.ip,
        userAgent: request.headers["user-agent"] ?? null,
        previousCookie: auth.readSessionCookie(request),
      });
      const log = { tenant: tenant.slug, ip: request.ip };
      if (result.ok) {
        request.log.info({ ...log, event: "login.succeeded", account: result.accountId }, "login succeeded");
        auth.setSessionCookie(reply, result.sessionCookie);
        // The account's language becomes the browser's: public pages (help, logout) follow it too.
        const account = await getAccountView(services.db, tenant.id, result.accountId);
        if (account) options.setLanguageCookie(reply, account.language);
        return reply.redirect("/factures", 303);
      }
      request.log.warn(
        { ...log, event: result.reason === "throttled" ? "login.throttled" : "login.failed" },
        "login refused",
      );
      return loginRefused(request, reply, result);
    },
  );

  /** The home page again, with the identifier typed: 401, or 429 and the delay while the throttle runs. */
  async function loginRefused(
    request: TenantRequest<{ Body: { identifier: string } }>,
    reply: FastifyReply,
    result: Extract<Awaited<ReturnType<typeof logIn>>, { ok: false }>,
  ) {
    reply.headers(noStore);
    if (result.reason === "throttled")
      reply.code(429).header("retry-after", String(result.retryAfterSeconds));
    else reply.code(401);
    const ui = requestUi(request);
    const text =
      result.reason === "throttled"
        ? ui.t.home.throttled(Math.max(1, Math.ceil(result.retryAfterSeconds / 60)))
        : ui.t.home.loginFailed;
    const identifier = request.body.identifier.slice(0, 64);
    const page = { ui, csrf: reply.generateCsrf(), identifier, message: { kind: "error" as const, text } };
    return reply.html(await tenantHome(services, request.tenant, page));
  }

  app.post("/deconnexion", form, async (request, reply) => {
    const { tenant } = request;
    await endSession(services.db, auth.readSessionCookie(request), new Date());
    auth.clearSessionCookie(reply);
    request.log.info({ event: "logout", tenant: tenant.slug, ip: request.ip }, "logout");
    return reply.redirect("/?message=logged-out", 303);
  });

  app.get("/mot-de-passe-oublie", async (request, reply) => {
    reply.headers(noStore);
    return reply.html(
      <ForgotPage ui={requestUi(request)} branding={request.portal.branding} csrf={reply.generateCsrf()} />,
    );
  });

  app.post<{ Body: { email: string } }>(
    "/mot-de-passe-oublie",
    { ...form, schema: { body: forgotBody } },
    async (request, reply) => {
      const { tenant } = request;
      await requestPasswordReset(services, {
        tenantId: tenant.id,
        email: request.body.email,
        ip: request.ip,
      });
      request.log.info(
        { event: "password_reset.requested", tenant: tenant.slug, ip: request.ip },
        "password reset requested",
      );
      reply.headers(noStore);
      return reply.html(<ForgotSentPage ui={requestUi(request)} branding={request.portal.branding} />);
    },
  );

  // The token is in the path; the logger masks it (see createLogger). Mail scanners open links: GET never spends it (R8).
  const resetHeaders = { ...noStore, "referrer-policy": "no-referrer" };

  app.get<{ Params: { token: string } }>("/reinitialiser/:token", async (request, reply) => {
    const { tenant } = request;
    reply.headers(resetHeaders);
    const token = await inspectResetToken(services.db, {
      tenantId: tenant.id,
      token: request.params.token,
    });
    if (!token) return linkRefused(request, reply);
    return reply.html(resetForm(request, reply, token.identifier));
  });

  /** 410: a reset link that is unknown, spent or expired (R8-R10): the page says so and offers a new one. */
  const linkRefused = (request: TenantRequest, reply: FastifyReply) => {
    const log = { event: "password_reset.token_refused", tenant: request.tenant.slug, ip: request.ip };
    request.log.warn(log, "reset link not usable");
    return reply
      .code(410)
      .html(<ResetInvalidPage ui={requestUi(request)} branding={request.portal.branding} />);
  };

  /** The reset form again, at the link's own address (the token stays in the path). */
  const resetForm = (request: TenantRequest, reply: FastifyReply, identifier: string, error?: string) => (
    <ResetPage
      ui={requestUi(request)}
      branding={request.portal.branding}
      csrf={reply.generateCsrf()}
      identifier={identifier}
      action={request.url.split("?")[0]!}
      error={error}
    />
  );

  app.post<{ Params: { token: string }; Body: { password: string; confirmation: string } }>(
    "/reinitialiser/:token",
    { ...form, schema: { body: resetBody } },
    async (request, reply) => {
      const { tenant } = request;
      reply.headers(resetHeaders);
      const result = await resetPassword(services, {
        tenantId: tenant.id,
        token: request.params.token,
        password: request.body.password,
        confirmation: request.body.confirmation,
        ip: request.ip,
      });
      const log = { tenant: tenant.slug, ip: request.ip };
      if (result.ok) {
        request.log.info(
          { ...log, event: result.firstActivation ? "account.activated" : "password_reset.completed" },
          "password set",
        );
        auth.clearSessionCookie(reply);
        reply.setCookie(prefill.name, result.identifier, { ...prefill.options, signed: true, maxAge: 600 });
        return reply.redirect("/?message=password-set", 303);
      }
      if ("invalidToken" in result) return linkRefused(request, reply);
      const token = await inspectResetToken(services.db, {
        tenantId: tenant.id,
        token: request.params.token,
      });
      const error = requestUi(request).t.passwordProblems[result.problem];
      return reply.code(422).html(resetForm(request, reply, token?.identifier ?? "", error));
    },
  );
}
