import type { Sql } from "./database.js";
import type { invoices as invoicesTable } from "./schema.js";

// SQL of the retention run (src/domain/retention/run-retention.ts). "Activated" accounts are those that
// set a password: `active`, and `locked` (blocked after failed logins, which a password reset lifts).

export interface AccountRef {
  tenantId: string;
  accountId: string;
}

export interface ReminderWindow {
  now: Date;
  /** now + 60 days: the 60-day window ends here. */
  until60: Date;
  /** now + 15 days. */
  until15: Date;
  tenantId?: string;
}

// An invoice is due for a reminder when it is live, never downloaded, leaves within 60 days and has not
// had the reminder of its window yet (step 2 within 15 days, else step 1).
const DUE_FOR_REMINDER = `
      i.removed_at is null and i.first_downloaded_at is null
  and i.available_until > $1 and i.available_until <= $2
  and i.reminder_step < (case when i.available_until <= $3 then 2 else 1 end)
  and a.status in ('active', 'locked')
  and ($4::uuid is null or i.tenant_id = $4)`;

/** Accounts holding at least one invoice due for a reminder, in a stable order. */
export async function listAccountsDueForReminder(sql: Sql, window: ReminderWindow): Promise<AccountRef[]> {
  return sql.query<AccountRef>(
    `select distinct i.tenant_id as "tenantId", i.account_id as "accountId"
       from invoices i join accounts a on a.id = i.account_id and a.tenant_id = i.tenant_id
      where ${DUE_FOR_REMINDER}
      order by 1, 2`,
    [window.now, window.until60, window.until15, window.tenantId ?? null],
  );
}

export interface ReminderGroup extends AccountRef {
  step: 1 | 2;
  email: string;
  language: "fr" | "en";
  invoices: number;
  earliest: Date;
}

/**
 * Moves the due invoices of these accounts to the reminder step of their window and returns what each
 * account is to be told, per step. The conditional UPDATE decides: two runs at once never both claim an
 * invoice, so a reminder is never mailed twice.
 */
export async function claimReminders(
  sql: Sql,
  window: ReminderWindow,
  accounts: AccountRef[],
): Promise<ReminderGroup[]> {
  if (accounts.length === 0) return [];
  return sql.query<ReminderGroup>(
    `with claimed as (
       update invoices i set reminder_step = case when i.available_until <= $3 then 2 else 1 end
         from accounts a
        where a.id = i.account_id and a.tenant_id = i.tenant_id
          and (i.tenant_id, i.account_id) in (select * from unnest($5::uuid[], $6::uuid[]))
          and ${DUE_FOR_REMINDER}
       returning i.tenant_id, i.account_id, i.reminder_step, i.available_until, a.email, a.language)
     select tenant_id as "tenantId", account_id as "accountId", reminder_step::int as step, email, language,
            count(*)::int as invoices, min(available_until) as earliest
       from claimed
      group by tenant_id, account_id, reminder_step, email, language
      order by tenant_id, account_id, reminder_step`,
    [
      window.now,
      window.until60,
      window.until15,
      window.tenantId ?? null,
      accounts.map((a) => a.tenantId),
      accounts.map((a) => a.accountId),
    ],
  );
}

/** What `claimReminders` would return for every account, changing nothing (dry run). */
export async function previewReminders(sql: Sql, window: ReminderWindow): Promise<ReminderGroup[]> {
  return sql.query<ReminderGroup>(
    `select i.tenant_id as "tenantId", i.account_id as "accountId",
            (case when i.available_until <= $3 then 2 else 1 end)::int as step, a.email, a.language,
            count(*)::int as invoices, min(i.available_until) as earliest
       from invoices i join accounts a on a.id = i.account_id and a.tenant_id = i.tenant_id
      where ${DUE_FOR_REMINDER}
      group by 1, 2, 3, 4, 5
      order by 1, 2, 3`,
    [window.now, window.until60, window.until15, window.tenantId ?? null],
  );
}

export type RemovedInvoice = Pick<
  typeof invoicesTable.$inferSelect,
  "id" | "tenantId" | "invoiceNumber" | "sha256" | "availableUntil"
>;

/**
 * Marks up to `limit` invoices whose date has come as removed (`removed_at = now`), oldest date first.
 * Rows another run is removing right now are skipped rather than waited for, and a row is removed once.
 */
