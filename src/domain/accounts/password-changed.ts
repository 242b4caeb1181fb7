import type { Sql } from "../../db/database.js";
import { queueMail } from "../mail/queue-mail.js";
import type { JobSender } from "../shared/jobs.js";

/** docs/security.md R11, P4: a new password (changed, reset or first set) is told to the account's address. */
export function queuePasswordChangedNotice(
  tx: Sql,
  queue: JobSender,
  notice: {
    tenantId: string;
    accountId: string;
    to: string;
    language: "fr" | "en";
    identifier: string;
    at: Date;
  },
) {
  return queueMail(tx, queue, {
    tenantId: notice.tenantId,
    accountId: notice.accountId,
    kind: "password-changed",
    to: notice.to,
    language: notice.language,
    params: { at: notice.at.toISOString(), identifier: notice.identifier },
  });
}
