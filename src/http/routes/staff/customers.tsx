import type { FastifyReply } from "fastify";
import type { Services } from "../../../app.js";
import { findCustomerContact } from "../../../db/backoffice.queries.js";
import {
  checkEmailCorrection,
  correctCustomerEmail,
  emailCorrectionContext,
} from "../../../domain/accounts/correct-email.js";
import { DomainError } from "../../../domain/shared/errors.js";
import {
  resendActivationMail,
  revokeCustomerSessions,
  unlockCustomerAccount,
} from "../../../domain/staff/account-actions.js";
import { viewCustomerRecord } from "../../../domain/staff/customer-record.js";
import { searchCustomers } from "../../../domain/staff/search-customers.js";
import type { StaffActor } from "../../../domain/staff/staff-accounts.js";
import { parseUuid } from "../../ids.js";
import type { StaffAuth } from "../../staff-auth.js";
import type { TenantRequest, TenantScope } from "../../tenant-scope.js";
import { CorrectEmailPage, CustomerRecordPage, SearchPage } from "../../views/staff/customers.view.js";
import { STAFF_MESSAGES } from "../../views/staff/messages.fr.js";
import type { StaffHeader } from "../../views/staff/staff-layout.js";
import { withdrawRoutes } from "./withdraw.js";

export function staffActor(request: TenantRequest): StaffActor {
  const staff = request.staff!;
  return { type: "staff", id: staff.id, name: staff.name };
}

export function staffHeader(request: TenantRequest, reply: FastifyReply): StaffHeader {
  return {
    name: request.staff!.displayName || request.staff!.email,
    role: request.staff!.role,
    csrf: reply.generateCsrf(),
  };
}

const correctBody = {
  type: "object",
  required: ["email", "confirmation", "reason"],
  properties: {
    email: { type: "string", maxLength: 1024 },
    confirmation: { type: "string", maxLength: 1024 },
    reason: { type: "string", maxLength: 2000 },
    confirmMerge: { type: "string", maxLength: 4 },
    scope: { type: "string", enum: ["account", "customer"] },
    _csrf: { type: "string" },
  },
} as const;

type CorrectBody = {
  email: string;
  confirmation: string;
  reason: string;
  confirmMerge?: string;
  scope?: "account" | "customer";
};
type CorrectionPage = Pick<
  Parameters<typeof CorrectEmailPage>[0],
  "values" | "error" | "merge" | "situation" | "askScope"
>;

/**
 * Runs the advisor's e-mail correction: undefined once done (and logged), otherwise what the form shows
 * again, with what the advisor must confirm (200) or why it was refused (422) and the situation it meets.
 */
async function submitEmailCorrection(
  services: Services,
  request: TenantRequest<{ Body: CorrectBody }>,
  tenant: { id: string; slug: string },
  customerId: string,
): Promise<{ status: 200 | 422; page: CorrectionPage } | undefined> {
  const body = request.body;
  const values = {
    email: body.email.slice(0, 320),
    confirmation: body.confirmation.slice(0, 320),
    reason: body.reason.slice(0, 500),
  };
  const tenantId = tenant.id;
  try {
    const result = await correctCustomerEmail(services, {
      tenantId,
      customerId,
      email: body.email,
      confirmation: body.confirmation,
      reason: body.reason,
      mergeConfirmed: body.confirmMerge === "1",
      scope: body.scope,
      actor: staffActor(request),
      ip: request.ip,
    });
    // Nothing changed yet: the advisor reads what would happen (account joined, invoices moving,
    // numbers sharing the account) and confirms with a second POST.
    if (result.needsMergeConfirmation) {
      const situation = result.needsMergeConfirmation;
      return { status: 200, page: { values, merge: situation.joins, situation } };
    }
    if (result.needsScope)
      return { status: 200, page: { values, situation: result.needsScope, askScope: true } };
    request.log.info(
      {
        event: "customer.email_corrected",
        tenant: tenant.slug,
        staff: request.staff!.id,
        customer: customerId,
        mode: result.mode,
      },
      "e-mail corrected",
    );
    return undefined;
  } catch (error) {
    if (!(error instanceof DomainError) || error.code === "customer_not_found") throw error;
    const check =
      error.code === "same_email"
        ? undefined
        : await checkEmailCorrection(services.db, { tenantId, customerId, ...values }).catch(() => undefined);
    return {
      status: 422,
      page: {
        values,
        error: error.message,
        merge: check?.joins,
        situation: check ?? (await emailCorrectionContext(services.db, tenantId, customerId)),
        askScope: Boolean(check && !check.joins && check.shared),
      },
    };
  }
}

