import type { FindingCode } from "../../einvoice/findings.js";

/**
 * Every code a DomainError can carry, listed once: a code not in this list does not compile, and the
 * status table in `src/http/error-status.ts` must give each one a status. `test/error-codes.test.ts`
 * checks that each code thrown in `src/` is listed here and that each code listed is still used.
 */
export const DOMAIN_ERROR_CODES = [
  // Tenants (createTenant, back-office settings).
  "invalid_slug",
  "reserved_slug",
  "invalid_display_name",
  "invalid_retention",
  "invalid_processing_rule",
  "invalid_color",
  "insufficient_contrast",
  "invalid_logo",
  "invalid_faq",
  "invalid_legal",
  "invalid_contact",
  "tenant_exists",
  "unknown_tenant",
  // Seller identities and withdrawal (issue #13 items 8 and 9).
  "seller_not_declared",
  "invalid_seller_identity",
  "seller_identity_not_found",
  "withdrawal_reason_required",
  // Issuer API: authentication, lookups, request shape, throttling.
  "unauthorized",
  "not_found",
  "invalid_request",
  "invalid_cursor",
  "rate_limited",
  "api_key_not_found",
  "invalid_label",
  // Invoice list filters (src/http/invoice-filters.ts): an unreadable query parameter.
  "invalid_filter",
  // Publication (publishInvoice, upsertCustomer): the number is taken, or the file/metadata is refused.
  "invoice_not_found",
  "invoice_number_conflict",
  "contract_taken",
  "contract_not_found",
  "customer_not_found",
  "file_too_large",
  "missing_file",
  "missing_metadata",
  "invalid_metadata",
  "metadata_mismatch",
  "unknown_customer",
  "invalid_customer_number",
  "invalid_name",
  "invalid_email",
  "invalid_contract_number",
  // A full parser queue (issue 12, finding 2): try again. Also the code of ParserBusyError.
  "parser_busy",
  // The compliance check (#15): the file holds no invoice the official rules can judge.
  "not_an_invoice",
  // Proof bundle of an invoice whose file is gone (end of retention).
  "invoice_removed",
  // E-mail correction by an advisor (correctEmail).
  "email_mismatch",
  "reason_required",
  "same_email",
  "situation_changed",
  // Back-office team (staff accounts, second factor).
  "invalid_role",
  "staff_exists",
  "staff_not_found",
  "staff_disabled",
  "cannot_disable_self",
  "totp_unreadable",
  // Reform bridge (#16): the tenant's PA connection (efacture pa connect|status).
  "invalid_pa_connection",
  "pa_not_connected",
  // Payments (POST /api/v1/invoices/{id}/payments, CDAR 212).
  "invalid_payment",
  "payment_not_allowed",
  "idempotency_key_reused",
  // Server side: a sealing key file that cannot be read.
  "seal_key_unavailable",
  // CLI only: a file to publish or an export directory.
  "file_not_found",
  "file_unreadable",
  "export_failed",
  // Codes of other error classes, answered by their own handlers (not DomainErrors):
  // BlobIntegrityError (src/domain/invoices/verified-blob.ts), DatabaseUnavailable (src/db/database.ts).
  "integrity_failed",
  "database_unavailable",
  // BlobStoreUnavailable and BlobWriteConflict (src/storage/blob-store.ts): the originals' store is down
  // (answered like a database outage), or a key holds other bytes (never overwritten).
  "blob_store_unavailable",
  "blob_write_conflict",
] as const;

/**
 * A domain error code: one of the list above, or a Factur-X reader finding of severity error
 * (src/einvoice/findings.ts), which refuses the file under its own code.
 */
export type ErrorCode = (typeof DOMAIN_ERROR_CODES)[number] | FindingCode;
