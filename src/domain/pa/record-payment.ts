import { appendAudit } from "../../db/audit.repository.js";
import type { Database } from "../../db/database.js";
import { insertLifecycleStatus } from "../../db/pa.repository.js";
import {
  findPaymentByIdempotencyKey,
  findPaymentInvoice,
  insertPayment,
  type PaymentRow,
} from "../../db/pa-payments.repository.js";
import { DomainError } from "../shared/errors.js";
import type { JobSender } from "../shared/jobs.js";
import { LIFECYCLE_LABELS } from "./cdar.js";
import { paPaymentJob } from "./pa-jobs.js";

// Payment status 212 « Encaissée » (issue #16 item 6, docs/pa-bridge.md "Payments"): the issuer records a
// collection (POST /api/v1/invoices/{id}/payments); it is kept, shown in the invoice's lifecycle at once, and a
// durable job sends the CDAR 212 we build to the tenant's PA (src/domain/pa/transmit-payment.ts).

export interface PaymentInput {
  tenantId: string;
  invoiceId: string;
  amount: unknown;
  date: unknown;
  vatBreakdown: unknown;
  idempotencyKey?: string | undefined;
  actor: { type: "issuer" | "platform" | "staff"; id: string | null; ip?: string | null };
}

const DECIMAL = /^\d{1,12}(?:\.\d{1,2})?$/;
const RATE = /^\d{1,3}(?:\.\d{1,2})?$/;
const KEY = /^[\x21-\x7e]{1,200}$/;
/** The 212 exists for invoices exchanged through the PA (payments of B2C sales are e-reported in aggregate). */
const PAYMENT_ROUTES = new Set(["B2B"]);

function invalid(message: string, field: string): never {
  throw new DomainError("invalid_payment", message, { field });
}

/** Cents of a decimal given as a JSON number or string, or why it is refused. */
function cents(value: unknown, field: string): bigint {
  const text = typeof value === "number" && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== "string" || !DECIMAL.test(text.trim()))
    invalid(`${field} must be a positive amount with at most 2 decimals, e.g. "120.00"`, field);
  const [units, fraction = ""] = text.trim().split(".");
  return BigInt(units!) * 100n + BigInt(fraction.padEnd(2, "0"));
}

function formatCents(value: bigint): string {
  return `${value / 100n}.${(value % 100n).toString().padStart(2, "0")}`;
}

function rateOf(value: unknown, field: string): string {
  const text = typeof value === "number" && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== "string" || !RATE.test(text.trim()) || Number(text) > 100)
    invalid(
      `${field} must be a VAT rate in percent from 0 to 100 with at most 2 decimals, e.g. "20.00"`,
      field,
    );
  return Number(text).toFixed(2);
}

/** The payment as stored, or a DomainError invalid_payment saying which field is wrong and why. */
export function parsePayment(
  input: Pick<PaymentInput, "amount" | "date" | "vatBreakdown">,
  today: Date,
): { amount: string; paidOn: string; vatBreakdown: { rate: string; amount: string }[] } {
  const amount = cents(input.amount, "amount");
  if (amount <= 0n) invalid("amount must be greater than 0", "amount");
  if (typeof input.date !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(input.date))
    invalid('date must be the day of the collection, YYYY-MM-DD (e.g. "2026-12-07")', "date");
  const day = new Date(`${input.date}T00:00:00Z`);
  if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== input.date)
    invalid(`date ${input.date} is not a calendar day`, "date");
  const tomorrow = new Date(today.getTime() + 24 * 3600 * 1000).toISOString().slice(0, 10);
  if (input.date > tomorrow) invalid("date is in the future: record a collection once it happened", "date");
  if (input.date < "2000-01-01") invalid("date is before 2000", "date");
  if (!Array.isArray(input.vatBreakdown) || input.vatBreakdown.length === 0)
    invalid(
      'vatBreakdown must list the amount collected per VAT rate, e.g. [{"rate": "20.00", "amount": "120.00"}] (BR-FR-CDV-14)',
      "vatBreakdown",
    );
  if (input.vatBreakdown.length > 20) invalid("vatBreakdown has more than 20 rates", "vatBreakdown");
  const lines: { rate: string; amount: string }[] = [];
  let total = 0n;
  input.vatBreakdown.forEach((item: unknown, index: number) => {
    if (typeof item !== "object" || item === null || Array.isArray(item))
      invalid(`vatBreakdown[${index}] must be an object {rate, amount}`, `vatBreakdown[${index}]`);
    const { rate, amount: lineAmount, ...rest } = item as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0)
      invalid(`vatBreakdown[${index}] has unknown field ${extra[0]}`, `vatBreakdown[${index}].${extra[0]}`);
    const r = rateOf(rate, `vatBreakdown[${index}].rate`);
    const a = cents(lineAmount, `vatBreakdown[${index}].amount`);
    if (a <= 0n)
      invalid(`vatBreakdown[${index}].amount must be greater than 0`, `vatBreakdown[${index}].amount`);
    if (lines.some((l) => l.rate === r))
      invalid(`vatBreakdown lists the rate ${r} twice`, `vatBreakdown[${index}].rate`);
    total += a;
    lines.push({ rate: r, amount: formatCents(a) });
  });
  if (total !== amount)
    invalid(
      `the vatBreakdown amounts add up to ${formatCents(total)}, not the amount ${formatCents(amount)}`,
      "vatBreakdown",
    );
  return { amount: formatCents(amount), paidOn: input.date, vatBreakdown: lines };
}

