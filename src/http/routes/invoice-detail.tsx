import type { FastifyInstance } from "fastify";
import type { Services } from "../../app.js";
import { findInvoiceForAccount, listInvoiceEvents } from "../../db/downloads.repository.js";
import { requestUi } from "../../i18n/request-locale.js";
import type { CustomerAuth } from "../customer-auth.js";
import { InvoiceDetailPage } from "../views/invoice-detail.view.js";
import { tenantBranding } from "./portal.js";
import { withdrawnProblem } from "./withdrawn-invoice.js";

/** Invoice ids are UUIDs; anything else is answered like an unknown invoice (404), before any query. */
export const INVOICE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `GET /factures/{id}`: one invoice of the account; any other id is a 404, never a 403 (SECURITY.md A2). */
export async function invoiceDetailRoutes(app: FastifyInstance, services: Services, auth: CustomerAuth) {
  app.get<{ Params: { id: string } }>(
    "/factures/:id",
    { preHandler: [auth.requireCustomer] },
    async (request, reply) => {
      const site = request.site;
      const customer = request.customer;
      if (site.kind !== "tenant" || !customer) return reply.callNotFound();
      const id = request.params.id.toLowerCase();
      if (!INVOICE_ID.test(id)) return reply.callNotFound();
      const invoice = await findInvoiceForAccount(services.db, site.tenant.id, customer.accountId, id);
      if (!invoice) return reply.callNotFound();
      if (invoice.withdrawnAt) return withdrawnProblem(request, reply, invoice.withdrawnAt);
      const events = await listInvoiceEvents(services.db, site.tenant.id, invoice.id);
      reply.header("cache-control", "no-store");
      return reply.html(
        <InvoiceDetailPage
          ui={requestUi(request)}
          branding={tenantBranding(site.tenant)}
          user={{ identifier: customer.identifier, csrf: reply.generateCsrf() }}
          invoice={invoice}
          events={events}
        />,
      );
    },
  );
}
