import type { Logger } from "pino";
import type { Config } from "../config.js";
import { appendAudit } from "../db/audit.repository.js";
import type { Database, Sql } from "../db/database.js";
import { insertToken, voidTokens } from "../db/tokens.repository.js";
import { hashSecret, newSecret } from "../domain/accounts/secrets.js";
import { isMailKind, type MailKind, parseMailParams } from "../domain/mail/mail-request.js";
import { type SendMailData, sendMailJob } from "../domain/shared/jobs.js";
import { tenantOrigin } from "../domain/tenants/tenant-url.js";
import { mayHaveBeenHandedOver } from "../mail/smtp-outcome.js";
import { MAIL_TEMPLATES, type MailContext, type RenderedMail } from "../mail/templates/index.js";
import { passwordResetMail } from "../mail/templates/password-reset.js";
import type { MailTransport } from "../mail/transport.js";
import { type JobDefinition, type JobHandler, PermanentJobFailure } from "./queue.js";

export { type SendMailData, sendMailJob };

/** SECURITY.md R5: a reset link is valid 60 minutes. */
export const RESET_TOKEN_MINUTES = 60;

/** The retry policy and the expiry come from the configuration (tests shorten them). */
export function sendMailDefinition(
  config: Pick<Config, "mailRetryLimit" | "mailRetryDelaySeconds" | "mailJobExpireSeconds">,
): JobDefinition<SendMailData> {
  return {
    ...sendMailJob,
    retryLimit: config.mailRetryLimit,
    retryDelaySeconds: config.mailRetryDelaySeconds,
    expireInSeconds: config.mailJobExpireSeconds,
  };
}

export interface MailRow {
  id: string;
  tenant_id: string | null;
  account_id: string | null;
  kind: string;
  to_address: string;
  language: "fr" | "en";
  params: Record<string, unknown>;
  status: string;
  slug: string | null;
  display_name: string | null;
  primary_color: string | null;
}

type Deps = {
  db: Database;
  transport: MailTransport;
  config: Pick<Config, "mailFrom" | "publicBaseUrl">;
  logger: Logger;
  now?: () => Date;
};

type Claim =
  | { kind: "send"; mail: MailRow; rendered: RenderedMail; messageId: string }
  | { kind: "skip"; status: string }
  | { kind: "interrupted"; mail: MailRow };

/**
 * Sends one queued mail at most once (README "Fiabilité"). The attempt is committed first
 * (`sending`, `attempt_started_at`, `attempts + 1`, the stable Message-ID `<mail id@host>`), then the
 * mail is handed to the SMTP server, then the answer is recorded (`sent`). A job that finds its mail
 * still `sending` comes after an attempt that was cut off (worker killed, database gone before the
 * answer was written): the server may have the mail, so it is marked `uncertain` and never resent.
 * A failure known to precede the hand-over (connection refused, a 4xx/5xx answer) puts it back to
 * `queued` and the job is retried.
 */
export function sendMailHandler(deps: Deps): JobHandler<SendMailData> {
  return async ({ mailId }, context) => {
    const claim = await claimMail(deps, mailId);
    if (claim.kind === "skip") return;
    if (claim.kind === "interrupted") {
      deps.logger.error(
        { mailId, kind: claim.mail.kind, tenantId: claim.mail.tenant_id, event: "mail.uncertain" },
        "an earlier attempt to send this mail was cut off: it may have been delivered, so it is not resent (status uncertain)",
      );
      return;
    }
    await handOver(deps, claim, context.lastAttempt);
  };
}

