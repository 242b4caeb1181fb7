// JSON schemas of the issuer API: Fastify validates requests and serialises responses with them, and
// @fastify/swagger turns them into the OpenAPI description at /api/openapi.json.

import { API_ERROR_CODES } from "./api-errors.js";
import { lifecycleSchema } from "./lifecycle.js";
import { transmissionSchema } from "./transmission.js";

const nullableString = { type: ["string", "null"] } as const;
const decimal = { type: "string", pattern: "^-?\\d+(\\.\\d+)?$", examples: ["1234.56"] } as const;

export const errorSchema = {
  $id: "ApiError",
  type: "object",
  description:
    "Every refusal, whatever its status: a stable snake_case code, a message that says what to fix, details (an object, empty when there is nothing to add) and the request id to quote to support.",
  properties: {
    error: {
      type: "object",
      required: ["code", "message", "details", "requestId"],
      properties: {
        code: { type: "string" },
        message: { type: "string" },
        details: { type: "object", additionalProperties: true },
        requestId: { type: "string", description: "also in the X-Request-Id header" },
      },
    },
  },
  required: ["error"],
} as const;

/** An error answer of one status: the ApiError shape with the codes this status can carry, and an example. */
const errorResponse = <const S extends keyof typeof API_ERROR_CODES>(
  status: S,
  description: string,
  example: { code: (typeof API_ERROR_CODES)[S][number]; message: string; details?: Record<string, unknown> },
) =>
  ({
    description,
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message", "details", "requestId"],
        properties: {
          code: { type: "string", enum: API_ERROR_CODES[status] },
          message: { type: "string" },
          details: { type: "object", additionalProperties: true },
          requestId: { type: "string", description: "also in the X-Request-Id header" },
        },
      },
    },
    examples: [{ error: { details: {}, ...example, requestId: "5f0c2a9e81d4b7c3" } }],
  }) as const;

export const refused = {
  400: errorResponse(
    400,
    "Malformed request: invalid_request (details.validation says where), invalid_cursor, invalid_json",
    {
      code: "invalid_request",
      message: "the request is not valid: body must have required property 'email'",
      details: { validation: [{ in: "body", path: "", message: "must have required property 'email'" }] },
    },
  ),
  401: errorResponse(401, "unauthorized: no API key, or one that is unknown on this portal or revoked", {
    code: "unauthorized",
    message: "send the API key as: Authorization: Bearer <key>",
  }),
  404: errorResponse(404, "Not found on this portal", {
    code: "invoice_not_found",
    message: "no invoice with this id in this portal",
  }),
  409: errorResponse(
    409,
    "invoice_number_conflict, contract_taken (details.holders names who holds each contract)",
    {
      code: "contract_taken",
      message: "contract CT-2024-118 (customer C-1002) already belongs to another customer",
      details: {
        contracts: ["CT-2024-118"],
        holders: [{ contractNumber: "CT-2024-118", customerNumber: "C-1002" }],
      },
    },
  ),
  413: errorResponse(413, "file_too_large: over MAX_PDF_BYTES, nothing stored", {
    code: "file_too_large",
    message: "the file is larger than the 10485760 bytes allowed (MAX_PDF_BYTES); nothing was stored",
    details: { maxBytes: 10485760 },
  }),
  415: errorResponse(415, "unsupported_media_type: send application/json (multipart/form-data to publish)", {
    code: "unsupported_media_type",
    message: "send application/json (multipart/form-data for POST /api/v1/invoices)",
    details: { contentType: "text/plain" },
  }),
  422: errorResponse(422, "The file or the data is refused: the code says why, details say where", {
    code: "unknown_customer",
    message: "no customer of this portal matches the invoice",
    details: {
      tried: [
        { source: "metadata.customerNumber", value: null },
        { source: "BT-46", value: "2" },
        { source: "BT-12", value: "MSPE2017" },
      ],
    },
  }),
  429: errorResponse(429, "rate_limited: too many requests with this key; see Retry-After", {
    code: "rate_limited",
    message: "more than 600 requests per minute with this API key: retry in 1 minute",
    details: { limit: 600, retryAfterSeconds: 42 },
  }),
  500: errorResponse(500, "internal_error: nothing about the cause is shown; quote requestId", {
    code: "internal_error",
    message: "unexpected error: quote the requestId to support",
  }),
  503: errorResponse(503, "parser_busy, service_unavailable: try again in a few seconds (Retry-After)", {
    code: "parser_busy",
    message: "every parser is busy: try again shortly",
  }),
} as const;

/** The error answers of one operation, in status order (the OpenAPI description lists them so). */
export function refusals<const S extends keyof typeof refused>(...statuses: S[]): Pick<typeof refused, S> {
  return Object.fromEntries(statuses.map((status) => [status, refused[status]])) as Pick<typeof refused, S>;
}

