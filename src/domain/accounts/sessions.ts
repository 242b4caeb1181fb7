import type { Database, Sql } from "../../db/database.js";
import {
  type CustomerSessionAccount,
  findCustomerSession,
  findSession,
  insertSession,
  revokeSessions,
  type SessionRow,
  touchSession,
} from "../../db/sessions.repository.js";
import { canonicalIp } from "../shared/ip-network.js";
import { hashSecret, newSecret, SECRET_PATTERN } from "./secrets.js";

/** ASVS 7.3: idle and absolute timeouts of a customer session. */
export const CUSTOMER_IDLE_SECONDS = 30 * 60;
export const CUSTOMER_ABSOLUTE_SECONDS = 12 * 60 * 60;
// Writing last_seen_at on every request would cost a write per page: once a minute is precise enough.
const TOUCH_EVERY_MS = 60_000;

/** Opens a new session (a new id at every login: no fixation) and returns the cookie value. */
export async function startSession(
  sql: Sql,
  input: {
    tenantId: string;
    accountId: string;
    kind: "customer" | "staff";
    ip: string | null;
    userAgent: string | null;
    now: Date;
    absoluteSeconds?: number;
  },
): Promise<string> {
  const secret = newSecret();
  await insertSession(sql, {
    idHash: hashSecret(secret),
    tenantId: input.tenantId,
    kind: input.kind,
    accountId: input.accountId,
    createdAt: input.now,
    expiresAt: new Date(input.now.getTime() + (input.absoluteSeconds ?? CUSTOMER_ABSOLUTE_SECONDS) * 1000),
    // Shown on the account page: only an address, whatever a caller passes (docs/security.md H2).
    ip: canonicalIp(input.ip) ?? null,
    userAgent: input.userAgent?.slice(0, 300) ?? null,
  });
  return secret;
}

/** The live session behind a cookie on this tenant, or undefined (unknown, revoked, idle too long, too old, other tenant or kind). */
export async function resolveSession(
  db: Database,
  input: {
    tenantId: string;
    kind: "customer" | "staff";
    cookie: string | undefined;
    now: Date;
    idleSeconds?: number;
  },
): Promise<SessionRow | undefined> {
  if (!input.cookie || !SECRET_PATTERN.test(input.cookie)) return undefined;
  const session = await findSession(db, input.tenantId, input.kind, hashSecret(input.cookie));
  return session && (await withinTimeouts(db, session, input.now, input.idleSeconds)) ? session : undefined;
}

/**
 * The customer pages' form of `resolveSession`: the session and its account's identifier read in one
 * statement (a page costs one round trip less). `identifier` is null when the account is not active.
 */
export async function resolveCustomerSession(
  db: Database,
  input: { tenantId: string; cookie: string | undefined; now: Date; idleSeconds?: number },
): Promise<({ session: SessionRow } & CustomerSessionAccount) | undefined> {
  if (!input.cookie || !SECRET_PATTERN.test(input.cookie)) return undefined;
  const found = await findCustomerSession(db, input.tenantId, hashSecret(input.cookie));
  if (!found) return undefined;
  const { identifier, language, listVersion, ...session } = found;
  return (await withinTimeouts(db, session, input.now, input.idleSeconds))
    ? { session, identifier, language, listVersion }
    : undefined;
}

/** Revokes the session when it is idle too long or too old; touches it (at most once a minute) otherwise. */
async function withinTimeouts(
  db: Database,
  session: SessionRow,
  at: Date,
  idleSeconds = CUSTOMER_IDLE_SECONDS,
): Promise<boolean> {
  const now = at.getTime();
  if (session.expiresAt.getTime() <= now || session.lastSeenAt.getTime() + idleSeconds * 1000 <= now) {
    await revokeSessions(db, { idHash: session.idHash }, at);
    return false;
  }
  if (now - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) await touchSession(db, session.idHash, at);
  return true;
}

export async function endSession(db: Database, cookie: string | undefined, now: Date): Promise<void> {
  await revokeCookieSession(db, cookie, now);
}

/**
 * Revokes the session a cookie names, when the cookie has the shape of ours (anything else names no
 * session): logout, and the previous session at login (a new id every time). `kind` limits it to
 * sessions of that kind.
 */
export async function revokeCookieSession(
  sql: Sql,
  cookie: string | undefined,
  at: Date,
  kind?: "customer" | "staff",
): Promise<void> {
  if (cookie && SECRET_PATTERN.test(cookie))
    await revokeSessions(sql, { idHash: hashSecret(cookie), ...(kind ? { kind } : {}) }, at);
}
