import type { Sql } from "./database.js";

// READ queries of what people see of the reform bridge (issue #16 item 5): the customer's invoice pages
// (duplicata wording, the PA's statuses) and the back office (the tenant's PA connection, transmissions,
// inbound messages, monthly figures). Writes go through src/domain/pa (docs/pa-bridge.md). Every function takes
// the tenant id: another tenant's transmissions, statuses or messages are never found (docs/security.md A1).

/** Routes whose portal copy is a duplicata: the original goes (or went) to the buyer through the PA. */
export const DUPLICATA_ROUTES = ["B2B", "B2BInt"] as const;

/** The way to the PA of one invoice (null when it has none). */
export interface TransmissionView {
  status: "held" | "queued" | "submitted" | "acknowledged" | "rejected";
  holdReason: string | null;
  flowId: string | null;
  submittedAt: Date | null;
  ackStatus: string | null;
  reasons: unknown[];
  attempts: number;
  lastError: string | null;
  updatedAt: Date;
}

/**
 * One regulated lifecycle status as stored: reported by the PA (CDAR, source `pa`) or, for 212 « Encaissée »,
 * recorded by the issuer through the payments API and sent by us (source `portal`, role SE).
 */
export interface LifecycleStatusView {
  code: number;
  label: string;
  at: Date;
  source: "portal" | "pa";
  role: string | null;
  reasonCode: string | null;
  reasonText: string | null;
}

export interface InvoicePaView {
  processingRule: string | null;
  transmission: TransmissionView | null;
  /** Source `pa` only (the portal's own events are in invoice_events), oldest first. */
  paStatuses: LifecycleStatusView[];
}

/** Whether an invoice's portal copy is a duplicata: a B2B route, or a transmission to the PA. */
export function isDuplicata(view: Pick<InvoicePaView, "processingRule" | "transmission">): boolean {
  return (
    (view.processingRule !== null && (DUPLICATA_ROUTES as readonly string[]).includes(view.processingRule)) ||
    view.transmission !== null
  );
}

const TRANSMISSION_COLUMNS = `t.status, t.hold_reason as "holdReason", t.flow_id as "flowId", t.submitted_at as "submittedAt",
  t.ack_status as "ackStatus", t.reasons, t.attempts, t.last_error as "lastError", t.updated_at as "updatedAt"`;

/** An invoice's route, transmission and PA statuses; undefined when the tenant has no such invoice. */
export async function findInvoicePaView(
  sql: Sql,
  tenantId: string,
  invoiceId: string,
): Promise<InvoicePaView | undefined> {
  const [invoice] = await sql.query<{ processingRule: string | null }>(
    `select processing_rule as "processingRule" from invoices where tenant_id = $1 and id = $2`,
    [tenantId, invoiceId],
  );
  if (!invoice) return undefined;
  const [[transmission], paStatuses] = await Promise.all([
    sql.query<TransmissionView>(
      `select ${TRANSMISSION_COLUMNS} from pa_transmissions t where t.tenant_id = $1 and t.invoice_id = $2`,
      [tenantId, invoiceId],
    ),
    sql.query<LifecycleStatusView>(
      `select code, label, at, source, role, reason_code as "reasonCode", reason_text as "reasonText"
         from pa_lifecycle_statuses
        where tenant_id = $1 and invoice_id = $2
        order by at, code, id`,
      [tenantId, invoiceId],
    ),
  ]);
  return { processingRule: invoice.processingRule, transmission: transmission ?? null, paStatuses };
}

/** Of these invoices of the tenant, the ids whose portal copy is a duplicata (see `isDuplicata`). */
export async function listDuplicataIds(
  sql: Sql,
  tenantId: string,
  invoiceIds: readonly string[],
): Promise<Set<string>> {
  if (invoiceIds.length === 0) return new Set();
  const rows = await sql.query<{ id: string }>(
    `select i.id from invoices i
      where i.tenant_id = $1 and i.id = any($2::uuid[])
        and (i.processing_rule = any($3::text[])
             or exists (select 1 from pa_transmissions t where t.tenant_id = i.tenant_id and t.invoice_id = i.id))`,
    [tenantId, invoiceIds, DUPLICATA_ROUTES],
  );
  return new Set(rows.map((row) => row.id));
}

