import { appendAudit } from "../../db/audit.repository.js";
import type { Database } from "../../db/database.js";
import {
  enrolStaffRow,
  findStaffById,
  replaceRecoveryCodes,
  type StaffRow,
} from "../../db/staff.repository.js";
import { consumeStaffToken, findUsableStaffToken } from "../../db/tokens.repository.js";
import { hashPassword } from "../accounts/password-hashing.js";
import { checkNewPassword, type PasswordProblem } from "../accounts/password-policy.js";
import { hashSecret, SECRET_PATTERN } from "../accounts/secrets.js";
import {
  encryptTotpSecret,
  hashRecoveryCode,
  matchTotp,
  newRecoveryCodes,
  newTotpSecret,
  openEnrolmentSecret,
  sealEnrolmentSecret,
  totpUri,
} from "./totp.js";

export interface EnrolmentView {
  staff: Pick<StaffRow, "id" | "email" | "displayName" | "role">;
  secret: string;
  uri: string;
  /** The secret sealed for this browser's enrolment cookie (the same value when the cookie was still good). */
  sealedSecret: string;
}

/** What a sealed candidate secret is bound to: one staff member and one invitation (a new link voids it). */
function enrolmentBinding(staffId: string, tokenHash: string): string {
  return `${staffId}:${tokenHash}`;
}

/**
 * What the enrolment page shows for a usable link: a TOTP secret to scan, drawn for this browser only
 * (`sealedSecret` goes to a cookie) and written nowhere else, so reloading shows the same secret and a
 * mail scanner that opened the link first holds nothing that will be kept. Spends nothing.
 */
export async function openStaffEnrolment(
  db: Database,
  input: {
    tenantId: string;
    tenantName: string;
    token: string;
    platformSecret: string;
    /** The browser's enrolment cookie, if it has one. */
    sealedSecret?: string;
    now?: Date;
  },
): Promise<EnrolmentView | undefined> {
  if (!SECRET_PATTERN.test(input.token)) return undefined;
  const now = input.now ?? new Date();
  const tokenHash = hashSecret(input.token);
  const found = await findUsableStaffToken(db, tokenHash, input.tenantId, now);
  if (!found) return undefined;
  const staff = await findStaffById(db, input.tenantId, found.staffId);
  if (!staff) return undefined;
  const binding = enrolmentBinding(staff.id, tokenHash);
  const kept = input.sealedSecret
    ? openEnrolmentSecret(input.platformSecret, binding, input.sealedSecret, now)
    : undefined;
  const secret = kept ?? newTotpSecret();
  return {
    staff: { id: staff.id, email: staff.email, displayName: staff.displayName, role: staff.role },
    secret,
    uri: totpUri(secret, staff.email, `${input.tenantName} E-FACTURE`),
    sealedSecret: kept
      ? input.sealedSecret!
      : sealEnrolmentSecret(input.platformSecret, binding, secret, now),
  };
}

export type EnrolmentResult =
  | { ok: true; recoveryCodes: string[]; staff: StaffRow }
  | { ok: false; problem: PasswordProblem | "bad_code" | "secret_expired" }
  | { ok: false; invalidToken: true };

/**
 * Sets the password (P1-P4 rules), proves the authenticator works (a current code of the secret shown to
 * this browser, from its enrolment cookie), keeps that secret and issues ten recovery codes, shown once.
 * The token is spent in the same transaction: all of it or nothing.
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
    /** The browser's enrolment cookie: the secret its page showed. */
    sealedSecret: string | undefined;
    ip: string | null;
    now?: Date;
  },
): Promise<EnrolmentResult> {
  const now = input.now ?? new Date();
  if (!SECRET_PATTERN.test(input.token)) return { ok: false, invalidToken: true };
  const tokenHash = hashSecret(input.token);
  const found = await findUsableStaffToken(db, tokenHash, input.tenantId, now);
  if (!found) return { ok: false, invalidToken: true };
  const problem = checkNewPassword(input.password, input.confirmation);
  if (problem) return { ok: false, problem };
  const staff = await findStaffById(db, input.tenantId, found.staffId);
  if (!staff) return { ok: false, invalidToken: true };
  const secret = input.sealedSecret
    ? openEnrolmentSecret(
        input.platformSecret,
        enrolmentBinding(staff.id, tokenHash),
        input.sealedSecret,
        now,
      )
    : undefined;
  if (!secret) return { ok: false, problem: "secret_expired" };
  const step = matchTotp(secret, input.code, now);
  if (step === undefined) return { ok: false, problem: "bad_code" };
  const passwordHash = await hashPassword(input.password);
  const codes = newRecoveryCodes();
  return db.transaction(async (tx): Promise<EnrolmentResult> => {
    const spent = await consumeStaffToken(tx, hashSecret(input.token), input.tenantId, now);
    if (!spent || spent.staffId !== staff.id) return { ok: false, invalidToken: true };
    const enrolled = await enrolStaffRow(tx, {
      staffId: staff.id,
      passwordHash,
      at: now,
      totpStep: step,
      totpSecret: encryptTotpSecret(input.platformSecret, staff.id, secret),
    });
    if (!enrolled) return { ok: false, invalidToken: true };
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
