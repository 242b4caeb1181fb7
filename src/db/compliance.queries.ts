import type { Sql } from "./database.js";

// Reads of the back office's compliance pages (docs/compliance.md). Every function takes the
// tenant id: another tenant's invoice or findings are never found (docs/security.md A1).

/** One invoice with its route and the verdict of the official rules, for the back office's invoice page. */
export interface StaffInvoiceComplianceRow {
  id: string;
  invoiceNumber: string;
  typeCode: string;
  issueDate: string;
  grandTotal: string;
  currency: string;
  customerId: string;
  customerNumber: string;
  customerName: string;
  buyerSiren: string | null;
  publishedAt: Date;
  removedAt: Date | null;
  withdrawnAt: Date | null;
  profile: string | null;
  /** BT-23 as read at publication (null when the file has none, or was published before it was read). */
  businessProcess: string | null;
  processingRule: string | null;
  processingRuleSource: string | null;
  validationStatus: string | null;
  validationRulesVersion: string | null;
  validationProfile: string | null;
  validationFindings: unknown;
  validatedAt: Date | null;
  /** The reader's findings stored at publication (route findings included). */
  findings: unknown;
}

export async function findStaffInvoiceCompliance(
  sql: Sql,
  tenantId: string,
  invoiceId: string,
): Promise<StaffInvoiceComplianceRow | undefined> {
  const [row] = await sql.query<StaffInvoiceComplianceRow>(
    `select i.id, i.invoice_number as "invoiceNumber", i.type_code as "typeCode", i.issue_date as "issueDate",
            i.grand_total as "grandTotal", i.currency, i.customer_id as "customerId",
            c.customer_number as "customerNumber", c.name as "customerName", i.buyer_siren as "buyerSiren",
            i.published_at as "publishedAt", i.removed_at as "removedAt", i.withdrawn_at as "withdrawnAt",
            i.profile, i.facts->>'businessProcess' as "businessProcess",
            i.processing_rule as "processingRule", i.processing_rule_source as "processingRuleSource",
            i.validation_status as "validationStatus", i.validation_rules_version as "validationRulesVersion",
            i.validation_profile as "validationProfile", i.validation_findings as "validationFindings",
            i.validated_at as "validatedAt", i.findings
       from invoices i join customers c on c.id = i.customer_id and c.tenant_id = i.tenant_id
      where i.tenant_id = $1 and i.id = $2`,
    [tenantId, invoiceId],
  );
  return row;
}

/** How the invoices published in a month fared, by status and by route. */
export interface ComplianceMonthTotals {
  published: number;
  passed: number;
  warnings: number;
  failed: number;
  pending: number;
  notChecked: number;
  /** B2B and failed: held, not to be sent to the platform. */
  heldB2b: number;
}

/** One official rule: how many of the month's invoices it failed (fatal) or warned. */
export interface ComplianceRuleCount {
  rule: string;
  failedInvoices: number;
  warnedInvoices: number;
}

export async function readComplianceMonth(
  sql: Sql,
  tenantId: string,
  from: Date,
  to: Date,
): Promise<{ totals: ComplianceMonthTotals; rules: ComplianceRuleCount[] }> {
  const [totals] = await sql.query<ComplianceMonthTotals>(
    `select count(*)::int as published,
            count(*) filter (where validation_status = 'passed')::int as passed,
            count(*) filter (where validation_status = 'warnings')::int as warnings,
            count(*) filter (where validation_status = 'failed')::int as failed,
            count(*) filter (where validation_status = 'pending')::int as pending,
            count(*) filter (where validation_status is null)::int as "notChecked",
            count(*) filter (where validation_status = 'failed' and processing_rule = 'B2B')::int as "heldB2b"
       from invoices where tenant_id = $1 and published_at >= $2 and published_at < $3`,
    [tenantId, from, to],
  );
  // An invoice counts once per rule, however many times the rule fired in it.
  const rules = await sql.query<ComplianceRuleCount>(
    `select f.rule,
            count(distinct f.id) filter (where f.flag = 'fatal')::int as "failedInvoices",
            count(distinct f.id) filter (where f.flag = 'warning')::int as "warnedInvoices"
       from (select i.id, e->>'rule' as rule, e->>'flag' as flag
               from invoices i cross join lateral jsonb_array_elements(i.validation_findings) e
              where i.tenant_id = $1 and i.published_at >= $2 and i.published_at < $3
                and i.validation_status in ('failed', 'warnings')
                and jsonb_typeof(i.validation_findings) = 'array') f
      where f.rule is not null
      group by f.rule
      order by 2 desc, 3 desc, f.rule`,
    [tenantId, from, to],
  );
  return { totals: totals!, rules };
}

/** An invoice of the month that failed the rules, for the list under the counts. */
export interface FailedInvoiceRow {
  id: string;
  invoiceNumber: string;
  customerId: string;
  customerNumber: string;
  processingRule: string | null;
  publishedAt: Date;
  /** The rule ids of its fatal findings, in order. */
  rules: string[];
}

export async function listFailedInvoicesOfMonth(
  sql: Sql,
  tenantId: string,
  from: Date,
  to: Date,
  limit: number,
): Promise<FailedInvoiceRow[]> {
  const rows = await sql.query<FailedInvoiceRow & { rules: unknown }>(
    `select i.id, i.invoice_number as "invoiceNumber", i.customer_id as "customerId",
            c.customer_number as "customerNumber", i.processing_rule as "processingRule",
            i.published_at as "publishedAt",
            (select coalesce(jsonb_agg(distinct e->>'rule'), '[]'::jsonb)
               from jsonb_array_elements(i.validation_findings) e where e->>'flag' = 'fatal') as rules
       from invoices i join customers c on c.id = i.customer_id and c.tenant_id = i.tenant_id
      where i.tenant_id = $1 and i.validation_status = 'failed' and i.published_at >= $2 and i.published_at < $3
      order by coalesce(i.processing_rule = 'B2B', false) desc, i.published_at desc, i.id
      limit $4`,
    [tenantId, from, to, limit],
  );
  return rows.map((r) => ({
    ...r,
    rules: Array.isArray(r.rules) ? r.rules.filter((x): x is string => typeof x === "string") : [],
  }));
}
