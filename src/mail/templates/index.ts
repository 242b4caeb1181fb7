import type { MailKind } from "../../domain/mail/queue-mail.js";
import { type ActivationParams, activationMail } from "./activation.js";
import { type EmailChangedParams, emailChangedMail } from "./email-changed.js";
import { type EmailChangedNewParams, emailChangedNewMail } from "./email-changed-new.js";
import { type IntegrityAlertParams, integrityAlertMail } from "./integrity-alert.js";
import type { MailContext, RenderedMail } from "./layout.js";
import { type NewInvoicesParams, newInvoicesMail } from "./new-invoices.js";
import { type PasswordChangedParams, passwordChangedMail } from "./password-changed.js";
import { type RetentionReminderParams, retentionReminderMail } from "./retention-reminder.js";

export type { Language, MailContext, RenderedMail } from "./layout.js";

/** Every kind of mail and its renderer. Params come from the `mails` row (never a secret). */
export const MAIL_TEMPLATES = {
  activation: (context: MailContext, params: Record<string, unknown>) =>
    activationMail(context, params as unknown as ActivationParams),
  "new-invoices": (context: MailContext, params: Record<string, unknown>) =>
    newInvoicesMail(context, params as unknown as NewInvoicesParams),
  "password-changed": (context: MailContext, params: Record<string, unknown>) =>
    passwordChangedMail(context, params as unknown as PasswordChangedParams),
  "retention-reminder": (context: MailContext, params: Record<string, unknown>) =>
    retentionReminderMail(context, params as unknown as RetentionReminderParams),
  "integrity-alert": (context: MailContext, params: Record<string, unknown>) =>
    integrityAlertMail(context, params as unknown as IntegrityAlertParams),
  "email-changed": (context: MailContext, params: Record<string, unknown>) =>
    emailChangedMail(context, params as unknown as EmailChangedParams),
  "email-changed-new": (context: MailContext, params: Record<string, unknown>) =>
    emailChangedNewMail(context, params as unknown as EmailChangedNewParams),
} satisfies Record<MailKind, (context: MailContext, params: Record<string, unknown>) => RenderedMail>;

export type { MailKind };

export function isMailKind(kind: string): kind is MailKind {
  return Object.hasOwn(MAIL_TEMPLATES, kind);
}
