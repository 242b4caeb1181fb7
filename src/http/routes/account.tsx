import type { FastifyInstance } from "fastify";
import type { Services } from "../../app.js";
import { listAccountSessions } from "../../db/sessions.repository.js";
import {
  changePassword,
  getAccountView,
  logOutEverywhere,
  updatePreferences,
} from "../../domain/accounts/manage-account.js";
import { PASSWORD_PROBLEM_MESSAGES } from "../../domain/accounts/password-policy.js";
import type { CustomerAuth } from "../customer-auth.js";
import { AccountPage } from "../views/account.view.js";
import { tenantBranding } from "./portal.js";

const ACCOUNT_MESSAGES: Record<string, { kind: "error" | "success"; text: string }> = {
  "password-changed": {
    kind: "success",
    text: "Votre mot de passe a été changé. Vos autres sessions ont été fermées.",
  },
  preferences: { kind: "success", text: "Vos préférences sont enregistrées." },
};

/** The logged-in customer's account page (SECURITY.md P4, S4); the invoice list is in invoices.tsx. */
export async function accountRoutes(app: FastifyInstance, services: Services, auth: CustomerAuth) {
  const page = { preHandler: [auth.requireCustomer] };
  const form = { preHandler: [auth.requireCustomer, auth.checkOrigin, app.csrfProtection] };
  const noStore = { "cache-control": "no-store" };

  async function renderAccount(
    request: Parameters<typeof auth.requireCustomer>[0],
    reply: Parameters<typeof auth.requireCustomer>[1],
    message?: { kind: "error" | "success"; text: string },
  ) {
    const site = request.site;
    if (site.kind !== "tenant" || !request.customer) return reply.callNotFound();
    const account = await getAccountView(services.db, site.tenant.id, request.customer.accountId);
    if (!account) return reply.callNotFound();
    const sessions = await listAccountSessions(services.db, site.tenant.id, account.id, new Date());
    reply.headers(noStore);
    return reply.html(
      <AccountPage
        branding={tenantBranding(site.tenant)}
        csrf={reply.generateCsrf()}
        account={account}
        sessions={sessions}
        currentSession={request.customer.session.idHash}
        message={message}
      />,
    );
  }

  app.get<{ Querystring: { message?: string } }>("/compte", page, async (request, reply) =>
    renderAccount(request, reply, ACCOUNT_MESSAGES[String(request.query.message ?? "")]),
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
      const site = request.site;
      if (site.kind !== "tenant" || !request.customer) return reply.callNotFound();
      const result = await changePassword(services, {
        tenantId: site.tenant.id,
        accountId: request.customer.accountId,
        sessionIdHash: request.customer.session.idHash,
        current: request.body.current,
        password: request.body.password,
        confirmation: request.body.confirmation,
        ip: request.ip,
      });
      if (result.ok) {
        request.log.info(
          {
            event: "password.changed",
            tenant: site.tenant.slug,
            account: request.customer.accountId,
            ip: request.ip,
          },
          "password changed",
        );
        return reply.redirect("/compte?message=password-changed", 303);
      }
      reply.code(422);
      const text =
        result.problem === "wrong_current"
          ? "Le mot de passe actuel saisi est incorrect."
          : PASSWORD_PROBLEM_MESSAGES[result.problem];
      return renderAccount(request, reply, { kind: "error", text });
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
      const site = request.site;
      if (site.kind !== "tenant" || !request.customer) return reply.callNotFound();
      await updatePreferences(services.db, {
        tenantId: site.tenant.id,
        accountId: request.customer.accountId,
        language: request.body.language === "en" ? "en" : "fr",
        notifyNewInvoice: request.body.notify === "1",
        ip: request.ip,
      });
      return reply.redirect("/compte?message=preferences", 303);
    },
  );

  app.post("/compte/sessions/revoquer", form, async (request, reply) => {
    const site = request.site;
    if (site.kind !== "tenant" || !request.customer) return reply.callNotFound();
    const count = await logOutEverywhere(services.db, {
      tenantId: site.tenant.id,
      accountId: request.customer.accountId,
      ip: request.ip,
    });
    request.log.info(
      {
        event: "sessions.revoked",
        tenant: site.tenant.slug,
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
