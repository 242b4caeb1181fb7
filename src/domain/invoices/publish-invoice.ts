import { createHash } from "node:crypto";
import { findAccountById } from "../../db/accounts.repository.js";
import { appendAudit } from "../../db/audit.repository.js";
import { findContract, findCustomerByContract, findCustomerByNumber } from "../../db/customers.repository.js";
import type { Database, Tx } from "../../db/database.js";
import {
  activationAlreadySent,
  findInvoiceByNumber,
  type InvoiceRow,
  insertInvoice,
  insertInvoiceEvent,
} from "../../db/invoices.repository.js";
import type { TenantRow } from "../../db/tenants.repository.js";
import { hasErrors, type InvoiceFacts, readInvoicePdf } from "../../einvoice/index.js";
import { newInvoiceNoticeJob } from "../../jobs/new-invoice-notice.job.js";
import type { JobQueue } from "../../jobs/queue.js";
import { queueMail } from "../../mail/mail-queue.js";
import type { BlobStore } from "../../storage/blob-store.js";
import { addMonths, sameAmount } from "../shared/dates.js";
import { DomainError } from "../shared/errors.js";

/** What the issuer may say about a file beside (or instead of) its Factur-X data. */
export interface InvoiceMetadata {
  customerNumber?: string;
  contractNumber?: string;
  invoiceNumber?: string;
  issueDate?: string;
  grandTotal?: string;
  currency?: string;
}

export interface PublishDeps {
  db: Database;
  blobs: BlobStore;
  queue: JobQueue;
  maxPdfBytes: number;
  /** Debounce of the new-invoice digest (default 600 s). */
  noticeDelaySeconds?: number;
  now?: () => Date;
}

export interface PublishResult {
  invoice: InvoiceRow;
  /** False when the same bytes were already published under this number (idempotent replay). */
  created: boolean;
  warnings: { code: string; message: string }[];
}

/** Lifecycle status 203: the invoice is made available to its recipient on the portal. */
export const STATUS_MADE_AVAILABLE = 203;

/**
 * Publishes one invoice file for a tenant: checks it, reads its Factur-X data, resolves the customer,
 * stores the exact bytes, records the invoice with status 203 and queues the activation mail, all or nothing.
 * One code path for the API, the CLI and the demo.
 */
