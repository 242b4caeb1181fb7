import { createHash } from "node:crypto";
import { type AccountRow, lockAccounts, scheduleNoticeDue } from "../../db/accounts.repository.js";
import { type AuditInput, appendAudits } from "../../db/audit.repository.js";
import {
  type CustomerRow,
  findContractsWithCustomers,
  findCustomersByNumbers,
} from "../../db/customers.repository.js";
import { type Database, isDatabaseDown, type Sql, type Tx } from "../../db/database.js";
import {
  accountsWithActivationSent,
  findInvoicesByNumbers,
  type InvoiceRow,
  insertInvoiceEvents,
  insertInvoices,
  type NewInvoice,
} from "../../db/invoices.repository.js";
import type { TenantRow } from "../../db/tenants.repository.js";
import type { FindingCode } from "../../einvoice/findings.js";
import {
  type Finding,
  hasErrors,
  type InvoiceDocument,
  type InvoiceFacts,
  ParserBusyError,
  type ParserPool,
  precheckInvoicePdf,
  sharedParserPool,
} from "../../einvoice/index.js";
import { type BlobStore, putBlobs } from "../../storage/blob-store.js";
import { type MailRequest, mailQueuedAudit, queueMail } from "../mail/queue-mail.js";
import { holdBlobsForPublication } from "../retention/hold-blobs.js";
import { addMonths, sameAmount } from "../shared/dates.js";
import { DomainError } from "../shared/errors.js";
import type { JobSender } from "../shared/jobs.js";
import { newInvoiceNoticeJob, validateInvoiceJob } from "../shared/jobs.js";
import { checkSeller, type DeclaredSellers, loadDeclaredSellers } from "../tenants/seller-identities.js";
import {
  decideProcessingRule,
  isProcessingRule,
  PROCESSING_RULES,
  type ProcessingRule,
  type RouteDecision,
} from "./processing-rule.js";

/** What the issuer may say about a file beside (or instead of) its Factur-X data. */
/** The publication's metadata fields, in the order the API and the CSV manifest list them. */
export const INVOICE_METADATA_KEYS = [
  "customerNumber",
  "contractNumber",
  "invoiceNumber",
  "issueDate",
  "grandTotal",
  "currency",
  "processingRule",
] as const satisfies readonly (keyof InvoiceMetadata)[];

export interface InvoiceMetadata {
  customerNumber?: string;
  contractNumber?: string;
  invoiceNumber?: string;
  issueDate?: string;
  grandTotal?: string;
  currency?: string;
  /** The route when the file has no BAR note: a value of the Flow API enum (B2B, B2BInt, B2C, OutOfScope, ArchiveOnly). */
  processingRule?: string;
}

export interface PublishDeps {
  db: Database;
  blobs: BlobStore;
  queue: JobSender;
  maxPdfBytes: number;
  /** Where files are read (default: the process's shared worker pool; tests may give their own). */
  parsers?: ParserPool;
  /** Debounce of the new-invoice digest (default 600 s). */
  noticeDelaySeconds?: number;
  now?: () => Date;
}

export interface PublishActor {
  type: "issuer" | "platform" | "system";
  id: string | null;
}

export interface PublishResult {
  invoice: InvoiceRow;
  /** False when the same bytes were already published under this number (idempotent replay). */
  created: boolean;
  warnings: { code: string; message: string }[];
}

/** What became of one file of a batch: published (or already there), or refused with a domain error. */
export type PublishItemOutcome =
  | (PublishResult & { ok: true })
  | { ok: false; error: DomainError }
  /** Dry run: every check passed; `created` says whether it would be new. Nothing was stored. */
  | {
      ok: true;
      dryRun: true;
      created: boolean;
      invoiceNumber: string;
      sellerKey: string;
      sha256: string;
      warnings: PublishResult["warnings"];
    };

/** Lifecycle status 203: the invoice is made available to its recipient on the portal. */
export const STATUS_MADE_AVAILABLE = 203;