/** What the Factur-X reader noted on a published invoice (warnings: the file was published anyway). */
/** One finding of the official French rules (FNFE-MPE), as the compliance check reports it. */
const ruleFindingSchema = {
  type: "object",
  required: ["rule", "flag", "message", "location", "explanation"],
  properties: {
    rule: { type: "string", description: "the official rule id", examples: ["BR-FR-11"] },
    flag: { type: "string", enum: ["fatal", "warning"] },
    message: { type: "string", description: "the rule's own message, as the artefact words it" },
    location: { type: "string", description: "XPath of the element the rule fired on (empty when none)" },
    explanation: {
      type: ["string", "null"],
      description:
        "a short explanation in plain words, in the request's language (Accept-Language: French unless English is preferred); null for rules without one",
    },
  },
} as const;

const validationSchema = {
  type: "object",
  required: ["status", "rulesVersion", "findings", "transmissionHold"],
  description:
    "The check against the official French rules (FNFE-MPE), run just after publication: pending until it has run; passed, warnings (warnings only) or failed (at least one fatal finding). not_checked: published before the check existed and not yet reached by the nightly backlog. The invoice is published whatever the verdict; findings are shown to the issuer only.",
  properties: {
    status: { type: "string", enum: ["pending", "passed", "warnings", "failed", "not_checked"] },
    rulesVersion: {
      type: ["string", "null"],
      description: "the artefacts that judged it, e.g. FNFE-MPE 1.4.0",
    },
    findings: { type: "array", items: ruleFindingSchema },
    transmissionHold: {
      type: ["object", "null"],
      required: ["reason"],
      description:
        "Set when the invoice must not be sent to the issuer's plateforme agréée: a B2B invoice that failed the rules (validation_failed) or is not checked yet (validation_pending). null otherwise, and always for B2C, B2BInt, OutOfScope and ArchiveOnly.",
      properties: { reason: { type: "string", enum: ["validation_failed", "validation_pending"] } },
    },
  },
} as const;

const findingSchema = {
  type: "object",
  required: ["code", "severity", "message"],
  properties: {
    code: {
      type: "string",
      description: 'a finding code of README "Policy for flawed files"',
      examples: ["profile_not_accepted_for_issuing"],
    },
    severity: { type: "string", enum: ["error", "warning", "info"] },
    message: { type: "string" },
    field: {
      type: "string",
      description: "the fact concerned, e.g. profile, grandTotal, lines[2].netAmount",
    },
  },
} as const;