const sameRequest = (
  row: PaymentRow,
  invoiceId: string,
  parsed: { amount: string; paidOn: string; vatBreakdown: { rate: string; amount: string }[] },
) =>
  row.invoiceId === invoiceId &&
  Number(row.amount) === Number(parsed.amount) &&
  row.paidOn === parsed.paidOn &&
  JSON.stringify(row.vatBreakdown) === JSON.stringify(parsed.vatBreakdown);

/**
 * Records a collection and queues its CDAR 212 for the PA, in one transaction (payment, lifecycle entry 212
 * source portal role SE, audit, job). With an Idempotency-Key already used for the same request, answers the
 * payment recorded then (`created: false`); for another request, 409.
 */
export async function recordPayment(
  deps: { db: Database; queue: JobSender; now?: () => Date },
  input: PaymentInput,
): Promise<{ payment: PaymentRow; created: boolean }> {
  const now = deps.now?.() ?? new Date();
  const key = input.idempotencyKey;
  if (key !== undefined && !KEY.test(key))
    invalid("Idempotency-Key must be 1 to 200 visible ASCII characters", "Idempotency-Key");
  const invoice = await findPaymentInvoice(deps.db, input.tenantId, input.invoiceId);
  if (!invoice) throw new DomainError("invoice_not_found", "no invoice with this id in this portal");
  const parsed = parsePayment(input, now);
  if (key !== undefined) {
    const earlier = await findPaymentByIdempotencyKey(deps.db, input.tenantId, key);
    if (earlier) return replay(earlier, input.invoiceId, parsed);
  }
  if (invoice.withdrawnAt)
    throw new DomainError(
      "payment_not_allowed",
      "this invoice was withdrawn: no payment can be recorded for it",
    );
  if (!PAYMENT_ROUTES.has(invoice.processingRule ?? ""))
    throw new DomainError(
      "payment_not_allowed",
      `the status 212 « Encaissée » is sent for B2B invoices, which go through the plateforme agréée; this invoice's route is ${invoice.processingRule ?? "unknown"}`,
      { processingRule: invoice.processingRule },
    );
  const result = await deps.db.transaction(async (tx) => {
    const payment = await insertPayment(tx, {
      tenantId: input.tenantId,
      invoiceId: input.invoiceId,
      amount: parsed.amount,
      currency: invoice.currency,
      paidOn: parsed.paidOn,
      vatBreakdown: parsed.vatBreakdown,
      idempotencyKey: key ?? null,
    });
    if (!payment) return undefined; // the same key, recorded by a concurrent request: read it below
    await insertLifecycleStatus(tx, {
      tenantId: input.tenantId,
      invoiceId: input.invoiceId,
      code: 212,
      label: LIFECYCLE_LABELS[212]!.fr,
      at: new Date(`${parsed.paidOn}T00:00:00Z`),
      source: "portal",
      role: "SE",
      reasonCode: null,
      reasonText: null,
      // Not a PA flow: the payment's own key, so that each payment is one entry.
      flowId: `payment:${payment.id}`,
    });
    await appendAudit(tx, {
      tenantId: input.tenantId,
      actorType: input.actor.type,
      actorId: input.actor.id,
      action: "pa.payment_recorded",
      targetType: "invoice",
      targetId: input.invoiceId,
      ip: input.actor.ip ?? null,
      details: {
        paymentId: payment.id,
        amount: parsed.amount,
        paidOn: parsed.paidOn,
        vatBreakdown: parsed.vatBreakdown,
      },
    });
    await deps.queue.send(paPaymentJob, { paymentId: payment.id }, tx);
    return payment;
  });
  if (result) return { payment: result, created: true };
  const earlier = await findPaymentByIdempotencyKey(deps.db, input.tenantId, key!);
  return replay(earlier!, input.invoiceId, parsed);
}

function replay(
  earlier: PaymentRow,
  invoiceId: string,
  parsed: { amount: string; paidOn: string; vatBreakdown: { rate: string; amount: string }[] },
): { payment: PaymentRow; created: boolean } {
  if (!sameRequest(earlier, invoiceId, parsed))
    throw new DomainError(
      "idempotency_key_reused",
      "this Idempotency-Key was used for another payment: use a new key for a new payment",
      { paymentId: earlier.id },
    );
  return { payment: earlier, created: false };
}
