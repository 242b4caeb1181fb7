import type { ErrorCode } from "../domain/shared/error-codes.js";
import { FINDING_CODES, type FindingCode } from "../einvoice/findings.js";

/**
 * Domain error codes → HTTP statuses (the domain itself knows no HTTP), for pages and the issuer API:
 * the compiler checks every ErrorCode has one, so no code is answered 422 by default. 422 is a refusal
 * of what was sent (a value the rules do not accept); a code that routes catch to render their own form
 * still has its status here, the one it would get if it reached the error handler.
 */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  invalid_slug: 422,
  reserved_slug: 422,
  invalid_display_name: 422,
  invalid_retention: 422,
  invalid_processing_rule: 422,
  invalid_color: 422,
  insufficient_contrast: 422,
  invalid_logo: 422,
  invalid_faq: 422,
  invalid_legal: 422,
  invalid_contact: 422,
  tenant_exists: 409,
  // CLI only (`--tenant` names no tenant).
  unknown_tenant: 404,
  // Issue #13 items 8 and 9: seller identities, withdrawal, contract detach.
  seller_not_declared: 422,
  invalid_seller_identity: 422,
  seller_identity_not_found: 404,
  withdrawal_reason_required: 422,
  // Issuer API (README "Issuer API"): authentication, lookups, request shape.
  unauthorized: 401,
  not_found: 404,
  invalid_request: 400,
  invalid_cursor: 400,
  rate_limited: 429,
  // API keys of the back office: a revoked or unknown prefix is a page that does not exist.
  api_key_not_found: 404,
  invalid_label: 422,
  // Invoice list filters (src/http/invoice-filters.ts): an unreadable query parameter.
  invalid_filter: 400,
  // Publication (publishInvoice, upsertCustomer): the number is taken, or the file/metadata is refused.
  invoice_not_found: 404,
  invoice_number_conflict: 409,
  contract_taken: 409,
  contract_not_found: 404,
  customer_not_found: 404,
  file_too_large: 413,
  missing_file: 422,
  missing_metadata: 422,
  invalid_metadata: 422,
  metadata_mismatch: 422,
  unknown_customer: 422,
  invalid_customer_number: 422,
  invalid_name: 422,
  invalid_email: 422,
  invalid_contract_number: 422,
  // Parser budgets (issue 12, finding 2): a full parser queue (try again, Retry-After).
  parser_busy: 503,
  // Reform bridge (#16): a PA connection refused as typed, or none yet (CLI and back office).
  invalid_pa_connection: 422,
  pa_not_connected: 409,
  invalid_payment: 400,
  payment_not_allowed: 409,
  idempotency_key_reused: 409,
  not_an_invoice: 422,
  // The invoice's file is gone (end of retention): the portal answers a removed invoice's pages 410 too.
  invoice_removed: 410,
  // E-mail correction (the advisor's form answers 422 itself for all four).
  email_mismatch: 422,
  reason_required: 422,
  same_email: 422,
  // The customer's situation changed between the warning and the confirmation.
  situation_changed: 409,
  // Back-office team (the team page answers 422 itself for the refusals of its forms).
  invalid_role: 422,
  staff_exists: 409,
  staff_not_found: 404,
  staff_disabled: 409,
  cannot_disable_self: 422,
  // The platform secret changed since enrolment: this code cannot be checked (a recovery code still can).
  totp_unreadable: 422,
  // A sealing key file the server cannot read is the operator's problem, not the request's.
  seal_key_unavailable: 500,
  // CLI only (`efacture invoice publish`, `efacture audit export`): exit code 1 like every DomainError.
  file_not_found: 404,
  file_unreadable: 422,
  export_failed: 500,
  // Other error classes, answered by their own handlers: the routes that read a blob answer
  // BlobIntegrityError with a 500 page; the error handler answers DatabaseUnavailable 503 (Retry-After).
  integrity_failed: 500,
  database_unavailable: 503,
  blob_store_unavailable: 503,
  blob_write_conflict: 500,
  // The Factur-X reader's findings of severity error (src/einvoice/findings.ts) refuse the file.
  ...(Object.fromEntries(Object.keys(FINDING_CODES).map((code) => [code, 422])) as Record<FindingCode, 422>),
};
