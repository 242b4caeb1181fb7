import { type ActivationParams, activationMail } from "./activation.js";
import { type EmailChangedParams, emailChangedMail } from "./email-changed.js";
import type { MailContext, RenderedMail } from "./layout.js";
import { type NewInvoicesParams, newInvoicesMail } from "./new-invoices.js";
import { type PasswordChangedParams, passwordChangedMail } from "./password-changed.js";

export type { Language, MailContext, RenderedMail } from "./layout.js";

/** Every kind of mail and its renderer. Params come from the `mails` row (never a secret). */
export const MAIL_TEMPLATES = {
  activation: (context: MailContext, params: Record<string, unknown>) =>
    activationMail(context, params as unknown as ActivationParams),
  "new-invoices": (context: MailContext, params: Record<string, unknown>) =>
    newInvoicesMail(context, params as unknown as NewInvoicesParams),
  "password-changed": (context: MailContext, params: Record<string, unknown>) =>
    passwordChangedMail(context, params as unknown as PasswordChangedParams),
  "email-changed": (context: MailContext, params: Record<string, unknown>) =>
    emailChangedMail(context, params as unknown as EmailChangedParams),
} satisfies Record<string, (context: MailContext, params: Record<string, unknown>) => RenderedMail>;

export type MailKind = keyof typeof MAIL_TEMPLATES;

export function isMailKind(kind: string): kind is MailKind {
  return Object.hasOwn(MAIL_TEMPLATES, kind);
}
