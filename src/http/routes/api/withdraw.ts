import type { Services } from "../../../app.js";
import { findApiInvoice } from "../../../db/api.queries.js";
import { listLifecycleStatuses } from "../../../db/pa-api.queries.js";
import { detachContract } from "../../../domain/customers/detach-contract.js";
import { MAX_WITHDRAWAL_REASON, withdrawInvoice } from "../../../domain/invoices/withdraw-invoice.js";
import { DomainError } from "../../../domain/shared/errors.js";
import { parseUuid } from "../../ids.js";
import type { TenantScope } from "../../tenant-scope.js";
import { apiLocale, presentInvoice } from "./present.js";
import { issuerOf } from "./request-context.js";
import { bearer, invoiceIdParams, pathParam, refusals } from "./schemas.js";

export const withdrawInvoiceSchema = {
  tags: ["invoices"],
  operationId: "withdrawInvoice",
  summary: "Withdraw an invoice (published to the wrong customer, sent by mistake)",
  description:
    "The invoice leaves the customer's list at once and its pages answer 410; a tombstone stays for the audit (lifecycle 901, audit entry with the reason) and its number is free again: to reassign it, withdraw it then publish the file to the right customer. 200 with the withdrawn invoice; withdrawing it again changes nothing and answers the same (the first reason stands). 422 withdrawal_reason_required.",
  security: bearer,
  params: invoiceIdParams,
  body: {
    type: "object",
    required: ["reason"],
    additionalProperties: false,
    properties: {
      reason: {
        type: "string",
        maxLength: MAX_WITHDRAWAL_REASON,
        description: "why (kept in the audit trail, shown to your staff, never to the customer)",
      },
    },
  },
  response: {
    200: { $ref: "Invoice#" },
    ...refusals(400, 401, 404, 415, 422, 429, 500),
  },
} as const;

export const detachContractSchema = {
  tags: ["customers"],
  operationId: "detachContract",
  summary: "Detach a contract from its customer (registered on the wrong customer)",
  description:
    "Invoices naming this contract (BT-12) are no longer routed to that customer; invoices already published stay where they are (withdraw them one by one). The next `PUT /api/v1/customers/{customerNumber}` listing the contract gives it to that customer. 200 says from which customer it was detached; detaching it again changes nothing (`detached: false`). 404 contract_not_found.",
  security: bearer,
  params: pathParam("contractNumber", "the contract number, URL-encoded"),
  response: {
    200: {
      type: "object",
      required: ["contractNumber", "fromCustomerNumber", "detached"],
      properties: {
        contractNumber: { type: "string" },
        fromCustomerNumber: { type: ["string", "null"], description: "null when it was already detached" },
        detached: { type: "boolean", description: "false when it was already detached (nothing changed)" },
      },
      examples: [{ contractNumber: "LLD-2024-0117", fromCustomerNumber: "C-1002", detached: true }],
    },
    ...refusals(401, 404, 429, 500),
  },
} as const;

/** `POST /api/v1/invoices/{id}/withdraw` and `POST /api/v1/contracts/{contractNumber}/detach` (issue #13 item 9). */
export async function withdrawApiRoutes(app: TenantScope, services: Services) {
  app.post<{ Params: { id: string }; Body: { reason: string } }>(
    "/invoices/:id/withdraw",
    { schema: withdrawInvoiceSchema },
    async (request) => {
      const { tenant } = request;
      const invoiceId = parseUuid(request.params.id);
      if (!invoiceId) throw new DomainError("invoice_not_found", "no invoice with this id in this portal");
      const { invoice } = await withdrawInvoice(
        { db: services.db },
        {
          tenantId: tenant.id,
          invoiceId,
          reason: request.body.reason,
          actor: { ...issuerOf(request), ip: request.ip },
        },
      );
      const statuses = await listLifecycleStatuses(services.db, tenant.id, [invoice.id]);
      return presentInvoice(
        (await findApiInvoice(services.db, tenant.id, invoice.id))!,
        apiLocale(request),
        statuses,
      );
    },
  );

  app.post<{ Params: { contractNumber: string } }>(
    "/contracts/:contractNumber/detach",
    { schema: detachContractSchema },
    async (request) =>
      detachContract(services.db, {
        tenantId: request.tenant.id,
        contractNumber: request.params.contractNumber,
        actor: { ...issuerOf(request), ip: request.ip },
      }),
  );
}
