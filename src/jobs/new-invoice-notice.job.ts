import type { Services } from "../app.js";
import type { Database } from "../db/database.js";
import { queueMail } from "../mail/mail-queue.js";
import { type JobDefinition, type JobHandler, PermanentJobFailure } from "./queue.js";

export interface NewInvoiceNoticeData {
  tenantId: string;
  accountId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LISTED = 20;

export const newInvoiceNoticeJob: JobDefinition<NewInvoiceNoticeData> = {
  name: "new-invoice-notice",
  retryLimit: 10,
  retryDelaySeconds: 30,
  retryBackoff: true,
  expireInSeconds: 300,
  parse(data) {
    const { tenantId, accountId } = (data ?? {}) as Record<string, unknown>;
    if (
      typeof tenantId !== "string" ||
      !UUID.test(tenantId) ||
      typeof accountId !== "string" ||
      !UUID.test(accountId)
    ) {
      throw new PermanentJobFailure("new-invoice-notice: bad data");
    }
    return { tenantId, accountId };
  },
};

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