export const invoiceSchema = {
  $id: "Invoice",
  type: "object",
  required: [
    "id",
    "invoiceNumber",
    "typeCode",
    "issueDate",
    "currency",
    "grandTotal",
    "duePayable",
    "sellerName",
    "buyerName",
    "buyerId",
    "contractNumber",
    "customerNumber",
    "profile",
    "sha256",
    "sizeBytes",
    "publishedAt",
    "availableUntil",
    "firstDownloadedAt",
    "removedAt",
    "status",
    "findings",
    "processingRule",
    "validation",
    "lifecycle",
  ],
  properties: {
    id: { type: "string", format: "uuid" },
    invoiceNumber: { type: "string", description: "BT-1" },
    typeCode: { type: "string", description: "BT-3: 380 invoice, 381 credit note, ...", examples: ["380"] },
    issueDate: { type: "string", format: "date", description: "BT-2, YYYY-MM-DD" },
    currency: { type: "string", description: "BT-5, ISO 4217", examples: ["EUR"] },
    grandTotal: { ...decimal, description: "BT-112, a decimal string" },
    duePayable: { type: ["string", "null"], description: "BT-115, a decimal string" },
    sellerName: nullableString,
    buyerName: nullableString,
    buyerId: { type: ["string", "null"], description: "BT-46" },
    contractNumber: { type: ["string", "null"], description: "BT-12 or the metadata's contractNumber" },
    customerNumber: { type: "string" },
    profile: {
      type: ["string", "null"],
      description: "Factur-X profile (MINIMUM, BASIC WL, BASIC, EN 16931, EXTENDED); null for a plain PDF",
    },
    sha256: {
      type: "string",
      pattern: "^[0-9a-f]{64}$",
      description: "SHA-256 of the exact bytes published",
    },
    sizeBytes: { type: "integer" },
    publishedAt: { type: "string", format: "date-time" },
    availableUntil: {
      type: "string",
      format: "date-time",
      description: "removed from the portal after this",
    },
    firstDownloadedAt: { type: ["string", "null"], format: "date-time" },
    removedAt: { type: ["string", "null"], format: "date-time" },
    withdrawnAt: {
      type: ["string", "null"],
      format: "date-time",
      description:
        "set when the issuer withdrew it (POST /api/v1/invoices/{id}/withdraw); removedAt is then set too",
    },
    withdrawalReason: { type: ["string", "null"], description: "the reason given when it was withdrawn" },
    status: {
      type: "object",
      required: ["code", "label"],
      description:
        'Status on the portal: "203" Mise à disposition (published), "204" Prise en charge (first download by the customer), "removed" once the retention period is over (tombstone), "withdrawn" once the issuer withdrew it (tombstone). For a B2B or B2BInt invoice, whose original goes through the plateforme agréée, the portal holds a duplicata and says "published" / "downloaded" instead of 203/204 (the regulated statuses are in `lifecycle`, source "pa").',
      properties: {
        code: { type: "string", enum: ["203", "204", "published", "downloaded", "removed", "withdrawn"] },
        label: { type: "string" },
      },
    },
    lifecycle: lifecycleSchema,
    transmission: {
      ...transmissionSchema,
      description: `GET /api/v1/invoices/{id} only. ${transmissionSchema.description}`,
    },
    findings: {
      type: "array",
      items: findingSchema,
      description:
        "What the Factur-X reader noted when the invoice was published: warnings only, since an error refuses the file (e.g. profile_not_accepted_for_issuing for MINIMUM or BASIC WL, totals_inconsistent; route_conflict, route_note_unknown, buyer_siren_missing about the route). Empty when nothing was noted.",
    },
    processingRule: {
      type: ["string", "null"],
      enum: ["B2B", "B2BInt", "B2C", "OutOfScope", "ArchiveOnly", null],
      description:
        "The reform route (AFNOR XP Z12-013 Flow API enum): the file's BAR note when it has one, else the metadata's processingRule, else the portal's default (B2C unless the issuer's admin changed it). null for invoices published before routes existed.",
    },
    validation: validationSchema,
  },
  examples: [
    {
      id: "0b6f2f4e-3c1a-4d8e-9a57-2f1e6c9d4b10",
      invoiceNumber: "FA-2017-0010",
      typeCode: "380",
      issueDate: "2017-11-13",
      currency: "EUR",
      grandTotal: "671.15",
      duePayable: "470.15",
      sellerName: "Au bon moulin",
      buyerName: "Ma jolie boutique",
      buyerId: null,
      contractNumber: "MSPE2017",
      customerNumber: "MJB-1",
      profile: "BASIC WL",
      sha256: "3f7a0c9d1e2b4a5f6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b",
      sizeBytes: 63214,
      publishedAt: "2026-12-07T09:41:12.345Z",
      availableUntil: "2028-12-07T09:41:12.345Z",
      firstDownloadedAt: null,
      removedAt: null,
      status: { code: "published", label: "Duplicata publié sur le portail" },
      lifecycle: [
        {
          code: "published",
          label: "Duplicata publié sur le portail",
          at: "2026-12-07T09:41:12.345Z",
          source: "portal",
        },
      ],
      findings: [
        {
          code: "profile_not_accepted_for_issuing",
          severity: "warning",
          message:
            "Profile BASIC WL is not a complete invoice under the French e-invoicing reform; published, but the issuer should send EN 16931 or richer.",
          field: "profile",
        },
      ],
      processingRule: "B2B",
      validation: {
        status: "failed",
        rulesVersion: "FNFE-MPE 1.4.0",
        findings: [
          {
            rule: "BR-FR-11",
            flag: "fatal",
            message: "The buyer's SIREN (BT-47) is mandatory for a B2B invoice.",
            location:
              "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty",
            explanation:
              "Une facture B2B doit indiquer le SIREN de l’acheteur (BT-47) : sans lui, la plateforme agréée la rejette.",
          },
        ],
        transmissionHold: { reason: "validation_failed" },
      },
    },
  ],
} as const;

export const customerSchema = {
  $id: "Customer",
  type: "object",
  required: ["customerNumber", "name", "email", "contracts", "accountStatus"],
  properties: {
    customerNumber: { type: "string" },
    name: { type: "string" },
    email: nullableString,
    contracts: { type: "array", items: { type: "string" } },
    accountStatus: {
      type: "string",
      enum: ["none", "pending", "activation_sent", "active", "locked"],
      description:
        "none: no e-mail, so no portal account; pending: account created, its activation mail goes with the next invoice; activation_sent: the activation mail was queued or sent to the current address; active: the customer set a password; locked: the account is locked.",
    },
  },
  examples: [
    {
      customerNumber: "C-1001",
      name: "Garage Dupont",
      email: "compta@garage-dupont.fr",
      contracts: ["CT-1"],
      accountStatus: "activation_sent",
    },
  ],
} as const;

/** The path parameter of an operation: one string. */
export const pathParam = (name: string, description: string) =>
  ({ type: "object", required: [name], properties: { [name]: { type: "string", description } } }) as const;

const customerNumberParams = pathParam(
  "customerNumber",
  "1 to 64 letters, digits, spaces or . _ / - (URL-encoded)",
);
export const invoiceIdParams = pathParam("id", "the invoice id (a UUID)");

