import type { Services } from "../../app.js";
import { findInvoiceForAccount, listInvoiceEvents } from "../../db/downloads.queries.js";
import { findInvoicePaView } from "../../db/pa-views.queries.js";
import type { CustomerAuth } from "../customer-auth.js";
import { parseUuid } from "../ids.js";
import { pageDownloadLinks } from "../page-download-links.js";
import type { TenantScope } from "../tenant-scope.js";
import { InvoiceDetailPage } from "../views/invoice-detail.view.js";
import { withdrawnProblem } from "./download-problem.js";

/**
 * `GET /factures/{id}`: one invoice of the account; any other id is a 404, never a 403 (docs/security.md A2).
 * Invoice ids are UUIDs; anything else is answered like an unknown invoice (404), before any query.
 */
export async function invoiceDetailRoutes(app: TenantScope, services: Services, auth: CustomerAuth) {
  // DOWNLOAD_OFFLOAD=nginx-signed, filesystem store: an invoice already downloaded gets nginx's signed link.
  const pageLinks = pageDownloadLinks(services, auth);
  app.get<{ Params: { id: string } }>(
    "/factures/:id",
    { preHandler: [auth.requireCustomer] },
    async (request, reply) => {
      const { tenant, customer } = request;
      const id = parseUuid(request.params.id, { ignoreCase: true });
      if (!customer || !id) return reply.callNotFound();
      const invoice = await findInvoiceForAccount(services.db, tenant.id, customer.accountId, id);
      if (!invoice) return reply.callNotFound();
      if (invoice.withdrawnAt) return withdrawnProblem(request, reply, invoice.withdrawnAt);
      const [events, pa] = await Promise.all([
        listInvoiceEvents(services.db, tenant.id, invoice.id),
        findInvoicePaView(services.db, tenant.id, invoice.id),
      ]);
      reply.header("cache-control", "no-store");
      return reply.html(
        <InvoiceDetailPage
          ui={request.portal.ui()}
          branding={request.portal.branding}
          user={{ identifier: customer.identifier, csrf: reply.generateCsrf() }}
          invoice={invoice}
          events={events}
          pa={pa}
          pdfHref={pageLinks?.(request)?.(invoice)}
        />,
      );
    },
  );
}
