import type { FastifyReply } from "fastify";
import type { Services } from "../../../app.js";
import { findInvoiceToWithdraw } from "../../../db/invoices.queries.js";
import { MAX_WITHDRAWAL_REASON, withdrawInvoice } from "../../../domain/invoices/withdraw-invoice.js";
import { DomainError } from "../../../domain/shared/errors.js";
import { parseUuid } from "../../ids.js";
import type { StaffAuth } from "../../staff-auth.js";
import type { TenantRequest, TenantScope } from "../../tenant-scope.js";
import { WithdrawInvoicePage } from "../../views/staff/withdraw-invoice.view.js";
import { staffHeader } from "./customers.js";

/**
 * An admin withdraws an invoice from the customer record (issue #13 item 9): a confirmation page, then a
 * POST with the reason and the confirmation box, CSRF-checked like every staff form. Advisors get 403.
 */
export async function withdrawRoutes(app: TenantScope, services: Services, auth: StaffAuth) {
  const page = { onRequest: [auth.requireStaff, auth.requireAdmin] };
  const form = {
    onRequest: [auth.requireStaff, auth.requireAdmin],
    preHandler: [auth.checkOrigin, app.csrfProtection],
  };

  async function invoiceOr404(request: TenantRequest<{ Params: { id: string } }>) {
    const id = parseUuid(request.params.id, { ignoreCase: true });
    return id ? findInvoiceToWithdraw(services.db, request.tenant.id, id) : undefined;
  }
  const render = (
    request: TenantRequest,
    reply: FastifyReply,
    invoice: NonNullable<Awaited<ReturnType<typeof invoiceOr404>>>,
    extra: { reason?: string; error?: string } = {},
  ) =>
    reply.html(
      <WithdrawInvoicePage
        branding={request.portal.branding}
        staff={staffHeader(request, reply)}
        invoice={invoice}
        {...extra}
      />,
    );

  app.get<{ Params: { id: string } }>("/conseiller/factures/:id/retirer", page, async (request, reply) => {
    const invoice = await invoiceOr404(request);
    if (!invoice) return reply.callNotFound();
    return render(request, reply, invoice);
  });

  app.post<{ Params: { id: string }; Body: { reason?: string; confirm?: string } }>(
    "/conseiller/factures/:id/retirer",
    form,
    async (request, reply) => {
      const invoice = await invoiceOr404(request);
      if (!invoice) return reply.callNotFound();
      const refused = await submitWithdrawal(services, request, invoice.id);
      if (refused) return render(request, reply.code(422), invoice, refused);
      return reply.redirect(`/conseiller/clients/${invoice.customerId}?message=invoice-withdrawn`, 303);
    },
  );
}

/** Withdraws the invoice as the admin asked; otherwise the reason typed and why the form comes back. */
async function submitWithdrawal(
  services: Services,
  request: TenantRequest,
  invoiceId: string,
): Promise<{ reason: string; error: string } | undefined> {
  const body = (request.body ?? {}) as { reason?: unknown; confirm?: unknown };
  const reason = typeof body.reason === "string" ? body.reason.slice(0, MAX_WITHDRAWAL_REASON + 1) : "";
  if (body.confirm !== "1")
    return { reason, error: "Cochez la case de confirmation pour retirer la facture." };
  try {
    await withdrawInvoice(
      { db: services.db },
      {
        tenantId: request.tenant.id,
        invoiceId,
        reason,
        actor: { type: "staff", id: request.staff!.id, ip: request.ip },
      },
    );
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== "withdrawal_reason_required") throw error;
    return {
      reason,
      error: `Indiquez le motif du retrait (3 à ${MAX_WITHDRAWAL_REASON} caractères) : il est conservé dans le journal.`,
    };
  }
  return undefined;
}
