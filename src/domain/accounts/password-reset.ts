import type { Logger } from "pino";
import { findAccountByEmail, setAccountPassword } from "../../db/accounts.repository.js";
import { appendAudit } from "../../db/audit.repository.js";
import type { Database } from "../../db/database.js";
import { hasPendingMail } from "../../db/mails.repository.js";
import { revokeSessions } from "../../db/sessions.repository.js";
import {
  clearThrottle,
  countThrottle,
  readThrottle,
  sumThrottleAcrossTenants,
} from "../../db/throttles.repository.js";
import { consumeToken, findUsableToken, markTokenOpened, voidTokens } from "../../db/tokens.repository.js";
import { lockUntilCommit } from "../../db/transactions.repository.js";
import { queueMail } from "../mail/queue-mail.js";
import type { JobSender } from "../shared/jobs.js";
import { auditAccountAction } from "./audit-account.js";
import { EMAIL_PATTERN, normalizeEmail } from "./identifier.js";
import { queuePasswordChangedNotice } from "./password-changed.js";
import { hashPassword } from "./password-hashing.js";
import { checkNewPassword, type PasswordProblem } from "./password-policy.js";
import { hashSecret, SECRET_PATTERN } from "./secrets.js";

/** docs/security.md R12: a few requests per address per hour, more per IP; beyond that nothing is mailed (same answer). */
export const RESET_PER_ADDRESS_PER_HOUR = 3;
export const RESET_PER_IP_PER_15_MIN = 20;
/**
 * Caps on the reset mails that unauthenticated requests may queue (issue 12, finding 6): per tenant and
 * for the whole platform, per minute. Beyond them a request is still answered the same way; no mail.
 * They are set for an onboarding wave, not a trickle: "Mot de passe ou identifiant oublié" is how every
 * customer sets a first password after the activation mail, so a large issuer's monthly run brings
 * thousands of genuine requests an hour. A flood cannot use them up with unknown addresses (no mail
 * for those), nor with known ones faster than one pending mail per account; the fair mail queue keeps
 * one tenant's burst from delaying the others'.
 */
export const RESET_MAILS_PER_TENANT_PER_MINUTE = 120;
export const RESET_MAILS_PER_MINUTE = 600;

/** The caps in force (tests lower them to reach them with a few accounts). */
export interface ResetMailCaps {
  perTenantPerMinute: number;
  perMinute: number;
}
const RESET_MAILS_KEY = "reset:mails";

export type ResetMailOutcome = "queued" | "no_account" | "duplicate" | "tenant_cap" | "global_cap";

/**
 * "Mot de passe ou identifiant oublié": always the same outcome for the caller (R1, R2). On the response
 * path only the throttles are counted and the request audited — the same work whatever the address.
 * The account lookup and the queueing of the mail run after the answer (`followUp`), so neither a job
 * nor a mail row is ever made for an address without an account, and the answer's time does not depend
 * on it. A crash in between loses that one request: the user asks again.
 */
export async function requestPasswordReset(
  deps: { db: Database; queue: JobSender; logger?: Logger; resetMailCaps?: ResetMailCaps },
  input: { tenantId: string; email: string; ip: string; now?: Date },
): Promise<{ followUp: Promise<ResetMailOutcome | "throttled" | "error"> }> {
  const now = input.now ?? new Date();
  const email = normalizeEmail(input.email.slice(0, 320));
  const valid = EMAIL_PATTERN.test(email) && email.length <= 254;
  const allowed = await deps.db.transaction(async (tx) => {
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
    return allowed;
  });
  if (!allowed) return { followUp: Promise.resolve("throttled") };
  // After the answer has gone: setImmediate lets the reply be written first.
  const followUp = new Promise<void>((resolve) => setImmediate(resolve))
    .then(() => queueResetMail(deps, { tenantId: input.tenantId, email, now }))
    .then((outcome) => {
      if (outcome === "tenant_cap" || outcome === "global_cap")
        deps.logger?.warn(
          { tenantId: input.tenantId, event: `password_reset.${outcome}` },
          "reset mail not queued: too many reset mails this minute",
        );
      return outcome;
    })
    .catch((error: unknown) => {
      deps.logger?.error({ err: error, tenantId: input.tenantId }, "password reset follow-up failed");
      return "error" as const;
    });
  return { followUp };
}

