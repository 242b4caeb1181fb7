import type { Sql } from "./database.js";

// invoice_payments (#16, docs/pa-bridge.md "Payments"): collections recorded by the issuer and the way of their
// CDAR 212 « Encaissée » to the PA, exactly once in effect like pa_transmissions (lease, attempt committed
// before the POST, search by trackingId = payment id after an uncertain failure).

export type PaymentStatus = "queued" | "submitted" | "acknowledged" | "rejected";

export interface PaymentRow {
  id: string;
  tenantId: string;
  invoiceId: string;
  amount: string;
  currency: string;
  paidOn: string;
  vatBreakdown: { rate: string; amount: string }[];
  idempotencyKey: string | null;
  status: PaymentStatus;
  flowId: string | null;
  submittedAt: Date | null;
  ackStatus: "Pending" | "Ok" | "Error" | null;
  reasons: unknown[];
  attempts: number;
  attemptStartedAt: Date | null;
  leaseUntil: Date | null;
  lastError: string | null;
  createdAt: Date;
}

export const PAYMENT_COLUMNS = `id, tenant_id as "tenantId", invoice_id as "invoiceId", amount::text as amount, currency,
  to_char(paid_on, 'YYYY-MM-DD') as "paidOn", vat_breakdown as "vatBreakdown", idempotency_key as "idempotencyKey",
  status, flow_id as "flowId", submitted_at as "submittedAt", ack_status as "ackStatus", reasons, attempts,
  attempt_started_at as "attemptStartedAt", lease_until as "leaseUntil", last_error as "lastError",
  created_at as "createdAt"`;

/** Records a payment; undefined when the tenant already used this idempotency key (the caller reads that one). */
export async function insertPayment(
  sql: Sql,
  input: {
    tenantId: string;
    invoiceId: string;
    amount: string;
    currency: string;
    paidOn: string;
    vatBreakdown: { rate: string; amount: string }[];
    idempotencyKey: string | null;
  },
): Promise<PaymentRow | undefined> {
  const [row] = await sql.query<PaymentRow>(
    `insert into invoice_payments (tenant_id, invoice_id, amount, currency, paid_on, vat_breakdown, idempotency_key)
     values ($1, $2, $3, $4, $5, $6::jsonb, $7)
     on conflict (tenant_id, idempotency_key) where idempotency_key is not null do nothing
     returning ${PAYMENT_COLUMNS}`,
    [
      input.tenantId,
      input.invoiceId,
      input.amount,
      input.currency,
      input.paidOn,
      JSON.stringify(input.vatBreakdown),
      input.idempotencyKey,
    ],
  );
  return row;
}

export async function findPaymentByIdempotencyKey(
  sql: Sql,
  tenantId: string,
  key: string,
): Promise<PaymentRow | undefined> {
  const [row] = await sql.query<PaymentRow>(
    `select ${PAYMENT_COLUMNS} from invoice_payments where tenant_id = $1 and idempotency_key = $2`,
    [tenantId, key],
  );
  return row;
}

export async function findPayment(sql: Sql, id: string): Promise<PaymentRow | undefined> {
  const [row] = await sql.query<PaymentRow>(`select ${PAYMENT_COLUMNS} from invoice_payments where id = $1`, [
    id,
  ]);
  return row;
}

/** Queued payments of the tenant (sent again after `efacture pa connect`). */
export async function listQueuedPayments(sql: Sql, tenantId: string): Promise<{ id: string }[]> {
  return sql.query(
    `select id from invoice_payments where tenant_id = $1 and status = 'queued' order by created_at`,
    [tenantId],
  );
}

/** What the 212 needs to know about the invoice, and where its own transmission stands. */
export interface PaymentInvoiceRow {
  id: string;
  tenantId: string;
  invoiceNumber: string;
  issueDate: string;
  typeCode: string;
  currency: string;
  sellerSiren: string | null;
  buyerSiren: string | null;
  processingRule: string | null;
  withdrawnAt: Date | null;
  transmissionStatus: string | null;
}