/** The tenant's PA connection as the admin page shows it: never the secret, only that one is stored. */
export interface PaConnectionView {
  flowUrl: string;
  authKind: "oauth2" | "token";
  tokenUrl: string | null;
  clientId: string | null;
  pollSeconds: number;
  webhook: boolean;
  polledAt: Date | null;
  pollUpdatedAfter: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export async function findPaConnectionView(
  sql: Sql,
  tenantId: string,
): Promise<PaConnectionView | undefined> {
  const [row] = await sql.query<PaConnectionView>(
    `select flow_url as "flowUrl", auth_kind as "authKind", token_url as "tokenUrl", client_id as "clientId",
            poll_seconds as "pollSeconds", webhook_uid is not null as webhook, polled_at as "polledAt",
            poll_updated_after as "pollUpdatedAfter", created_at as "createdAt", updated_at as "updatedAt"
       from pa_connections where tenant_id = $1`,
    [tenantId],
  );
  return row;
}

export const TRANSMISSION_STATUSES = ["held", "queued", "submitted", "acknowledged", "rejected"] as const;
export const HOLD_REASONS = ["validation_failed", "validation_pending", "no_connection"] as const;
/** Lifecycle codes the back office filters on: disputes, refusals, rejections. */
export const PROBLEM_CODES = [207, 210, 213] as const;

export interface TransmissionFilter {
  status?: (typeof TRANSMISSION_STATUSES)[number];
  holdReason?: (typeof HOLD_REASONS)[number];
  /** Invoices that received this lifecycle status from the PA. */
  code?: (typeof PROBLEM_CODES)[number];
}

/** One transmission of the back office's list, with its invoice, customer and latest PA status. */
export interface TransmissionListRow extends TransmissionView {
  invoiceId: string;
  invoiceNumber: string;
  typeCode: string;
  issueDate: string;
  grandTotal: string;
  currency: string;
  processingRule: string | null;
  customerId: string;
  customerNumber: string;
  customerName: string;
  /** The latest status the PA reported, if any. */
  lastStatus: LifecycleStatusView | null;
  /** The statuses with a reason (disputes, refusals, rejections…), oldest first. */
  reasonedStatuses: LifecycleStatusView[];
}

/** The tenant's transmissions, newest first, filtered; at most `limit` rows (and whether there were more). */
export async function listTransmissions(
  sql: Sql,
  tenantId: string,
  filter: TransmissionFilter,
  limit: number,
): Promise<{ rows: TransmissionListRow[]; more: boolean }> {
  const where = ["t.tenant_id = $1"];
  const params: unknown[] = [tenantId];
  if (filter.status) {
    params.push(filter.status);
    where.push(`t.status = $${params.length}`);
  }
  if (filter.holdReason) {
    params.push(filter.holdReason);
    where.push(`t.hold_reason = $${params.length}`);
  }
  if (filter.code) {
    params.push(filter.code);
    where.push(
      `exists (select 1 from pa_lifecycle_statuses s where s.tenant_id = t.tenant_id and s.invoice_id = t.invoice_id and s.code = $${params.length})`,
    );
  }
  params.push(limit + 1);
  const rows = await sql.query<Omit<TransmissionListRow, "lastStatus" | "reasonedStatuses">>(
    `select ${TRANSMISSION_COLUMNS}, i.id as "invoiceId", i.invoice_number as "invoiceNumber", i.type_code as "typeCode",
            i.issue_date as "issueDate", i.grand_total as "grandTotal", i.currency,
            i.processing_rule as "processingRule", c.id as "customerId", c.customer_number as "customerNumber",
            c.name as "customerName"
       from pa_transmissions t
       join invoices i on i.id = t.invoice_id and i.tenant_id = t.tenant_id
       join customers c on c.id = i.customer_id and c.tenant_id = i.tenant_id
      where ${where.join(" and ")}
      order by coalesce(t.submitted_at, t.created_at) desc, t.id desc
      limit $${params.length}`,
    params,
  );
  const more = rows.length > limit;
  const shown = rows.slice(0, limit);
  const statuses = shown.length
    ? await sql.query<LifecycleStatusView & { invoiceId: string }>(
        `select invoice_id as "invoiceId", code, label, at, source, role, reason_code as "reasonCode",
                reason_text as "reasonText"
           from pa_lifecycle_statuses
          where tenant_id = $1 and invoice_id = any($2::uuid[])
          order by at, code, id`,
        [tenantId, shown.map((row) => row.invoiceId)],
      )
    : [];
  const byInvoice = new Map<string, LifecycleStatusView[]>();
  for (const { invoiceId, ...status } of statuses) {
    const list = byInvoice.get(invoiceId) ?? [];
    list.push(status);
    byInvoice.set(invoiceId, list);
  }
  return {
    more,
    rows: shown.map((row) => {
      const list = byInvoice.get(row.invoiceId) ?? [];
      return {
        ...row,
        lastStatus: list.at(-1) ?? null,
        reasonedStatuses: list.filter((s) => s.reasonCode || s.reasonText),
      };
    }),
  };
}

/** A lifecycle message of the PA that was not recorded on an invoice: kept, shown to the tenant's admins. */
export interface InboundProblemRow {
  id: string;
  flowId: string;
  receivedVia: "poll" | "webhook";
  outcome: "unmatched" | "invalid";
  detail: string | null;
  receivedAt: Date;
  /** The document as received (CDAR XML), cut to `documentMax` characters; null when the PA gave none. */
  document: string | null;
  documentLength: number;
}

export async function listInboundProblems(
  sql: Sql,
  tenantId: string,
  limit: number,
  documentMax = 20_000,
): Promise<{ rows: InboundProblemRow[]; total: number }> {
  const [rows, [count]] = await Promise.all([
    sql.query<InboundProblemRow>(
      `select id, flow_id as "flowId", received_via as "receivedVia", outcome, detail, received_at as "receivedAt",
              left(document, $3) as document, coalesce(length(document), 0)::int as "documentLength"
         from pa_inbound_messages
        where tenant_id = $1 and outcome <> 'recorded'
        order by received_at desc, id desc limit $2`,
      [tenantId, limit, documentMax],
    ),
    sql.query<{ n: number }>(
      `select count(*)::int as n from pa_inbound_messages where tenant_id = $1 and outcome <> 'recorded'`,
      [tenantId],
    ),
  ]);
  return { rows, total: count?.n ?? 0 };
}

/** Counts of the tenant's transmissions by status, and held ones by reason. */
export async function countTransmissions(
  sql: Sql,
  tenantId: string,
): Promise<{ byStatus: Record<string, number>; byHoldReason: Record<string, number> }> {
  const rows = await sql.query<{ status: string; holdReason: string | null; n: number }>(
    `select status, hold_reason as "holdReason", count(*)::int as n
       from pa_transmissions where tenant_id = $1 group by status, hold_reason`,
    [tenantId],
  );
  const byStatus: Record<string, number> = {};
  const byHoldReason: Record<string, number> = {};
  for (const row of rows) {
    byStatus[row.status] = (byStatus[row.status] ?? 0) + row.n;
    if (row.holdReason) byHoldReason[row.holdReason] = (byHoldReason[row.holdReason] ?? 0) + row.n;
  }
  return { byStatus, byHoldReason };
}

/** One month (Paris time) of the PA figures. */
export interface PaMonthRow {
  /** YYYY-MM */
  month: string;
  /** Flows the PA took (submitted_at in the month). */
  transmitted: number;
  /** Of those, acknowledged Ok / rejected (acknowledgement Error or request refused) by the PA. */
  acknowledged: number;
  rejected: number;
  /** Invoices that received a 207 / 210 / 212 / 213 status dated in the month. */
  disputed: number;
  refused: number;
  collected: number;
  lifecycleRejected: number;
}

/** The PA figures of the last `months` months that have any, newest first. */
export async function readPaMonths(sql: Sql, tenantId: string, since: Date): Promise<PaMonthRow[]> {
  const rows = await sql.query<PaMonthRow>(
    `with sent as (
       select to_char(submitted_at at time zone 'Europe/Paris', 'YYYY-MM') as month,
              count(*)::int as transmitted,
              count(*) filter (where status = 'acknowledged')::int as acknowledged,
              count(*) filter (where status = 'rejected')::int as rejected
         from pa_transmissions
        where tenant_id = $1 and submitted_at >= $2
        group by 1),
     statuses as (
       select to_char(at at time zone 'Europe/Paris', 'YYYY-MM') as month,
              count(distinct invoice_id) filter (where code = 207)::int as disputed,
              count(distinct invoice_id) filter (where code = 210)::int as refused,
              count(distinct invoice_id) filter (where code = 212)::int as collected,
              count(distinct invoice_id) filter (where code = 213)::int as "lifecycleRejected"
         from pa_lifecycle_statuses
        where tenant_id = $1 and at >= $2
        group by 1)
     select coalesce(sent.month, statuses.month) as month,
            coalesce(transmitted, 0) as transmitted, coalesce(acknowledged, 0) as acknowledged,
            coalesce(rejected, 0) as rejected, coalesce(disputed, 0) as disputed, coalesce(refused, 0) as refused,
            coalesce(collected, 0) as collected, coalesce("lifecycleRejected", 0) as "lifecycleRejected"
       from sent full join statuses on statuses.month = sent.month
      order by 1 desc`,
    [tenantId, since],
  );
  return rows;
}
