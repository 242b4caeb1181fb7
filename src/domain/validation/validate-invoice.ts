import type { Database } from "../../db/database.js";
import { findInvoiceToValidate, recordValidation } from "../../db/invoice-validation.repository.js";
import { NotAnInvoiceError } from "../../einvoice/validation/errors.js";
import { RULES_VERSION } from "../../einvoice/validation/rule-sets.js";
import type {
  InvoiceValidator,
  ValidationFinding,
  ValidationReport,
  ValidationVerdict,
} from "../../einvoice/validation/types.js";
import type { BlobStore } from "../../storage/blob-store.js";
import { readVerifiedBytes } from "../invoices/verified-blob.js";
import { queueTransmission } from "../pa/transmit-invoice.js";
import type { JobSender } from "../shared/jobs.js";

export interface ValidateInvoiceDeps {
  db: Database;
  blobs: BlobStore;
  validator: InvoiceValidator;
  logger: { error(object: Record<string, unknown>, message: string): void };
  queue: JobSender;
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
 * the invoice stays `pending` and stays published (docs/compliance.md).
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
  const bytes = await readVerifiedBytes(
    deps,
    { sha256: invoice.sha256, sizeBytes: invoice.sizeBytes },
    { tenantId: input.tenantId, invoiceId: invoice.id, during: "validation" },
  );
  const report = await reportOf(deps.validator, bytes, input.tenantId, invoice);
  const { status, findings } = withRouteRules(report, invoice);
  // The verdict and the transmission it allows (or holds) commit together: a B2B invoice that passed is queued
  // for the PA exactly when its verdict is stored, never before and never lost between the two.
  await deps.db.transaction(async (tx) => {
    const recorded = await recordValidation(tx, {
      tenantId: input.tenantId,
      invoiceId: invoice.id,
      status,
      rulesVersion: report.rulesVersion,
      profile: report.profile,
      findings,
      at: (deps.now ?? (() => new Date()))(),
    });
    if (recorded) await queueTransmission(tx, deps.queue, invoice.id);
  });
  return { done: true, status };
}

/** The rules' rule id when the published file holds no structured invoice (a plain PDF published with metadata). */
export const NO_STRUCTURED_DATA = "NO-STRUCTURED-DATA";

/**
 * A file with no structured invoice in it (a PDF published with its facts given as metadata) is not retried
 * forever: the rules cannot run, and it says so. For a B2B route that is fatal (the platform only takes an
 * e-invoice: Factur-X, CII or UBL); for the others, the portal's original stays a PDF and it is a warning.
 */
async function reportOf(
  validator: InvoiceValidator,
  bytes: Uint8Array,
  owner: string,
  invoice: { processingRule: string | null },
): Promise<ValidationReport> {
  try {
    return await validator.validate(bytes, { owner });
  } catch (error) {
    if (!(error instanceof NotAnInvoiceError)) throw error;
    const b2b = invoice.processingRule === "B2B";
    return {
      profile: null,
      rulesVersion: RULES_VERSION,
      status: b2b ? "failed" : "warnings",
      findings: [
        {
          rule: NO_STRUCTURED_DATA,
          flag: b2b ? "fatal" : "warning",
          message: error.message,
          location: "",
          explanation: {
            fr: b2b
              ? "Ce fichier ne contient pas de facture structurée (Factur-X ou CII) : une facture B2B doit être une facture électronique, la plateforme agréée refuserait un simple PDF."
              : "Ce fichier ne contient pas de facture structurée (Factur-X ou CII) : les règles officielles ne peuvent pas s’appliquer. Il reste publié tel quel.",
            en: b2b
              ? "This file holds no structured invoice (Factur-X or CII): a B2B invoice must be an e-invoice, and the certified platform would refuse a plain PDF."
              : "This file holds no structured invoice (Factur-X or CII): the official rules cannot run on it. It stays published as it is.",
          },
        },
      ],
    };
  }
}

/**
 * The verdict for the invoice's route:
 * - BR-FR-11 (buyer SIREN mandatory for B2B) fires in the official rules only when the file itself says B2B; a
 *   route given by the metadata or the tenant's default is ours to check, with the same rule id, as fatal: the
 *   platform would reject the invoice all the same.
 * - The French rules BR-FR-Flux2 judge the invoices that travel between plateformes agréées as e-invoices:
 *   the B2B route. A B2C, international, out-of-scope or archive-only invoice never travels so (it is
 *   e-reported, or not at all): its BR-FR findings are kept but as warnings — « would block it as a B2B
 *   invoice » — so an issuer's individuals (who have no SIREN nor electronic address, BR-FR-12) are not all
 *   « failed ». The EN 16931 rules, the schema and a rule-engine error stay fatal on every route.
 */
export function withRouteRules(
  report: ValidationReport,
  invoice: { processingRule: string | null; buyerSiren: string | null },
): { status: ValidationVerdict; findings: ValidationFinding[] } {
  const b2b = invoice.processingRule === "B2B";
  const findings = report.findings.map((f) =>
    !b2b && f.flag === "fatal" && f.rule.startsWith("BR-FR-") ? { ...f, flag: "warning" as const } : f,
  );
  if (b2b && !invoice.buyerSiren && !findings.some((f) => f.rule === "BR-FR-11")) {
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
  return { status, findings };
}
