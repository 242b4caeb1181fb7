import type { Sql } from "./database.js";

/** A live session as the account page lists it (which device, from where, since when). */
export interface AccountSessionRow {
  idHash: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: Date;
  lastSeenAt: Date;
}

/** The account's live sessions, most recently seen first (50 at most): a READ query for the account page. */
export async function listAccountSessions(
  sql: Sql,
  tenantId: string,
  accountId: string,
  now: Date,
): Promise<AccountSessionRow[]> {
  return sql.query<AccountSessionRow>(
    `select id_hash as "idHash", ip, user_agent as "userAgent", created_at as "createdAt", last_seen_at as "lastSeenAt"
       from sessions
      where tenant_id = $1 and account_id = $2 and revoked_at is null and expires_at > $3
      order by last_seen_at desc limit 50`,
    [tenantId, accountId, now],
  );
}
