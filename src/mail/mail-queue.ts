import { type AuditInput, appendAudit } from "../db/audit.repository.js";
import type { Sql } from "../db/database.js";
import type { JobQueue } from "../jobs/queue.js";
import { sendMailJob } from "../jobs/send-mail.job.js";
import { mailFairShare } from "./fair-share.js";
import type { MailKind } from "./templates/index.js";

/** `password-reset` has no stored template: its link is made when the mail is sent (the token never rests in clear). */
export type QueuedMailKind = MailKind | "password-reset";

export interface MailRequest {
  tenantId: string | null;
  accountId?: string | null;
  customerId?: string | null;
  kind: QueuedMailKind;
  to: string;
  language: "fr" | "en";
  /** Rendering data. Never a secret: it is stored in the mail log. */
  params: Record<string, unknown>;
}

/** The audit entry `mail.queued` of a mail (the address stays in the mail log, not in the chain). */
export function mailQueuedAudit(mailId: string, request: MailRequest): AuditInput {
  return {
    tenantId: request.tenantId,
    actorType: "system",
    action: "mail.queued",
    targetType: "mail",
    targetId: mailId,
    details: {
      kind: request.kind,
      accountId: request.accountId ?? null,
      customerId: request.customerId ?? null,
    },
  };
}

/**
 * Records a mail as queued and enqueues the job that sends it, both in the caller's transaction, with
 * its audit entry `mail.queued` — unless `audit: false`, when the caller appends mailQueuedAudit() itself
 * (to keep its chain lock for the end of its transaction).
 */
export async function queueMail(
  tx: Sql,
  queue: JobQueue,
  request: MailRequest,
  options: { audit?: boolean } = {},
): Promise<string> {
  const [row] = await tx.query<{ id: string }>(
    `insert into mails (tenant_id, account_id, customer_id, kind, to_address, language, params)
     values ($1, $2, $3, $4, $5, $6, $7) returning id`,
    [
      request.tenantId,
      request.accountId ?? null,
      request.customerId ?? null,
      request.kind,
      request.to,
      request.language,
      JSON.stringify(request.params),
    ],
  );
  // Taken by priority, then age: see fair-share.ts (one tenant's burst cannot delay the others').
  await queue.send(sendMailJob, { mailId: row!.id }, tx, { priority: mailFairShare.next(request.tenantId) });
  if (options.audit !== false) await appendAudit(tx, mailQueuedAudit(row!.id, request));
  return row!.id;
}
