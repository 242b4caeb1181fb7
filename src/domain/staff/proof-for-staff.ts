import { appendAudit } from "../../db/audit.repository.js";
import { findLiveInvoiceFile } from "../../db/invoices.queries.js";
import { buildProofBundle, type ProofBundle } from "../audit/build-proof-bundle.js";
import { type IntegrityDeps, readVerifiedBlob } from "../invoices/verified-blob.js";
import type { StaffActor } from "./staff-accounts.js";

/**
 * An advisor takes the proof bundle of one of the tenant's invoices (to answer a customer or an auditor).
 * The original is checked first (readVerifiedBlob: a damaged file is reported to the operator and throws
 * BlobIntegrityError, and no proof is delivered); the look-up is audited (docs/security.md A3) but is not the customer's
 * download: lifecycle 204 stays the customer's. Undefined when the tenant has no such live invoice.
 * The bundle is the customer's view (their account's entries in clear, the rest as hashes): the
 * advisor's own look-up, recorded just before, appears in it as a hash only.
 */
export async function takeProofForStaff(
  deps: IntegrityDeps,
  input: { tenantId: string; invoiceId: string; actor: StaffActor; ip: string | null; now?: Date },
): Promise<ProofBundle | undefined> {
  const invoice = await findLiveInvoiceFile(deps.db, input.tenantId, input.invoiceId);
  if (!invoice) return undefined;
  await readVerifiedBlob(
    deps,
    { sha256: invoice.sha256, sizeBytes: invoice.sizeBytes },
    { tenantId: input.tenantId, invoiceId: invoice.id, ip: input.ip ?? undefined, during: "proof" },
    { open: false },
  );
  await deps.db.transaction((tx) =>
    appendAudit(tx, {
      tenantId: input.tenantId,
      actorType: input.actor.type,
      actorId: input.actor.id,
      action: "invoice.proof_taken_by_staff",
      targetType: "invoice",
      targetId: invoice.id,
      ip: input.ip,
      at: input.now,
      details: { by: input.actor.name, customerId: invoice.customerId },
    }),
  );
  return buildProofBundle(deps, { tenantId: input.tenantId, invoiceId: invoice.id, now: input.now });
}
