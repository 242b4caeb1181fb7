import { type AuditInput, appendAudit } from "../../db/audit.repository.js";
import type { Sql } from "../../db/database.js";
import { insertMail } from "../../db/mails.repository.js";
import { type JobSender, sendMailJob } from "../shared/jobs.js";
import { mailFairShare } from "./fair-share.js";
import type { MailRequest } from "./mail-request.js";

// The mail kinds, their params and MailRequest (one variant per kind) live in mail-request.ts.
export type { MailKind, MailRequest, QueuedMailKind } from "./mail-request.js";

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
  queue: JobSender,
  request: MailRequest,
  options: { audit?: boolean } = {},
): Promise<string> {
  const mailId = await insertMail(tx, {
    tenantId: request.tenantId,
    accountId: request.accountId ?? null,
    customerId: request.customerId ?? null,
    kind: request.kind,
    to: request.to,
    language: request.language,
    params: request.params,
  });
  // Taken by priority, then age: see fair-share.ts (one tenant's burst cannot delay the others').
  await queue.send(sendMailJob, { mailId }, tx, { priority: mailFairShare.next(request.tenantId) });
  if (options.audit !== false) await appendAudit(tx, mailQueuedAudit(mailId, request));
  return mailId;
}
