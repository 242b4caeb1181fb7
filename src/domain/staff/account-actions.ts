import { unlockAccount } from "../../db/accounts.repository.js";
import { lockCustomerWithAccount } from "../../db/customers.repository.js";
import type { Database, Tx } from "../../db/database.js";
import { revokeSessions } from "../../db/sessions.repository.js";
import { clearThrottle, countThrottle } from "../../db/throttles.repository.js";
import { queueMail } from "../mail/queue-mail.js";
import { DomainError } from "../shared/errors.js";
import type { JobSender } from "../shared/jobs.js";
import { auditActorAction, type StaffActor } from "./staff-accounts.js";

/** « Envoyer le mail d’activation maintenant »: at most 3 per customer per hour. */
export const ACTIVATION_RESENDS_PER_HOUR = 3;

interface ActionInput {
  tenantId: string;
  customerId: string;
  actor: StaffActor;
  ip: string | null;
  now?: Date;
}

async function lockCustomerAccount(tx: Tx, tenantId: string, customerId: string) {
  const row = await lockCustomerWithAccount(tx, tenantId, customerId);
  if (!row) throw new DomainError("customer_not_found", "Ce client n’existe pas.");
  // What these actions write to is the account: its address, not the customer's.
  return { ...row, email: row.accountEmail };
}

function audit(
  tx: Tx,
  input: ActionInput,
  action: string,
  accountId: string | null,
  details: Record<string, unknown>,
) {
  return auditActorAction(
    tx,
    { ...input, at: input.now },
    action,
    { type: "customer", id: input.customerId },
    { by: input.actor.name, accountId, ...details },
  );
}

/** Unlocks an account locked by failed logins; the password stays what the customer chose (never shown, never set). */
export async function unlockCustomerAccount(
  db: Database,
  input: ActionInput,
): Promise<"unlocked" | "not-locked"> {
  const now = input.now ?? new Date();
  return db.transaction(async (tx) => {
    const row = await lockCustomerAccount(tx, input.tenantId, input.customerId);
    const locked = row.status === "locked" || (row.lockedUntil !== null && row.lockedUntil > now);
    if (!row.accountId || !locked) return "not-locked";
    await unlockAccount(tx, input.tenantId, row.accountId);
    await clearThrottle(tx, input.tenantId, `login:id:${row.identifier}`);
    await audit(tx, input, "account.unlocked", row.accountId, { customerNumber: row.customerNumber });
    return "unlocked";
  });
}

/** Closes every session of the customer's account (a lost or shared computer). */
export async function revokeCustomerSessions(db: Database, input: ActionInput): Promise<number> {
  const now = input.now ?? new Date();
  return db.transaction(async (tx) => {
    const row = await lockCustomerAccount(tx, input.tenantId, input.customerId);
    const revoked = row.accountId
      ? await revokeSessions(tx, { tenantId: input.tenantId, accountId: row.accountId }, now)
      : 0;
    await audit(tx, input, "account.sessions_revoked", row.accountId, {
      customerNumber: row.customerNumber,
      sessionsRevoked: revoked,
    });
    return revoked;
  });
}

/**
 * Sends the activation mail (identifier + first-connection steps) to the registered address now, instead
 * of waiting for the next invoice. Only for an account not yet activated; rate-limited per customer.
 */
export async function resendActivationMail(
  deps: { db: Database; queue: JobSender },
  input: ActionInput,
): Promise<"sent" | "throttled" | "not-needed" | "no-email"> {
  const now = input.now ?? new Date();
  return deps.db.transaction(async (tx) => {
    const row = await lockCustomerAccount(tx, input.tenantId, input.customerId);
    if (!row.accountId || !row.email) return "no-email";
    if (row.status !== "pending") return "not-needed";
    const count = await countThrottle(
      tx,
      input.tenantId,
      `activation:customer:${input.customerId}`,
      now,
      new Date(now.getTime() - 3600_000),
      () => 0,
    );
    if (count.count > ACTIVATION_RESENDS_PER_HOUR) return "throttled";
    const mailId = await queueMail(tx, deps.queue, {
      tenantId: input.tenantId,
      accountId: row.accountId,
      customerId: input.customerId,
      kind: "activation",
      to: row.email,
      language: row.language ?? "fr",
      // row.accountId is set, so is its identifier (accounts.identifier is not null; the join makes it nullable).
      params: { identifier: row.identifier!, email: row.email, retentionMonths: row.retentionMonths },
    });
    await audit(tx, input, "account.activation_resent", row.accountId, {
      customerNumber: row.customerNumber,
      to: row.email,
      mailId,
    });
    return "sent";
  });
}
