import { appendAudit } from "../../db/audit.repository.js";
import type { Database } from "../../db/database.js";
import {
  findWithdrawal,
  insertInvoiceEvents,
  markInvoiceWithdrawn,
  type WithdrawnInvoiceRow,
} from "../../db/invoices.repository.js";
import { DomainError } from "../shared/errors.js";

/**
 * Lifecycle status 901: withdrawn by the issuer (published to the wrong customer, sent by mistake).
 * Ours, like 900 (removed at the end of retention): outside the DGFiP range, no official code can collide.
 */
export const WITHDRAWN_STATUS = 901;

export interface WithdrawActor {
  type: "issuer" | "staff" | "platform";
  id: string | null;
  ip?: string | null;
}

export const MAX_WITHDRAWAL_REASON = 500;

/**
 * Withdraws a published invoice (issue #13 item 9): it leaves the customer's list at once and its pages
 * answer 410, the row stays as a tombstone (lifecycle 901, audit `invoice.withdrawn` with the reason), its
 * bytes follow the retention rule for removed invoices, and its number is free again so the right customer
 * can get it (reassignment = withdraw + publish). Withdrawing an invoice already withdrawn records nothing
 * more and answers the first withdrawal (`withdrawn: false`), so a retried request is harmless.
 */
export async function withdrawInvoice(
  deps: { db: Database; now?: () => Date },
  input: { tenantId: string; invoiceId: string; reason: string; actor: WithdrawActor },
): Promise<{ invoice: WithdrawnInvoiceRow; withdrawn: boolean }> {
  const reason = input.reason.trim();
  if (reason.length < 3 || reason.length > MAX_WITHDRAWAL_REASON)
    throw new DomainError(
      "withdrawal_reason_required",
      `say why the invoice is withdrawn (3 to ${MAX_WITHDRAWAL_REASON} characters): it is kept in the audit trail`,
    );
  const at = (deps.now ?? (() => new Date()))();
  return deps.db.transaction(async (tx) => {
    const row = await markInvoiceWithdrawn(tx, {
      tenantId: input.tenantId,
      invoiceId: input.invoiceId,
      reason,
      at,
    });
    if (!row) {
      const existing = await findWithdrawal(tx, input.tenantId, input.invoiceId);
      if (!existing) throw new DomainError("invoice_not_found", "no invoice with this id in this portal");
      return { invoice: existing as WithdrawnInvoiceRow, withdrawn: false };
    }
    await insertInvoiceEvents(tx, [
      {
        tenantId: input.tenantId,
        invoiceId: row.id,
        code: WITHDRAWN_STATUS,
        actor: `${input.actor.type}:${input.actor.id ?? ""}`,
        at,
      },
    ]);
    // Last: the tenant's audit lock is held only for the end of the transaction.
    await appendAudit(tx, {
      tenantId: input.tenantId,
      actorType: input.actor.type,
      actorId: input.actor.id,
      ip: input.actor.ip ?? null,
      action: "invoice.withdrawn",
      targetType: "invoice",
      targetId: row.id,
      at,
      details: {
        invoiceNumber: row.invoiceNumber,
        customerId: row.customerId,
        customerNumber: row.customerNumber,
        sha256: row.sha256,
        reason,
        // Whether the wrong customer took the file (the breach procedure needs to know).
        firstDownloadedAt: row.firstDownloadedAt?.toISOString() ?? null,
      },
    });
    return { invoice: row, withdrawn: true };
  });
}
