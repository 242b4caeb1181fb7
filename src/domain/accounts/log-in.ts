import { appendAudit } from "../../db/audit.repository.js";
import type { Database } from "../../db/database.js";
import { revokeSession } from "../../db/sessions.repository.js";
import { clearThrottle, countThrottle, readThrottle } from "../../db/throttles.repository.js";
import { IDENTIFIER_PATTERN, normalizeIdentifier } from "./identifier.js";
import { verifyPassword } from "./password-hashing.js";
import { hashSecret, SECRET_PATTERN } from "./secrets.js";
import { startSession } from "./sessions.js";

// SECURITY.md L3. Per identifier: 5 free failures, then a delay doubling from 30 s up to 15 min;
// the account is locked at 100 consecutive failures (a password reset unlocks it).
// Per IP: 50 failures in 15 minutes, then the same growing delays.
export const FREE_FAILURES = 5;
export const LOCK_AFTER_FAILURES = 100;
const IDENTIFIER_WINDOW_MS = 24 * 3600 * 1000;
const IP_WINDOW_MS = 15 * 60 * 1000;
const IP_FREE_FAILURES = 50;

export function delaySeconds(failures: number, free: number): number {
  if (failures < free) return 0;
  return Math.min(30 * 2 ** (failures - free), 15 * 60);
}

export type LogInResult =
  | { ok: true; sessionCookie: string; accountId: string; identifier: string }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "throttled"; retryAfterSeconds: number };

interface LogInInput {
  tenantId: string;
  identifier: string;
  password: string;
  ip: string;
  userAgent: string | null;
  /** The session cookie the browser already had, revoked at login (a new id every time). */
  previousCookie?: string;
  now?: Date;
}

/**
 * Identifier + password login. Every failure (unknown identifier, wrong password, never activated,
 * locked) gives the same answer after the same work (a hash is verified in every case).
 */
export async function logIn(db: Database, input: LogInInput): Promise<LogInResult> {
  const now = input.now ?? new Date();
  const identifier = normalizeIdentifier(input.identifier.slice(0, 64));
  const idKey = `login:id:${identifier}`;
  const ipKey = `login:ip:${input.ip}`;
  const [byId, byIp] = await Promise.all([
    readThrottle(db, input.tenantId, idKey, new Date(now.getTime() - IDENTIFIER_WINDOW_MS)),
    readThrottle(db, input.tenantId, ipKey, new Date(now.getTime() - IP_WINDOW_MS)),
  ]);
  const blockedUntil = Math.max(byId.blockedUntil?.getTime() ?? 0, byIp.blockedUntil?.getTime() ?? 0);
  if (blockedUntil > now.getTime()) {
    await audit(db, input, "login.throttled", null, { identifier: loggable(identifier) });
    return {
      ok: false,
      reason: "throttled",
      retryAfterSeconds: Math.ceil((blockedUntil - now.getTime()) / 1000),
    };
  }

  const [account] = await db.query<{
    id: string;
    passwordHash: string | null;
    status: string;
    identifier: string;
  }>(
    `select id, password_hash as "passwordHash", status, identifier from accounts where tenant_id = $1 and identifier = $2`,
    [input.tenantId, identifier],
  );
  const passwordMatches = await verifyPassword(account?.passwordHash, input.password.slice(0, 4096));
  if (!account || !passwordMatches || account.status !== "active") {
    await db.transaction(async (tx) => {
      const failures = await countThrottle(
        tx,
        input.tenantId,
        idKey,
        now,
        new Date(now.getTime() - IDENTIFIER_WINDOW_MS),
        (n) => delaySeconds(n, FREE_FAILURES),
      );
      await countThrottle(tx, input.tenantId, ipKey, now, new Date(now.getTime() - IP_WINDOW_MS), (n) =>
        delaySeconds(n, IP_FREE_FAILURES),
      );
      if (account && failures.count >= LOCK_AFTER_FAILURES && account.status === "active") {
        await tx.query("update accounts set status = 'locked', locked_until = null where id = $1", [
          account.id,
        ]);
        await appendAudit(tx, {
          tenantId: input.tenantId,
          actorType: "system",
          action: "account.locked",
          targetType: "account",
          targetId: account.id,
          ip: input.ip,
          details: { failures: failures.count },
        });
      }
      await tx.query("update accounts set failed_logins = failed_logins + 1 where id = $1", [
        account?.id ?? null,
      ]);
    });
    await audit(db, input, "login.failed", account?.id ?? null, {
      identifier: account ? identifier : loggable(identifier),
    });
    return { ok: false, reason: "invalid" };
  }

  const sessionCookie = await db.transaction(async (tx) => {
    if (input.previousCookie && SECRET_PATTERN.test(input.previousCookie))
      await revokeSession(tx, hashSecret(input.previousCookie), now);
    await clearThrottle(tx, input.tenantId, idKey);
    await tx.query("update accounts set last_login_at = $2, failed_logins = 0 where id = $1", [
      account.id,
      now,
    ]);
    await appendAudit(tx, {
      tenantId: input.tenantId,
      actorType: "customer",
      actorId: account.id,
      action: "login.succeeded",
      targetType: "account",
      targetId: account.id,
      ip: input.ip,
      at: now,
    });
    return startSession(tx, {
      tenantId: input.tenantId,
      accountId: account.id,
      kind: "customer",
      ip: input.ip,
      userAgent: input.userAgent,
      now,
    });
  });
  return { ok: true, sessionCookie, accountId: account.id, identifier: account.identifier };
}

async function audit(
  db: Database,
  input: LogInInput,
  action: string,
  accountId: string | null,
  details: Record<string, unknown>,
) {
  await db.transaction((tx) =>
    appendAudit(tx, {
      tenantId: input.tenantId,
      actorType: "customer",
      actorId: accountId,
      action,
      targetType: accountId ? "account" : null,
      targetId: accountId,
      ip: input.ip,
      details,
      at: input.now,
    }),
  );
}

// A person sometimes types the password in the identifier field: only an identifier-shaped value is kept.
function loggable(identifier: string): string {
  return IDENTIFIER_PATTERN.test(identifier) ? identifier : "(malformed)";
}
