import { appendAudit } from "../../db/audit.repository.js";
import type { Database } from "../../db/database.js";
import {
  findStaffSession,
  insertStaffSession,
  revokeSessions,
  touchSession,
} from "../../db/sessions.repository.js";
import {
  advanceTotpStep,
  consumeRecoveryCode,
  findStaffByEmail,
  lockStaff,
  recordStaffCodeFailure,
  recordStaffLogin,
  type StaffRow,
} from "../../db/staff.repository.js";
import { type AttemptPolicy, clearThrottleKey, releaseAttempt } from "../../db/throttles.repository.js";
import { normalizeEmail } from "../accounts/identifier.js";
import { claimLoginAttempt } from "../accounts/log-in.js";
import { verifyPassword } from "../accounts/password-hashing.js";
import { hashSecret, newSecret, SECRET_PATTERN } from "../accounts/secrets.js";
import { revokeCookieSession } from "../accounts/sessions.js";
import { DomainError } from "../shared/errors.js";
import { ipNetwork } from "../shared/ip-network.js";
import { decryptTotpSecret, hashRecoveryCode, looksLikeRecoveryCode, matchTotp } from "./totp.js";

/** Staff sessions are shorter than customers': 15 minutes idle, 12 hours at most. */
export const STAFF_IDLE_SECONDS = 15 * 60;
export const STAFF_ABSOLUTE_SECONDS = 12 * 60 * 60;
/** Between the password and the code: 5 minutes. */
export const SECOND_FACTOR_SECONDS = 5 * 60;
/** Wrong second-factor codes in a row before the staff account is locked for 30 minutes. */
export const STAFF_LOCK_AFTER_CODE_FAILURES = 10;
export const STAFF_LOCK_MINUTES = 30;
const STAFF_NETWORK_POLICY: AttemptPolicy = {
  windowSeconds: 15 * 60,
  freeAttempts: 30,
  firstDelaySeconds: 30,
  maxDelaySeconds: 15 * 60,
};
const TOUCH_EVERY_MS = 60_000;

export type PasswordStepResult =
  | { ok: true; staffId: string }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "throttled"; retryAfterSeconds: number };

/**
 * First step: e-mail and password. Unknown address, wrong password, invited, disabled or locked: one
 * answer after the same work (L1, L2). Failures are throttled per address and per IP (L3).
 */
export async function checkStaffPassword(
  db: Database,
  input: { tenantId: string; email: string; password: string; ip: string; now?: Date },
): Promise<PasswordStepResult> {
  const now = input.now ?? new Date();
  const email = normalizeEmail(input.email.slice(0, 320));
  const network = ipNetwork(input.ip);
  // Counted before the hash is verified (docs/security.md H3): a concurrent burst gets 5 verifications, not 110.
  // Per address and network, not per address alone: a stranger who knows an advisor's address cannot
  // keep them out, and the code step stays the account's own lock.
  const idKey = `staff:email:${email}|${network}`;
  const ipKey = `staff:ip:${network}`;
  const claim = await claimLoginAttempt(db, {
    tenantId: input.tenantId,
    identifierNetworkKey: idKey,
    networkKey: ipKey,
    now,
    networkPolicy: STAFF_NETWORK_POLICY,
  });
  if (!claim.admitted) {
    await audit(db, input.tenantId, null, "staff.login_throttled", input.ip, now, {});
    return {
      ok: false,
      reason: "throttled",
      retryAfterSeconds: Math.max(1, Math.ceil((claim.blockedUntil.getTime() - now.getTime()) / 1000)),
    };
  }
  const staff = await findStaffByEmail(db, input.tenantId, email);
  const matches = await verifyPassword(staff?.passwordHash, input.password.slice(0, 4096));
  const locked = staff?.lockedUntil && staff.lockedUntil.getTime() > now.getTime();
  if (!staff || !matches || staff.status !== "active" || locked) {
    await db.transaction(async (tx) => {
      await appendAudit(tx, {
        tenantId: input.tenantId,
        actorType: "staff",
        actorId: staff?.id ?? null,
        action: "staff.login_failed",
        targetType: staff ? "staff" : null,
        targetId: staff?.id ?? null,
        ip: input.ip,
        at: now,
        details: {
          step: "password",
          ...(staff
            ? { reason: locked ? "locked" : staff.status === "active" ? "password" : staff.status }
            : {}),
        },
      });
    });
    return { ok: false, reason: "invalid" };
  }
  await db.transaction(async (tx) => {
    await clearThrottleKey(tx, input.tenantId, idKey);
    await releaseAttempt(tx, input.tenantId, ipKey, STAFF_NETWORK_POLICY);
  });
  return { ok: true, staffId: staff.id };
}

export type CodeStepResult =
  | { ok: true; sessionCookie: string; staff: StaffRow; usedRecoveryCode: boolean }
  | { ok: false; reason: "invalid" | "replayed" | "locked" };

/**
 * Second step: a current TOTP code (±1 step), never one already used (same or earlier step), or a
 * recovery code (spent). Ten wrong codes in a row lock the staff account for 30 minutes.
 * Success opens a staff session (a new id: no fixation).
 */
