import type { Services } from "../app.js";
import { sendNewInvoiceDigest } from "../domain/invoices/new-invoice-digest.js";
import { type NewInvoiceNoticeData, newInvoiceNoticeJob } from "../domain/shared/jobs.js";
import type { JobHandler } from "./queue.js";

export { type NewInvoiceNoticeData, newInvoiceNoticeJob };

/** One digest of the account's new invoices (the rules: src/domain/invoices/new-invoice-digest.ts). */
export function newInvoiceNoticeHandler(
  deps: Pick<Services, "db" | "queue">,
): JobHandler<NewInvoiceNoticeData> {
  return async (data) => sendNewInvoiceDigest(deps, data);
}
