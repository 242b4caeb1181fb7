import type { FastifyInstance } from "fastify";
import { publishDeps, type Services } from "../../../app.js";
import { findApiInvoice, listApiInvoicesPage } from "../../../db/api.queries.js";
import { publishInvoice } from "../../../domain/invoices/publish-invoice.js";
import { DomainError } from "../../../domain/shared/errors.js";
import { decodeCursor, encodeCursor, isUuid, presentInvoice } from "./present.js";
import { readInvoiceUpload } from "./read-upload.js";
import { issuerOf, tenantOf } from "./request-context.js";
import { getInvoiceSchema, listInvoicesSchema, publishInvoiceSchema } from "./schemas.js";

/** `POST /api/v1/invoices`, `GET /api/v1/invoices/{id}`, `GET /api/v1/invoices`. */
export async function invoiceApiRoutes(app: FastifyInstance, services: Services) {
  app.post("/invoices", { schema: publishInvoiceSchema }, async (request, reply) => {
    const tenant = tenantOf(request);
    const { bytes, metadata } = await readInvoiceUpload(request, services.config.maxPdfBytes);
    const { invoice, created } = await publishInvoice(publishDeps(services), {
      tenant,
      bytes,
      metadata,
      actor: issuerOf(request),
    });
    const row = await findApiInvoice(services.db, tenant.id, invoice.id);
    reply.code(created ? 201 : 200).header("location", `/api/v1/invoices/${invoice.id}`);
    return presentInvoice(row!);
  });

  app.get<{ Params: { id: string } }>("/invoices/:id", { schema: getInvoiceSchema }, async (request) => {
    const tenant = tenantOf(request);
    const row = isUuid(request.params.id)
      ? await findApiInvoice(services.db, tenant.id, request.params.id)
      : undefined;
    if (!row) throw new DomainError("invoice_not_found", "no invoice with this id in this portal");
    return presentInvoice(row);
  });

  app.get<{ Querystring: { customerNumber?: string; since?: string; cursor?: string; limit: number } }>(
    "/invoices",
    { schema: listInvoicesSchema },
    async (request) => {
      const tenant = tenantOf(request);
      const { customerNumber, since, cursor, limit } = request.query;
      const rows = await listApiInvoicesPage(services.db, tenant.id, {
        customerNumber: customerNumber?.trim() || undefined,
        since: since ? new Date(since) : undefined,
        after: cursor ? decodeCursor(cursor) : undefined,
        limit,
      });
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return {
        items: items.map(presentInvoice),
        nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
      };
    },
  );
}
