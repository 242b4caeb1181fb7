import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { Database } from "../db/database.js";
import { isMailKind, type MailKind, parseMailParams } from "../domain/mail/mail-request.js";
import {
  type MailToSendRow,
  type MailTransport,
  RESET_TOKEN_MINUTES,
  type ResetLink,
  sendQueuedMail,
} from "../domain/mail/send-mail.js";
import { type SendMailData, sendMailJob } from "../domain/shared/jobs.js";
import { tenantOrigin } from "../domain/tenants/tenant-url.js";
import { mayHaveBeenHandedOver } from "../mail/smtp-outcome.js";
import { MAIL_TEMPLATES, type MailContext, type RenderedMail } from "../mail/templates/index.js";
import { passwordResetMail } from "../mail/templates/password-reset.js";
import { type JobDefinition, type JobHandler, PermanentJobFailure } from "./queue.js";

export { RESET_TOKEN_MINUTES, type SendMailData, sendMailJob };

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

type Deps = {
  db: Database;
  transport: MailTransport;
  config: Pick<Config, "mailFrom" | "publicBaseUrl">;
  logger: Logger;
  now?: () => Date;
};

/** Sends one queued mail at most once (src/domain/mail/send-mail.ts), rendered from its template here. */
export function sendMailHandler(deps: Deps): JobHandler<SendMailData> {
  const render = (mail: MailToSendRow, reset: ResetLink | undefined) => renderMail(deps, mail, reset);
  return async ({ mailId }, context) =>
    sendQueuedMail({ ...deps, render, mayHaveBeenHandedOver }, { mailId, lastAttempt: context.lastAttempt });
}

function renderMail(deps: Deps, mail: MailToSendRow, reset: ResetLink | undefined): RenderedMail {
  if (reset) return passwordResetMail(mailContext(deps.config, mail), reset);
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

/** How a mail is signed and linked: the tenant's name, colour and portal URL (from configuration, never from a request). */
export function mailContext(
  config: Pick<Config, "publicBaseUrl">,
  mail: Pick<MailToSendRow, "language" | "slug" | "display_name" | "primary_color">,
): MailContext {
  return {
    language: mail.language,
    tenantName: mail.display_name ?? "E-FACTURE",
    tenantColor: mail.primary_color ?? "#1f4e79",
    portalUrl: mail.slug ? `${tenantOrigin(config.publicBaseUrl, mail.slug)}/` : config.publicBaseUrl.origin,
  };
}