/**
 * Publishes one invoice file for a tenant: checks it, reads its Factur-X data, resolves the customer,
 * stores the exact bytes, records the invoice with status 203 and queues the activation mail, all or nothing.
 * One code path for the API, the CLI and the demo: this is `publishInvoices` with a batch of one.
 */
export async function publishInvoice(
  deps: PublishDeps,
  input: { tenant: TenantRow; bytes: Uint8Array; metadata?: InvoiceMetadata; actor: PublishActor },
): Promise<PublishResult> {
  const [outcome] = await publishInvoices(deps, {
    tenant: input.tenant,
    actor: input.actor,
    items: [{ bytes: input.bytes, metadata: input.metadata }],
  });
  if (!outcome!.ok) throw outcome!.error;
  if ("dryRun" in outcome!) throw new Error("unreachable: not a dry run");
  const { invoice, created, warnings } = outcome!;
  return { invoice, created, warnings };
}

/**
 * Publishes a batch of files of one tenant. Each file is checked on its own and gets its own outcome;
 * the ones that pass are recorded in one transaction (one commit and one audit lock for the batch).
 * With `dryRun`, every check runs (file, Factur-X findings, metadata, customer, duplicate or conflicting
 * number) and nothing is stored: no blob, no row, no mail.
 */
export async function publishInvoices(
  deps: PublishDeps,
  input: {
    tenant: TenantRow;
    actor: PublishActor;
    items: { bytes: Uint8Array; metadata?: InvoiceMetadata }[];
    dryRun?: boolean;
  },
): Promise<PublishItemOutcome[]> {
  const outcomes: PublishItemOutcome[] = new Array(input.items.length);
  const prepared: Prepared[] = [];
  // Read once per batch: a seller identity declared or removed meanwhile applies to the next batch.
  const sellers = await loadDeclaredSellers(deps.db, input.tenant.id);
  for (const [index, item] of input.items.entries()) {
    try {
      prepared.push(
        await prepareInvoice(deps, input.tenant, sellers, index, item.bytes, item.metadata ?? {}),
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      outcomes[index] = { ok: false, error };
    }
  }

  // Several files of one batch with the same number: the first goes now, the others once it is recorded.
  const seen = new Set<string>();
  const now: Prepared[] = [];
  const later: Prepared[] = [];
  for (const p of prepared) {
    const key = keyOf(p);
    (seen.has(key) ? later : now).push(p);
    seen.add(key);
  }

  // A file already published is settled before anything is stored: the same bytes need nothing more,
  // other bytes are a conflict; either way no blob is written for it. (A new file is hashed by the blob store.)
  const published = new Map(
    (await findInvoicesByNumbers(deps.db, input.tenant.id, now)).map((row) => [keyOf(row), row]),
  );
  const fresh: Prepared[] = [];
  for (const p of now) {
    const row = published.get(keyOf(p));
    if (row || input.dryRun) p.sha256 = sha256Of(p.bytes);
    if (row) outcomes[p.index] = input.dryRun ? wouldPublish(p, false, row) : replay(row, p);
    else fresh.push(p);
  }

  if (input.dryRun) {
    const resolved = await resolveCustomers(deps.db, input.tenant.id, fresh);
    for (const p of fresh) {
      const target = resolved.get(p)!;
      outcomes[p.index] =
        target instanceof DomainError ? { ok: false, error: target } : wouldPublish(p, true);
    }
  } else {
    // The bytes go to storage first: a crash after this leaves an orphan blob (reaped later), never a row without its file.
    // The extracted XML is stored too (under its own SHA-256): /xml and the proof serve it without a new parse.
    // One call for the batch's files and XMLs: the store shares its waits (the filesystem's fsyncs) across them.
    const withXml = fresh.filter((p) => p.document.xml);
    const stored = await putBlobs(deps.blobs, [
      ...fresh.map((p) => p.bytes),
      ...withXml.map((p) => p.document.xml!),
    ]);
    fresh.forEach((p, i) => {
      p.sha256 = stored[i]!.sha256;
    });
    withXml.forEach((p, i) => {
      p.xmlSha256 = stored[fresh.length + i]!.sha256;
    });
    await record(deps, input.tenant, input.actor, fresh, outcomes);
  }

  if (later.length > 0) {
    const again = await publishInvoices(deps, {
      ...input,
      items: later.map((p) => input.items[p.index]!),
    });
    later.forEach((p, i) => {
      outcomes[p.index] = again[i]!;
    });
  }
  return outcomes;
}

/** A file that passed the checks that need no database: what will be recorded about it. */
interface Prepared {
  index: number;
  bytes: Uint8Array;
  metadata: InvoiceMetadata;
  document: InvoiceDocument;
  facts: Partial<InvoiceFacts>;
  invoiceNumber: string;
  issueDate: string;
  grandTotal: string;
  currency: string;
  contractNumber: string | null;
  sellerKey: string;
  findings: Finding[];
  warnings: PublishResult["warnings"];
  route: RouteDecision;
  sha256?: string;
  xmlSha256?: string;
}

function sha256Of(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function keyOf(p: { sellerKey: string; invoiceNumber: string }): string {
  return `${p.sellerKey}\u0000${p.invoiceNumber}`;
}

async function prepareInvoice(
  deps: PublishDeps,
  tenant: TenantRow,
  sellers: DeclaredSellers,
  index: number,
  bytes: Uint8Array,
  metadata: InvoiceMetadata,
): Promise<Prepared> {
  if (bytes.byteLength === 0) throw new DomainError("empty_file", "the file is empty");
  if (bytes.byteLength > deps.maxPdfBytes) {
    throw new DomainError("file_too_large", `the file is larger than the ${deps.maxPdfBytes} bytes allowed`, {
      sizeBytes: bytes.byteLength,
    });
  }
  const metadataRule = checkMetadataRule(metadata.processingRule);
  const document = precheckInvoicePdf(bytes) ?? (await readInWorker(deps, tenant.id, bytes));
  if (hasErrors(document.findings)) {
    const first = document.findings.find((f) => f.severity === "error")!;
    // Findings of severity error come only from the reader (findings.ts `error()` takes a FindingCode).
    throw new DomainError(first.code as FindingCode, first.message, { findings: document.findings });
  }
  const facts: Partial<InvoiceFacts> = document.facts ?? {};
  checkAgreement(facts, metadata);
  const seller = checkSeller(sellers, facts.seller);
  if (seller instanceof DomainError) throw seller;

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
  if (!isCalendarDate(issueDate!)) {
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
  const route = decideProcessingRule({
    routeNote: facts.routeNote,
    metadataRule,
    // A default outside the enum cannot be stored (check constraint); B2C is the documented fallback.
    tenantDefault: isProcessingRule(tenant.defaultProcessingRule) ? tenant.defaultProcessingRule : "B2C",
    buyerSiren: facts.buyer?.siren,
  });
  // Stored with the invoice (the API, the back office): the reader's findings, the route's, and, when the
  // seller could not be checked against the declared identities, a warning saying so.
  const findings: Finding[] = [
    ...document.findings,
    ...route.findings,
    ...(seller === "unchecked"
      ? [
          {
            severity: "warning" as const,
            code: "seller_not_stated",
            field: "seller",
            message:
              "the file states no seller SIREN or VAT id: it could not be checked against the portal's declared seller identities",
          },
        ]
      : []),
  ];
  return {
    index,
    bytes,
    metadata,
    document,
    facts,
    invoiceNumber: invoiceNumber!,
    issueDate: issueDate!,
    grandTotal: grandTotal!,
    currency: currency!,
    contractNumber: (metadata.contractNumber ?? facts.contractNumber)?.trim() || null,
    sellerKey: facts.seller?.siren ?? facts.seller?.vatId ?? facts.seller?.id ?? "",
    findings,
    route,
    warnings: findings
      .filter((f) => f.severity === "warning")
      .map(({ code, message }) => ({ code, message })),
  };
}

/** The metadata's route, refused before the file is read when it is not a value of the Flow API enum. */
function checkMetadataRule(value: string | undefined): ProcessingRule | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  if (isProcessingRule(value.trim())) return value.trim() as ProcessingRule;
  throw new DomainError(
    "invalid_metadata",
    `processingRule "${value}" is not one of ${PROCESSING_RULES.join(", ")} (the Flow API's spelling)`,
    { field: "processingRule" },
  );
}

/** Reads the file off the event loop, within the pool's time and memory budgets. */
async function readInWorker(
  deps: PublishDeps,
  tenantId: string,
  bytes: Uint8Array,
): Promise<InvoiceDocument> {
  try {
    return await (deps.parsers ?? sharedParserPool()).read(bytes, { owner: tenantId });
  } catch (error) {
    if (error instanceof ParserBusyError) throw new DomainError("parser_busy", error.message);
    throw error;
  }
}

/** `2026-02-30` matches the pattern but is no date: it must be refused here, not by the database. */
function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** The customer each file goes to (docs/product.md order), or why none: one query per kind of lookup. */
async function resolveCustomers(
  sql: Sql,
  tenantId: string,
  items: Prepared[],
): Promise<Map<Prepared, { customer: CustomerRow; contractId: string | null } | DomainError>> {
  const numbers = new Set<string>();
  const contracts = new Set<string>();
  for (const p of items) {
    if (p.metadata.customerNumber) numbers.add(p.metadata.customerNumber.trim());
    if (p.facts.buyer?.id) numbers.add(p.facts.buyer.id);
    if (p.contractNumber) contracts.add(p.contractNumber);
  }
  const byNumber = new Map(
    (await findCustomersByNumbers(sql, tenantId, [...numbers])).map((c) => [c.customerNumber, c]),
  );
  const byContract = new Map(
    (await findContractsWithCustomers(sql, tenantId, [...contracts])).map((k) => [k.contractNumber, k]),
  );
  const resolved = new Map<Prepared, { customer: CustomerRow; contractId: string | null } | DomainError>();
  for (const p of items) {
    const { metadata, facts, contractNumber } = p;
    let customer = metadata.customerNumber ? byNumber.get(metadata.customerNumber.trim()) : undefined;
    if (metadata.customerNumber && !customer) {
      resolved.set(
        p,
        new DomainError("unknown_customer", `customer ${metadata.customerNumber} is not in the directory`, {
          tried: [{ source: "metadata.customerNumber", value: metadata.customerNumber.trim() }],
        }),
      );
      continue;
    }
    if (!customer && facts.buyer?.id) customer = byNumber.get(facts.buyer.id);
    const contract = contractNumber ? byContract.get(contractNumber) : undefined;
    if (!customer && contract) customer = contract.customer;
    if (!customer) {
      resolved.set(
        p,
        new DomainError(
          "unknown_customer",
          "no known customer matches the metadata customerNumber, the buyer identifier (BT-46) or the contract (BT-12)",
          { tried: identifiersTried(p) },
        ),
      );
      continue;
    }
    resolved.set(p, {
      customer,
      contractId: contract && contract.customer.id === customer.id ? contract.contractId : null,
    });
  }
  return resolved;
}

/** What the customer resolution looked at, in its order (the metadata's customerNumber is absent here). */
function identifiersTried(p: Prepared): { source: string; value: string | null }[] {
  return [
    { source: "metadata.customerNumber", value: null },
    { source: "BT-46", value: p.facts.buyer?.id ?? null },
    { source: "BT-12", value: p.contractNumber },
  ];
}

function wouldPublish(
  p: Prepared,
  created: boolean,
  existing?: InvoiceRow & { customerNumber?: string },
): PublishItemOutcome {
  const problem = existing && replayConflict(existing, p);
  if (problem) return { ok: false, error: problem };
  return {
    ok: true,
    dryRun: true,
    created,
    invoiceNumber: p.invoiceNumber,
    sellerKey: p.sellerKey,
    sha256: p.sha256!,
    warnings: p.warnings,
  };
}

/**
 * Records a batch in one transaction. A deadlock between two batches (same numbers published at once
 * from two places) is retried; any other failure rolls the whole batch back, and when the batch had
 * more than one file each is then recorded alone, so one file cannot fail the others.
 */
async function record(
  deps: PublishDeps,
  tenant: TenantRow,
  actor: PublishActor,
  items: Prepared[],
  outcomes: PublishItemOutcome[],
): Promise<void> {
  if (items.length === 0) return;
  for (let attempt = 1; ; attempt++) {
    const staged: PublishItemOutcome[] = [];
    try {
      await deps.db.transaction((tx) => recordIn(tx, deps, tenant, actor, items, staged));
      for (const p of items) outcomes[p.index] = staged[p.index]!;
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if ((code === "40P01" || code === "40001") && attempt < 4) continue;
      if (items.length === 1 || isDatabaseDown(error)) throw error;
      for (const p of items) await record(deps, tenant, actor, [p], outcomes);
      return;
    }
  }
}

async function recordIn(
  tx: Tx,
  deps: PublishDeps,
  tenant: TenantRow,
  actor: PublishActor,
  items: Prepared[],
  outcomes: PublishItemOutcome[],
): Promise<void> {
  const published = (deps.now ?? (() => new Date()))();
  const existing = new Map(
    (await findInvoicesByNumbers(tx, tenant.id, items)).map((row) => [keyOf(row), row]),
  );
  for (const p of items) {
    const row = existing.get(keyOf(p));
    if (row) outcomes[p.index] = replay(row, p);
  }
  const fresh = items.filter((p) => !existing.has(keyOf(p)));
  const resolved = await resolveCustomers(tx, tenant.id, fresh);
  const accountIds = new Set<string>();
  for (const target of resolved.values())
    if (!(target instanceof DomainError) && target.customer.accountId)
      accountIds.add(target.customer.accountId);
  // Locked now, before the inserts take their foreign-key share locks on the same rows: taking FOR UPDATE
  // after them lets two concurrent batches for one account deadlock (each holds a share lock the other needs).
  const accounts = new Map(
    (await lockAccounts(tx, tenant.id, [...accountIds])).map((account) => [account.id, account]),
  );

  const rows: (NewInvoice & { noticeQueuedAt: Date | null })[] = [];
  const targets = new Map<string, { p: Prepared; customer: CustomerRow }>();
  for (const p of fresh) {
    const target = resolved.get(p)!;
    if (target instanceof DomainError) {
      outcomes[p.index] = { ok: false, error: target };
      continue;
    }
    const { customer, contractId } = target;
    const account = customer.accountId ? accounts.get(customer.accountId) : undefined;
    targets.set(keyOf(p), { p, customer });
    rows.push({
      ...invoiceRow(tenant, p, customer, contractId, published),
      // Nothing to announce later (no account, pending, or notices turned off): not waiting for a digest.
      noticeQueuedAt: announcesLater(account) ? null : published,
    });
  }
  await holdBlobsForPublication(
    tx,
    deps.blobs,
    [...targets.values()].flatMap(({ p }) => [
      { sha256: p.sha256!, bytes: p.bytes },
      ...(p.xmlSha256 && p.document.xml ? [{ sha256: p.xmlSha256, bytes: p.document.xml }] : []),
    ]),
  );
  const inserted = await insertInvoices(tx, rows);
  const insertedKeys = new Set(inserted.map(keyOf));
  const raced = [...targets.values()].filter(({ p }) => !insertedKeys.has(keyOf(p))).map(({ p }) => p);
  if (raced.length > 0) {
    // Published meanwhile by another transaction, between our look-up and our insert.
    const now = new Map((await findInvoicesByNumbers(tx, tenant.id, raced)).map((row) => [keyOf(row), row]));
    for (const p of raced) outcomes[p.index] = replay(now.get(keyOf(p))!, p);
  }
  if (inserted.length === 0) return;

  await insertInvoiceEvents(
    tx,
    inserted.map((row) => ({
      tenantId: tenant.id,
      invoiceId: row.id,
      code: STATUS_MADE_AVAILABLE,
      actor: `${actor.type}:${actor.id ?? ""}`,
      at: published,
    })),
  );
  // Checked against the official rules just after, off this transaction (docs/compliance.md):
  // the jobs are queued in it (one statement for the batch), so an invoice is never recorded without its
  // check, nor a check without its invoice.
  await deps.queue.sendMany(
    validateInvoiceJob,
    inserted.map((row) => ({ tenantId: tenant.id, invoiceId: row.id })),
    tx,
  );
  const publishedFor = inserted.map((row) => ({ row, ...targets.get(keyOf(row))! }));
  const mailsQueued = await notifyAccounts(
    tx,
    deps,
    tenant,
    publishedFor.map(({ customer }) => customer),
  );
  // Last, so the tenant's audit lock is held only for the end of the transaction.
  await appendAudits(
    tx,
    publishedFor
      .map(
        ({ row, p, customer }): AuditInput => ({
          tenantId: tenant.id,
          actorType: actor.type,
          actorId: actor.id,
          action: "invoice.published",
          targetType: "invoice",
          targetId: row.id,
          at: published,
          details: {
            invoiceNumber: row.invoiceNumber,
            customerId: customer.id,
            sha256: row.sha256,
            sizeBytes: row.sizeBytes,
            warnings: p.warnings.map((w) => w.code),
          },
        }),
      )
      .concat(mailsQueued),
  );
  for (const { row, p } of publishedFor) {
    const { sellerKey: _, ...invoice } = row;
    outcomes[p.index] = { ok: true, invoice, created: true, warnings: p.warnings };
  }
}

function announcesLater(account: AccountRow | undefined): boolean {
  return account?.status === "active" && account.notifyNewInvoice;
}

function invoiceRow(
  tenant: TenantRow,
  p: Prepared,
  customer: CustomerRow,
  contractId: string | null,
  published: Date,
): NewInvoice {
  const { facts, document } = p;
  return {
    tenantId: tenant.id,
    customerId: customer.id,
    accountId: customer.accountId,
    contractId,
    contractNumber: p.contractNumber,
    invoiceNumber: p.invoiceNumber,
    sellerKey: p.sellerKey,
    typeCode: facts.typeCode ?? "380",
    issueDate: p.issueDate,
    dueDate: facts.dueDate ?? null,
    currency: p.currency,
    grandTotal: p.grandTotal,
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
      businessProcess: facts.businessProcess ?? null,
      routeNote: facts.routeNote ?? null,
    },
    findings: p.findings,
    sha256: p.sha256!,
    sizeBytes: p.bytes.byteLength,
    xmlSha256: document.xml ? (p.xmlSha256 ?? sha256Of(document.xml)) : null,
    publishedAt: published,
    availableUntil: addMonths(published, tenant.retentionMonths),
    processingRule: p.route.processingRule,
    processingRuleSource: p.route.source,
    validationStatus: "pending",
  };
}

/**
 * The guide's promise: a pending account gets its activation mail with the next invoice (once per
 * address, however many invoices the batch holds); an active account gets one digest per publication
 * burst (debounced per account). The accounts are locked so two batches never both send the mail.
 */
async function notifyAccounts(
  tx: Tx,
  deps: PublishDeps,
  tenant: TenantRow,
  customers: CustomerRow[],
): Promise<AuditInput[]> {
  const firstCustomerOf = new Map<string, CustomerRow>();
  for (const customer of customers)
    if (customer.accountId && !firstCustomerOf.has(customer.accountId))
      firstCustomerOf.set(customer.accountId, customer);
  if (firstCustomerOf.size === 0) return [];
  const accounts = await lockAccounts(tx, tenant.id, [...firstCustomerOf.keys()]);

  const digest = accounts.filter(announcesLater);
  if (digest.length > 0) {
    const delaySeconds = deps.noticeDelaySeconds ?? 600;
    const scheduled = await scheduleNoticeDue(
      tx,
      tenant.id,
      digest.map((a) => a.id),
      new Date(Date.now() + delaySeconds * 1000),
    );
    for (const id of scheduled) {
      await deps.queue.send(newInvoiceNoticeJob, { tenantId: tenant.id, accountId: id }, tx, {
        startAfterSeconds: delaySeconds,
      });
    }
  }

  const pending = accounts.filter((a) => a.status === "pending");
  const sent = await accountsWithActivationSent(
    tx,
    tenant.id,
    pending.map((a) => ({ accountId: a.id, address: a.email })),
  );
  const audits: AuditInput[] = [];
  for (const account of pending) {
    if (sent.has(account.id)) continue;
    const request: MailRequest = {
      tenantId: tenant.id,
      accountId: account.id,
      customerId: firstCustomerOf.get(account.id)!.id,
      kind: "activation",
      to: account.email,
      language: account.language,
      params: {
        identifier: account.identifier,
        email: account.email,
        retentionMonths: tenant.retentionMonths,
      },
    };
    // Audited with the publication's entries, so the tenant's chain lock is taken once, at the end.
    audits.push(mailQueuedAudit(await queueMail(tx, deps.queue, request, { audit: false }), request));
  }
  return audits;
}

function conflict(existing: InvoiceRow): DomainError {
  return new DomainError(
    "invoice_number_conflict",
    `invoice ${existing.invoiceNumber} is already published with other content`,
    { invoiceId: existing.id },
  );
}

/**
 * The same number again: the same bytes are the same invoice (an idempotent retry), unless the issuer names
 * another customer for it — then it is a conflict, not a success that files nothing (withdraw it first).
 */
function replayConflict(
  existing: InvoiceRow & { customerNumber?: string },
  p: Prepared,
): DomainError | undefined {
  if (existing.sha256 !== p.sha256) return conflict(existing);
  const named = p.metadata.customerNumber?.trim();
  if (named && existing.customerNumber !== undefined && named !== existing.customerNumber)
    return new DomainError(
      "invoice_number_conflict",
      `invoice ${existing.invoiceNumber} is already published for customer ${existing.customerNumber}, not ${named}: withdraw it first (POST /api/v1/invoices/{id}/withdraw) to publish it for another customer`,
      { invoiceId: existing.id, customerNumber: existing.customerNumber, requestedCustomerNumber: named },
    );
  return undefined;
}

function replay(
  existing: InvoiceRow & { sellerKey?: string; customerNumber?: string },
  p: Prepared,
): PublishItemOutcome {
  const problem = replayConflict(existing, p);
  if (problem) return { ok: false, error: problem };
  const { sellerKey: _, customerNumber: __, ...invoice } = existing;
  return { ok: true, invoice, created: false, warnings: p.warnings };
}

function checkAgreement(facts: Partial<InvoiceFacts>, metadata: InvoiceMetadata): void {
  const mismatches: { field: string; metadata: string; file: string }[] = [];
  const differ = (
    field: string,
    given: string | undefined,
    read: string | undefined,
    same: (a: string, b: string) => boolean,
  ) => {
    if (given && read && !same(given, read)) mismatches.push({ field, metadata: given, file: read });
  };
  differ("invoiceNumber", metadata.invoiceNumber, facts.invoiceNumber, (a, b) => a.trim() === b.trim());
  differ("issueDate", metadata.issueDate, facts.issueDate, (a, b) => a === b);
  differ("grandTotal", metadata.grandTotal, facts.grandTotal, sameAmount);
  differ("currency", metadata.currency, facts.currency, (a, b) => a.toUpperCase() === b.toUpperCase());
  if (mismatches.length > 0) {
    throw new DomainError(
      "metadata_mismatch",
      `the metadata disagrees with the Factur-X data on ${mismatches
        .map((m) => `${m.field} (metadata ${m.metadata}, file ${m.file})`)
        .join(", ")}`,
      { fields: mismatches.map((m) => m.field), mismatches },
    );
  }
}
