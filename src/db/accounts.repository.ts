import { generateIdentifier } from "../domain/accounts/identifier.js";
import type { Sql } from "./database.js";
import type { accounts } from "./schema.js";

export type AccountStatus = "pending" | "active" | "locked";
export type Language = "fr" | "en";

/** An account as the use cases read it (the schema's row, its text enums narrowed by the table's checks). */
export type AccountRow = Pick<
  typeof accounts.$inferSelect,
  "id" | "tenantId" | "identifier" | "email" | "passwordHash" | "notifyNewInvoice"
> & { status: AccountStatus; language: Language };

const COLUMNS = `id, tenant_id as "tenantId", identifier, email, status, language, password_hash as "passwordHash",
  notify_new_invoice as "notifyNewInvoice"`;

/** The tenant's account with this id, address or login identifier (each has a unique index). */
async function findAccountWhere(
  sql: Sql,
  tenantId: string,
  column: "id" | "email" | "identifier",
  value: string,
): Promise<AccountRow | undefined> {
  const [row] = await sql.query<AccountRow>(
    `select ${COLUMNS} from accounts where tenant_id = $1 and ${column} = $2`,
    [tenantId, value],
  );
  return row;
}

export function findAccountByEmail(sql: Sql, tenantId: string, email: string) {
  return findAccountWhere(sql, tenantId, "email", email);
}

export function findAccountById(sql: Sql, tenantId: string, accountId: string) {
  return findAccountWhere(sql, tenantId, "id", accountId);
}

export function findAccountByIdentifier(sql: Sql, tenantId: string, identifier: string) {
  return findAccountWhere(sql, tenantId, "identifier", identifier);
}

/**
 * The account of this address in this tenant, created (pending, with a fresh identifier) when missing.
 * Concurrent callers converge on one account thanks to the unique (tenant, email) index.
 */
export async function ensureAccountForEmail(
  sql: Sql,
  tenantId: string,
  email: string,
): Promise<{ account: AccountRow; created: boolean }> {
  const existing = await findAccountByEmail(sql, tenantId, email);
  if (existing) return { account: existing, created: false };
  for (let attempt = 0; attempt < 5; attempt++) {
    const [row] = await sql.query<AccountRow>(
      `insert into accounts (tenant_id, identifier, email) values ($1, $2, $3)
       on conflict do nothing returning ${COLUMNS}`,
      [tenantId, generateIdentifier(), email],
    );
    if (row) return { account: row, created: true };
    const raced = await findAccountByEmail(sql, tenantId, email);
    if (raced) return { account: raced, created: false };
    // Otherwise the identifier collided: draw another one.
  }
  throw new Error("could not allocate an account identifier");
}

/**
 * Sets the password of an account with a mailed link (or a seed): the account becomes active (activated
 * now unless it was before) and any lock or failure count goes. Returns what the notice mail needs and
 * whether this was the first activation.
 */
export async function setAccountPassword(
  sql: Sql,
  tenantId: string,
  accountId: string,
  passwordHash: string,
  at: Date = new Date(),
): Promise<{ identifier: string; language: Language; wasPending: boolean } | undefined> {
  const [row] = await sql.query<{ identifier: string; language: Language; wasPending: boolean }>(
    `update accounts a set password_hash = $3, status = 'active', activated_at = coalesce(a.activated_at, $4),
            failed_logins = 0, locked_until = null
       from accounts before
      where a.tenant_id = $1 and a.id = $2 and before.id = a.id
      returning a.identifier, a.language, before.status = 'pending' as "wasPending"`,
    [tenantId, accountId, passwordHash, at],
  );
  return row;
}

/** A password change by the account's owner: only the hash changes (the account is active already). */
export async function replaceAccountPasswordHash(
  sql: Sql,
  tenantId: string,
  accountId: string,
  passwordHash: string,
): Promise<void> {
  await sql.query("update accounts set password_hash = $3 where tenant_id = $1 and id = $2", [
    tenantId,
    accountId,
    passwordHash,
  ]);
}

/** Counts a failed login on the account; with no account (unknown identifier) the statement runs all the same. */
export async function countAccountLoginFailure(sql: Sql, accountId: string | null): Promise<void> {
  await sql.query("update accounts set failed_logins = failed_logins + 1 where id = $1", [accountId]);
}