export const bearer = [{ bearerAuth: [] }];

export const putCustomerSchema = {
  tags: ["customers"],
  operationId: "putCustomer",
  summary: "Create or update a customer of the directory",
  description:
    "Idempotent. Customers sharing an e-mail address share one portal account. A new address for a customer alone on its account becomes that account's address (same identifier, password and invoices; both addresses are told); the customer moves only to an account that already has the new address, or off an account other customer numbers keep. Contracts are added, never removed. `email: null` means the customer has no address (no account, no mail). Unknown keys are refused (400 invalid_request).",
  security: bearer,
  params: customerNumberParams,
  body: {
    type: "object",
    required: ["name", "email"],
    additionalProperties: false,
    examples: [{ name: "Garage Dupont", email: "compta@garage-dupont.fr", contracts: ["CT-1"] }],
    properties: {
      name: { type: "string", description: "1 to 200 characters", examples: ["Garage Dupont"] },
      email: {
        type: ["string", "null"],
        description: "null: the customer has no address (no account, no mail)",
      },
      contracts: {
        type: "array",
        maxItems: 1000,
        items: { type: "string" },
        description: "contract numbers, added to those already known",
      },
    },
  },
  response: {
    200: { description: "Updated (or unchanged)", $ref: "Customer#" },
    201: { description: "Created", $ref: "Customer#" },
    ...refusals(400, 401, 409, 413, 415, 422, 429, 500),
  },
} as const;

export const getCustomerSchema = {
  tags: ["customers"],
  operationId: "getCustomer",
  summary: "A customer with its account status",
  security: bearer,
  params: customerNumberParams,
  response: {
    200: { $ref: "Customer#" },
    ...refusals(401, 404, 429, 500),
  },
} as const;

/** Shown in the OpenAPI description only: the handler reads the multipart stream itself. */
export const publishInvoiceBody = {
  type: "object",
  required: ["file"],
  properties: {
    file: {
      type: "string",
      format: "binary",
      description: "The invoice PDF (Factur-X, or a plain PDF with metadata)",
    },
    metadata: {
      type: "string",
      description:
        'JSON object, all keys optional: {"customerNumber", "contractNumber", "invoiceNumber", "issueDate" (YYYY-MM-DD), "grandTotal" (decimal string), "currency", "processingRule" (B2B, B2BInt, B2C, OutOfScope or ArchiveOnly: the route when the file has no BAR note; any other value is refused with 422 invalid_metadata)}. Required for a PDF without Factur-X data; for a Factur-X file it must agree with the XML (a processingRule that disagrees with the BAR note of the file is not refused: the file wins and a route_conflict finding says so).',
      examples: ['{"customerNumber":"C-1001"}'],
    },
  },
} as const;

export const publishInvoiceSchema = {
  tags: ["invoices"],
  operationId: "publishInvoice",
  summary: "Publish an invoice",
  description:
    "201: published. 200: these exact bytes were already published under this number (same invoice returned). 409 invoice_number_conflict: that number exists with other bytes. 413 file_too_large. 422: the file or the metadata is refused (code tells why; details.findings lists what the Factur-X reader found). The published invoice carries `findings`: the warnings noted (e.g. profile MINIMUM or BASIC WL).",
  security: bearer,
  consumes: ["multipart/form-data"],
  response: {
    200: { description: "Already published with these bytes", $ref: "Invoice#" },
    201: { description: "Published", $ref: "Invoice#" },
    ...refusals(400, 401, 409, 413, 415, 422, 429, 500, 503),
  },
} as const;

export const getInvoiceSchema = {
  tags: ["invoices"],
  operationId: "getInvoice",
  summary: "One invoice of this portal",
  security: bearer,
  params: invoiceIdParams,
  response: {
    200: { $ref: "Invoice#" },
    ...refusals(401, 404, 429, 500),
  },
} as const;

export const listInvoicesSchema = {
  tags: ["invoices"],
  operationId: "listInvoices",
  summary: "The portal's invoices in publication order, page by page",
  description:
    "Ordered by publication time then id. Pass `nextCursor` back as `cursor` for the next page; it is null on the last page.",
  security: bearer,
  querystring: {
    type: "object",
    additionalProperties: false,
    properties: {
      customerNumber: { type: "string", maxLength: 64 },
      since: {
        type: "string",
        format: "date-time",
        description: "only invoices published at or after this instant",
      },
      cursor: { type: "string", maxLength: 200 },
      limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
    },
  },
  response: {
    200: {
      type: "object",
      required: ["items", "nextCursor"],
      properties: { items: { type: "array", items: { $ref: "Invoice#" } }, nextCursor: nullableString },
    },
    ...refusals(400, 401, 429, 500),
  },
} as const;
