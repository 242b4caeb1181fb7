import { createHash } from "node:crypto";
import {
  countAccountLoginFailure,
  findAccountByIdentifier,
  recordAccountLogin,
} from "../../db/accounts.repository.js";
import { appendAudit } from "../../db/audit.repository.js";
import type { Database, Sql } from "../../db/database.js";
import {
  type AttemptClaim,
  type AttemptPolicy,
  claimAttempt,
  clearThrottleKey,
  countThrottle,
  readThrottle,
  readThrottleMarker,
  releaseAttempt,
  touchThrottleMarker,
} from "../../db/throttles.repository.js";
import { ipNetwork } from "../shared/ip-network.js";
import { auditAccountAction } from "./audit-account.js";
import { IDENTIFIER_PATTERN, normalizeIdentifier } from "./identifier.js";
import { verifyPassword } from "./password-hashing.js";
import { revokeCookieSession, startSession } from "./sessions.js";

// docs/security.md L3, H3. Every attempt is counted BEFORE its hash is verified (claimAttempt), so a concurrent
// burst gets no more verifications than a sequential run.
// Per identifier and client network: 5 free attempts, then one attempt per delay, doubling from 30 s up
// to 15 min. Per client network: 50 free failures in 15 minutes, then the same growing delays.
// No failure locks an account: a stranger who knows an identifier would lock its owner out.
// Per identifier across all networks, the NIST ceiling (100 consecutive failures in 24 h): past it only
// networks the owner has logged in from (in the last 180 days) are still admitted; a password reset,
// never blocked, clears the ceiling, and so does the owner's next success.
export const FREE_FAILURES = 5;
export const IDENTIFIER_CEILING = 100;
const KNOWN_NETWORK_DAYS = 180;

export const IDENTIFIER_NETWORK_POLICY: AttemptPolicy = {
  windowSeconds: 24 * 3600,
  freeAttempts: FREE_FAILURES,
  firstDelaySeconds: 30,
  maxDelaySeconds: 15 * 60,
};
export const NETWORK_POLICY: AttemptPolicy = {
  windowSeconds: 15 * 60,
  freeAttempts: 50,
  firstDelaySeconds: 30,
  maxDelaySeconds: 15 * 60,
};
const CEILING_WINDOW_MS = 24 * 3600 * 1000;