export async function recordAccountLogin(sql: Sql, accountId: string, at: Date): Promise<void> {
  await sql.query("update accounts set last_login_at = $2, failed_logins = 0 where id = $1", [accountId, at]);
}

/** The account's new address (the caller voids its links and revokes its sessions). */
export async function setAccountEmail(sql: Sql, tenantId: string, accountId: string, email: string) {
  await sql.query("update accounts set email = $3 where tenant_id = $1 and id = $2", [
    tenantId,
    accountId,
    email,
  ]);
}

export async function updateAccountPreferences(
  sql: Sql,
  tenantId: string,
  accountId: string,
  preferences: { language: Language; notifyNewInvoice: boolean },
): Promise<void> {
  await sql.query(
    "update accounts set language = $3, notify_new_invoice = $4 where tenant_id = $1 and id = $2",
    [tenantId, accountId, preferences.language, preferences.notifyNewInvoice],
  );
}

/** Lifts a lock: a locked account goes back to active, or to pending when it never had a password. */
export async function unlockAccount(sql: Sql, tenantId: string, accountId: string): Promise<void> {
  await sql.query(
    `update accounts set status = case when status = 'locked' then case when password_hash is null then 'pending' else 'active' end else status end,
            locked_until = null, failed_logins = 0 where tenant_id = $1 and id = $2`,
    [tenantId, accountId],
  );
}

/** The account page's facts: identifier, address, preferences, and the customer numbers it holds. */
export type AccountView = Pick<
  typeof accounts.$inferSelect,
  "id" | "identifier" | "email" | "status" | "notifyNewInvoice" | "lastLoginAt"
> & { language: Language; customerNumbers: string[] };

export async function findAccountView(
  sql: Sql,
  tenantId: string,
  accountId: string,
): Promise<AccountView | undefined> {
  const [row] = await sql.query<AccountView>(
    `select a.id, a.identifier, a.email, a.status, a.language, a.notify_new_invoice as "notifyNewInvoice", a.last_login_at as "lastLoginAt",
            coalesce((select array_agg(c.customer_number order by c.customer_number) from customers c
                       where c.tenant_id = a.tenant_id and c.account_id = a.id), '{}') as "customerNumbers"
       from accounts a where a.tenant_id = $1 and a.id = $2`,
    [tenantId, accountId],
  );
  return row;
}

/**
 * These accounts of the tenant, locked until the transaction ends (in id order, so concurrent
 * publications never deadlock): what is decided about their mails cannot be decided twice at once.
 */
export async function lockAccounts(sql: Sql, tenantId: string, accountIds: string[]): Promise<AccountRow[]> {
  if (accountIds.length === 0) return [];
  return sql.query<AccountRow>(
    `select ${COLUMNS} from accounts where tenant_id = $1 and id = any($2::uuid[]) order by id for update`,
    [tenantId, accountIds],
  );
}

/** These accounts of the tenant (no lock). */
export async function findAccountsByIds(
  sql: Sql,
  tenantId: string,
  accountIds: string[],
): Promise<AccountRow[]> {
  if (accountIds.length === 0) return [];
  return sql.query<AccountRow>(
    `select ${COLUMNS} from accounts where tenant_id = $1 and id = any($2::uuid[])`,
    [tenantId, accountIds],
  );
}

/** Sets the digest due time of these accounts that have none yet; returns the ids it set (new-invoice digest). */
export async function scheduleNoticeDue(
  sql: Sql,
  tenantId: string,
  accountIds: string[],
  dueAt: Date,
): Promise<string[]> {
  const rows = await sql.query<{ id: string }>(
    `update accounts set notice_due_at = $3 where tenant_id = $1 and id = any($2::uuid[]) and notice_due_at is null returning id`,
    [tenantId, accountIds, dueAt],
  );
  return rows.map((r) => r.id);
}

/**
 * Clears the account's digest due time, locking its row until the transaction ends; returns what the
 * digest needs of the account, or undefined when there is none.
 */
export async function clearNoticeDue(
  sql: Sql,
  tenantId: string,
  accountId: string,
): Promise<{ email: string; language: "fr" | "en"; status: string; notify: boolean } | undefined> {
  const [account] = await sql.query<{
    email: string;
    language: "fr" | "en";
    status: string;
    notify: boolean;
  }>(
    `update accounts set notice_due_at = null where tenant_id = $1 and id = $2
     returning email, language, status, notify_new_invoice as notify`,
    [tenantId, accountId],
  );
  return account;
}
