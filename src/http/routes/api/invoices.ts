import { publishDeps, type Services } from "../../../app.js";
import { findApiInvoice, listApiInvoicesPage } from "../../../db/api.queries.js";
import { listLifecycleStatuses } from "../../../db/pa-api.queries.js";
import { publishInvoice } from "../../../domain/invoices/publish-invoice.js";
import { DomainError } from "../../../domain/shared/errors.js";
import { parseUuid } from "../../ids.js";
import type { TenantScope } from "../../tenant-scope.js";
import { statusesByInvoice } from "./lifecycle.js";
import { apiLocale, decodeCursor, encodeCursor, presentInvoice } from "./present.js";
import { readInvoiceUpload } from "./read-upload.js";
import { issuerOf } from "./request-context.js";
import { getInvoiceSchema, listInvoicesSchema, publishInvoiceSchema } from "./schemas.js";

/** `POST /api/v1/invoices`, `GET /api/v1/invoices/{id}`, `GET /api/v1/invoices`. */
export async function invoiceApiRoutes(app: TenantScope, services: Services) {
  app.post("/invoices", { schema: publishInvoiceSchema }, async (request, reply) => {
    const { tenant } = request;
    const { bytes, metadata } = await readInvoiceUpload(request, services.config.maxPdfBytes);
    const { invoice, created } = await publishInvoice(publishDeps(services), {
      tenant,
      bytes,
      metadata,
      actor: issuerOf(request),
    });
    const row = await findApiInvoice(services.db, tenant.id, invoice.id);
    const statuses = await listLifecycleStatuses(services.db, tenant.id, [invoice.id]);
    reply.code(created ? 201 : 200).header("location", `/api/v1/invoices/${invoice.id}`);
    return presentInvoice(row!, apiLocale(request), statuses);
  });

  app.get<{ Params: { id: string } }>("/invoices/:id", { schema: getInvoiceSchema }, async (request) => {
    const { tenant } = request;
    const id = parseUuid(request.params.id);
    const row = id ? await findApiInvoice(services.db, tenant.id, id) : undefined;
    if (!row) throw new DomainError("invoice_not_found", "no invoice with this id in this portal");
    const statuses = await listLifecycleStatuses(services.db, tenant.id, [row.id]);
    return presentInvoice(row, apiLocale(request), statuses);
  });

  app.get<{ Querystring: { customerNumber?: string; since?: string; cursor?: string; limit: number } }>(
    "/invoices",
    { schema: listInvoicesSchema },
    async (request) => {
      const { tenant } = request;
      const { customerNumber, since, cursor, limit } = request.query;
      const rows = await listApiInvoicesPage(services.db, tenant.id, {
        customerNumber: customerNumber?.trim() || undefined,
        since: since ? new Date(since) : undefined,
        after: cursor ? decodeCursor(cursor) : undefined,
        limit,
      });
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      // The page's lifecycle statuses in one query (docs/pa-bridge.md: measured by npm run bench:pa).
      const statuses = statusesByInvoice(
        await listLifecycleStatuses(
          services.db,
          tenant.id,
          items.map((item) => item.id),
        ),
      );
      return {
        items: items.map((item) => presentInvoice(item, apiLocale(request), statuses.get(item.id) ?? [])),
        nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
      };
    },
  );
}
