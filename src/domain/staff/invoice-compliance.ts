import { appendAudit } from "../../db/audit.repository.js";
import { findStaffInvoiceCompliance, type StaffInvoiceComplianceRow } from "../../db/compliance.queries.js";
import type { Database } from "../../db/database.js";
import type { StaffActor } from "./staff-accounts.js";

/**
 * An invoice's route and compliance findings for the back office (docs/compliance.md); each view
 * is audited like the customer record (docs/security.md A3). Undefined when the tenant has no such invoice.
 */
export async function viewInvoiceCompliance(
  db: Database,
  input: { tenantId: string; invoiceId: string; actor: StaffActor; ip: string | null; now?: Date },
): Promise<StaffInvoiceComplianceRow | undefined> {
  const invoice = await findStaffInvoiceCompliance(db, input.tenantId, input.invoiceId);
  if (!invoice) return undefined;
  await db.transaction((tx) =>
    appendAudit(tx, {
      tenantId: input.tenantId,
      actorType: input.actor.type,
      actorId: input.actor.id,
      action: "invoice.compliance_viewed",
      targetType: "invoice",
      targetId: invoice.id,
      ip: input.ip,
      at: input.now ?? new Date(),
      details: { invoiceNumber: invoice.invoiceNumber, by: input.actor.name },
    }),
  );
  return invoice;
}
