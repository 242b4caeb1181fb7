// JSON schemas of the issuer API: Fastify validates requests and serialises responses with them, and
// @fastify/swagger turns them into the OpenAPI description at /api/openapi.json.

const nullableString = { type: ["string", "null"] } as const;
const decimal = { type: "string", pattern: "^-?\\d+(\\.\\d+)?$", examples: ["1234.56"] } as const;

export const errorSchema = {
  $id: "ApiError",
  type: "object",
  description: "Every refusal: a stable snake_case code, a message that says what to fix, and details.",
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string" },
        message: { type: "string" },
        details: { type: "object", additionalProperties: true },
        requestId: { type: "string" },
      },
    },
  },
  required: ["error"],
} as const;

const errorRef = <const D extends string>(description: D) => ({ description, $ref: "ApiError#" }) as const;
const refused = {
  400: errorRef("Malformed request: invalid_request (details.validation says where), invalid_cursor"),
  401: errorRef("unauthorized: no API key, or one that is unknown on this portal or revoked"),
  404: errorRef("Not found on this portal"),
  409: errorRef("invoice_number_conflict, contract_taken"),
  413: errorRef("file_too_large: over MAX_PDF_BYTES, nothing stored"),
  422: errorRef("The file or the data is refused: the code says why, details say where"),
  429: errorRef("rate_limited: too many requests with this key; see Retry-After"),
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
        'Lifecycle status: "203" Mise à disposition (published), "204" Prise en charge (first download by the customer), "removed" once the retention period is over (tombstone), "withdrawn" once the issuer withdrew it (tombstone).',
      properties: {
        code: { type: "string", enum: ["203", "204", "removed", "withdrawn"] },
        label: { type: "string" },
      },
    },
  },
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
} as const;

const customerNumberParams = {
  type: "object",
  required: ["customerNumber"],
  properties: {
    customerNumber: {
      type: "string",
      description: "1 to 64 letters, digits, spaces or . _ / - (URL-encoded)",
    },
  },
} as const;

const bearer = [{ bearerAuth: [] }];

export const putCustomerSchema = {
  tags: ["customers"],
  summary: "Create or update a customer of the directory",
  description:
    "Idempotent. Customers sharing an e-mail address share one portal account; a new address moves the customer to that address's account. Contracts are added, never removed. `email: null` means the customer has no address (no account, no mail).",
  security: bearer,
  params: customerNumberParams,
  body: {
    type: "object",
    required: ["name", "email"],
    additionalProperties: false,
    properties: {
      name: { type: "string", description: "1 to 200 characters" },
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
    400: refused[400],
    401: refused[401],
    409: refused[409],
    422: refused[422],
    429: refused[429],
  },
} as const;

export const getCustomerSchema = {
  tags: ["customers"],
  summary: "A customer with its account status",
  security: bearer,
  params: customerNumberParams,
  response: { 200: { $ref: "Customer#" }, 401: refused[401], 404: refused[404], 429: refused[429] },
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
        'JSON object, all keys optional: {"customerNumber", "contractNumber", "invoiceNumber", "issueDate" (YYYY-MM-DD), "grandTotal" (decimal string), "currency"}. Required for a PDF without Factur-X data; for a Factur-X file it must agree with the XML.',
      examples: ['{"customerNumber":"C-1001"}'],
    },
  },
} as const;

export const publishInvoiceSchema = {
  tags: ["invoices"],
  summary: "Publish an invoice",
  description:
    "201: published. 200: these exact bytes were already published under this number (same invoice returned). 409 invoice_number_conflict: that number exists with other bytes. 413 file_too_large. 422: the file or the metadata is refused (code tells why; details.findings lists what the Factur-X reader found).",
  security: bearer,
  consumes: ["multipart/form-data"],
  response: {
    200: { description: "Already published with these bytes", $ref: "Invoice#" },
    201: { description: "Published", $ref: "Invoice#" },
    400: refused[400],
    401: refused[401],
    409: refused[409],
    413: refused[413],
    422: refused[422],
    429: refused[429],
  },
} as const;

export const getInvoiceSchema = {
  tags: ["invoices"],
  summary: "One invoice of this portal",
  security: bearer,
  params: {
    type: "object",
    required: ["id"],
    properties: { id: { type: "string", description: "the invoice id (a UUID)" } },
  },
  response: { 200: { $ref: "Invoice#" }, 401: refused[401], 404: refused[404], 429: refused[429] },
} as const;

export const listInvoicesSchema = {
  tags: ["invoices"],
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
    400: refused[400],
    401: refused[401],
    429: refused[429],
  },
} as const;
