import type { Sql } from "./database.js";

// Reads of the issuer API. Every function takes the tenant id: a row of another tenant is never found (docs/security.md A1).

/** An invoice as the issuer API shows it. Money as decimal strings, the issue date as YYYY-MM-DD. */
export interface ApiInvoiceRow {
  id: string;
  invoiceNumber: string;
  typeCode: string;
  issueDate: string;
  currency: string;
  grandTotal: string;
  duePayable: string | null;
  sellerName: string | null;
  buyerName: string | null;
  buyerId: string | null;
  contractNumber: string | null;
  customerNumber: string;
  profile: string | null;
  sha256: string;
  sizeBytes: number;
  publishedAt: Date;
  availableUntil: Date;
  firstDownloadedAt: Date | null;
  removedAt: Date | null;
  /** What the Factur-X reader noted at publication (jsonb array of src/einvoice Finding). */
  findings: unknown;
  withdrawnAt: Date | null;
  withdrawalReason: string | null;
  processingRule: string | null;
  validationStatus: string | null;
  validationRulesVersion: string | null;
  /** The compliance check's findings (jsonb array of src/einvoice/validation/types.ts ValidationFinding). */
  validationFindings: unknown;
  /** `published_at` at full (microsecond) precision, for keyset pagination. */
  publishedAtKey: string;
  /** Its transmission to the PA (#16, pa_transmissions), null when the invoice is not routed to the PA. */
  transmission: ApiTransmission | null;
}

/** pa_transmissions as JSON (timestamps as ISO strings). */
export interface ApiTransmission {
  status: "held" | "queued" | "submitted" | "acknowledged" | "rejected";
  holdReason: string | null;
  flowId: string | null;
  submittedAt: string | null;
  ackStatus: "Pending" | "Ok" | "Error" | null;
  reasons: unknown[];
}

const INVOICE_COLUMNS = `i.id, i.invoice_number as "invoiceNumber", i.type_code as "typeCode", i.issue_date as "issueDate",
  i.currency, i.grand_total as "grandTotal", i.due_payable as "duePayable", i.seller_name as "sellerName",
  i.buyer_name as "buyerName", i.buyer_id as "buyerId", i.contract_number as "contractNumber",
  c.customer_number as "customerNumber", i.profile, i.sha256, i.size_bytes as "sizeBytes",
  i.published_at as "publishedAt", i.available_until as "availableUntil",
  i.first_downloaded_at as "firstDownloadedAt", i.removed_at as "removedAt", i.findings,
  i.withdrawn_at as "withdrawnAt", i.withdrawal_reason as "withdrawalReason",
  i.processing_rule as "processingRule", i.validation_status as "validationStatus",
  i.validation_rules_version as "validationRulesVersion", i.validation_findings as "validationFindings",
  to_char(i.published_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "publishedAtKey",
  case when t.id is null then null else jsonb_build_object('status', t.status, 'holdReason', t.hold_reason,
    'flowId', t.flow_id, 'submittedAt', t.submitted_at, 'ackStatus', t.ack_status, 'reasons', t.reasons) end
    as transmission`;

export async function findApiInvoice(
  sql: Sql,
  tenantId: string,
  invoiceId: string,
): Promise<ApiInvoiceRow | undefined> {
  const [row] = await sql.query<ApiInvoiceRow>(
    `select ${INVOICE_COLUMNS}
       from invoices i join customers c on c.id = i.customer_id and c.tenant_id = i.tenant_id
       left join pa_transmissions t on t.invoice_id = i.id and t.tenant_id = i.tenant_id
      where i.tenant_id = $1 and i.id = $2`,
    [tenantId, invoiceId],
  );
  return row;
}

/**
 * One page of the tenant's invoices in publication order (`published_at`, then id), after the
 * position `after` (exclusive). Reads `limit + 1` rows so the caller knows whether more follow.
 */
export async function listApiInvoicesPage(
  sql: Sql,
  tenantId: string,
  page: {
    customerNumber?: string;
    since?: Date;
    after?: { publishedAtKey: string; id: string };
    limit: number;
  },
): Promise<ApiInvoiceRow[]> {
  const params: unknown[] = [tenantId];
  const where = ["i.tenant_id = $1"];
  if (page.customerNumber !== undefined) {
    params.push(page.customerNumber);
    where.push(`c.customer_number = $${params.length}`);
  }
  if (page.since !== undefined) {
    params.push(page.since);
    where.push(`i.published_at >= $${params.length}`);
  }
  if (page.after !== undefined) {
    params.push(page.after.publishedAtKey, page.after.id);
    where.push(`(i.published_at, i.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(page.limit + 1);
  return sql.query<ApiInvoiceRow>(
    `select ${INVOICE_COLUMNS}
       from invoices i join customers c on c.id = i.customer_id and c.tenant_id = i.tenant_id
       left join pa_transmissions t on t.invoice_id = i.id and t.tenant_id = i.tenant_id
      where ${where.join(" and ")}
      order by i.published_at, i.id
      limit $${params.length}`,
    params,
  );
}

/** A customer of the directory with its contracts and what the API needs to tell its account status. */
export interface ApiCustomerRow {
  customerNumber: string;
  name: string;
  email: string | null;
  contracts: string[];
  accountStatus: "pending" | "active" | "locked" | null;
  /** An activation mail was queued (or sent) to the account's current address. */
  activationMailed: boolean;
}

export async function findApiCustomer(
  sql: Sql,
  tenantId: string,
  customerNumber: string,
): Promise<ApiCustomerRow | undefined> {
  const [row] = await sql.query<Omit<ApiCustomerRow, "contracts"> & { contracts: string | null }>(
    `select c.customer_number as "customerNumber", c.name, c.email, a.status as "accountStatus",
            (a.id is not null and exists (
              select 1 from mails m
               where m.tenant_id = c.tenant_id and m.account_id = a.id and m.kind = 'activation' and m.to_address = a.email
            )) as "activationMailed",
            (select string_agg(k.contract_number, chr(10) order by k.contract_number)
               from contracts k where k.tenant_id = c.tenant_id and k.customer_id = c.id) as contracts
       from customers c left join accounts a on a.id = c.account_id and a.tenant_id = c.tenant_id
      where c.tenant_id = $1 and c.customer_number = $2`,
    [tenantId, customerNumber],
  );
  if (!row) return undefined;
  // Contract numbers cannot hold a line feed (upsertCustomer checks them), so it separates them safely on both engines.
  return { ...row, contracts: row.contracts ? row.contracts.split("\n") : [] };
}
