import { clearNoticeDue } from "../../db/accounts.repository.js";
import type { Database } from "../../db/database.js";
import { listUnannouncedInvoices, markInvoicesAnnounced } from "../../db/invoices.repository.js";
import { queueMail } from "../mail/queue-mail.js";
import type { JobSender } from "../shared/jobs.js";

/** How many invoices the digest names (the count covers them all). */
const LISTED = 20;

/**
 * Sends one digest of the account's invoices not yet announced. Locks the account row first, so an
 * invoice published meanwhile is either seen here or schedules the next digest itself.
 */
export async function sendNewInvoiceDigest(
  deps: { db: Database; queue: JobSender },
  input: { tenantId: string; accountId: string },
): Promise<void> {
  const { db, queue } = deps;
  const { tenantId, accountId } = input;
  await db.transaction(async (tx) => {
    const account = await clearNoticeDue(tx, tenantId, accountId);
    if (!account) return;
    const pending = await listUnannouncedInvoices(tx, tenantId, accountId);
    if (pending.length === 0) return;
    await markInvoicesAnnounced(
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
}
