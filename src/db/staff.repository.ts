import type { Sql } from "./database.js";

export type StaffRole = "advisor" | "admin";
export type StaffStatus = "invited" | "active" | "disabled";

export interface StaffRow {
  id: string;
  tenantId: string;
  email: string;
  displayName: string;
  role: StaffRole;
  status: StaffStatus;
  passwordHash: string | null;
  totpSecret: string | null;
  totpLastStep: number | null;
  failedLogins: number;
  lockedUntil: Date | null;
  enrolledAt: Date | null;
  lastLoginAt: Date | null;
  disabledAt: Date | null;
  createdAt: Date;
}

const COLUMNS = `id, tenant_id as "tenantId", email, display_name as "displayName", role, status, password_hash as "passwordHash",
  totp_secret as "totpSecret", totp_last_step as "totpLastStep", failed_logins as "failedLogins", locked_until as "lockedUntil",
  enrolled_at as "enrolledAt", last_login_at as "lastLoginAt", disabled_at as "disabledAt", created_at as "createdAt"`;

export async function findStaffByEmail(
  sql: Sql,
  tenantId: string,
  email: string,
): Promise<StaffRow | undefined> {
  const [row] = await sql.query<StaffRow>(
    `select ${COLUMNS} from staff where tenant_id = $1 and email = $2`,
    [tenantId, email],
  );
  return row;
}

export async function findStaffById(sql: Sql, tenantId: string, id: string): Promise<StaffRow | undefined> {
  const [row] = await sql.query<StaffRow>(`select ${COLUMNS} from staff where tenant_id = $1 and id = $2`, [
    tenantId,
    id,
  ]);
  return row;
}

/** The row locked until the transaction ends (login steps and enrolment decide on it once). */
export async function lockStaff(sql: Sql, tenantId: string, id: string): Promise<StaffRow | undefined> {
  const [row] = await sql.query<StaffRow>(
    `select ${COLUMNS} from staff where tenant_id = $1 and id = $2 for update`,
    [tenantId, id],
  );
  return row;
}

export async function insertStaff(
  sql: Sql,
  staff: { tenantId: string; email: string; displayName: string; role: StaffRole; createdBy: string },
): Promise<StaffRow | undefined> {
  const [row] = await sql.query<StaffRow>(
    `insert into staff (tenant_id, email, display_name, role, created_by) values ($1, $2, $3, $4, $5)
     on conflict (tenant_id, email) do nothing returning ${COLUMNS}`,
    [staff.tenantId, staff.email, staff.displayName, staff.role, staff.createdBy],
  );
  return row;
}

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

const USABLE = `t.tenant_id = $2 and t.purpose = 'staff_enrolment' and t.used_at is null and t.voided_at is null and t.expires_at > $3
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
      where t.token_hash = $1 and ${USABLE}`,
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
      where t.token_hash = $1 and s.id = t.staff_id and s.tenant_id = t.tenant_id and ${USABLE}
      returning t.staff_id as "staffId"`,
    [tokenHash, tenantId, now],
  );
  return row;
}

export async function replaceRecoveryCodes(
  sql: Sql,
  staffId: string,
  codeHashes: string[],
  at: Date,
): Promise<void> {
  await sql.query("delete from staff_recovery_codes where staff_id = $1", [staffId]);
  if (codeHashes.length === 0) return;
  await sql.query(
    `insert into staff_recovery_codes (staff_id, code_hash, created_at) select $1, h, $3 from unnest($2::text[]) h`,
    [staffId, codeHashes, at],
  );
}

/** Spends one recovery code: true when it existed and was unused. */
export async function consumeRecoveryCode(
  sql: Sql,
  staffId: string,
  codeHash: string,
  at: Date,
): Promise<boolean> {
  const rows = await sql.query(
    `update staff_recovery_codes set used_at = $3 where staff_id = $1 and code_hash = $2 and used_at is null returning 1`,
    [staffId, codeHash, at],
  );
  return rows.length > 0;
}

export async function countRecoveryCodesLeft(sql: Sql, staffId: string): Promise<number> {
  const [row] = await sql.query<{ n: number }>(
    `select count(*)::int as n from staff_recovery_codes where staff_id = $1 and used_at is null`,
    [staffId],
  );
  return row?.n ?? 0;
}

/** Records a TOTP step as used, only if it is later than the last one: a code is never accepted twice. */
export async function advanceTotpStep(sql: Sql, staffId: string, step: number): Promise<boolean> {
  const rows = await sql.query(
    `update staff set totp_last_step = $2 where id = $1 and (totp_last_step is null or totp_last_step < $2) returning 1`,
    [staffId, step],
  );
  return rows.length > 0;
}

export interface StaffSessionRow {
  idHash: string;
  tenantId: string;
  staffId: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

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

export async function revokeStaffSessions(
  sql: Sql,
  tenantId: string,
  staffId: string,
  at: Date,
): Promise<number> {
  const rows = await sql.query(
    `update sessions set revoked_at = $3 where tenant_id = $1 and staff_id = $2 and revoked_at is null returning 1`,
    [tenantId, staffId, at],
  );
  return rows.length;
}
