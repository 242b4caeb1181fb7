import type { FastifyRequest } from "fastify";
import type { ErrorCode } from "../../../domain/shared/error-codes.js";
import { FINDING_CODES } from "../../../einvoice/findings.js";

/**
 * The one error body of the issuer API, for every refusal (domain errors, 404 of an unknown path,
 * 415, a body that is not JSON, 413, 429, 500): `details` is always an object, `requestId` is the
 * `X-Request-Id` of the answer, to quote to support.
 */
export function apiErrorBody(
  request: FastifyRequest,
  code: string,
  message: string,
  details?: Record<string, unknown>,
) {
  return { error: { code, message, details: details ?? {}, requestId: String(request.id) } };
}

/**
 * Fastify's own refusals (content type, JSON body, body size), with a stable code and a message that
 * says what to send instead. Anything else of status 4xx keeps Fastify's message under `bad_request`.
 */
export function apiFrameworkError(
  request: FastifyRequest,
  error: { code?: string; statusCode: number; message: string },
): { status: number; body: ReturnType<typeof apiErrorBody> } {
  switch (error.code) {
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return {
        status: 415,
        body: apiErrorBody(
          request,
          "unsupported_media_type",
          "send application/json (multipart/form-data for POST /api/v1/invoices)",
          { contentType: request.headers["content-type"] ?? null },
        ),
      };
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return {
        status: 400,
        body: apiErrorBody(request, "invalid_json", "the body is not a valid JSON document"),
      };
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return {
        status: 413,
        body: apiErrorBody(request, "body_too_large", "the request body is larger than 1 MiB", {
          maxBytes: 1024 * 1024,
        }),
      };
  }
  // A JSON syntax error raised by the parser itself carries no Fastify code, only status 400.
  if (error.statusCode === 400 && error instanceof SyntaxError)
    return {
      status: 400,
      body: apiErrorBody(request, "invalid_json", "the body is not a valid JSON document"),
    };
  return { status: error.statusCode, body: apiErrorBody(request, "bad_request", error.message) };
}

/** Codes the API answers without a DomainError: Fastify's refusals, an unknown error, a database down. */
type ApiOwnCode =
  | "invalid_json"
  | "bad_request"
  | "body_too_large"
  | "unsupported_media_type"
  | "internal_error"
  | "service_unavailable";

/**
 * Every code the issuer API answers with, by status: the OpenAPI enum of each response, and the list
 * `test/api-openapi.test.ts` checks against the codes the domain throws and STATUS_BY_CODE.
 */
export const API_ERROR_CODES = {
  400: ["invalid_request", "invalid_cursor", "invalid_json", "bad_request", "invalid_payment"],
  401: ["unauthorized"],
  404: ["not_found", "customer_not_found", "invoice_not_found", "contract_not_found"],
  409: ["invoice_number_conflict", "contract_taken", "payment_not_allowed", "idempotency_key_reused"],
  413: ["file_too_large", "body_too_large"],
  415: ["unsupported_media_type"],
  422: [
    "missing_file",
    "invalid_metadata",
    "missing_metadata",
    "metadata_mismatch",
    "unknown_customer",
    "invalid_customer_number",
    "invalid_name",
    "invalid_email",
    "invalid_contract_number",
    "seller_not_declared",
    "withdrawal_reason_required",
    "not_an_invoice",
    // The Factur-X reader's findings of severity error (src/einvoice/findings.ts) refuse the file under their own code.
    ...(Object.keys(FINDING_CODES) as (keyof typeof FINDING_CODES)[]),
  ],
  429: ["rate_limited"],
  500: ["internal_error"],
  503: ["parser_busy", "service_unavailable"],
} as const satisfies Record<number, readonly (ErrorCode | ApiOwnCode)[]>;