export async function removeDueInvoices(
  sql: Sql,
  input: { now: Date; tenantId?: string; limit: number },
): Promise<RemovedInvoice[]> {
  return sql.query<RemovedInvoice>(
    `with due as (
       select id from invoices
        where removed_at is null and available_until <= $1 and ($2::uuid is null or tenant_id = $2)
        order by available_until, id
        limit $3
        for update skip locked)
     update invoices i set removed_at = $1
       from due where i.id = due.id and i.removed_at is null
     returning i.id, i.tenant_id as "tenantId", i.invoice_number as "invoiceNumber", i.sha256,
               i.available_until as "availableUntil"`,
    [input.now, input.tenantId ?? null, input.limit],
  );
}

/** How many invoices a removal at `now` would take, and their SHA-256s (dry run). */
export async function listDueInvoices(
  sql: Sql,
  input: { now: Date; tenantId?: string },
): Promise<{ count: number; sha256s: string[] }> {
  const rows = await sql.query<{ sha256: string; n: number }>(
    `select sha256, count(*)::int as n from invoices
      where removed_at is null and available_until <= $1 and ($2::uuid is null or tenant_id = $2)
      group by sha256`,
    [input.now, input.tenantId ?? null],
  );
  return { count: rows.reduce((sum, r) => sum + r.n, 0), sha256s: rows.map((r) => r.sha256) };
}

/** Lifecycle events of removed invoices (actor `system`). */
export async function insertRemovalEvents(
  sql: Sql,
  code: number,
  at: Date,
  invoices: RemovedInvoice[],
): Promise<void> {
  if (invoices.length === 0) return;
  await sql.query(
    `insert into invoice_events (tenant_id, invoice_id, code, actor, at, details)
     select t, i, $3, 'system', $4, jsonb_build_object('availableUntil', u)
       from unnest($1::uuid[], $2::uuid[], $5::text[]) as x(t, i, u)`,
    [
      invoices.map((r) => r.tenantId),
      invoices.map((r) => r.id),
      code,
      at,
      invoices.map((r) => r.availableUntil.toISOString()),
    ],
  );
}

/** SHA-256s of removed invoices whose stored bytes are still to be dealt with (invoices_blob_pending_idx). */
export async function listPendingBlobs(
  sql: Sql,
  input: { tenantId?: string; limit: number },
): Promise<string[]> {
  const rows = await sql.query<{ sha256: string }>(
    `select distinct sha256 from invoices
      where removed_at is not null and blob_deleted_at is null and ($1::uuid is null or tenant_id = $1)
      order by sha256 limit $2`,
    [input.tenantId ?? null, input.limit],
  );
  return rows.map((r) => r.sha256);
}

// Blob locks: one advisory lock per SHA-256, taken in key order so two holders never wait on each other
// in a cycle. Deletion takes them exclusively; publication takes them shared (see holdBlobsForPublication).
const BLOB_LOCK_KEYS = `select distinct hashtextextended('blob:' || s, 0) as k from unnest($1::text[]) as s order by 1`;

/** Locks these blobs against publication until the transaction ends. */
export async function lockBlobsForDeletion(sql: Sql, sha256s: string[]): Promise<void> {
  if (sha256s.length === 0) return;
  await sql.query(`select pg_advisory_xact_lock(k) from (${BLOB_LOCK_KEYS}) as keys`, [sha256s]);
}

/** Stops these blobs from being deleted until the transaction (a publication) ends. */
export async function lockBlobsForPublication(sql: Sql, sha256s: string[]): Promise<void> {
  if (sha256s.length === 0) return;
  await sql.query(`select pg_advisory_xact_lock_shared(k) from (${BLOB_LOCK_KEYS}) as keys`, [sha256s]);
}

/** Of these SHA-256s, those still needed: held by a live invoice (any tenant) or used as a tenant's logo. */
export async function findBlobsInUse(sql: Sql, sha256s: string[]): Promise<Set<string>> {
  if (sha256s.length === 0) return new Set();
  const rows = await sql.query<{ sha256: string }>(
    `select distinct sha256 from invoices where sha256 = any($1::text[]) and removed_at is null
     union
     select logo_sha256 from tenants where logo_sha256 = any($1::text[])`,
    [sha256s],
  );
  return new Set(rows.map((r) => r.sha256));
}

