import type { Database } from "../../db/database.js";
import { findInvoiceToValidate, recordValidation } from "../../db/invoice-validation.repository.js";
import type {
  InvoiceValidator,
  ValidationFinding,
  ValidationReport,
  ValidationVerdict,
} from "../../einvoice/validation/types.js";
import type { BlobStore } from "../../storage/blob-store.js";
import { readVerifiedBlob } from "../invoices/verified-blob.js";
import type { JobSender } from "../shared/jobs.js";

export interface ValidateInvoiceDeps {
  db: Database;
  blobs: BlobStore;
  validator: InvoiceValidator;
  logger: { error(object: Record<string, unknown>, message: string): void };
  queue?: JobSender;
  operatorEmail?: string;
  now?: () => Date;
}

export type ValidateInvoiceOutcome =
  | { done: true; status: ValidationVerdict }
  /** Nothing to do: no such invoice, already checked (a job run twice), or removed from the portal. */
  | { done: false; reason: "not_found" | "already_validated" | "removed" };

/**
 * Checks one published invoice against the official rules and stores the verdict once. The bytes are the
 * stored original, verified against its SHA-256 first. A validator that is busy or down throws: the job retries,
 * the invoice stays `pending` and stays published (docs/compliance-publication.md).
 */
export async function validatePublishedInvoice(
  deps: ValidateInvoiceDeps,
  input: { tenantId: string; invoiceId: string },
): Promise<ValidateInvoiceOutcome> {
  const invoice = await findInvoiceToValidate(deps.db, input.tenantId, input.invoiceId);
  if (!invoice) return { done: false, reason: "not_found" };
  if (invoice.validationStatus !== null && invoice.validationStatus !== "pending")
    return { done: false, reason: "already_validated" };
  if (invoice.removedAt) return { done: false, reason: "removed" };
  const stream = await readVerifiedBlob(
    deps,
    { sha256: invoice.sha256, sizeBytes: invoice.sizeBytes },
    { tenantId: input.tenantId, invoiceId: invoice.id, during: "validation" },
  );
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  const report = await deps.validator.validate(new Uint8Array(Buffer.concat(chunks)), {
    owner: input.tenantId,
  });
  const { status, findings } = withRouteRules(report, invoice);
  await recordValidation(deps.db, {
    tenantId: input.tenantId,
    invoiceId: invoice.id,
    status,
    rulesVersion: report.rulesVersion,
    profile: report.profile,
    findings,
    at: (deps.now ?? (() => new Date()))(),
  });
  return { done: true, status };
}

/**
 * BR-FR-11 (buyer SIREN mandatory for B2B) fires in the official rules only when the file itself says B2B; a
 * route given by the metadata or the tenant's default is ours to check, with the same rule id, as fatal: the
 * platform would reject the invoice all the same.
 */
export function withRouteRules(
  report: ValidationReport,
  invoice: { processingRule: string | null; buyerSiren: string | null },
): { status: ValidationVerdict; findings: ValidationFinding[] } {
  const findings = [...report.findings];
  if (
    invoice.processingRule === "B2B" &&
    !invoice.buyerSiren &&
    !findings.some((f) => f.rule === "BR-FR-11")
  ) {
    findings.push({
      rule: "BR-FR-11",
      flag: "fatal",
      message:
        "The buyer's SIREN (BT-47) is mandatory for a B2B invoice (route B2B from the publication's metadata or the portal's default).",
      location:
        "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty",
      explanation: {
        fr: "Une facture B2B doit indiquer le SIREN de l’acheteur (BT-47, identifiant légal au schéma 0002) : sans lui, la plateforme agréée la rejette.",
        en: "A B2B invoice must give the buyer’s SIREN (BT-47, legal registration with scheme 0002): without it, the certified platform rejects it.",
      },
    });
  }
  const status: ValidationVerdict = findings.some((f) => f.flag === "fatal")
    ? "failed"
    : findings.length > 0
      ? "warnings"
      : "passed";
  // The validator's own verdict is kept when it is stricter (a rule-engine error it reports as failed).
  return { status: report.status === "failed" ? "failed" : status, findings };
}
