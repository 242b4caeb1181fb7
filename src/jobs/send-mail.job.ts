import type { Logger } from "pino";
import type { Config } from "../config.js";
import { appendAudit } from "../db/audit.repository.js";
import type { Database } from "../db/database.js";
import { tenantOrigin } from "../domain/tenants/tenant-url.js";
import { isMailKind, MAIL_TEMPLATES, type MailContext, type RenderedMail } from "../mail/templates/index.js";
import type { MailTransport } from "../mail/transport.js";
import { type JobDefinition, type JobHandler, PermanentJobFailure } from "./queue.js";

export interface SendMailData {
  mailId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const sendMailJob: JobDefinition<SendMailData> = {
  name: "send-mail",
  retryLimit: 12,
  retryDelaySeconds: 30,
  retryBackoff: true,
  expireInSeconds: 120,
  parse(data) {
    const mailId = (data as { mailId?: unknown })?.mailId;
    if (typeof mailId !== "string" || !UUID.test(mailId))
      throw new PermanentJobFailure("send-mail: bad mailId");
    return { mailId };
  },
};

/** The retry policy comes from the configuration (tests shorten it). */
export function sendMailDefinition(
  config: Pick<Config, "mailRetryLimit" | "mailRetryDelaySeconds">,
): JobDefinition<SendMailData> {
  return {
    ...sendMailJob,
    retryLimit: config.mailRetryLimit,
    retryDelaySeconds: config.mailRetryDelaySeconds,
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

/** Renders and sends one queued mail, then records the server's answer. Safe to run twice: a sent mail is not sent again. */
export function sendMailHandler(deps: {
  db: Database;
  transport: MailTransport;
  config: Pick<Config, "mailFrom" | "publicBaseUrl">;
  logger: Logger;
}): JobHandler<SendMailData> {
  const { db, config } = deps;
  return async ({ mailId }, context) => {
    const [mail] = await db.query<MailRow>(
      `select m.id, m.tenant_id, m.account_id, m.kind, m.to_address, m.language, m.params, m.status,
              t.slug, t.display_name, t.primary_color
         from mails m left join tenants t on t.id = m.tenant_id
        where m.id = $1`,
      [mailId],
    );
    if (!mail) throw new PermanentJobFailure(`mail ${mailId} not found`);
    if (mail.status === "sent") return;
    if (!isMailKind(mail.kind)) throw new PermanentJobFailure(`unknown mail kind ${mail.kind}`);

    const rendered = MAIL_TEMPLATES[mail.kind](mailContext(config, mail), mail.params);
    await deliverMail(deps, mail, rendered, context.lastAttempt);
  };
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
 * Sends a rendered mail and records the outcome on its `mails` row (sent with the server's answer,
 * or the error; `failed` once no retry is left). Rethrows so that the job is retried.
 */
export async function deliverMail(
  deps: {
    db: Database;
    transport: MailTransport;
    config: Pick<Config, "mailFrom" | "publicBaseUrl">;
    logger: Logger;
  },
  mail: Pick<MailRow, "id" | "tenant_id" | "account_id" | "kind" | "to_address" | "display_name">,
  rendered: RenderedMail,
  lastAttempt: boolean,
): Promise<void> {
  const { db, transport, config, logger } = deps;
  try {
    const sent = await transport.send({
      from: senderFor(config.mailFrom, mail.display_name),
      to: mail.to_address,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      messageId: `<${mail.id}@${config.publicBaseUrl.hostname}>`,
      headers: { "X-EFacture-Mail-Kind": mail.kind },
    });
    await db.transaction(async (tx) => {
      await tx.query(
        `update mails set status = 'sent', attempts = attempts + 1, subject = $2, message_id = $3,
                smtp_response = $4, sent_at = now(), last_error = null where id = $1`,
        [mail.id, rendered.subject, sent.messageId, sent.response.slice(0, 500)],
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
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const response = (error as { response?: string }).response;
    await db.transaction(async (tx) => {
      await tx.query(
        `update mails set attempts = attempts + 1, last_error = $2, smtp_response = coalesce($3, smtp_response),
                status = case when $4 then 'failed' else status end,
                failed_at = case when $4 then now() else failed_at end
          where id = $1`,
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
}

/** The configured address, shown under the issuer's name so the customer recognises who writes. */
export function senderFor(mailFrom: string, tenantName: string | null): string {
  if (!tenantName) return mailFrom;
  const address = /<([^>]+)>\s*$/.exec(mailFrom)?.[1] ?? mailFrom.trim();
  return `"${tenantName.replace(/["\\\r\n]/g, "")} via E-FACTURE" <${address}>`;
}
