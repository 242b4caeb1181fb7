import type { Sql } from "./database.js";
import { PAYMENT_COLUMNS, type PaymentRow } from "./pa-payments.repository.js";

export type { PaymentRow };

// Reads of the issuer API about the reform bridge (#16): the lifecycle statuses of invoices
// (pa_lifecycle_statuses) and the payments recorded for them (invoice_payments). Always by tenant.

export interface ApiLifecycleRow {
  invoiceId: string;
  code: number;
  at: Date;
  source: "portal" | "pa";
  role: string | null;
  reasonCode: string | null;
  reasonText: string | null;
}

/** The recorded statuses of the tenant's invoices `invoiceIds` (one query for a whole page), oldest first. */
export async function listLifecycleStatuses(
  sql: Sql,
  tenantId: string,
  invoiceIds: string[],
): Promise<ApiLifecycleRow[]> {
  if (invoiceIds.length === 0) return [];
  return sql.query<ApiLifecycleRow>(
    `select invoice_id as "invoiceId", code, at, source, role, reason_code as "reasonCode", reason_text as "reasonText"
       from pa_lifecycle_statuses
      where tenant_id = $1 and invoice_id = any($2::uuid[])
      order by invoice_id, at, id`,
    [tenantId, invoiceIds],
  );
}

/** The invoice's payments, oldest first; undefined when the tenant has no such invoice. */
export async function listApiPayments(
  sql: Sql,
  tenantId: string,
  invoiceId: string,
): Promise<PaymentRow[] | undefined> {
  const [invoice] = await sql.query(`select 1 from invoices where tenant_id = $1 and id = $2`, [
    tenantId,
    invoiceId,
  ]);
  if (!invoice) return undefined;
  return sql.query<PaymentRow>(
    `select ${PAYMENT_COLUMNS} from invoice_payments where tenant_id = $1 and invoice_id = $2
      order by paid_on, created_at, id`,
    [tenantId, invoiceId],
  );
}
