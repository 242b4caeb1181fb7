import type { Services } from "../app.js";
import type { Database } from "../db/database.js";
import { queueMail } from "../domain/mail/queue-mail.js";
import { type NewInvoiceNoticeData, newInvoiceNoticeJob } from "../domain/shared/jobs.js";
import { type JobHandler, PermanentJobFailure } from "./queue.js";

export { type NewInvoiceNoticeData, newInvoiceNoticeJob };

const LISTED = 20;

/**
 * Sends one digest of the account's invoices not yet announced. Locks the account row first, so an
 * invoice published meanwhile is either seen here or schedules the next digest itself.
 */
export function newInvoiceNoticeHandler(
  deps: Pick<Services, "db" | "queue">,
): JobHandler<NewInvoiceNoticeData> {
  const { db, queue } = deps;
  return async ({ tenantId, accountId }) => {
    await db.transaction(async (tx) => {
      const [account] = await tx.query<{
        email: string;
        language: "fr" | "en";
        status: string;
        notify: boolean;
      }>(
        `update accounts set notice_due_at = null where tenant_id = $1 and id = $2
         returning email, language, status, notify_new_invoice as notify`,
        [tenantId, accountId],
      );
      if (!account) return;
      const pending = await tx.query<{
        id: string;
        invoiceNumber: string;
        typeCode: string;
        issueDate: string;
        grandTotal: string;
        currency: string;
      }>(
        `select id, invoice_number as "invoiceNumber", type_code as "typeCode", issue_date as "issueDate",
                grand_total as "grandTotal", currency
           from invoices
          where tenant_id = $1 and account_id = $2 and notice_queued_at is null and removed_at is null
          order by issue_date desc, id desc`,
        [tenantId, accountId],
      );
      if (pending.length === 0) return;
      await markAnnounced(
        tx,
        tenantId,
        pending.map((i) => i.id),
      );
      if (account.status !== "active" || !account.notify) return;
      await queueMail(tx, queue, {
        tenantId,
        accountId,
        kind: "new-invoices",
        to: account.email,
        language: account.language,
        params: {
          count: pending.length,
          invoices: pending.slice(0, LISTED).map(({ id: _id, ...rest }) => rest),
        },
      });
    });
  };
}

async function markAnnounced(tx: Pick<Database, "query">, tenantId: string, ids: string[]): Promise<void> {
  await tx.query(
    "update invoices set notice_queued_at = now() where tenant_id = $1 and id = any($2::uuid[])",
    [tenantId, ids],
  );
}