export async function completeStaffLogIn(
  db: Database,
  input: {
    tenantId: string;
    staffId: string;
    code: string;
    platformSecret: string;
    ip: string;
    userAgent: string | null;
    previousCookie?: string;
    now?: Date;
  },
): Promise<CodeStepResult> {
  const now = input.now ?? new Date();
  return db.transaction(async (tx): Promise<CodeStepResult> => {
    const staff = await lockStaff(tx, input.tenantId, input.staffId);
    if (staff?.status !== "active" || !staff.totpSecret) return { ok: false, reason: "invalid" };
    if (staff.lockedUntil && staff.lockedUntil.getTime() > now.getTime())
      return { ok: false, reason: "locked" };
    const code = input.code.trim().slice(0, 64);
    let method: "totp" | "recovery_code" | undefined;
    let replayed = false;
    if (/^\d{3}\s?\d{3}$/.test(code)) {
      let secret: string;
      try {
        secret = decryptTotpSecret(input.platformSecret, staff.id, staff.totpSecret);
      } catch {
        // The platform secret (SESSION_SECRET) changed since enrolment: codes cannot be checked any more.
        throw new DomainError(
          "totp_unreadable",
          "Votre second facteur ne peut plus être vérifié (la clé de la plateforme a changé). Connectez-vous avec un code de secours, ou demandez à un administrateur de réinitialiser votre second facteur.",
        );
      }
      const step = matchTotp(secret, code, now);
      if (step !== undefined) {
        if (await advanceTotpStep(tx, staff.id, step)) method = "totp";
        else replayed = true;
      }
    } else if (looksLikeRecoveryCode(code)) {
      if (await consumeRecoveryCode(tx, staff.id, hashRecoveryCode(code), now)) method = "recovery_code";
    }
    if (!method) {
      const failures = staff.failedLogins + 1;
      const lock = failures >= STAFF_LOCK_AFTER_CODE_FAILURES;
      await recordStaffCodeFailure(
        tx,
        staff.id,
        lock ? 0 : failures,
        lock ? new Date(now.getTime() + STAFF_LOCK_MINUTES * 60_000) : staff.lockedUntil,
      );
      await appendAudit(tx, {
        tenantId: input.tenantId,
        actorType: "staff",
        actorId: staff.id,
        action: lock ? "staff.locked" : "staff.login_failed",
        targetType: "staff",
        targetId: staff.id,
        ip: input.ip,
        at: now,
        details: { step: "code", reason: replayed ? "replayed" : "wrong_code", failures },
      });
      return { ok: false, reason: lock ? "locked" : replayed ? "replayed" : "invalid" };
    }
    await revokeCookieSession(tx, input.previousCookie, now);
    await recordStaffLogin(tx, staff.id, now);
    const cookie = newSecret();
    await insertStaffSession(tx, {
      idHash: hashSecret(cookie),
      tenantId: input.tenantId,
      staffId: staff.id,
      createdAt: now,
      expiresAt: new Date(now.getTime() + STAFF_ABSOLUTE_SECONDS * 1000),
      ip: input.ip,
      userAgent: input.userAgent?.slice(0, 300) ?? null,
    });
    await appendAudit(tx, {
      tenantId: input.tenantId,
      actorType: "staff",
      actorId: staff.id,
      action: "staff.login_succeeded",
      targetType: "staff",
      targetId: staff.id,
      ip: input.ip,
      at: now,
      details: { method },
    });
    return { ok: true, sessionCookie: cookie, staff, usedRecoveryCode: method === "recovery_code" };
  });
}

/** The staff member behind a session cookie on this tenant, or undefined (unknown, revoked, idle, too old, disabled). */
export async function resolveStaffSession(
  db: Database,
  input: { tenantId: string; cookie: string | undefined; now: Date },
) {
  if (!input.cookie || !SECRET_PATTERN.test(input.cookie)) return undefined;
  const session = await findStaffSession(db, input.tenantId, hashSecret(input.cookie));
  if (!session) return undefined;
  const now = input.now.getTime();
  if (
    new Date(session.expiresAt).getTime() <= now ||
    new Date(session.lastSeenAt).getTime() + STAFF_IDLE_SECONDS * 1000 <= now
  ) {
    await revokeSessions(db, { idHash: session.idHash }, input.now);
    return undefined;
  }
  if (now - new Date(session.lastSeenAt).getTime() > TOUCH_EVERY_MS)
    await touchSession(db, session.idHash, input.now);
  return session;
}

export async function endStaffSession(db: Database, cookie: string | undefined, now: Date): Promise<void> {
  await revokeCookieSession(db, cookie, now, "staff");
}

async function audit(
  db: Database,
  tenantId: string,
  staffId: string | null,
  action: string,
  ip: string,
  at: Date,
  details: Record<string, unknown>,
) {
  await db.transaction((tx) =>
    appendAudit(tx, { tenantId, actorType: "staff", actorId: staffId, action, ip, at, details }),
  );
}