/**
 * Queues the reset mail of the account registered with `email` in this tenant, if there is one, no
 * reset mail of that account is still waiting (de-duplication per tenant and address), and the per-tenant
 * and platform caps allow it. The link itself is made when the mail is sent (send-mail.job.ts).
 */
export async function queueResetMail(
  deps: { db: Database; queue: JobSender; resetMailCaps?: ResetMailCaps },
  input: { tenantId: string; email: string; now?: Date },
): Promise<ResetMailOutcome> {
  const now = input.now ?? new Date();
  return deps.db.transaction(async (tx): Promise<ResetMailOutcome> => {
    const account = await findAccountByEmail(tx, input.tenantId, input.email);
    if (!account) return "no_account";
    // Two requests at once for one account: the second waits here and then sees the first one's mail.
    await lockUntilCommit(tx, `reset-mail:${account.id}`);
    if (await hasPendingMail(tx, input.tenantId, account.id, "password-reset")) return "duplicate";
    // Only mails actually queued count, so a tenant over its cap does not use up the platform's.
    await lockUntilCommit(tx, `reset-mails:${input.tenantId}`);
    const windowStart = new Date(now.getTime() - 60_000);
    const perTenant = await readThrottle(tx, input.tenantId, RESET_MAILS_KEY, windowStart);
    const caps = deps.resetMailCaps ?? {
      perTenantPerMinute: RESET_MAILS_PER_TENANT_PER_MINUTE,
      perMinute: RESET_MAILS_PER_MINUTE,
    };
    if (perTenant.count >= caps.perTenantPerMinute) return "tenant_cap";
    if ((await sumThrottleAcrossTenants(tx, RESET_MAILS_KEY, windowStart)) >= caps.perMinute)
      return "global_cap";
    await countThrottle(tx, input.tenantId, RESET_MAILS_KEY, now, windowStart, () => 0);
    await queueMail(tx, deps.queue, {
      tenantId: input.tenantId,
      accountId: account.id,
      kind: "password-reset",
      to: account.email,
      language: account.language,
      params: {},
    });
    return "queued";
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
  | { ok: true; firstActivation: boolean; identifier: string }
  | { ok: false; problem: PasswordProblem }
  | { ok: false; invalidToken: true };

/**
 * Sets the password with a mailed token (first connection or forgotten password). The token is spent
 * in the transaction that writes the password: of concurrent posts exactly one wins (R4). Every session
 * of the account is revoked and a notice is mailed (R11); the user is not logged in automatically.
 */
export async function resetPassword(
  deps: { db: Database; queue: JobSender },
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
    const account = await setAccountPassword(tx, input.tenantId, token.accountId, passwordHash, now);
    await voidTokens(tx, input.tenantId, token.accountId, "password_reset", now);
    const revoked = await revokeSessions(tx, { tenantId: input.tenantId, accountId: token.accountId }, now);
    await clearThrottle(tx, input.tenantId, `login:id:${account!.identifier}`);
    await auditAccountAction(
      tx,
      { tenantId: input.tenantId, accountId: token.accountId, ip: input.ip, at: now },
      account!.wasPending ? "account.activated" : "password_reset.completed",
      { sessionsRevoked: revoked },
    );
    await queuePasswordChangedNotice(tx, deps.queue, {
      tenantId: input.tenantId,
      accountId: token.accountId,
      to: token.email,
      language: account!.language,
      identifier: account!.identifier,
      at: now,
    });
    return { ok: true, firstActivation: account!.wasPending, identifier: account!.identifier };
  });
}