/** Search, customer record and the advisor's actions on a customer (docs/security.md A3, A4). */
export async function staffCustomerRoutes(app: TenantScope, services: Services, auth: StaffAuth) {
  // onRequest: no body is parsed or validated for a request without a session.
  const page = { onRequest: [auth.requireStaff] };
  const form = { onRequest: [auth.requireStaff], preHandler: [auth.checkOrigin, app.csrfProtection] };

  app.get<{ Querystring: { q?: string; message?: string } }>("/conseiller", page, async (request, reply) => {
    const { tenant } = request;
    const q = typeof request.query.q === "string" ? request.query.q : "";
    const message = STAFF_MESSAGES[String(request.query.message ?? "")];
    if (q.trim() === "")
      return reply.html(
        <SearchPage
          branding={request.portal.branding}
          staff={staffHeader(request, reply)}
          query=""
          message={message}
        />,
      );
    const result = await searchCustomers(services.db, {
      tenantId: tenant.id,
      query: q,
      actor: staffActor(request),
      ip: request.ip,
    });
    if (result.exact) return reply.redirect(`/conseiller/clients/${result.exact.id}`, 303);
    return reply.html(
      <SearchPage
        branding={request.portal.branding}
        staff={staffHeader(request, reply)}
        query={result.query}
        hits={result.hits}
      />,
    );
  });

  app.get<{ Params: { id: string }; Querystring: { page?: string; message?: string } }>(
    "/conseiller/clients/:id",
    page,
    async (request, reply) => {
      const customerId = parseUuid(request.params.id);
      if (!customerId) return reply.callNotFound();
      const record = await viewCustomerRecord(services.db, {
        tenantId: request.tenant.id,
        customerId,
        page: Number(request.query.page) || 1,
        actor: staffActor(request),
        ip: request.ip,
      });
      if (!record) return reply.callNotFound();
      return reply.html(
        <CustomerRecordPage
          branding={request.portal.branding}
          staff={staffHeader(request, reply)}
          record={record}
          message={STAFF_MESSAGES[String(request.query.message ?? "")]}
        />,
      );
    },
  );

  async function customerOr404(tenantId: string, id: string) {
    const customerId = parseUuid(id);
    return customerId ? findCustomerContact(services.db, tenantId, customerId) : undefined;
  }

  app.get<{ Params: { id: string } }>("/conseiller/clients/:id/email", page, async (request, reply) => {
    const { tenant } = request;
    const customer = await customerOr404(tenant.id, request.params.id);
    if (!customer) return reply.callNotFound();
    return reply.html(
      <CorrectEmailPage
        branding={request.portal.branding}
        staff={staffHeader(request, reply)}
        customer={customer}
        situation={await emailCorrectionContext(services.db, tenant.id, customer.id)}
      />,
    );
  });

  app.post<{ Params: { id: string }; Body: CorrectBody }>(
    "/conseiller/clients/:id/email",
    { ...form, schema: { body: correctBody } },
    async (request, reply) => {
      const { tenant } = request;
      const customer = await customerOr404(tenant.id, request.params.id);
      if (!customer) return reply.callNotFound();
      const again = await submitEmailCorrection(services, request, tenant, customer.id);
      if (!again) return reply.redirect(`/conseiller/clients/${customer.id}?message=email-corrected`, 303);
      return reply
        .code(again.status)
        .html(
          <CorrectEmailPage
            branding={request.portal.branding}
            staff={staffHeader(request, reply)}
            customer={customer}
            {...again.page}
          />,
        );
    },
  );

  const action = (
    path: string,
    run: (tenantId: string, customerId: string, request: TenantRequest) => Promise<string>,
  ) =>
    app.post<{ Params: { id: string } }>(`/conseiller/clients/:id/${path}`, form, async (request, reply) => {
      const { tenant } = request;
      const customer = await customerOr404(tenant.id, request.params.id);
      if (!customer) return reply.callNotFound();
      const message = await run(tenant.id, customer.id, request);
      return reply.redirect(`/conseiller/clients/${customer.id}?message=${message}`, 303);
    });

  action("activation", async (tenantId, customerId, request) => {
    const outcome = await resendActivationMail(services, {
      tenantId,
      customerId,
      actor: staffActor(request),
      ip: request.ip,
    });
    return outcome === "sent"
      ? "activation-sent"
      : outcome === "throttled"
        ? "activation-throttled"
        : outcome === "not-needed"
          ? "activation-not-needed"
          : "no-email";
  });
  action("deverrouiller", async (tenantId, customerId, request) =>
    unlockCustomerAccount(services.db, { tenantId, customerId, actor: staffActor(request), ip: request.ip }),
  );
  await withdrawRoutes(app, services, auth);
  action("sessions", async (tenantId, customerId, request) => {
    await revokeCustomerSessions(services.db, {
      tenantId,
      customerId,
      actor: staffActor(request),
      ip: request.ip,
    });
    return "sessions-revoked";
  });
}
