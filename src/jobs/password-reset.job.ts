import type { Logger } from "pino";
import type { Config } from "../config.js";
import { appendAudit } from "../db/audit.repository.js";
import type { Database } from "../db/database.js";
import { insertToken, voidTokens } from "../db/tokens.repository.js";
import { hashSecret, newSecret } from "../domain/accounts/secrets.js";
import { tenantOrigin } from "../domain/tenants/tenant-url.js";
import { passwordResetMail } from "../mail/templates/password-reset.js";
import type { MailTransport } from "../mail/transport.js";
import { type JobDefinition, type JobHandler, PermanentJobFailure } from "./queue.js";
import { deliverMail, type MailRow, mailContext } from "./send-mail.job.js";

export interface PasswordResetData {
  tenantId: string;
  email: string;
}

/** SECURITY.md R5: a reset link is valid 60 minutes. */
export const RESET_TOKEN_MINUTES = 60;

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

/**
 * Mails a reset link to the account registered with this address in this tenant, if there is one.
 * The token is made here, at send time: the database only ever holds its SHA-256 (R3). A newer link
 * voids the older ones (R5); a retry after an SMTP failure makes a fresh link.
 */
export function passwordResetHandler(deps: {
  db: Database;
  transport: MailTransport;
  config: Pick<Config, "mailFrom" | "publicBaseUrl">;
  logger: Logger;
  now?: () => Date;
}): JobHandler<PasswordResetData> {
  return async ({ tenantId, email }, context) => {
    const now = deps.now?.() ?? new Date();
    const token = newSecret();
    const mail = await deps.db.transaction(async (tx) => {
      const [row] = await tx.query<MailRow & { account_id: string }>(
        `select a.id as account_id, a.email as to_address, a.language, t.id as tenant_id, t.slug, t.display_name, t.primary_color
           from accounts a join tenants t on t.id = a.tenant_id
          where a.tenant_id = $1 and a.email = $2`,
        [tenantId, email],
      );
      if (!row) return undefined;
      await voidTokens(tx, tenantId, row.account_id, "password_reset", now);
      const [inserted] = await tx.query<{ id: string }>(
        `insert into mails (tenant_id, account_id, kind, to_address, language, params) values ($1, $2, 'password-reset', $3, $4, '{}') returning id`,
        [tenantId, row.account_id, row.to_address, row.language],
      );
      await insertToken(tx, {
        tokenHash: hashSecret(token),
        tenantId,
        accountId: row.account_id,
        purpose: "password_reset",
        email: row.to_address,
        createdAt: now,
        expiresAt: new Date(now.getTime() + RESET_TOKEN_MINUTES * 60_000),
        mailId: inserted!.id,
      });
      await appendAudit(tx, {
        tenantId,
        actorType: "system",
        action: "password_reset.mailed",
        targetType: "account",
        targetId: row.account_id,
        at: now,
        details: { mailId: inserted!.id },
      });
      return { ...row, id: inserted!.id, kind: "password-reset" };
    });
    if (!mail) {
      deps.logger.info({ tenantId }, "password reset asked for an address with no account: nothing sent");
      return;
    }
    // R7: the link is built from the tenant's configured public URL, never from a request header.
    const resetUrl = `${tenantOrigin(deps.config.publicBaseUrl, mail.slug!)}/reinitialiser/${token}`;
    const rendered = passwordResetMail(mailContext(deps.config, mail), {
      resetUrl,
      validMinutes: RESET_TOKEN_MINUTES,
    });
    await deliverMail(deps, mail, rendered, context.lastAttempt);
  };
}