/** The throttle keys of one login identifier from one client network. */
export function loginThrottleKeys(identifier: string, ip: string) {
  const network = ipNetwork(ip);
  // Typed text never shapes a key: "X|1.2.3.4" must not name the row of X from 1.2.3.4 (and reset its delay).
  const name = IDENTIFIER_PATTERN.test(identifier)
    ? identifier
    : `~${createHash("sha256").update(identifier).digest("hex").slice(0, 32)}`;
  const identifierKey = `login:id:${name}`;
  return {
    /** Failures from every network: the ceiling. Clearing it (a reset) also clears the per-network keys. */
    identifierKey,
    identifierNetworkKey: `${identifierKey}|${network}`,
    networkKey: `login:ip:${network}`,
    knownNetworkKey: `login:known:${name}|${network}`,
  };
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

/** A claim the transaction must not keep (the network key refused after the identifier key admitted). */
class ClaimRefused extends Error {
  constructor(readonly blockedUntil: Date) {
    super("attempt refused");
  }
}

/**
 * Takes one attempt for this identifier from this network, and one for the network, or neither: an
 * attempt refused by the network limit does not eat into the identifier's allowance.
 */
export async function claimLoginAttempt(
  db: Database,
  input: {
    tenantId: string;
    identifierNetworkKey: string;
    networkKey: string;
    now: Date;
    networkPolicy?: AttemptPolicy;
  },
): Promise<AttemptClaim> {
  try {
    return await db.transaction(async (tx) => {
      const byIdentifier = await claimAttempt(
        tx,
        input.tenantId,
        input.identifierNetworkKey,
        input.now,
        IDENTIFIER_NETWORK_POLICY,
      );
      if (!byIdentifier.admitted) return byIdentifier;
      const byNetwork = await claimAttempt(
        tx,
        input.tenantId,
        input.networkKey,
        input.now,
        input.networkPolicy ?? NETWORK_POLICY,
      );
      if (!byNetwork.admitted) throw new ClaimRefused(byNetwork.blockedUntil);
      return byIdentifier;
    });
  } catch (error) {
    if (error instanceof ClaimRefused) return { admitted: false, blockedUntil: error.blockedUntil };
    throw error;
  }
}

/**
 * Past the per-identifier ceiling, whether this network may still try: only one the owner logged in from.
 * Read without a lock: a burst overshoots the ceiling by at most the per-network allowances it claimed.
 */
async function ceilingReached(
  db: Database,
  tenantId: string,
  keys: ReturnType<typeof loginThrottleKeys>,
  now: Date,
): Promise<boolean> {
  const failures = await readThrottle(
    db,
    tenantId,
    keys.identifierKey,
    new Date(now.getTime() - CEILING_WINDOW_MS),
  );
  if (failures.count < IDENTIFIER_CEILING) return false;
  const knownSince = await readThrottleMarker(db, tenantId, keys.knownNetworkKey);
  return !knownSince || knownSince.getTime() < now.getTime() - KNOWN_NETWORK_DAYS * 86_400_000;
}

/**
 * Whether this password attempt for the identifier may be verified, counted before it is (login and
 * password change share it). Refused: the seconds to wait.
 */
export async function admitPasswordAttempt(
  db: Database,
  input: { tenantId: string; identifier: string; ip: string; now: Date },
): Promise<{ admitted: true } | { admitted: false; retryAfterSeconds: number }> {
  const keys = loginThrottleKeys(input.identifier, input.ip);
  const wait = (until: Date) => ({
    admitted: false as const,
    retryAfterSeconds: Math.max(1, Math.ceil((until.getTime() - input.now.getTime()) / 1000)),
  });
  if (await ceilingReached(db, input.tenantId, keys, input.now))
    return wait(new Date(input.now.getTime() + IDENTIFIER_NETWORK_POLICY.maxDelaySeconds * 1000));
  const claim = await claimLoginAttempt(db, {
    tenantId: input.tenantId,
    identifierNetworkKey: keys.identifierNetworkKey,
    networkKey: keys.networkKey,
    now: input.now,
  });
  return claim.admitted ? { admitted: true } : wait(claim.blockedUntil);
}

/** A verified wrong password: the per-network keys counted it already; it now counts towards the ceiling. */
export async function recordPasswordFailure(
  tx: Sql,
  input: { tenantId: string; identifier: string; ip: string; now: Date },
): Promise<void> {
  const keys = loginThrottleKeys(input.identifier, input.ip);
  await countThrottle(
    tx,
    input.tenantId,
    keys.identifierKey,
    input.now,
    new Date(input.now.getTime() - CEILING_WINDOW_MS),
    () => 0,
  );
}

/**
 * A verified right password: the owner's own network starts afresh and the ceiling (consecutive failures)
 * restarts; other networks' delays stay, so a stranger's count is not wiped by the owner's login. The
 * network key counts failures of everyone behind it: this attempt is given back. The network becomes known.
 */
export async function recordPasswordSuccess(
  tx: Sql,
  input: { tenantId: string; identifier: string; ip: string; now: Date },
): Promise<void> {
  const keys = loginThrottleKeys(input.identifier, input.ip);
  await clearThrottleKey(tx, input.tenantId, keys.identifierNetworkKey);
  await clearThrottleKey(tx, input.tenantId, keys.identifierKey);
  await releaseAttempt(tx, input.tenantId, keys.networkKey, NETWORK_POLICY);
  await touchThrottleMarker(tx, input.tenantId, keys.knownNetworkKey, input.now);
}

/**
 * Identifier + password login. Every failure (unknown identifier, wrong password, never activated,
 * locked) gives the same answer after the same work (a hash is verified in every case); a throttled
 * attempt gets the throttled answer whatever the identifier, before any hash is verified.
 */
export async function logIn(db: Database, input: LogInInput): Promise<LogInResult> {
  const now = input.now ?? new Date();
  const identifier = normalizeIdentifier(input.identifier.slice(0, 64));
  const attempt = { tenantId: input.tenantId, identifier, ip: input.ip, now };
  const admission = await admitPasswordAttempt(db, attempt);
  if (!admission.admitted) {
    await audit(db, input, "login.throttled", null, { identifier: loggable(identifier) });
    return { ok: false, reason: "throttled", retryAfterSeconds: admission.retryAfterSeconds };
  }

  const account = await findAccountByIdentifier(db, input.tenantId, identifier);
  const passwordMatches = await verifyPassword(account?.passwordHash, input.password.slice(0, 4096));
  if (!account || !passwordMatches || account.status !== "active") {
    await db.transaction(async (tx) => {
      await recordPasswordFailure(tx, attempt);
      await countAccountLoginFailure(tx, account?.id ?? null);
    });
    await audit(db, input, "login.failed", account?.id ?? null, {
      identifier: account ? identifier : loggable(identifier),
    });
    return { ok: false, reason: "invalid" };
  }

  const sessionCookie = await db.transaction(async (tx) => {
    await revokeCookieSession(tx, input.previousCookie, now);
    await recordPasswordSuccess(tx, attempt);
    await recordAccountLogin(tx, account.id, now);
    await auditAccountAction(
      tx,
      { tenantId: input.tenantId, accountId: account.id, ip: input.ip, at: now },
      "login.succeeded",
    );
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