export async function publishInvoice(
  deps: PublishDeps,
  input: {
    tenant: TenantRow;
    bytes: Uint8Array;
    metadata?: InvoiceMetadata;
    actor: { type: "issuer" | "platform" | "system"; id: string | null };
  },
): Promise<PublishResult> {
  const { tenant, bytes } = input;
  const metadata = input.metadata ?? {};
  if (bytes.byteLength === 0) throw new DomainError("empty_file", "the file is empty");
  if (bytes.byteLength > deps.maxPdfBytes) {
    throw new DomainError("file_too_large", `the file is larger than the ${deps.maxPdfBytes} bytes allowed`, {
      sizeBytes: bytes.byteLength,
    });
  }
  const document = await readInvoicePdf(bytes);
  if (hasErrors(document.findings)) {
    const first = document.findings.find((f) => f.severity === "error")!;
    throw new DomainError(first.code, first.message, { findings: document.findings });
  }
  const facts: Partial<InvoiceFacts> = document.facts ?? {};
  checkAgreement(facts, metadata);

  const invoiceNumber = (metadata.invoiceNumber ?? facts.invoiceNumber)?.trim();
  const issueDate = metadata.issueDate ?? facts.issueDate;
  const grandTotal = metadata.grandTotal ?? facts.grandTotal;
  const currency = (metadata.currency ?? facts.currency)?.toUpperCase();
  const missing = [
    ["invoiceNumber", invoiceNumber],
    ["issueDate", issueDate],
    ["grandTotal", grandTotal],
    ["currency", currency],
  ].filter(([, value]) => !value);
  if (missing.length > 0) {
    throw new DomainError(
      "missing_metadata",
      `this PDF carries no Factur-X data: give ${missing.map(([name]) => name).join(", ")} in the metadata`,
      { fields: missing.map(([name]) => name) },
    );
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(issueDate!) || Number.isNaN(Date.parse(issueDate!))) {
    throw new DomainError("invalid_metadata", "issueDate must be a date YYYY-MM-DD", { field: "issueDate" });
  }
  if (!/^-?\d{1,15}(\.\d{1,6})?$/.test(grandTotal!))
    throw new DomainError("invalid_metadata", "grandTotal must be a decimal such as 1234.56", {
      field: "grandTotal",
    });
  if (!/^[A-Z]{3}$/.test(currency!))
    throw new DomainError("invalid_metadata", "currency must be an ISO 4217 code such as EUR", {
      field: "currency",
    });

  const published = (deps.now ?? (() => new Date()))();
  const sellerKey = facts.seller?.siren ?? facts.seller?.vatId ?? facts.seller?.id ?? "";
  const warnings = document.findings
    .filter((f) => f.severity === "warning")
    .map(({ code, message }) => ({ code, message }));

  // The bytes go to storage first: a crash after this leaves an orphan blob (reaped later), never a row without its file.
  const stored = await deps.blobs.put(bytes);

  return deps.db.transaction(async (tx) => {
    const existing = await findInvoiceByNumber(tx, tenant.id, sellerKey, invoiceNumber!);
    if (existing) return replay(existing, stored.sha256, warnings);

    const contractNumber = (metadata.contractNumber ?? facts.contractNumber)?.trim() || null;
    let customer = metadata.customerNumber
      ? await findCustomerByNumber(tx, tenant.id, metadata.customerNumber.trim())
      : undefined;
    if (metadata.customerNumber && !customer) {
      throw new DomainError(
        "unknown_customer",
        `customer ${metadata.customerNumber} is not in the directory`,
      );
    }
    if (!customer && facts.buyer?.id) customer = await findCustomerByNumber(tx, tenant.id, facts.buyer.id);
    if (!customer && contractNumber) customer = await findCustomerByContract(tx, tenant.id, contractNumber);
    if (!customer) {
      throw new DomainError(
        "unknown_customer",
        "no known customer matches the metadata customerNumber, the buyer identifier (BT-46) or the contract (BT-12)",
      );
    }
    const contract = contractNumber ? await findContract(tx, tenant.id, contractNumber) : undefined;

    const row = await insertInvoice(tx, {
      tenantId: tenant.id,
      customerId: customer.id,
      accountId: customer.accountId,
      contractId: contract && contract.customerId === customer.id ? contract.id : null,
      contractNumber,
      invoiceNumber: invoiceNumber!,
      sellerKey,
      typeCode: facts.typeCode ?? "380",
      issueDate: issueDate!,
      dueDate: facts.dueDate ?? null,
      currency: currency!,
      grandTotal: grandTotal!,
      duePayable: facts.duePayable ?? null,
      taxBasisTotal: facts.taxBasisTotal ?? null,
      taxTotal: facts.taxTotal ?? null,
      sellerName: facts.seller?.name ?? null,
      sellerSiren: facts.seller?.siren ?? null,
      sellerVatId: facts.seller?.vatId ?? null,
      buyerName: facts.buyer?.name ?? null,
      buyerId: facts.buyer?.id ?? null,
      buyerSiren: facts.buyer?.siren ?? null,
      buyerVatId: facts.buyer?.vatId ?? null,
      paymentReference: facts.paymentReference ?? null,
      profile: document.kind === "facturx" ? (facts.profile ?? null) : null,
      facts: {
        vatBreakdown: facts.vatBreakdown ?? [],
        buyerReference: facts.buyerReference ?? null,
        profileId: facts.profileId ?? null,
        seller: facts.seller ?? null,
        buyer: facts.buyer ?? null,
      },
      findings: document.findings,
      sha256: stored.sha256,
      sizeBytes: stored.sizeBytes,
      xmlSha256: document.xml ? createHash("sha256").update(document.xml).digest("hex") : null,
      publishedAt: published,
      availableUntil: addMonths(published, tenant.retentionMonths),
    });
    if (!row) {
      // Published concurrently by another request between our check and insert.
      const raced = await findInvoiceByNumber(tx, tenant.id, sellerKey, invoiceNumber!);
      return replay(raced!, stored.sha256, warnings);
    }
    await insertInvoiceEvent(tx, {
      tenantId: tenant.id,
      invoiceId: row.id,
      code: STATUS_MADE_AVAILABLE,
      actor: `${input.actor.type}:${input.actor.id ?? ""}`,
      at: published,
    });
    await appendAudit(tx, {
      tenantId: tenant.id,
      actorType: input.actor.type,
      actorId: input.actor.id,
      action: "invoice.published",
      targetType: "invoice",
      targetId: row.id,
      at: published,
      details: {
        invoiceNumber: row.invoiceNumber,
        customerId: customer.id,
        sha256: stored.sha256,
        sizeBytes: stored.sizeBytes,
        warnings: warnings.map((w) => w.code),
      },
    });

    await notifyAccount(tx, deps, { tenant, customer, invoiceId: row.id, published });
    return { invoice: row, created: true, warnings };
  });
}

