import type { FastifyRequest } from "fastify";
import { INVOICE_METADATA_KEYS, type InvoiceMetadata } from "../../../domain/invoices/publish-invoice.js";
import { DomainError } from "../../../domain/shared/errors.js";

const METADATA_KEYS = INVOICE_METADATA_KEYS;

const MAX_METADATA_BYTES = 16 * 1024;
const MAX_IDENTIFIER_LENGTH = 200;

/**
 * Reads `POST /api/v1/invoices`: the `file` part (whole, at most `limits.fileSize` bytes, else
 * @fastify/multipart throws before anything is stored) and the optional `metadata` part (a JSON string,
 * sent as a plain field or as a JSON file). Other parts are drained and ignored.
 */
export async function readInvoiceUpload(
  request: FastifyRequest,
  maxPdfBytes: number,
): Promise<{ bytes: Uint8Array; metadata: InvoiceMetadata | undefined }> {
  if (!request.isMultipart()) {
    throw new DomainError(
      "invalid_request",
      "send multipart/form-data with the PDF in a part named file (and optionally a part named metadata)",
    );
  }
  try {
    return await readParts(request);
  } catch (error) {
    throw multipartError(error, maxPdfBytes);
  }
}

async function readParts(
  request: FastifyRequest,
): Promise<{ bytes: Uint8Array; metadata: InvoiceMetadata | undefined }> {
  let bytes: Buffer | undefined;
  let metadataText: string | undefined;
  for await (const part of request.parts()) {
    if (part.fieldname === "file") {
      if (part.type !== "file") {
        throw new DomainError("invalid_request", "the part named file must be a file upload (filename=...)");
      }
      if (bytes !== undefined) throw new DomainError("invalid_request", "send one file per request");
      bytes = await part.toBuffer();
    } else if (part.fieldname === "metadata") {
      if (metadataText !== undefined) throw new DomainError("invalid_metadata", "send metadata once");
      if (part.type === "file") {
        const raw = await part.toBuffer();
        if (raw.byteLength > MAX_METADATA_BYTES) throw metadataTooLarge();
        metadataText = raw.toString("utf8");
      } else {
        if (part.valueTruncated) throw metadataTooLarge();
        metadataText = String(part.value);
      }
    } else if (part.type === "file") {
      part.file.resume();
    }
  }
  if (bytes === undefined) {
    throw new DomainError("missing_file", "no file: send the PDF in a multipart part named file");
  }
  return { bytes, metadata: metadataText === undefined ? undefined : parseMetadata(metadataText) };
}

const LIMIT_CODES = new Set([
  "FST_PARTS_LIMIT",
  "FST_FILES_LIMIT",
  "FST_FIELDS_LIMIT",
  "FST_PROTO_VIOLATION",
]);

/** @fastify/multipart's errors, as domain errors that tell the issuer what to change. */
function multipartError(error: unknown, maxPdfBytes: number): unknown {
  const code = (error as { code?: string }).code;
  if (code === "FST_REQ_FILE_TOO_LARGE") {
    return new DomainError(
      "file_too_large",
      `the file is larger than the ${maxPdfBytes} bytes allowed (MAX_PDF_BYTES); nothing was stored`,
      { maxBytes: maxPdfBytes },
    );
  }
  if (code && LIMIT_CODES.has(code)) {
    return new DomainError(
      "invalid_request",
      `${(error as Error).message}: send one part named file (the PDF) and optionally one named metadata`,
    );
  }
  return error;
}

function metadataTooLarge(): DomainError {
  return new DomainError("invalid_metadata", `metadata is larger than ${MAX_METADATA_BYTES} bytes`);
}

/** Strict on purpose: a misspelt key would otherwise be ignored silently and the invoice filed wrong. */
export function parseMetadata(text: string): InvoiceMetadata | undefined {
  if (text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DomainError("invalid_metadata", `metadata is not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DomainError(
      "invalid_metadata",
      'metadata must be a JSON object such as {"customerNumber": "C-1001", "invoiceNumber": "FA-2024-001"}',
    );
  }
  const metadata: InvoiceMetadata = {};
  for (const [key, field] of Object.entries(value)) {
    if (!(METADATA_KEYS as readonly string[]).includes(key)) {
      throw new DomainError(
        "invalid_metadata",
        `metadata has an unknown key "${key}"; the keys are ${METADATA_KEYS.join(", ")}`,
        { field: key },
      );
    }
    if (field === null) continue;
    if (typeof field !== "string") {
      throw new DomainError(
        "invalid_metadata",
        `metadata ${key} must be a string${key === "grandTotal" ? ' such as "1234.56" (amounts are decimal strings)' : ""}`,
        { field: key },
      );
    }
    const trimmed = field.trim();
    if (trimmed === "") continue;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
    if (trimmed.length > MAX_IDENTIFIER_LENGTH || /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(trimmed)) {
      throw new DomainError(
        "invalid_metadata",
        `metadata ${key} must have at most ${MAX_IDENTIFIER_LENGTH} characters and no control characters or line breaks`,
        { field: key },
      );
    }
    metadata[key as keyof InvoiceMetadata] = trimmed;
  }
  return metadata;
}