/** The attempt, committed before any byte goes to the SMTP server. */
async function claimMail(deps: Deps, mailId: string): Promise<Claim> {
  const { db, config } = deps;
  return db.transaction(async (tx): Promise<Claim> => {
    const [mail] = await tx.query<MailRow>(
      `select m.id, m.tenant_id, m.account_id, m.kind, m.to_address, m.language, m.params, m.status,
              t.slug, t.display_name, t.primary_color
         from mails m left join tenants t on t.id = m.tenant_id
        where m.id = $1
        for update of m`,
      [mailId],
    );
    if (!mail) throw new PermanentJobFailure(`mail ${mailId} not found`);
    if (mail.status === "sending") {
      await markUncertain(
        tx,
        mail,
        "attempt interrupted (process stopped or database lost during the hand-over)",
      );
      return { kind: "interrupted", mail };
    }
    if (mail.status !== "queued") return { kind: "skip", status: mail.status };
    const rendered = await renderMail(tx, deps, mail);
    const messageId = `<${mail.id}@${config.publicBaseUrl.hostname}>`;
    await tx.query(
      `update mails set status = 'sending', attempt_started_at = now(), attempts = attempts + 1,
              subject = $2, message_id = $3
        where id = $1`,
      [mail.id, rendered.subject, messageId],
    );
    return { kind: "send", mail, rendered, messageId };
  });
}

async function renderMail(tx: Sql, deps: Deps, mail: MailRow): Promise<RenderedMail> {
  if (mail.kind === "password-reset") return renderPasswordReset(tx, deps, mail);
  if (!isMailKind(mail.kind)) throw new PermanentJobFailure(`unknown mail kind ${mail.kind}`);
  // The stored JSON is checked against its kind once, here: the template reads typed params.
  return renderStoredTemplate(mail.kind, mailContext(deps.config, mail), mail.params);
}

function renderStoredTemplate<K extends MailKind>(
  kind: K,
  context: MailContext,
  params: unknown,
): RenderedMail {
  return MAIL_TEMPLATES[kind](context, parseMailParams(kind, params));
}

/**
 * The reset link is made here, in the attempt's transaction: the database only ever holds its SHA-256
 * (R3), and a newer link voids the older ones (R5). An attempt refused by the server makes a fresh link
 * on retry; a mail that reached nobody leaves an unusable token behind, never a usable one in clear.
 */
async function renderPasswordReset(tx: Sql, deps: Deps, mail: MailRow): Promise<RenderedMail> {
  if (!mail.tenant_id || !mail.account_id || !mail.slug)
    throw new PermanentJobFailure("password-reset mail without tenant or account");
  const now = deps.now?.() ?? new Date();
  const token = newSecret();
  await voidTokens(tx, mail.tenant_id, mail.account_id, "password_reset", now);
  await insertToken(tx, {
    tokenHash: hashSecret(token),
    tenantId: mail.tenant_id,
    accountId: mail.account_id,
    purpose: "password_reset",
    email: mail.to_address,
    createdAt: now,
    expiresAt: new Date(now.getTime() + RESET_TOKEN_MINUTES * 60_000),
    mailId: mail.id,
  });
  await appendAudit(tx, {
    tenantId: mail.tenant_id,
    actorType: "system",
    action: "password_reset.mailed",
    targetType: "account",
    targetId: mail.account_id,
    at: now,
    details: { mailId: mail.id },
  });
  // R7: the link is built from the tenant's configured public URL, never from a request header.
  const resetUrl = `${tenantOrigin(deps.config.publicBaseUrl, mail.slug)}/reinitialiser/${token}`;
  return passwordResetMail(mailContext(deps.config, mail), { resetUrl, validMinutes: RESET_TOKEN_MINUTES });
}

/** How a mail is signed and linked: the tenant's name, colour and portal URL (from configuration, never from a request). */
export function mailContext(
  config: Pick<Config, "publicBaseUrl">,
  mail: Pick<MailRow, "language" | "slug" | "display_name" | "primary_color">,
): MailContext {
  return {
    language: mail.language,
    tenantName: mail.display_name ?? "E-FACTURE",
    tenantColor: mail.primary_color ?? "#1f4e79",
    portalUrl: mail.slug ? `${tenantOrigin(config.publicBaseUrl, mail.slug)}/` : config.publicBaseUrl.origin,
  };
}