/**
 * The guide's promise: a pending account gets its activation mail with the next invoice (once per
 * address); an active account gets one digest per publication burst (debounced per account).
 */
async function notifyAccount(
  tx: Tx,
  deps: PublishDeps,
  input: {
    tenant: TenantRow;
    customer: { id: string; accountId: string | null };
    invoiceId: string;
    published: Date;
  },
): Promise<void> {
  const { tenant, customer, invoiceId, published } = input;
  const account = customer.accountId ? await findAccountById(tx, tenant.id, customer.accountId) : undefined;
  if (account?.status === "active" && account.notifyNewInvoice) {
    const delaySeconds = deps.noticeDelaySeconds ?? 600;
    const [scheduled] = await tx.query(
      `update accounts set notice_due_at = $3 where tenant_id = $1 and id = $2 and notice_due_at is null returning id`,
      [tenant.id, account.id, new Date(Date.now() + delaySeconds * 1000)],
    );
    if (scheduled) {
      await deps.queue.send(newInvoiceNoticeJob, { tenantId: tenant.id, accountId: account.id }, tx, {
        startAfterSeconds: delaySeconds,
      });
    }
    return;
  }
  // Nothing to announce later for this invoice (no account, pending, or notices turned off).
  await tx.query("update invoices set notice_queued_at = $3 where tenant_id = $1 and id = $2", [
    tenant.id,
    invoiceId,
    published,
  ]);
  if (
    account?.status === "pending" &&
    !(await activationAlreadySent(tx, tenant.id, account.id, account.email))
  ) {
    await queueMail(tx, deps.queue, {
      tenantId: tenant.id,
      accountId: account.id,
      customerId: customer.id,
      kind: "activation",
      to: account.email,
      language: account.language,
      params: {
        identifier: account.identifier,
        email: account.email,
        retentionMonths: tenant.retentionMonths,
      },
    });
  }
}

function replay(existing: InvoiceRow, sha256: string, warnings: PublishResult["warnings"]): PublishResult {
  if (existing.sha256 !== sha256) {
    throw new DomainError(
      "invoice_number_conflict",
      `invoice ${existing.invoiceNumber} is already published with other content`,
      {
        invoiceId: existing.id,
      },
    );
  }
  return { invoice: existing, created: false, warnings };
}

function checkAgreement(facts: Partial<InvoiceFacts>, metadata: InvoiceMetadata): void {
  const disagreements: string[] = [];
  if (
    metadata.invoiceNumber &&
    facts.invoiceNumber &&
    metadata.invoiceNumber.trim() !== facts.invoiceNumber.trim()
  )
    disagreements.push("invoiceNumber");
  if (metadata.issueDate && facts.issueDate && metadata.issueDate !== facts.issueDate)
    disagreements.push("issueDate");
  if (metadata.grandTotal && facts.grandTotal && !sameAmount(metadata.grandTotal, facts.grandTotal))
    disagreements.push("grandTotal");
  if (metadata.currency && facts.currency && metadata.currency.toUpperCase() !== facts.currency.toUpperCase())
    disagreements.push("currency");
  if (disagreements.length > 0) {
    throw new DomainError(
      "metadata_mismatch",
      `the metadata disagrees with the Factur-X data on ${disagreements.join(", ")}`,
      { fields: disagreements },
    );
  }
}
