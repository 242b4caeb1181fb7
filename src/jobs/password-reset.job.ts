import type { Logger } from "pino";
import type { Database } from "../db/database.js";
import { queueResetMail } from "../domain/accounts/password-reset.js";
import type { JobSender } from "../domain/shared/jobs.js";
import { type JobDefinition, type JobHandler, PermanentJobFailure } from "./queue.js";

export interface PasswordResetData {
  tenantId: string;
  email: string;
}

/**
 * Jobs of this kind are no longer created: a reset request now queues its mail itself, and only for an
 * address that has an account (requestPasswordReset). The kind stays registered so that jobs queued by
 * an earlier version are still honoured after an upgrade.
 */
export const passwordResetJob: JobDefinition<PasswordResetData> = {
  name: "password-reset",
  retryLimit: 5,
  retryDelaySeconds: 20,
  retryBackoff: true,
  expireInSeconds: 120,
  parse(data) {
    const { tenantId, email } = (data ?? {}) as Record<string, unknown>;
    if (typeof tenantId !== "string" || typeof email !== "string")
      throw new PermanentJobFailure("password-reset: bad data");
    return { tenantId, email };
  },
};

/** Turns a reset job of an earlier version into a queued reset mail (same checks as a new request). */
export function passwordResetHandler(deps: {
  db: Database;
  queue: JobSender;
  logger: Logger;
}): JobHandler<PasswordResetData> {
  return async ({ tenantId, email }) => {
    const outcome = await queueResetMail(deps, { tenantId, email });
    deps.logger.info({ tenantId, outcome }, "reset job of an earlier version handled");
  };
}