export async function findPaymentInvoice(
  sql: Sql,
  tenantId: string,
  invoiceId: string,
): Promise<PaymentInvoiceRow | undefined> {
  const [row] = await sql.query<PaymentInvoiceRow>(
    `select i.id, i.tenant_id as "tenantId", i.invoice_number as "invoiceNumber",
       to_char(i.issue_date, 'YYYY-MM-DD') as "issueDate", i.type_code as "typeCode", i.currency,
       i.seller_siren as "sellerSiren", i.buyer_siren as "buyerSiren", i.processing_rule as "processingRule",
       i.withdrawn_at as "withdrawnAt", t.status as "transmissionStatus"
     from invoices i left join pa_transmissions t on t.invoice_id = i.id and t.tenant_id = i.tenant_id
     where i.tenant_id = $1 and i.id = $2`,
    [tenantId, invoiceId],
  );
  return row;
}

/** Takes the payment's sending lease (committed before the POST); false when not queued or leased. */
export async function claimPaymentAttempt(
  sql: Sql,
  id: string,
  now: Date,
  leaseUntil: Date,
): Promise<boolean> {
  const rows = await sql.query(
    `update invoice_payments set attempts = attempts + 1, attempt_started_at = $2, lease_until = $3, updated_at = now()
     where id = $1 and status = 'queued' and (lease_until is null or lease_until <= $2) returning id`,
    [id, now, leaseUntil],
  );
  return rows.length === 1;
}

export async function releasePaymentLease(sql: Sql, id: string, error: string | null): Promise<void> {
  await sql.query(
    `update invoice_payments set lease_until = null, last_error = coalesce($2, last_error), updated_at = now() where id = $1`,
    [id, error?.slice(0, 1000) ?? null],
  );
}

export async function recordPaymentError(sql: Sql, id: string, error: string): Promise<void> {
  await sql.query(`update invoice_payments set last_error = $2, updated_at = now() where id = $1`, [
    id,
    error.slice(0, 1000),
  ]);
}

/** The PA has the 212's flow. Only a queued row moves. */
export async function recordPaymentSubmitted(
  sql: Sql,
  id: string,
  input: {
    flowId: string;
    submittedAt: Date;
    status: "submitted" | "acknowledged" | "rejected";
    ackStatus: "Pending" | "Ok" | "Error";
    reasons: unknown[];
  },
): Promise<boolean> {
  const rows = await sql.query(
    `update invoice_payments set status = $2, flow_id = $3, submitted_at = $4, ack_status = $5, reasons = $6::jsonb,
       last_error = null, lease_until = null, updated_at = now()
     where id = $1 and status = 'queued' returning id`,
    [id, input.status, input.flowId, input.submittedAt, input.ackStatus, JSON.stringify(input.reasons)],
  );
  return rows.length === 1;
}

export async function recordPaymentAck(
  sql: Sql,
  id: string,
  input: {
    status: "submitted" | "acknowledged" | "rejected";
    ackStatus: "Pending" | "Ok" | "Error";
    reasons: unknown[];
  },
): Promise<void> {
  await sql.query(
    `update invoice_payments set status = $2, ack_status = $3, reasons = $4::jsonb, updated_at = now()
     where id = $1 and status = 'submitted'`,
    [id, input.status, input.ackStatus, JSON.stringify(input.reasons)],
  );
}

/** Never sent: refused by the PA's request check, or our own CDAR check, or the invoice itself rejected. */
export async function recordPaymentRefused(sql: Sql, id: string, reasons: unknown[]): Promise<boolean> {
  const rows = await sql.query(
    `update invoice_payments set status = 'rejected', reasons = $2::jsonb, lease_until = null, updated_at = now()
     where id = $1 and status = 'queued' returning id`,
    [id, JSON.stringify(reasons)],
  );
  return rows.length === 1;
}
