import { appendAudit } from "../../db/audit.repository.js";
import {
  type CustomerRecordRow,
  findCustomerRecord,
  findLatestActivationMail,
  listAccountCustomers,
  listCustomerContracts,
  listCustomerInvoicesPage,
  listMailLog,
  type MailLogRow,
  type RecordInvoiceRow,
} from "../../db/backoffice.queries.js";
import type { Database } from "../../db/database.js";
import type { StaffActor } from "./staff-accounts.js";

export const RECORD_INVOICES_PER_PAGE = 20;

/** The account status as the advisor says it on the phone. */
export type AccountState =
  | { kind: "no_email" }
  | { kind: "no_account_yet" }
  | { kind: "activation_queued"; at: Date; to: string }
  | { kind: "activation_sent"; at: Date; to: string }
  | { kind: "activation_failed"; at: Date; to: string }
  | { kind: "active"; since: Date | null }
  | { kind: "locked"; until: Date | null };

export interface CustomerRecord {
  customer: CustomerRecordRow;
  sharing: { id: string; customerNumber: string; name: string }[];
  contracts: string[];
  state: AccountState;
  mails: MailLogRow[];
  invoices: RecordInvoiceRow[];
  invoiceTotal: number;
  /** Live invoices of the customer that failed the official rules (all pages). */
  invoicesFailed: number;
  page: number;
}

/** Everything an advisor needs to answer « je n’ai pas reçu le mail »; each view is audited (A3). */
export async function viewCustomerRecord(
  db: Database,
  input: {
    tenantId: string;
    customerId: string;
    page?: number;
    actor: StaffActor;
    ip: string | null;
    now?: Date;
  },
): Promise<CustomerRecord | undefined> {
  const now = input.now ?? new Date();
  const customer = await findCustomerRecord(db, input.tenantId, input.customerId);
  if (!customer) return undefined;
  const page = Math.max(1, Math.min(10_000, Math.floor(input.page ?? 1)));
  const account = customer.account;
  const [sharing, contracts, mails, invoices, activation] = await Promise.all([
    account ? listAccountCustomers(db, input.tenantId, account.id) : Promise.resolve([]),
    listCustomerContracts(db, input.tenantId, customer.id),
    listMailLog(db, input.tenantId, customer.id, account?.id ?? null),
    listCustomerInvoicesPage(db, input.tenantId, customer.id, page, RECORD_INVOICES_PER_PAGE),
    account && account.status === "pending"
      ? findLatestActivationMail(db, input.tenantId, account.id, account.email)
      : Promise.resolve(undefined),
  ]);
  let state: AccountState;
  if (!account) state = { kind: customer.email ? "no_account_yet" : "no_email" };
  else if (account.status === "locked" || (account.lockedUntil && new Date(account.lockedUntil) > now))
    state = { kind: "locked", until: account.lockedUntil ? new Date(account.lockedUntil) : null };
  else if (account.status === "active")
    state = { kind: "active", since: account.activatedAt ? new Date(account.activatedAt) : null };
  else if (!activation) state = { kind: "no_account_yet" };
  else if (activation.status === "sent")
    state = { kind: "activation_sent", at: activation.sentAt!, to: account.email };
  else if (activation.status === "failed")
    state = { kind: "activation_failed", at: activation.failedAt ?? activation.queuedAt, to: account.email };
  else state = { kind: "activation_queued", at: activation.queuedAt, to: account.email };

  await db.transaction((tx) =>
    appendAudit(tx, {
      tenantId: input.tenantId,
      actorType: input.actor.type,
      actorId: input.actor.id,
      action: "customer.viewed",
      targetType: "customer",
      targetId: customer.id,
      ip: input.ip,
      at: now,
      details: { customerNumber: customer.customerNumber, by: input.actor.name },
    }),
  );
  return {
    customer,
    sharing,
    contracts,
    state,
    mails,
    invoices: invoices.rows,
    invoiceTotal: invoices.total,
    invoicesFailed: invoices.failed,
    page,
  };
}
