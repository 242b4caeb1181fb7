import type { Sql } from "./database.js";
import type { sessions } from "./schema.js";
import type { StaffRow } from "./staff.repository.js";

export type SessionRow = Omit<typeof sessions.$inferSelect, "kind" | "staffId" | "revokedAt"> & {
  kind: "customer" | "staff";
};

const COLUMNS = `id_hash as "idHash", tenant_id as "tenantId", kind, account_id as "accountId", created_at as "createdAt",
  last_seen_at as "lastSeenAt", expires_at as "expiresAt", ip, user_agent as "userAgent"`;

export async function insertSession(sql: Sql, session: Omit<SessionRow, "lastSeenAt">): Promise<void> {
  await sql.query(
    `insert into sessions (id_hash, tenant_id, kind, account_id, created_at, last_seen_at, expires_at, ip, user_agent)
     values ($1, $2, $3, $4, $5, $5, $6, $7, $8)`,
    [
      session.idHash,
      session.tenantId,
      session.kind,
      session.accountId,
      session.createdAt,
      session.expiresAt,
      session.ip,
      session.userAgent,
    ],
  );
}

/** A live session of this tenant and kind (not revoked); the caller checks idle and absolute timeouts. */
export async function findSession(
  sql: Sql,
  tenantId: string,
  kind: "customer" | "staff",
  idHash: string,
): Promise<SessionRow | undefined> {
  const [row] = await sql.query<SessionRow>(
    `select ${COLUMNS} from sessions where id_hash = $1 and tenant_id = $2 and kind = $3 and revoked_at is null`,
    [idHash, tenantId, kind],
  );
  return row;
}

/**
 * A live customer session of this tenant together with its account's identifier and language (both null
 * when the account is not active): what every customer page needs, in one statement (one round trip).
 */
export async function findCustomerSession(
  sql: Sql,
  tenantId: string,
  idHash: string,
): Promise<(SessionRow & CustomerSessionAccount) | undefined> {
  const [row] = await sql.query<SessionRow & CustomerSessionAccount>(
    `select s.id_hash as "idHash", s.tenant_id as "tenantId", s.kind, s.account_id as "accountId",
            s.created_at as "createdAt", s.last_seen_at as "lastSeenAt", s.expires_at as "expiresAt", s.ip,
            s.user_agent as "userAgent", a.identifier, a.language, coalesce(v.version, 0) as "listVersion"
       from sessions s
       left join accounts a on a.tenant_id = s.tenant_id and a.id = s.account_id and a.status = 'active'
       left join account_list_versions v on v.account_id = a.id
      where s.id_hash = $1 and s.tenant_id = $2 and s.kind = 'customer' and s.revoked_at is null`,
    [idHash, tenantId],
    { prepare: true },
  );
  return row;
}

/** What a customer page learns about the session's account with the session itself. */
export interface CustomerSessionAccount {
  /** Null when the account is not active. */
  identifier: string | null;
  language: "fr" | "en" | null;
  /** The account's list version (`account_list_versions`), 0 before its first change. */
  listVersion: number;
}

export async function touchSession(sql: Sql, idHash: string, at: Date): Promise<void> {
  await sql.query("update sessions set last_seen_at = $2 where id_hash = $1", [idHash, at], {
    prepare: true,
  });
}

/** Which live sessions to revoke: one session (by its hash, of one kind if given), an account's, or a staff member's. */
export type SessionsToRevoke =
  | { idHash: string; kind?: "customer" | "staff" }
  | { tenantId: string; accountId: string; exceptIdHash?: string }
  | { tenantId: string; staffId: string };

/**
 * Revokes the live sessions chosen (logout, idle or expired session, password set, address moved,
 * staff disabled or reset); returns how many. The only writer of `sessions.revoked_at`.
 */
export async function revokeSessions(sql: Sql, which: SessionsToRevoke, at: Date): Promise<number> {
  const [where, params] =
    "idHash" in which
      ? [
          `id_hash = $2${which.kind ? " and kind = $3" : ""}`,
          which.kind ? [which.idHash, which.kind] : [which.idHash],
        ]
      : "accountId" in which
        ? [
            "tenant_id = $2 and account_id = $3 and ($4::text is null or id_hash <> $4)",
            [which.tenantId, which.accountId, which.exceptIdHash ?? null],
          ]
        : ["tenant_id = $2 and staff_id = $3", [which.tenantId, which.staffId]];
  const rows = await sql.query(
    `update sessions set revoked_at = $1 where ${where} and revoked_at is null returning 1`,
    [at, ...params],
  );
  return rows.length;
}

export type StaffSessionRow = Pick<
  typeof sessions.$inferSelect,
  "idHash" | "tenantId" | "createdAt" | "lastSeenAt" | "expiresAt"
> & { staffId: string };

export async function insertStaffSession(
  sql: Sql,
  session: {
    idHash: string;
    tenantId: string;
    staffId: string;
    createdAt: Date;
    expiresAt: Date;
    ip: string | null;
    userAgent: string | null;
  },
): Promise<void> {
  await sql.query(
    `insert into sessions (id_hash, tenant_id, kind, staff_id, created_at, last_seen_at, expires_at, ip, user_agent)
     values ($1, $2, 'staff', $3, $4, $4, $5, $6, $7)`,
    [
      session.idHash,
      session.tenantId,
      session.staffId,
      session.createdAt,
      session.expiresAt,
      session.ip,
      session.userAgent,
    ],
  );
}

/** A live staff session of this tenant (not revoked), whose staff member is still active. */
export async function findStaffSession(
  sql: Sql,
  tenantId: string,
  idHash: string,
): Promise<(StaffSessionRow & { staff: StaffRow }) | undefined> {
  const [row] = await sql.query<StaffSessionRow & { staff: StaffRow }>(
    `select s.id_hash as "idHash", s.tenant_id as "tenantId", s.staff_id as "staffId", s.created_at as "createdAt",
            s.last_seen_at as "lastSeenAt", s.expires_at as "expiresAt",
            json_build_object('id', f.id, 'tenantId', f.tenant_id, 'email', f.email, 'displayName', f.display_name,
                              'role', f.role, 'status', f.status) as staff
       from sessions s join staff f on f.id = s.staff_id and f.tenant_id = s.tenant_id
      where s.id_hash = $1 and s.tenant_id = $2 and s.kind = 'staff' and s.revoked_at is null and f.status = 'active'`,
    [idHash, tenantId],
  );
  return row;
}
