import { appendAudit } from "../../db/audit.repository.js";
import type { Database } from "../../db/database.js";
import {
  consumeStaffToken,
  findStaffById,
  findUsableStaffToken,
  lockStaff,
  replaceRecoveryCodes,
  type StaffRow,
} from "../../db/staff.repository.js";
import { hashPassword } from "../accounts/password-hashing.js";
import { checkNewPassword, type PasswordProblem } from "../accounts/password-policy.js";
import { hashSecret, SECRET_PATTERN } from "../accounts/secrets.js";
import {
  decryptTotpSecret,
  encryptTotpSecret,
  hashRecoveryCode,
  matchTotp,
  newRecoveryCodes,
  newTotpSecret,
  totpUri,
} from "./totp.js";

export interface EnrolmentView {
  staff: Pick<StaffRow, "id" | "email" | "displayName" | "role">;
  secret: string;
  uri: string;
}

/**
 * What the enrolment page shows for a usable link: the TOTP secret to scan. It is drawn once and kept
 * encrypted, so reloading the page shows the same secret. Spends nothing (mail scanners open links).
 */
export async function openStaffEnrolment(
  db: Database,
  input: { tenantId: string; tenantName: string; token: string; platformSecret: string; now?: Date },
): Promise<EnrolmentView | undefined> {
  if (!SECRET_PATTERN.test(input.token)) return undefined;
  const now = input.now ?? new Date();
  const found = await findUsableStaffToken(db, hashSecret(input.token), input.tenantId, now);
  if (!found) return undefined;
  return db.transaction(async (tx) => {
    const staff = await lockStaff(tx, input.tenantId, found.staffId);
    if (!staff) return undefined;
    let secret: string;
    if (staff.totpSecret) secret = decryptTotpSecret(input.platformSecret, staff.id, staff.totpSecret);
    else {
      secret = newTotpSecret();
      await tx.query("update staff set totp_secret = $2 where id = $1", [
        staff.id,
        encryptTotpSecret(input.platformSecret, staff.id, secret),
      ]);
    }
    return {
      staff: { id: staff.id, email: staff.email, displayName: staff.displayName, role: staff.role },
      secret,
      uri: totpUri(secret, staff.email, `${input.tenantName} E-FACTURE`),
    };
  });
}

export type EnrolmentResult =
  | { ok: true; recoveryCodes: string[]; staff: StaffRow }
  | { ok: false; problem: PasswordProblem | "bad_code" }
  | { ok: false; invalidToken: true };

/**
 * Sets the password (P1-P4 rules), proves the authenticator works (a current code), and issues ten
 * recovery codes, shown once. The token is spent in the same transaction: all of it or nothing.
 */
export async function completeStaffEnrolment(
  db: Database,
  input: {
    tenantId: string;
    token: string;
    password: string;
    confirmation: string;
    code: string;
    platformSecret: string;
    ip: string | null;
    now?: Date;
  },
): Promise<EnrolmentResult> {
  const now = input.now ?? new Date();
  if (!SECRET_PATTERN.test(input.token)) return { ok: false, invalidToken: true };
  const found = await findUsableStaffToken(db, hashSecret(input.token), input.tenantId, now);
  if (!found) return { ok: false, invalidToken: true };
  const problem = checkNewPassword(input.password, input.confirmation);
  if (problem) return { ok: false, problem };
  const staff = await findStaffById(db, input.tenantId, found.staffId);
  if (!staff?.totpSecret) return { ok: false, invalidToken: true };
  const step = matchTotp(
    decryptTotpSecret(input.platformSecret, staff.id, staff.totpSecret),
    input.code,
    now,
  );
  if (step === undefined) return { ok: false, problem: "bad_code" };
  const passwordHash = await hashPassword(input.password);
  const codes = newRecoveryCodes();
  return db.transaction(async (tx): Promise<EnrolmentResult> => {
    const spent = await consumeStaffToken(tx, hashSecret(input.token), input.tenantId, now);
    if (!spent || spent.staffId !== staff.id) return { ok: false, invalidToken: true };
    const [updated] = await tx.query<{ id: string }>(
      `update staff set password_hash = $2, status = 'active', enrolled_at = $3, totp_last_step = $4,
              failed_logins = 0, locked_until = null
        where id = $1 and status = 'invited' returning id`,
      [staff.id, passwordHash, now, step],
    );
    if (!updated) return { ok: false, invalidToken: true };
    await replaceRecoveryCodes(tx, staff.id, codes.map(hashRecoveryCode), now);
    await appendAudit(tx, {
      tenantId: input.tenantId,
      actorType: "staff",
      actorId: staff.id,
      action: "staff.enrolled",
      targetType: "staff",
      targetId: staff.id,
      ip: input.ip,
      at: now,
      details: { email: staff.email, role: staff.role },
    });
    return { ok: true, recoveryCodes: codes, staff: { ...staff, status: "active" } };
  });
}
