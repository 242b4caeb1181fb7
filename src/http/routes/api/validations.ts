import type { Services } from "../../../app.js";
import { DomainError } from "../../../domain/shared/errors.js";
import { NotAnInvoiceError } from "../../../einvoice/validation/errors.js";
import { localeFromAcceptLanguage } from "../../../i18n/format.js";
import type { TenantScope } from "../../tenant-scope.js";
import { readInvoiceUpload } from "./read-upload.js";
import { bearer, refusals } from "./schemas.js";

/** `POST /api/v1/validations`: the official French rules on one file, before publishing it; nothing stored. */
export async function validationApiRoutes(app: TenantScope, services: Services) {
  app.post("/validations", { schema: validateInvoiceSchema }, async (request) => {
    const { bytes } = await readInvoiceUpload(request, services.config.maxPdfBytes);
    const header = request.headers["accept-language"];
    const locale = localeFromAcceptLanguage(typeof header === "string" ? header : undefined);
    try {
      const { brFr } = request.query as { brFr?: "fatal" | "warning" };
      const report = await services.validator.validate(bytes, { owner: request.tenant.id, brFr });
      return {
        ...report,
        findings: report.findings.map((f) => ({ ...f, explanation: f.explanation?.[locale] ?? null })),
      };
    } catch (error) {
      if (error instanceof NotAnInvoiceError) throw new DomainError("not_an_invoice", error.message);
      throw error;
    }
  });
}

/** The multipart body, for the OpenAPI description only (the handler reads the parts itself). */
export const validateInvoiceBody = {
  type: "object",
  required: ["file"],
  properties: {
    file: { type: "string", format: "binary", description: "A Factur-X PDF or a CII XML invoice" },
  },
} as const;

const findingSchema = {
  type: "object",
  required: ["rule", "flag", "message", "location", "explanation"],
  properties: {
    rule: {
      type: "string",
      description: "the official rule id; XSD for the schema, RULES-ERROR if the rules crashed",
      examples: ["BR-FR-10"],
    },
    flag: { type: "string", enum: ["fatal", "warning"] },
    message: { type: "string", description: "the rule's own message, as the artefact words it" },
    location: {
      type: "string",
      description: "XPath of the element concerned (or `line N` for XSD), may be empty",
    },
    explanation: {
      type: ["string", "null"],
      description:
        "what to fix, in plain words, in the Accept-Language's language (en, else fr); null for rare rules",
    },
  },
} as const;

export const validateInvoiceSchema = {
  tags: ["invoices"],
  operationId: "validateInvoice",
  summary: "Check an invoice against the official French rules, without publishing it",
  description:
    "Runs the profile's XSD, its EN 16931 / Factur-X schematron and the French rules BR-FR-Flux2 (FNFE-MPE artefacts, version in `rulesVersion`) on the file sent in the multipart part `file`. Nothing is stored. `status`: failed when a finding is fatal (the PA would reject the invoice), warnings, or passed. 422 not_an_invoice: a PDF without Factur-X XML, UBL, or anything else the rules cannot judge.",
  security: bearer,
  consumes: ["multipart/form-data"],
  querystring: {
    type: "object",
    additionalProperties: false,
    properties: {
      brFr: {
        type: "string",
        enum: ["fatal", "warning"],
        default: "fatal",
        description:
          "which variant of the French rules BR-FR-Flux2 judges: fatal (in force since 1 September 2026) or warning (the transition variant: most BR-FR rules reported as warnings)",
      },
    },
  },
  response: {
    200: {
      description: "The report",
      type: "object",
      required: ["profile", "rulesVersion", "status", "findings"],
      properties: {
        profile: { type: ["string", "null"], examples: ["EN16931"] },
        rulesVersion: { type: "string", examples: ["FNFE-MPE 1.4.0.01"] },
        status: { type: "string", enum: ["passed", "warnings", "failed"] },
        findings: { type: "array", items: findingSchema },
      },
    },
    ...refusals(400, 401, 413, 415, 422, 429, 500, 503),
  },
} as const;
