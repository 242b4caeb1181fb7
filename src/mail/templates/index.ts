import type { MailKind, MailParams } from "../../domain/mail/mail-request.js";
import { activationMail } from "./activation.js";
import { emailChangedMail } from "./email-changed.js";
import { emailChangedNewMail } from "./email-changed-new.js";
import { integrityAlertMail } from "./integrity-alert.js";
import type { MailContext, RenderedMail } from "./layout.js";
import { newInvoicesMail } from "./new-invoices.js";
import { passwordChangedMail } from "./password-changed.js";
import { retentionReminderMail } from "./retention-reminder.js";

export type { Language, MailContext, RenderedMail } from "./layout.js";

/**
 * Every kind of mail and its renderer, each reading the params of its own kind. Params come from the
 * `mails` row (never a secret), checked by parseMailParams (src/domain/mail/mail-request.ts).
 */
export const MAIL_TEMPLATES: {
  [K in MailKind]: (context: MailContext, params: MailParams[K]) => RenderedMail;
} = {
  activation: activationMail,
  "new-invoices": newInvoicesMail,
  "password-changed": passwordChangedMail,
  "retention-reminder": retentionReminderMail,
  "integrity-alert": integrityAlertMail,
  "email-changed": emailChangedMail,
  "email-changed-new": emailChangedNewMail,
};

export type { MailKind };
