import { appendAudit } from "../../db/audit.repository.js";
import type { Database } from "../../db/database.js";
import { revokeAccountSessions } from "../../db/sessions.repository.js";
import { clearThrottle, countThrottle } from "../../db/throttles.repository.js";
import { consumeToken, findUsableToken, markTokenOpened, voidTokens } from "../../db/tokens.repository.js";
import { passwordResetJob } from "../../jobs/password-reset.job.js";
import type { JobQueue } from "../../jobs/queue.js";
import { queueMail } from "../../mail/mail-queue.js";
import { EMAIL_PATTERN, normalizeEmail } from "./identifier.js";
import { hashPassword } from "./password-hashing.js";
import { checkNewPassword, type PasswordProblem } from "./password-policy.js";
import { hashSecret, SECRET_PATTERN } from "./secrets.js";

/** SECURITY.md R12: a few requests per address per hour, more per IP; beyond that nothing is mailed (same answer). */
export const RESET_PER_ADDRESS_PER_HOUR = 3;
export const RESET_PER_IP_PER_15_MIN = 20;

/**
 * "Mot de passe ou identifiant oublié": always the same outcome for the caller. The lookup of the
 * account and the mail happen in a job (R1, R2), so nothing here depends on the address existing.
 */
export async function requestPasswordReset(
  deps: { db: Database; queue: JobQueue },
  input: { tenantId: string; email: string; ip: string; now?: Date },
): Promise<void> {
  const now = input.now ?? new Date();
  const email = normalizeEmail(input.email.slice(0, 320));
  const valid = EMAIL_PATTERN.test(email) && email.length <= 254;
  await deps.db.transaction(async (tx) => {
    const byIp = await countThrottle(
      tx,
      input.tenantId,
      `reset:ip:${input.ip}`,
      now,
      new Date(now.getTime() - 15 * 60_000),
      () => 0,
    );
    const byAddress = await countThrottle(
      tx,
      input.tenantId,
      `reset:email:${valid ? email : "(invalid)"}`,
      now,
      new Date(now.getTime() - 3600_000),
      () => 0,
    );
    const allowed =
      valid && byIp.count <= RESET_PER_IP_PER_15_MIN && byAddress.count <= RESET_PER_ADDRESS_PER_HOUR;
    await appendAudit(tx, {
      tenantId: input.tenantId,
      actorType: "customer",
      action: allowed ? "password_reset.requested" : "password_reset.throttled",
      ip: input.ip,
      at: now,
      details: { email: valid ? email : "(invalid)" },
    });
    if (allowed) await deps.queue.send(passwordResetJob, { tenantId: input.tenantId, email }, tx);
  });
}

/** For the reset page (GET): the identifier behind a still-usable token, or undefined. Spends nothing (R8). */
export async function inspectResetToken(
  db: Database,
  input: { tenantId: string; token: string; now?: Date },
) {
  if (!SECRET_PATTERN.test(input.token)) return undefined;
  const now = input.now ?? new Date();
  const token = await findUsableToken(db, hashSecret(input.token), input.tenantId, "password_reset", now);
  if (!token) return undefined;
  // The advisor's mail log says "a ouvert le lien le …": the first showing of a valid link.
  await markTokenOpened(db, token.id, now);
  return { identifier: token.identifier };
}

export type ResetResult =
  | { ok: true; firstActivation: boolean }
  | { ok: false; problem: PasswordProblem }
  | { ok: false; invalidToken: true };

/**
 * Sets the password with a mailed token (first connection or forgotten password). The token is spent
 * in the transaction that writes the password: of concurrent posts exactly one wins (R4). Every session
 * of the account is revoked and a notice is mailed (R11); the user is not logged in automatically.
 */
export async function resetPassword(
  deps: { db: Database; queue: JobQueue },
  input: { tenantId: string; token: string; password: string; confirmation: string; ip: string; now?: Date },
): Promise<ResetResult> {
  const now = input.now ?? new Date();
  if (!SECRET_PATTERN.test(input.token)) return { ok: false, invalidToken: true };
  const problem = checkNewPassword(input.password, input.confirmation);
  if (problem) {
    // Say what is wrong only to someone holding a usable token.
    if (!(await inspectResetToken(deps.db, { tenantId: input.tenantId, token: input.token, now })))
      return { ok: false, invalidToken: true };
    return { ok: false, problem };
  }
  const passwordHash = await hashPassword(input.password);
  return deps.db.transaction(async (tx): Promise<ResetResult> => {
    const token = await consumeToken(tx, hashSecret(input.token), input.tenantId, "password_reset", now);
    if (!token) return { ok: false, invalidToken: true };
    const [account] = await tx.query<{ identifier: string; language: "fr" | "en"; wasPending: boolean }>(
      `update accounts a set password_hash = $3, status = 'active', activated_at = coalesce(a.activated_at, $4),
              failed_logins = 0, locked_until = null
         from accounts before
        where a.tenant_id = $1 and a.id = $2 and before.id = a.id
        returning a.identifier, a.language, before.status = 'pending' as "wasPending"`,
      [input.tenantId, token.accountId, passwordHash, now],
    );
    await voidTokens(tx, input.tenantId, token.accountId, "password_reset", now);
    const revoked = await revokeAccountSessions(tx, input.tenantId, token.accountId, now);
    await clearThrottle(tx, input.tenantId, `login:id:${account!.identifier}`);
    await appendAudit(tx, {
      tenantId: input.tenantId,
      actorType: "customer",
      actorId: token.accountId,
      action: account!.wasPending ? "account.activated" : "password_reset.completed",
      targetType: "account",
      targetId: token.accountId,
      ip: input.ip,
      at: now,
      details: { sessionsRevoked: revoked },
    });
    await queueMail(tx, deps.queue, {
      tenantId: input.tenantId,
      accountId: token.accountId,
      kind: "password-changed",
      to: token.email,
      language: account!.language,
      params: { at: now.toISOString(), identifier: account!.identifier },
    });
    return { ok: true, firstActivation: account!.wasPending };
  });
}