/**
 * Hands the claimed mail to the transport and records the outcome: `sent` with the server's answer;
 * back to `queued` (or `failed`, no retry left) when the server refused it or was never reached, and the
 * error is rethrown so that the job is retried; `uncertain` when the connection broke while the server
 * may already hold the message.
 */
async function handOver(
  deps: Deps,
  claim: Extract<Claim, { kind: "send" }>,
  lastAttempt: boolean,
): Promise<void> {
  const { db, transport, config, logger } = deps;
  const { mail, rendered, messageId } = claim;
  let sent: { messageId: string; response: string };
  try {
    sent = await transport.send({
      from: senderFor(config.mailFrom, mail.display_name),
      to: mail.to_address,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      messageId,
      headers: { "X-EFacture-Mail-Kind": mail.kind },
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const response = (error as { response?: string }).response;
    if (mayHaveBeenHandedOver(error)) {
      await db.transaction((tx) => markUncertain(tx, mail, message, response));
      logger.error(
        { err: error, mailId: mail.id, kind: mail.kind, tenantId: mail.tenant_id, event: "mail.uncertain" },
        "the SMTP connection broke after the message may have been handed over: not resent (status uncertain)",
      );
      return;
    }
    await db.transaction(async (tx) => {
      await tx.query(
        `update mails set last_error = $2, smtp_response = coalesce($3, smtp_response),
                status = case when $4 then 'failed' else 'queued' end,
                failed_at = case when $4 then now() else failed_at end
          where id = $1 and status = 'sending'`,
        [mail.id, message.slice(0, 500), response?.slice(0, 500) ?? null, lastAttempt],
      );
      if (lastAttempt) {
        await appendAudit(tx, {
          tenantId: mail.tenant_id,
          actorType: "system",
          action: "mail.failed",
          targetType: "mail",
          targetId: mail.id,
          details: { kind: mail.kind, accountId: mail.account_id, error: message.slice(0, 200) },
        });
      }
    });
    throw error;
  }
  await db.transaction(async (tx) => {
    // From `uncertain` too: a job that outlived its expiry was declared cut off, but here is the answer.
    await tx.query(
      `update mails set status = 'sent', message_id = $2, smtp_response = $3, sent_at = now(), last_error = null
        where id = $1 and status in ('sending', 'uncertain')`,
      [mail.id, sent.messageId, sent.response.slice(0, 500)],
    );
    await appendAudit(tx, {
      tenantId: mail.tenant_id,
      actorType: "system",
      action: "mail.sent",
      targetType: "mail",
      targetId: mail.id,
      details: { kind: mail.kind, accountId: mail.account_id, response: sent.response.slice(0, 200) },
    });
  });
  logger.info({ mailId: mail.id, kind: mail.kind, tenantId: mail.tenant_id }, "mail sent");
}

async function markUncertain(
  tx: Sql,
  mail: Pick<MailRow, "id" | "tenant_id" | "account_id" | "kind">,
  reason: string,
  response?: string,
): Promise<void> {
  await tx.query(
    `update mails set status = 'uncertain', last_error = $2, smtp_response = coalesce($3, smtp_response)
      where id = $1 and status = 'sending'`,
    [mail.id, reason.slice(0, 500), response?.slice(0, 500) ?? null],
  );
  await appendAudit(tx, {
    tenantId: mail.tenant_id,
    actorType: "system",
    action: "mail.uncertain",
    targetType: "mail",
    targetId: mail.id,
    details: { kind: mail.kind, accountId: mail.account_id, reason: reason.slice(0, 200) },
  });
}

/** The configured address, shown under the issuer's name so the customer recognises who writes. */
export function senderFor(mailFrom: string, tenantName: string | null): string {
  if (!tenantName) return mailFrom;
  const address = /<([^>]+)>\s*$/.exec(mailFrom)?.[1] ?? mailFrom.trim();
  return `"${tenantName.replace(/["\\\r\n]/g, "")} via E-FACTURE" <${address}>`;
}
