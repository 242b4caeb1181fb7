/**
 * Whether an invoice may leave for the issuer's plateforme agréée (docs/compliance.md). A B2B
 * invoice the official rules reject would be refused by the platform (status 213 « Rejetée »): it is held, and
 * the issuer is told why, instead of leaving silently. One not checked yet is held until it is. Other routes
 * (B2C, B2BInt, OutOfScope, ArchiveOnly) are never held: their findings are shown to the issuer only.
 */
export type TransmissionHoldReason = "validation_failed" | "validation_pending";

export function transmissionHold(invoice: {
  processingRule: string | null;
  validationStatus: string | null;
}): null | { reason: TransmissionHoldReason } {
  if (invoice.processingRule !== "B2B") return null;
  if (invoice.validationStatus === "failed") return { reason: "validation_failed" };
  if (invoice.validationStatus === "pending" || invoice.validationStatus === null)
    return { reason: "validation_pending" };
  return null;
}
