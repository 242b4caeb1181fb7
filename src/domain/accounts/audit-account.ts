import { appendAudit } from "../../db/audit.repository.js";
import type { Sql } from "../../db/database.js";

/** Audits what the owner of an account did to it (log in, change the password, preferences, log out). */
export function auditAccountAction(
  tx: Sql,
  input: { tenantId: string; accountId: string; ip: string; at?: Date },
  action: string,
  details?: Record<string, unknown>,
) {
  return appendAudit(tx, {
    tenantId: input.tenantId,
    actorType: "customer",
    actorId: input.accountId,
    action,
    targetType: "account",
    targetId: input.accountId,
    ip: input.ip,
    at: input.at,
    ...(details ? { details } : {}),
  });
}
