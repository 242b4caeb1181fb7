import { generateIdentifier } from "../domain/accounts/identifier.js";
import type { Sql } from "./database.js";

export interface AccountRow {
  id: string;
  tenantId: string;
  identifier: string;
  email: string;
  status: "pending" | "active" | "locked";
  language: "fr" | "en";
  passwordHash: string | null;
  notifyNewInvoice: boolean;
}

const COLUMNS = `id, tenant_id as "tenantId", identifier, email, status, language, password_hash as "passwordHash",
  notify_new_invoice as "notifyNewInvoice"`;

export async function findAccountByEmail(
  sql: Sql,
  tenantId: string,
  email: string,
): Promise<AccountRow | undefined> {
  const [row] = await sql.query<AccountRow>(
    `select ${COLUMNS} from accounts where tenant_id = $1 and email = $2`,
    [tenantId, email],
  );
  return row;
}

export async function findAccountById(
  sql: Sql,
  tenantId: string,
  accountId: string,
): Promise<AccountRow | undefined> {
  const [row] = await sql.query<AccountRow>(
    `select ${COLUMNS} from accounts where tenant_id = $1 and id = $2`,
    [tenantId, accountId],
  );
  return row;
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

export async function setAccountPassword(
  sql: Sql,
  tenantId: string,
  accountId: string,
  passwordHash: string,
): Promise<void> {
  await sql.query(
    `update accounts set password_hash = $3, status = 'active', activated_at = coalesce(activated_at, now())
      where tenant_id = $1 and id = $2`,
    [tenantId, accountId, passwordHash],
  );
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
