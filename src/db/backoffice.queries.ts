import type { AuditEntryRow } from "./audit-seals.repository.js";
import type { Sql } from "./database.js";

export interface CustomerHit {
  id: string;
  customerNumber: string;
  name: string;
  email: string | null;
  accountStatus: string | null;
  matchedBy: "customer_number" | "contract_number" | "invoice_number" | "email" | "name";
  matched: string;
}

const HIT = `c.id, c.customer_number as "customerNumber", c.name, c.email, a.status as "accountStatus"`;
const FROM_HIT = `customers c left join accounts a on a.id = c.account_id`;

/** `x%` for LIKE, with the user's own %, _ and \ taken literally (backslash is LIKE's default escape). */
export function likePrefix(text: string): string {
  return `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function findHitByCustomerNumber(
  sql: Sql,
  tenantId: string,
  number: string,
): Promise<CustomerHit[]> {
  return sql.query<CustomerHit>(
    `select ${HIT}, 'customer_number' as "matchedBy", c.customer_number as matched
       from ${FROM_HIT} where c.tenant_id = $1 and c.customer_number = $2`,
    [tenantId, number],
  );
}

export async function findHitsByContractNumber(
  sql: Sql,
  tenantId: string,
  number: string,
): Promise<CustomerHit[]> {
  return sql.query<CustomerHit>(
    `select ${HIT}, 'contract_number' as "matchedBy", k.contract_number as matched
       from contracts k join ${FROM_HIT} on c.id = k.customer_id
      where k.tenant_id = $1 and k.contract_number = $2`,
    [tenantId, number],
  );
}

export async function findHitsByInvoiceNumber(
  sql: Sql,
  tenantId: string,
  number: string,
): Promise<CustomerHit[]> {
  return sql.query<CustomerHit>(
    `select distinct on (c.id) ${HIT}, 'invoice_number' as "matchedBy", i.invoice_number as matched
       from invoices i join ${FROM_HIT} on c.id = i.customer_id
      where i.tenant_id = $1 and i.invoice_number = $2
      order by c.id limit 20`,
    [tenantId, number],
  );
}

// The two prefix searches: what the hit shows and the indexed column the prefix runs on (and is sorted by).
const PREFIX_SEARCHES = {
  email: { shown: "c.email", key: "c.email" },
  name: { shown: "c.name", key: "c.search_name" },
} as const;

async function findHitsByPrefix(
  sql: Sql,
  tenantId: string,
  by: keyof typeof PREFIX_SEARCHES,
  prefix: string,
  limit: number,
): Promise<CustomerHit[]> {
  const { shown, key } = PREFIX_SEARCHES[by];
  return sql.query<CustomerHit>(
    `select ${HIT}, '${by}' as "matchedBy", ${shown} as matched
       from ${FROM_HIT} where c.tenant_id = $1 and ${key} like $2
      order by ${key}, c.customer_number limit $3`,
    [tenantId, likePrefix(prefix), limit],
  );
}

/** Prefix of the registered address (an exact address is its own prefix). */
export async function findHitsByEmailPrefix(
  sql: Sql,
  tenantId: string,
  prefix: string,
  limit: number,
): Promise<CustomerHit[]> {
  return findHitsByPrefix(sql, tenantId, "email", prefix, limit);
}

/** Prefix of the folded name (searchKey on both sides: accents and case ignored). */
export async function findHitsByNamePrefix(
  sql: Sql,
  tenantId: string,
  key: string,
  limit: number,
): Promise<CustomerHit[]> {
  return findHitsByPrefix(sql, tenantId, "name", key, limit);
}

export interface CustomerRecordRow {
  id: string;
  customerNumber: string;
  name: string;
  email: string | null;
  createdAt: Date;
  accountId: string | null;
  account: {
    id: string;
    identifier: string;
    email: string;
    status: "pending" | "active" | "locked";
    passwordSet: boolean;
    activatedAt: string | null;
    lastLoginAt: string | null;
    lockedUntil: string | null;
    failedLogins: number;
    createdAt: string;
  } | null;
}

export async function findCustomerRecord(
  sql: Sql,
  tenantId: string,
  customerId: string,
): Promise<CustomerRecordRow | undefined> {
  const [row] = await sql.query<CustomerRecordRow>(
    `select c.id, c.customer_number as "customerNumber", c.name, c.email, c.created_at as "createdAt", c.account_id as "accountId",
            case when a.id is null then null else json_build_object(
              'id', a.id, 'identifier', a.identifier, 'email', a.email, 'status', a.status,
              'passwordSet', a.password_hash is not null, 'activatedAt', a.activated_at, 'lastLoginAt', a.last_login_at,
              'lockedUntil', a.locked_until, 'failedLogins', a.failed_logins, 'createdAt', a.created_at) end as account
       from customers c left join accounts a on a.id = c.account_id and a.tenant_id = c.tenant_id
      where c.tenant_id = $1 and c.id = $2`,
    [tenantId, customerId],
  );
  return row;
}

/** The customer numbers that share an account (one account per address). */
export async function listAccountCustomers(
  sql: Sql,
  tenantId: string,
  accountId: string,
): Promise<{ id: string; customerNumber: string; name: string }[]> {
  return sql.query(
    `select id, customer_number as "customerNumber", name from customers
      where tenant_id = $1 and account_id = $2 order by customer_number limit 200`,
    [tenantId, accountId],
  );
}

export async function listCustomerContracts(
  sql: Sql,
  tenantId: string,
  customerId: string,
): Promise<string[]> {
  const rows = await sql.query<{ n: string }>(
    `select contract_number as n from contracts where tenant_id = $1 and customer_id = $2 order by contract_number`,
    [tenantId, customerId],
  );
  return rows.map((r) => r.n);
}

export interface MailLogRow {
  id: string;
  kind: string;
  toAddress: string;
  status: "queued" | "sent" | "failed";
  attempts: number;
  smtpResponse: string | null;
  lastError: string | null;
  queuedAt: Date;
  sentAt: Date | null;
  failedAt: Date | null;
  openedAt: Date | null;
}

/** Every mail about this customer or its current account, newest first, with "opened the link" when known. */
export async function listMailLog(
  sql: Sql,
  tenantId: string,
  customerId: string,
  accountId: string | null,
  limit = 50,
): Promise<MailLogRow[]> {
  return sql.query<MailLogRow>(
    `select m.id, m.kind, m.to_address as "toAddress", m.status, m.attempts, m.smtp_response as "smtpResponse",
            m.last_error as "lastError", m.queued_at as "queuedAt", m.sent_at as "sentAt", m.failed_at as "failedAt",
            (select min(t.opened_at) from tokens t where t.mail_id = m.id) as "openedAt"
       from mails m
      where m.tenant_id = $1 and (m.customer_id = $2 or ($3::uuid is not null and m.account_id = $3::uuid))
      order by m.queued_at desc limit $4`,
    [tenantId, customerId, accountId, limit],
  );
}

/** The latest activation mail sent (or queued) to this account's current address. */
export async function findLatestActivationMail(
  sql: Sql,
  tenantId: string,
  accountId: string,
  address: string,
): Promise<{ status: string; queuedAt: Date; sentAt: Date | null; failedAt: Date | null } | undefined> {
  const [row] = await sql.query<{
    status: string;
    queuedAt: Date;
    sentAt: Date | null;
    failedAt: Date | null;
  }>(
    `select status, queued_at as "queuedAt", sent_at as "sentAt", failed_at as "failedAt" from mails
      where tenant_id = $1 and account_id = $2 and kind = 'activation' and to_address = $3
      order by queued_at desc limit 1`,
    [tenantId, accountId, address],
  );
  return row;
}

export interface RecordInvoiceRow {
  id: string;
  invoiceNumber: string;
  typeCode: string;
  issueDate: string;
  grandTotal: string;
  currency: string;
  publishedAt: Date;
  availableUntil: Date;
  firstDownloadedAt: Date | null;
  removedAt: Date | null;
  /** What the Factur-X reader noted at publication (jsonb array of src/einvoice Finding). */
  findings: unknown;
  withdrawnAt: Date | null;
  withdrawalReason: string | null;
  /** The route and the compliance check's status (docs/compliance.md). */
  processingRule: string | null;
  validationStatus: string | null;
}

export async function listCustomerInvoicesPage(
  sql: Sql,
  tenantId: string,
  customerId: string,
  page: number,
  pageSize: number,
): Promise<{ rows: RecordInvoiceRow[]; total: number; failed: number }> {
  const rows = await sql.query<RecordInvoiceRow>(
    `select id, invoice_number as "invoiceNumber", type_code as "typeCode", issue_date as "issueDate", grand_total as "grandTotal",
            currency, published_at as "publishedAt", available_until as "availableUntil", first_downloaded_at as "firstDownloadedAt",
            removed_at as "removedAt", findings, withdrawn_at as "withdrawnAt",
            withdrawal_reason as "withdrawalReason", processing_rule as "processingRule",
            validation_status as "validationStatus"
       from invoices where tenant_id = $1 and customer_id = $2
      order by issue_date desc, id desc limit $3 offset $4`,
    [tenantId, customerId, pageSize, (page - 1) * pageSize],
  );
  const [count] = await sql.query<{ n: number; failed: number }>(
    `select count(*)::int as n, count(*) filter (where validation_status = 'failed' and removed_at is null)::int as failed
       from invoices where tenant_id = $1 and customer_id = $2`,
    [tenantId, customerId],
  );
  return { rows, total: count?.n ?? 0, failed: count?.failed ?? 0 };
}

/** An entry of the tenant's chain as the journal shows it (the entry's own fields: audit-seals.repository.ts). */
export interface AuditRow extends Omit<AuditEntryRow, "tenantId"> {
  /** The hash of the entry before it in the chain (null for the first entry). */
  previousEntryHash: string | null;
  actorEmail: string | null;
}

export interface AuditFilter {
  actorId?: string;
  targetIds?: string[];
  action?: string;
  from?: Date;
  to?: Date;
  beforeSeq?: number;
}

/** A page of the tenant's chain, newest first, keyset on seq; each row comes with its predecessor's hash. */
export async function listAuditPage(
  sql: Sql,
  tenantId: string,
  filter: AuditFilter,
  limit: number,
): Promise<AuditRow[]> {
  const where = [`coalesce(e.tenant_id, '00000000-0000-0000-0000-000000000000'::uuid) = $1`];
  const params: unknown[] = [tenantId];
  const add = (clause: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (filter.actorId) add((p) => `e.actor_id = ${p}`, filter.actorId);
  if (filter.targetIds) add((p) => `e.target_id = any(${p}::text[])`, filter.targetIds);
  if (filter.action) add((p) => `e.action = ${p}`, filter.action);
  if (filter.from) add((p) => `e.at >= ${p}`, filter.from);
  if (filter.to) add((p) => `e.at < ${p}`, filter.to);
  if (filter.beforeSeq !== undefined) add((p) => `e.seq < ${p}`, filter.beforeSeq);
  params.push(limit);
  return sql.query<AuditRow>(
    `select e.seq, e.at, e.actor_type as "actorType", e.actor_id as "actorId", e.action, e.target_type as "targetType",
            e.target_id as "targetId", e.ip, e.details, e.prev_hash as "prevHash", e.hash, e.hash_version as "hashVersion",
            p.hash as "previousEntryHash", s.email as "actorEmail"
       from audit_entries e
       left join audit_entries p
         on coalesce(p.tenant_id, '00000000-0000-0000-0000-000000000000'::uuid) = $1 and p.seq = e.seq - 1
       left join staff s on e.actor_type = 'staff' and s.tenant_id = $1 and s.id::text = e.actor_id
      where ${where.join(" and ")}
      order by coalesce(e.tenant_id, '00000000-0000-0000-0000-000000000000'::uuid), e.seq desc limit $${params.length}`,
    params,
  );
}

export interface TenantStats {
  accountsActive: number;
  accountsPending: number;
  accountsLocked: number;
  customersWithoutEmail: number;
  invoicesThisMonth: number;
  downloadedThisMonth: number;
  /** Published this month with at least one warning stored (profile MINIMUM/BASIC WL, totals that do not add up…). */
  withWarningsThisMonth: number;
  mailsFailed30d: number;
  mailsSent30d: number;
}

export async function readTenantStats(
  sql: Sql,
  tenantId: string,
  monthStart: Date,
  now: Date,
): Promise<TenantStats> {
  const [row] = await sql.query<TenantStats>(
    `select
       (select count(*)::int from accounts where tenant_id = $1 and status = 'active') as "accountsActive",
       (select count(*)::int from accounts where tenant_id = $1 and status = 'pending') as "accountsPending",
       (select count(*)::int from accounts where tenant_id = $1 and status = 'locked') as "accountsLocked",
       (select count(*)::int from customers where tenant_id = $1 and email is null) as "customersWithoutEmail",
       (select count(*)::int from invoices where tenant_id = $1 and published_at >= $2) as "invoicesThisMonth",
       (select count(*)::int from invoices where tenant_id = $1 and published_at >= $2 and first_downloaded_at is not null) as "downloadedThisMonth",
       (select count(*)::int from invoices where tenant_id = $1 and published_at >= $2
           and findings @> '[{"severity": "warning"}]'::jsonb) as "withWarningsThisMonth",
       (select count(*)::int from mails where tenant_id = $1 and status = 'failed' and failed_at >= $3) as "mailsFailed30d",
       (select count(*)::int from mails where tenant_id = $1 and status = 'sent' and sent_at >= $3) as "mailsSent30d"`,
    [tenantId, monthStart, new Date(now.getTime() - 30 * 86400_000)],
  );
  return row!;
}

/** A customer of the tenant with what an action on its address needs (number, name, e-mail). */
export async function findCustomerContact(
  sql: Sql,
  tenantId: string,
  customerId: string,
): Promise<{ id: string; customerNumber: string; name: string; email: string | null } | undefined> {
  const [row] = await sql.query<{ id: string; customerNumber: string; name: string; email: string | null }>(
    `select id, customer_number as "customerNumber", name, email from customers where tenant_id = $1 and id = $2`,
    [tenantId, customerId],
  );
  return row;
}

/** The ids a customer's audit entries name: the customer itself and its current account, if any. */
export async function findCustomerAuditTargets(
  sql: Sql,
  tenantId: string,
  customerNumber: string,
): Promise<{ id: string; accountId: string | null } | undefined> {
  const [row] = await sql.query<{ id: string; accountId: string | null }>(
    `select id, account_id as "accountId" from customers where tenant_id = $1 and customer_number = $2`,
    [tenantId, customerNumber],
  );
  return row;
}
