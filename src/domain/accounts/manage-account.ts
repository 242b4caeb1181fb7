import {
  type AccountView,
  findAccountById,
  findAccountView,
  replaceAccountPasswordHash,
  updateAccountPreferences,
} from "../../db/accounts.repository.js";
import type { Database } from "../../db/database.js";
import { revokeSessions } from "../../db/sessions.repository.js";
import type { JobSender } from "../shared/jobs.js";
import { auditAccountAction } from "./audit-account.js";
import { admitPasswordAttempt, recordPasswordFailure, recordPasswordSuccess } from "./log-in.js";
import { queuePasswordChangedNotice } from "./password-changed.js";
import { hashPassword, verifyPassword } from "./password-hashing.js";
import { checkNewPassword, type PasswordProblem } from "./password-policy.js";

export type { AccountView } from "../../db/accounts.repository.js";

/** The account page's facts: identifier, address, preferences, and the customer numbers it holds. */
export async function getAccountView(
  db: Database,
  tenantId: string,
  accountId: string,
): Promise<AccountView | undefined> {
  return findAccountView(db, tenantId, accountId);
}

export type ChangePasswordResult =
  | { ok: true }
  | { ok: false; problem: PasswordProblem | "wrong_current" }
  | { ok: false; problem: "throttled"; retryAfterSeconds: number };

/**
 * docs/security.md P4: the current password is required; other sessions are closed and a notice is mailed.
 * The new password is judged first, so a refusal of it says nothing about the current one; the current
 * one is then checked under the login throttle of the account's identifier (counted before verifying).
 */
export async function changePassword(
  deps: { db: Database; queue: JobSender },
  input: {
    tenantId: string;
    accountId: string;
    sessionIdHash: string;
    current: string;
    password: string;
    confirmation: string;
    ip: string;
    now?: Date;
  },
): Promise<ChangePasswordResult> {
  const now = input.now ?? new Date();
  const problem = checkNewPassword(input.password, input.confirmation);
  if (problem) return { ok: false, problem };
  const account = await findAccountById(deps.db, input.tenantId, input.accountId);
  if (account?.status !== "active") return { ok: false, problem: "wrong_current" };
  const attempt = { tenantId: input.tenantId, identifier: account.identifier, ip: input.ip, now };
  const admission = await admitPasswordAttempt(deps.db, attempt);
  if (!admission.admitted)
    return { ok: false, problem: "throttled", retryAfterSeconds: admission.retryAfterSeconds };
  if (!(await verifyPassword(account.passwordHash, input.current.slice(0, 4096)))) {
    await deps.db.transaction(async (tx) => {
      await recordPasswordFailure(tx, attempt);
      await auditAccountAction(tx, { ...input, at: now }, "password.change_refused", {
        reason: "wrong_current",
      });
    });
    return { ok: false, problem: "wrong_current" };
  }
  const passwordHash = await hashPassword(input.password);
  await deps.db.transaction(async (tx) => {
    await recordPasswordSuccess(tx, attempt);
    await replaceAccountPasswordHash(tx, input.tenantId, input.accountId, passwordHash);
    const revoked = await revokeSessions(
      tx,
      { tenantId: input.tenantId, accountId: input.accountId, exceptIdHash: input.sessionIdHash },
      now,
    );
    await auditAccountAction(tx, { ...input, at: now }, "password.changed", {
      otherSessionsRevoked: revoked,
    });
    await queuePasswordChangedNotice(tx, deps.queue, {
      tenantId: input.tenantId,
      accountId: input.accountId,
      to: account.email,
      language: account.language,
      identifier: account.identifier,
      at: now,
    });
  });
  return { ok: true };
}

export async function updatePreferences(
  db: Database,
  input: {
    tenantId: string;
    accountId: string;
    language: "fr" | "en";
    notifyNewInvoice: boolean;
    ip: string;
  },
): Promise<void> {
  await db.transaction(async (tx) => {
    await updateAccountPreferences(tx, input.tenantId, input.accountId, input);
    await auditAccountAction(tx, input, "account.preferences_changed", {
      language: input.language,
      notifyNewInvoice: input.notifyNewInvoice,
    });
  });
}

/** "Se déconnecter partout": every session of the account, this one included. */
export async function logOutEverywhere(
  db: Database,
  input: { tenantId: string; accountId: string; ip: string; now?: Date },
): Promise<number> {
  const now = input.now ?? new Date();
  return db.transaction(async (tx) => {
    const revoked = await revokeSessions(tx, { tenantId: input.tenantId, accountId: input.accountId }, now);
    await auditAccountAction(tx, { ...input, at: now }, "sessions.revoked", { count: revoked });
    return revoked;
  });
}
