import type { Sql } from "./database.js";
import type { tokens } from "./schema.js";

export type TokenPurpose = "password_reset";

/** A customer's token (account_id is set on those; staff enrolment tokens are staff.repository's). */
export type TokenRow = Pick<typeof tokens.$inferSelect, "id" | "tenantId" | "email" | "expiresAt"> & {
  accountId: string;
  purpose: TokenPurpose;
};

export async function insertToken(
  sql: Sql,
  token: {
    tokenHash: string;
    tenantId: string;
    accountId: string;
    purpose: TokenPurpose;
    email: string;
    createdAt: Date;
    expiresAt: Date;
    /** The mail carrying the link (the back office's mail log shows when it was opened). */
    mailId?: string;
  },
): Promise<void> {
  await sql.query(
    `insert into tokens (token_hash, tenant_id, account_id, purpose, email, created_at, expires_at, mail_id) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      token.tokenHash,
      token.tenantId,
      token.accountId,
      token.purpose,
      token.email,
      token.createdAt,
      token.expiresAt,
      token.mailId ?? null,
    ],
  );
}

/** Records the first time a valid link's page was shown ("a ouvert le lien" in the back office). */
export async function markTokenOpened(sql: Sql, tokenId: string, at: Date): Promise<void> {
  await sql.query("update tokens set opened_at = $2 where id = $1 and opened_at is null", [tokenId, at]);
}

/** Voids every unused token of this account and purpose (a newer request, a completed reset, an address change). */
export async function voidTokens(
  sql: Sql,
  tenantId: string,
  accountId: string,
  purpose: TokenPurpose,
  at: Date,
): Promise<void> {
  await sql.query(
    `update tokens set voided_at = $4 where tenant_id = $1 and account_id = $2 and purpose = $3 and used_at is null and voided_at is null`,
    [tenantId, accountId, purpose, at],
  );
}

const USABLE = `t.tenant_id = $2 and t.purpose = $3 and t.used_at is null and t.voided_at is null and t.expires_at > $4`;

/** The token if it can still be used here (this tenant, this purpose, unused, not voided, not expired, address unchanged). */
export async function findUsableToken(
  sql: Sql,
  tokenHash: string,
  tenantId: string,
  purpose: TokenPurpose,
  now: Date,
): Promise<(TokenRow & { identifier: string }) | undefined> {
  const [row] = await sql.query<TokenRow & { identifier: string }>(
    `select t.id, t.tenant_id as "tenantId", t.account_id as "accountId", t.purpose, t.email, t.expires_at as "expiresAt", a.identifier
       from tokens t join accounts a on a.id = t.account_id and a.tenant_id = t.tenant_id and a.email = t.email
      where t.token_hash = $1 and ${USABLE}`,
    [tokenHash, tenantId, purpose, now],
  );
  return row;
}

/**
 * Spends the token: exactly one concurrent caller gets the row back (the update is the check),
 * inside the transaction that writes the password.
 */
export async function consumeToken(
  sql: Sql,
  tokenHash: string,
  tenantId: string,
  purpose: TokenPurpose,
  now: Date,
): Promise<TokenRow | undefined> {
  const [row] = await sql.query<TokenRow>(
    `update tokens t set used_at = $4
       from accounts a
      where t.token_hash = $1 and ${USABLE} and a.id = t.account_id and a.tenant_id = t.tenant_id and a.email = t.email
      returning t.id, t.tenant_id as "tenantId", t.account_id as "accountId", t.purpose, t.email, t.expires_at as "expiresAt"`,
    [tokenHash, tenantId, purpose, now],
  );
  return row;
}

// Staff enrolment links (staff_id set, account_id null).

export async function insertStaffToken(
  sql: Sql,
  token: {
    tokenHash: string;
    tenantId: string;
    staffId: string;
    email: string;
    createdAt: Date;
    expiresAt: Date;
  },
): Promise<void> {
  await sql.query(
    `insert into tokens (token_hash, tenant_id, staff_id, purpose, email, created_at, expires_at)
     values ($1, $2, $3, 'staff_enrolment', $4, $5, $6)`,
    [token.tokenHash, token.tenantId, token.staffId, token.email, token.createdAt, token.expiresAt],
  );
}

export async function voidStaffTokens(sql: Sql, tenantId: string, staffId: string, at: Date): Promise<void> {
  await sql.query(
    `update tokens set voided_at = $3 where tenant_id = $1 and staff_id = $2 and used_at is null and voided_at is null`,
    [tenantId, staffId, at],
  );
}

const STAFF_USABLE = `t.tenant_id = $2 and t.purpose = 'staff_enrolment' and t.used_at is null and t.voided_at is null and t.expires_at > $3
  and s.status = 'invited'`;

/** The staff member an enrolment token still opens (this tenant, unused, not voided, not expired, still invited). */
export async function findUsableStaffToken(
  sql: Sql,
  tokenHash: string,
  tenantId: string,
  now: Date,
): Promise<{ tokenId: string; staffId: string } | undefined> {
  const [row] = await sql.query<{ tokenId: string; staffId: string }>(
    `select t.id as "tokenId", t.staff_id as "staffId" from tokens t join staff s on s.id = t.staff_id and s.tenant_id = t.tenant_id
      where t.token_hash = $1 and ${STAFF_USABLE}`,
    [tokenHash, tenantId, now],
  );
  return row;
}

/** Spends the token; exactly one concurrent caller gets it. */
export async function consumeStaffToken(
  sql: Sql,
  tokenHash: string,
  tenantId: string,
  now: Date,
): Promise<{ staffId: string } | undefined> {
  const [row] = await sql.query<{ staffId: string }>(
    `update tokens t set used_at = $3 from staff s
      where t.token_hash = $1 and s.id = t.staff_id and s.tenant_id = t.tenant_id and ${STAFF_USABLE}
      returning t.staff_id as "staffId"`,
    [tokenHash, tenantId, now],
  );
  return row;
}
