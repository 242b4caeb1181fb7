import type { Sql } from "./database.js";

// Reads of one invoice for the back office's pages and use cases. Every function takes the tenant id:
// an invoice of another tenant is never found (docs/security.md A1).

/** What the withdrawal confirmation page shows of the invoice (withdrawal fields null while it is online). */
export interface InvoiceToWithdraw {
  id: string;
  invoiceNumber: string;
  typeCode: string;
  issueDate: string;
  grandTotal: string;
  currency: string;
  customerId: string;
  customerNumber: string;
  firstDownloadedAt: Date | null;
  withdrawnAt: Date | null;
  withdrawalReason: string | null;
}

export async function findInvoiceToWithdraw(
  sql: Sql,
  tenantId: string,
  invoiceId: string,
): Promise<InvoiceToWithdraw | undefined> {
  const [row] = await sql.query<InvoiceToWithdraw>(
    `select i.id, i.invoice_number as "invoiceNumber", i.type_code as "typeCode", i.issue_date as "issueDate",
            i.grand_total as "grandTotal", i.currency, i.customer_id as "customerId",
            (select c.customer_number from customers c where c.id = i.customer_id and c.tenant_id = i.tenant_id) as "customerNumber",
            i.first_downloaded_at as "firstDownloadedAt", i.withdrawn_at as "withdrawnAt",
            i.withdrawal_reason as "withdrawalReason"
       from invoices i where i.tenant_id = $1 and i.id = $2`,
    [tenantId, invoiceId],
  );
  return row;
}

/** The stored file of a live invoice (not removed by retention nor withdrawn), to check before handing it out. */
export async function findLiveInvoiceFile(
  sql: Sql,
  tenantId: string,
  invoiceId: string,
): Promise<{ id: string; customerId: string; sha256: string; sizeBytes: number } | undefined> {
  const [row] = await sql.query<{ id: string; customerId: string; sha256: string; sizeBytes: number }>(
    `select id, customer_id as "customerId", sha256, size_bytes::int as "sizeBytes"
       from invoices where tenant_id = $1 and id = $2 and removed_at is null`,
    [tenantId, invoiceId],
  );
  return row;
}