// The XML extracted at publication is a blob of its own (invoices.xml_sha256, issue 12): it goes with the
// PDF's, under the same locks, once no live invoice refers to its bytes, whether as a PDF or as an XML.

/** XML blobs of the removed invoices whose PDF blobs `pdfSha256s` are being settled. */
export async function xmlBlobsOfPending(sql: Sql, pdfSha256s: string[]): Promise<string[]> {
  if (pdfSha256s.length === 0) return [];
  const rows = await sql.query<{ xmlSha256: string }>(
    `select distinct xml_sha256 as "xmlSha256" from invoices
      where sha256 = any($1::text[]) and removed_at is not null and blob_deleted_at is null
        and xml_sha256 is not null
      order by 1`,
    [pdfSha256s],
  );
  return rows.map((r) => r.xmlSha256);
}

/** Of these SHA-256s, those held as a PDF or an XML by an invoice matching `holds`, or used as a tenant's logo. */
async function findBlobsHeld(sql: Sql, sha256s: string[], holds: string): Promise<Set<string>> {
  if (sha256s.length === 0) return new Set();
  const rows = await sql.query<{ sha256: string }>(
    `select sha256 from invoices where sha256 = any($1::text[]) and ${holds}
     union
     select xml_sha256 from invoices where xml_sha256 = any($1::text[]) and ${holds}
     union
     select logo_sha256 from tenants where logo_sha256 = any($1::text[])`,
    [sha256s],
  );
  return new Set(rows.map((r) => r.sha256));
}

/** Of these SHA-256s, those still needed: any live invoice's PDF or XML, or a tenant's logo. */
export async function findAnyBlobsInUse(sql: Sql, sha256s: string[]): Promise<Set<string>> {
  return findBlobsHeld(sql, sha256s, "removed_at is null");
}

/** Of these SHA-256s, those a row still needs: an invoice's PDF or XML (until retention settles it), a logo. */
export async function findReferencedBlobs(sql: Sql, sha256s: string[]): Promise<Set<string>> {
  return findBlobsHeld(sql, sha256s, "(removed_at is null or blob_deleted_at is null)");
}

/**
 * Of these SHA-256s, those a run at `now` would keep: held by an invoice that stays live after it (any
 * tenant; with `tenantId`, another tenant's invoices all stay), or used as a logo (dry run).
 */
export async function findBlobsKeptAfterRun(
  sql: Sql,
  sha256s: string[],
  input: { now: Date; tenantId?: string },
): Promise<Set<string>> {
  if (sha256s.length === 0) return new Set();
  const rows = await sql.query<{ sha256: string }>(
    `select distinct sha256 from invoices
      where sha256 = any($1::text[]) and removed_at is null
        and not (available_until <= $2 and ($3::uuid is null or tenant_id = $3))
     union
     select logo_sha256 from tenants where logo_sha256 = any($1::text[])`,
    [sha256s, input.now, input.tenantId ?? null],
  );
  return new Set(rows.map((r) => r.sha256));
}

/** Records that the removed invoices holding these bytes need nothing more (deleted, or kept for a live holder). */
export async function markBlobsSettled(sql: Sql, sha256s: string[], at: Date): Promise<number> {
  if (sha256s.length === 0) return 0;
  const rows = await sql.query<{ id: string }>(
    `update invoices set blob_deleted_at = $2
      where sha256 = any($1::text[]) and removed_at is not null and blob_deleted_at is null
     returning id`,
    [sha256s, at],
  );
  return rows.length;
}

/**
 * Of the tenant's invoices still online at `now`, the one published with the shortest retention (its
 * publication and its date), or undefined when none is online. Reads the tenant's range of
 * invoices_tenant_published_idx: callers keep the answer for a while (home page).
 */
export async function findShortestLiveRetention(
  sql: Sql,
  tenantId: string,
  now: Date,
): Promise<{ publishedAt: Date; availableUntil: Date } | undefined> {
  const [row] = await sql.query<{ publishedAt: Date; availableUntil: Date }>(
    `select published_at as "publishedAt", available_until as "availableUntil"
       from invoices
      where tenant_id = $1 and removed_at is null and available_until > $2
      order by available_until - published_at
      limit 1`,
    [tenantId, now],
  );
  return row;
}
