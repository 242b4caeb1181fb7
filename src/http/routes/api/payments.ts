import type { Services } from "../../../app.js";
import { listApiPayments, type PaymentRow } from "../../../db/pa-api.queries.js";
import { recordPayment } from "../../../domain/pa/record-payment.js";
import { DomainError } from "../../../domain/shared/errors.js";
import { parseUuid } from "../../ids.js";
import type { TenantScope } from "../../tenant-scope.js";
import { issuerOf } from "./request-context.js";
import { bearer, invoiceIdParams, refusals } from "./schemas.js";

// Payment status 212 « Encaissée » (issue #16 item 6, docs/pa-bridge.md "Payments").

const reasonSchema = {
  type: "object",
  required: ["level", "item", "reasonCode", "reasonMessage"],
  properties: {
    level: { type: "string" },
    item: { type: "string" },
    reasonCode: { type: "string" },
    reasonMessage: { type: "string" },
  },
} as const;

export const paymentSchema = {
  type: "object",
  required: [
    "id",
    "invoiceId",
    "amount",
    "currency",
    "date",
    "vatBreakdown",
    "status",
    "flowId",
    "submittedAt",
    "ackStatus",
    "reasons",
    "recordedAt",
  ],
  properties: {
    id: { type: "string", format: "uuid", description: "also the trackingId of its flow at the PA" },
    invoiceId: { type: "string", format: "uuid" },
    amount: { type: "string", description: "amount collected, decimal string" },
    currency: { type: "string" },
    date: { type: "string", format: "date", description: "day of the collection" },
    vatBreakdown: {
      type: "array",
      items: {
        type: "object",
        required: ["rate", "amount"],
        properties: { rate: { type: "string" }, amount: { type: "string" } },
      },
    },
    status: {
      type: "string",
      enum: ["queued", "submitted", "acknowledged", "rejected"],
      description:
        "queued: its CDAR 212 waits to be sent (the invoice must have reached the PA first); submitted: the PA has the flow (flowId), acknowledgement pending; acknowledged: the PA accepted it; rejected: the PA refused it, or it could not be sent (reasons)",
    },
    flowId: { type: ["string", "null"] },
    submittedAt: { type: ["string", "null"], format: "date-time" },
    ackStatus: { type: ["string", "null"], enum: ["Pending", "Ok", "Error", null] },
    reasons: { type: "array", items: reasonSchema },
    recordedAt: { type: "string", format: "date-time" },
  },
} as const;

export function presentPayment(row: PaymentRow) {
  return {
    id: row.id,
    invoiceId: row.invoiceId,
    amount: Number(row.amount).toFixed(2),
    currency: row.currency,
    date: row.paidOn,
    vatBreakdown: row.vatBreakdown,
    status: row.status,
    flowId: row.flowId,
    submittedAt: row.submittedAt ? new Date(row.submittedAt).toISOString() : null,
    ackStatus: row.ackStatus,
    reasons: (Array.isArray(row.reasons) ? row.reasons : []).map((r) => {
      const reason = (r ?? {}) as Record<string, unknown>;
      return {
        level: String(reason.level ?? "Error"),
        item: String(reason.item ?? ""),
        reasonCode: String(reason.reasonCode ?? ""),
        reasonMessage: String(reason.reasonMessage ?? ""),
      };
    }),
    recordedAt: new Date(row.createdAt).toISOString(),
  };
}

export const recordPaymentSchema = {
  tags: ["invoices"],
  operationId: "recordPayment",
  summary: "Record a collection: payment status 212 « Encaissée », sent to the plateforme agréée",
  description:
    "For a B2B invoice (its route is B2B): records the amount collected on `date`, split per VAT rate (`vatBreakdown`, whose amounts add up to `amount`; required by the rule BR-FR-CDV-14), adds 212 « Encaissée » to the invoice's `lifecycle` (source portal, role SE) and sends a CDAR 212 built by the portal (checked against the FNFE CDAR XSD and rules) to your plateforme agréée as a flow, once the invoice itself has reached it. Amounts are decimal strings (or JSON numbers) with at most 2 decimals. Send an `Idempotency-Key` header to retry safely: the same key and request answer 200 with the payment already recorded; the same key with another request answers 409 idempotency_key_reused. 201 with the payment. 400 invalid_payment says which field is wrong; 409 payment_not_allowed for an invoice that is not B2B or was withdrawn.",
  security: bearer,
  params: invoiceIdParams,
  headers: {
    type: "object",
    properties: {
      "idempotency-key": {
        type: "string",
        maxLength: 200,
        description: "any unique string, 1–200 visible ASCII characters",
      },
    },
  },
  body: {
    type: "object",
    required: ["amount", "date", "vatBreakdown"],
    additionalProperties: false,
    properties: {
      amount: { anyOf: [{ type: "string" }, { type: "number" }], description: 'e.g. "1200.00"' },
      date: { type: "string", description: "YYYY-MM-DD, the day of the collection (not in the future)" },
      vatBreakdown: {
        type: "array",
        maxItems: 20,
        items: {
          type: "object",
          required: ["rate", "amount"],
          additionalProperties: false,
          properties: {
            rate: {
              anyOf: [{ type: "string" }, { type: "number" }],
              description: 'VAT rate in percent, e.g. "20.00"',
            },
            amount: {
              anyOf: [{ type: "string" }, { type: "number" }],
              description: "amount collected at this rate",
            },
          },
        },
      },
    },
    examples: [
      { amount: "1200.00", date: "2026-12-01", vatBreakdown: [{ rate: "20.00", amount: "1200.00" }] },
    ],
  },
  response: {
    200: paymentSchema,
    201: paymentSchema,
    ...refusals(400, 401, 404, 409, 415, 429, 500),
  },
} as const;

export const listPaymentsSchema = {
  tags: ["invoices"],
  operationId: "listPayments",
  summary: "The collections recorded for an invoice, and where their 212 stands at the PA",
  security: bearer,
  params: invoiceIdParams,
  response: {
    200: {
      type: "object",
      required: ["items"],
      properties: { items: { type: "array", items: paymentSchema } },
    },
    ...refusals(401, 404, 429, 500),
  },
} as const;

/** `POST /api/v1/invoices/{id}/payments`, `GET /api/v1/invoices/{id}/payments`. */
export async function paymentApiRoutes(app: TenantScope, services: Services) {
  app.post<{ Params: { id: string } }>(
    "/invoices/:id/payments",
    { schema: recordPaymentSchema },
    async (request, reply) => {
      const id = parseUuid(request.params.id);
      if (!id) throw new DomainError("invoice_not_found", "no invoice with this id in this portal");
      const header = request.headers["idempotency-key"];
      const body = request.body as { amount: unknown; date: unknown; vatBreakdown: unknown };
      const { payment, created } = await recordPayment(
        { db: services.db, queue: services.queue },
        {
          tenantId: request.tenant.id,
          invoiceId: id,
          amount: body.amount,
          date: body.date,
          vatBreakdown: body.vatBreakdown,
          idempotencyKey: typeof header === "string" ? header : undefined,
          actor: { ...issuerOf(request), ip: request.ip },
        },
      );
      reply.code(created ? 201 : 200);
      return presentPayment(payment);
    },
  );

  app.get<{ Params: { id: string } }>(
    "/invoices/:id/payments",
    { schema: listPaymentsSchema },
    async (request) => {
      const id = parseUuid(request.params.id);
      const payments = id ? await listApiPayments(services.db, request.tenant.id, id) : undefined;
      if (!payments) throw new DomainError("invoice_not_found", "no invoice with this id in this portal");
      return { items: payments.map(presentPayment) };
    },
  );
}
