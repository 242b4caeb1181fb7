import type { Logger } from "pino";
import { appendAudit } from "../../db/audit.repository.js";
import type { Database, Sql } from "../../db/database.js";
import {
  lockMailToSend,
  type MailToSendRow,
  markMailNotHandedOver,
  markMailSending,
  markMailSent,
  markMailUncertain,
} from "../../db/mails.repository.js";
import { insertToken, voidTokens } from "../../db/tokens.repository.js";
import { hashSecret, newSecret } from "../accounts/secrets.js";
import { PermanentJobFailure } from "../shared/jobs.js";
import { tenantOrigin } from "../tenants/tenant-url.js";

export type { MailToSendRow };

/** docs/security.md R5: a reset link is valid 60 minutes. */
export const RESET_TOKEN_MINUTES = 60;

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
  /** Stable id so that a retried job does not look like a new message to the receiver. */
  messageId?: string;
}

export interface SentMail {
  messageId: string;
  /** The server's last answer (e.g. `250 2.0.0 Ok: queued as ...`), kept in the mail log. */
  response: string;
}

/** The port: where mails go, an SMTP server or the development outbox folder (src/mail/transport.ts). */
export interface MailTransport {
  readonly kind: "smtp" | "outbox";
  send(mail: OutgoingMail): Promise<SentMail>;
  close(): Promise<void>;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** The link of a password-reset mail, made in the attempt's transaction. */
export interface ResetLink {
  resetUrl: string;
  validMinutes: number;
}

export interface SendMailDeps {
  db: Database;
  transport: MailTransport;
  /**
   * Renders a claimed mail (src/mail/templates): `reset` is given for a `password-reset` mail only.
   * Throws PermanentJobFailure for a kind it does not know.
   */
  render(mail: MailToSendRow, reset: ResetLink | undefined): RenderedMail;
  /** Whether a failed send may still have reached the server (src/mail/smtp-outcome.ts). */
  mayHaveBeenHandedOver(error: unknown): boolean;
  config: { mailFrom: string; publicBaseUrl: URL };
  logger: Logger;
  now?: () => Date;
}

type Claim =
  | { kind: "send"; mail: MailToSendRow; rendered: RenderedMail; messageId: string }
  | { kind: "skip"; status: string }
  | { kind: "interrupted"; mail: MailToSendRow };

/**
 * Sends one queued mail at most once (README "Fiabilité"). The attempt is committed first
 * (`sending`, `attempt_started_at`, `attempts + 1`, the stable Message-ID `<mail id@host>`), then the
 * mail is handed to the SMTP server, then the answer is recorded (`sent`). A job that finds its mail
 * still `sending` comes after an attempt that was cut off (worker killed, database gone before the
 * answer was written): the server may have the mail, so it is marked `uncertain` and never resent.
 * A failure known to precede the hand-over (connection refused, a 4xx/5xx answer) puts it back to
 * `queued` and the job is retried.
 */
export async function sendQueuedMail(
  deps: SendMailDeps,
  input: { mailId: string; lastAttempt: boolean },
): Promise<void> {
  const { mailId } = input;
  const claim = await claimMail(deps, mailId);
  if (claim.kind === "skip") return;
  if (claim.kind === "interrupted") {
    deps.logger.error(
      { mailId, kind: claim.mail.kind, tenantId: claim.mail.tenant_id, event: "mail.uncertain" },
      "an earlier attempt to send this mail was cut off: it may have been delivered, so it is not resent (status uncertain)",
    );
    return;
  }
  await handOver(deps, claim, input.lastAttempt);
}

/** The attempt, committed before any byte goes to the SMTP server. */
async function claimMail(deps: SendMailDeps, mailId: string): Promise<Claim> {
  const { db, config } = deps;
  return db.transaction(async (tx): Promise<Claim> => {
    const mail = await lockMailToSend(tx, mailId);
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
    const reset = mail.kind === "password-reset" ? await makeResetLink(tx, deps, mail) : undefined;
    const rendered = deps.render(mail, reset);
    const messageId = `<${mail.id}@${config.publicBaseUrl.hostname}>`;
    await markMailSending(tx, mail.id, { subject: rendered.subject, messageId });
    return { kind: "send", mail, rendered, messageId };
  });
}

/**
 * The reset link is made here, in the attempt's transaction: the database only ever holds its SHA-256
 * (R3), and a newer link voids the older ones (R5). An attempt refused by the server makes a fresh link
 * on retry; a mail that reached nobody leaves an unusable token behind, never a usable one in clear.
 */
async function makeResetLink(tx: Sql, deps: SendMailDeps, mail: MailToSendRow): Promise<ResetLink> {
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
  return { resetUrl, validMinutes: RESET_TOKEN_MINUTES };
}

/**
 * Hands the claimed mail to the transport and records the outcome: `sent` with the server's answer;
 * back to `queued` (or `failed`, no retry left) when the server refused it or was never reached, and the
 * error is rethrown so that the job is retried; `uncertain` when the connection broke while the server
 * may already hold the message.
 */
async function handOver(
  deps: SendMailDeps,
  claim: Extract<Claim, { kind: "send" }>,
  lastAttempt: boolean,
): Promise<void> {
  const { db, transport, config, logger } = deps;
  const { mail, rendered, messageId } = claim;
  let sent: SentMail;
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
    if (deps.mayHaveBeenHandedOver(error)) {
      await db.transaction((tx) => markUncertain(tx, mail, message, response));
      logger.error(
        { err: error, mailId: mail.id, kind: mail.kind, tenantId: mail.tenant_id, event: "mail.uncertain" },
        "the SMTP connection broke after the message may have been handed over: not resent (status uncertain)",
      );
      return;
    }
    await db.transaction(async (tx) => {
      await markMailNotHandedOver(tx, mail.id, {
        error: message.slice(0, 500),
        response: response?.slice(0, 500) ?? null,
        lastAttempt,
      });
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
    await markMailSent(tx, mail.id, { messageId: sent.messageId, response: sent.response.slice(0, 500) });
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
  mail: Pick<MailToSendRow, "id" | "tenant_id" | "account_id" | "kind">,
  reason: string,
  response?: string,
): Promise<void> {
  await markMailUncertain(tx, mail.id, {
    reason: reason.slice(0, 500),
    response: response?.slice(0, 500) ?? null,
  });
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
