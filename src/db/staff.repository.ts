import type { Sql } from "./database.js";
import type { staff as staffTable } from "./schema.js";

export type StaffRole = "advisor" | "admin";
export type StaffStatus = "invited" | "active" | "disabled";

/** A staff member's row (but who created it), its text enums narrowed by the table's checks. */
export type StaffRow = Omit<typeof staffTable.$inferSelect, "createdBy" | "role" | "status"> & {
  role: StaffRole;
  status: StaffStatus;
};

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

/** A wrong second-factor code: the count of failures in a row and, when it locks, until when. */
export async function recordStaffCodeFailure(
  sql: Sql,
  staffId: string,
  failedLogins: number,
  lockedUntil: Date | null,
): Promise<void> {
  await sql.query("update staff set failed_logins = $2, locked_until = $3 where id = $1", [
    staffId,
    failedLogins,
    lockedUntil,
  ]);
}

export async function recordStaffLogin(sql: Sql, staffId: string, at: Date): Promise<void> {
  await sql.query(
    "update staff set failed_logins = 0, locked_until = null, last_login_at = $2 where id = $1",
    [staffId, at],
  );
}

/** Back to invited: password, second factor and lock cleared (the caller issues a new enrolment link). */
export async function resetStaffToInvited(sql: Sql, staffId: string): Promise<void> {
  await sql.query(
    `update staff set status = 'invited', password_hash = null, totp_secret = null, totp_last_step = null,
            failed_logins = 0, locked_until = null, enrolled_at = null where id = $1`,
    [staffId],
  );
}

export async function disableStaffRow(sql: Sql, staffId: string, at: Date): Promise<void> {
  await sql.query(`update staff set status = 'disabled', disabled_at = $2 where id = $1`, [staffId, at]);
}

/** Completes an enrolment: true when the staff member was still invited (and is now active). */
export async function enrolStaffRow(
  sql: Sql,
  enrolment: { staffId: string; passwordHash: string; at: Date; totpStep: number; totpSecret: string },
): Promise<boolean> {
  const rows = await sql.query(
    `update staff set password_hash = $2, status = 'active', enrolled_at = $3, totp_last_step = $4,
            totp_secret = $5, failed_logins = 0, locked_until = null
      where id = $1 and status = 'invited' returning id`,
    [enrolment.staffId, enrolment.passwordHash, enrolment.at, enrolment.totpStep, enrolment.totpSecret],
  );
  return rows.length > 0;
}

/** Records a TOTP step as used, only if it is later than the last one: a code is never accepted twice. */
export async function advanceTotpStep(sql: Sql, staffId: string, step: number): Promise<boolean> {
  const rows = await sql.query(
    `update staff set totp_last_step = $2 where id = $1 and (totp_last_step is null or totp_last_step < $2) returning 1`,
    [staffId, step],
  );
  return rows.length > 0;
}
