import type { FastifyRequest } from "fastify";
import type { ApiCustomerRow, ApiInvoiceRow } from "../../../db/api.queries.js";
import type { ApiLifecycleRow } from "../../../db/pa-api.queries.js";
import { DomainError } from "../../../domain/shared/errors.js";
import { type Locale, localeFromAcceptLanguage } from "../../../i18n/format.js";
import { parseUuid } from "../../ids.js";
import { presentFindings } from "../../stored-findings.js";
import { presentValidation } from "../../stored-validation.js";
import { isPaRouted, presentLifecycle } from "./lifecycle.js";
import { presentTransmission } from "./transmission.js";

/**
 * The invoice's status on the portal as the issuer sees it: the DGFiP lifecycle code where one fits (203 made
 * available, 204 taken up = first download by the customer), or `removed` once the retention ended
 * and only the tombstone is left. Codes are strings so that `removed` fits the same field. A B2B / B2BInt
 * invoice's original goes through the PA (its regulated statuses are in `lifecycle`): the portal holds a
 * duplicata, and its events are `published` / `downloaded`, never 203/204 (docs/pa-bridge.md).
 */
export function invoiceStatus(
  row: Pick<ApiInvoiceRow, "firstDownloadedAt" | "removedAt"> & {
    withdrawnAt?: Date | null;
    processingRule?: string | null;
  },
): {
  code: "203" | "204" | "published" | "downloaded" | "removed" | "withdrawn";
  label: string;
} {
  if (row.withdrawnAt) return { code: "withdrawn", label: "Retirée par l’émetteur" };
  if (row.removedAt) return { code: "removed", label: "Retirée du portail" };
  const duplicata = isPaRouted(row.processingRule ?? null);
  if (row.firstDownloadedAt)
    return duplicata
      ? { code: "downloaded", label: "Duplicata téléchargé sur le portail" }
      : { code: "204", label: "Prise en charge" };
  return duplicata
    ? { code: "published", label: "Duplicata publié sur le portail" }
    : { code: "203", label: "Mise à disposition" };
}

/** The language of the API's explanations: French unless the request's Accept-Language prefers English. */
export function apiLocale(request: FastifyRequest): Locale {
  const header = request.headers["accept-language"];
  return localeFromAcceptLanguage(typeof header === "string" ? header : undefined);
}

/** `statuses`: the invoice's recorded lifecycle statuses (listLifecycleStatuses). */
export function presentInvoice(row: ApiInvoiceRow, locale: Locale, statuses: ApiLifecycleRow[] = []) {
  return {
    id: row.id,
    invoiceNumber: row.invoiceNumber,
    typeCode: row.typeCode,
    issueDate: row.issueDate,
    currency: row.currency,
    grandTotal: row.grandTotal,
    duePayable: row.duePayable,
    sellerName: row.sellerName,
    buyerName: row.buyerName,
    buyerId: row.buyerId,
    contractNumber: row.contractNumber,
    customerNumber: row.customerNumber,
    profile: row.profile,
    sha256: row.sha256,
    sizeBytes: Number(row.sizeBytes),
    publishedAt: row.publishedAt.toISOString(),
    availableUntil: row.availableUntil.toISOString(),
    firstDownloadedAt: row.firstDownloadedAt?.toISOString() ?? null,
    removedAt: row.removedAt?.toISOString() ?? null,
    withdrawnAt: row.withdrawnAt?.toISOString() ?? null,
    withdrawalReason: row.withdrawalReason ?? null,
    status: invoiceStatus(row),
    findings: presentFindings(row.findings),
    processingRule: row.processingRule,
    validation: presentValidation(row, locale),
    transmission: presentTransmission(row.transmission),
    lifecycle: presentLifecycle(row, statuses, locale),
  };
}

export type CustomerAccountStatus = "none" | "pending" | "activation_sent" | "active" | "locked";

/**
 * `none`: no e-mail, so no account; `pending`: an account waits for its activation mail (it goes with
 * the next invoice); `activation_sent`: that mail was queued or sent to the current address;
 * `active`: the customer set a password; `locked`: the account is locked.
 */
export function customerAccountStatus(row: ApiCustomerRow): CustomerAccountStatus {
  if (row.accountStatus === null || row.email === null) return "none";
  if (row.accountStatus === "pending") return row.activationMailed ? "activation_sent" : "pending";
  return row.accountStatus;
}

export function presentCustomer(row: ApiCustomerRow) {
  return {
    customerNumber: row.customerNumber,
    name: row.name,
    email: row.email,
    contracts: row.contracts,
    accountStatus: customerAccountStatus(row),
  };
}

/** An opaque position in the publication order: base64url of the last row's (published_at, id). */
export function encodeCursor(row: Pick<ApiInvoiceRow, "publishedAtKey" | "id">): string {
  return Buffer.from(JSON.stringify([row.publishedAtKey, row.id]), "utf8").toString("base64url");
}

const KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function decodeCursor(cursor: string): { publishedAtKey: string; id: string } {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    decoded = undefined;
  }
  if (
    !Array.isArray(decoded) ||
    decoded.length !== 2 ||
    typeof decoded[0] !== "string" ||
    typeof decoded[1] !== "string" ||
    !KEY.test(decoded[0]) ||
    !parseUuid(decoded[1])
  ) {
    throw new DomainError(
      "invalid_cursor",
      "cursor must be a nextCursor value returned by this API, unchanged",
    );
  }
  return { publishedAtKey: decoded[0], id: decoded[1] };
}
