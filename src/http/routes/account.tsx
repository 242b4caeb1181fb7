import type { FastifyReply } from "fastify";
import type { Services } from "../../app.js";
import { listAccountSessions } from "../../db/account-sessions.queries.js";
import {
  changePassword,
  getAccountView,
  logOutEverywhere,
  updatePreferences,
} from "../../domain/accounts/manage-account.js";
import { requestUi } from "../../i18n/request-locale.js";
import type { CustomerAuth } from "../customer-auth.js";
import type { TenantScope } from "../tenant-scope.js";
import { AccountPage } from "../views/account.view.js";

const ACCOUNT_MESSAGE_KEYS = new Set(["password-changed", "preferences", "language"]);

/** The logged-in customer's account page (docs/security.md P4, S4); the invoice list is in invoices.tsx. */
export async function accountRoutes(
  app: TenantScope,
  services: Services,
  auth: CustomerAuth,
  options: { setLanguageCookie: (reply: FastifyReply, locale: "fr" | "en") => void },
) {
  const page = { preHandler: [auth.requireCustomer] };
  const form = { preHandler: [auth.requireCustomer, auth.checkOrigin, app.csrfProtection] };
  const noStore = { "cache-control": "no-store" };

  async function renderAccount(
    request: Parameters<typeof auth.requireCustomer>[0],
    reply: Parameters<typeof auth.requireCustomer>[1],
    message?: { kind: "error" | "success"; key: string; text?: string },
  ) {
    const { tenant } = request;
    if (!request.customer) return reply.callNotFound();
    const account = await getAccountView(services.db, tenant.id, request.customer.accountId);
    if (!account) return reply.callNotFound();
    const sessions = await listAccountSessions(services.db, tenant.id, account.id, new Date());
    reply.headers(noStore);
    const ui = requestUi(request);
    const text =
      message?.text ??
      (message?.kind === "error"
        ? ui.t.passwordProblems[message.key as keyof typeof ui.t.passwordProblems]
        : message && ui.t.account.messages[message.key]);
    return reply.html(
      <AccountPage
        ui={ui}
        branding={request.portal.branding}
        csrf={reply.generateCsrf()}
        account={account}
        sessions={sessions}
        currentSession={request.customer.session.idHash}
        message={message && text ? { kind: message.kind, text } : undefined}
      />,
    );
  }

  app.get<{ Querystring: { message?: string } }>("/compte", page, async (request, reply) =>
    renderAccount(
      request,
      reply,
      ACCOUNT_MESSAGE_KEYS.has(String(request.query.message))
        ? { kind: "success", key: String(request.query.message) }
        : undefined,
    ),
  );

  app.post<{ Body: { current: string; password: string; confirmation: string } }>(
    "/compte/mot-de-passe",
    {
      ...form,
      schema: {
        body: {
          type: "object",
          required: ["current", "password", "confirmation"],
          properties: {
            current: { type: "string", maxLength: 4096 },
            password: { type: "string", maxLength: 4096 },
            confirmation: { type: "string", maxLength: 4096 },
            _csrf: { type: "string" },
          },
        },
      },
    },
    async (request, reply) => {
      const { tenant, customer } = request;
      if (!customer) return reply.callNotFound();
      const result = await changePassword(services, {
        tenantId: tenant.id,
        accountId: customer.accountId,
        sessionIdHash: customer.session.idHash,
        current: request.body.current,
        password: request.body.password,
        confirmation: request.body.confirmation,
        ip: request.ip,
      });
      const log = { tenant: tenant.slug, account: customer.accountId, ip: request.ip };
      if (result.ok) {
        request.log.info({ event: "password.changed", ...log }, "password changed");
        return reply.redirect("/compte?message=password-changed", 303);
      }
      if (result.problem === "throttled") {
        // The same delays as the login: the current password is not checked while they run.
        request.log.warn({ event: "password.change_throttled", ...log }, "password change throttled");
        reply.code(429).header("retry-after", String(result.retryAfterSeconds));
        const minutes = Math.max(1, Math.ceil(result.retryAfterSeconds / 60));
        const text = requestUi(request).t.account.changeThrottled(minutes);
        return renderAccount(request, reply, { kind: "error", key: "throttled", text });
      }
      reply.code(422);
      return renderAccount(request, reply, { kind: "error", key: result.problem });
    },
  );

  app.post<{ Body: { language?: string; notify?: string } }>(
    "/compte/preferences",
    {
      ...form,
      schema: {
        body: {
          type: "object",
          properties: {
            language: { type: "string", enum: ["fr", "en"] },
            notify: { type: "string", maxLength: 8 },
            _csrf: { type: "string" },
          },
        },
      },
    },
    async (request, reply) => {
      const { tenant } = request;
      if (!request.customer) return reply.callNotFound();
      const language = request.body.language === "en" ? "en" : "fr";
      await updatePreferences(services.db, {
        tenantId: tenant.id,
        accountId: request.customer.accountId,
        language,
        notifyNewInvoice: request.body.notify === "1",
        ip: request.ip,
      });
      options.setLanguageCookie(reply, language);
      return reply.redirect("/compte?message=preferences", 303);
    },
  );

  app.post("/compte/sessions/revoquer", form, async (request, reply) => {
    const { tenant } = request;
    if (!request.customer) return reply.callNotFound();
    const count = await logOutEverywhere(services.db, {
      tenantId: tenant.id,
      accountId: request.customer.accountId,
      ip: request.ip,
    });
    request.log.info(
      {
        event: "sessions.revoked",
        tenant: tenant.slug,
        account: request.customer.accountId,
        ip: request.ip,
        count,
      },
      "all sessions revoked",
    );
    auth.clearSessionCookie(reply);
    return reply.redirect("/?message=logged-out", 303);
  });
}
