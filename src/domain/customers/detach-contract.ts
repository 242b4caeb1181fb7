import { appendAudit } from "../../db/audit.repository.js";
import { detachContractRow } from "../../db/customers.repository.js";
import type { Database } from "../../db/database.js";
import { DomainError } from "../shared/errors.js";

/**
 * Detaches a contract from its customer (issue #13 item 9, a contract registered on the wrong customer):
 * publications naming it are no longer routed to that customer, invoices already published stay where they
 * are (withdraw them one by one), and a later customer upsert listing the contract takes it. Detaching a
 * contract already detached changes nothing (`detached: false`).
 */
export async function detachContract(
  db: Database,
  input: {
    tenantId: string;
    contractNumber: string;
    actor: { type: "platform" | "staff" | "issuer"; id: string | null; ip?: string | null };
    now?: Date;
  },
): Promise<{ contractNumber: string; fromCustomerNumber: string | null; detached: boolean }> {
  const contractNumber = input.contractNumber.trim();
  const at = input.now ?? new Date();
  return db.transaction(async (tx) => {
    const before = await detachContractRow(tx, input.tenantId, contractNumber, at);
    if (!before) throw new DomainError("contract_not_found", `no contract ${contractNumber} in this portal`);
    if (before.customerId === null) return { contractNumber, fromCustomerNumber: null, detached: false };
    await appendAudit(tx, {
      tenantId: input.tenantId,
      actorType: input.actor.type,
      actorId: input.actor.id,
      ip: input.actor.ip ?? null,
      action: "contract.detached",
      targetType: "contract",
      targetId: before.contractId,
      at,
      details: { contractNumber, customerId: before.customerId, customerNumber: before.customerNumber },
    });
    return { contractNumber, fromCustomerNumber: before.customerNumber, detached: true };
  });
}
