import { ensureAccountForEmail, findAccountByEmail } from "../../db/accounts.repository.js";
import { appendAudit } from "../../db/audit.repository.js";
import {
  accountHasOtherCustomers,
  addContracts,
  type CustomerRow,
  lockCustomerByNumber,
  upsertCustomerRow,
} from "../../db/customers.repository.js";
import type { Database, Sql } from "../../db/database.js";
import { moveCustomerInvoicesToAccount } from "../../db/invoices.repository.js";
import { moveAccountAddress } from "../accounts/correct-email.js";
import { EMAIL_PATTERN, normalizeEmail } from "../accounts/identifier.js";
import { DomainError } from "../shared/errors.js";
import type { JobSender } from "../shared/jobs.js";

export interface UpsertCustomerInput {
  tenantId: string;
  customerNumber: string;
  name: string;
  email?: string | null;
  contracts?: string[];
  actor: { type: "issuer" | "staff" | "platform" | "system"; id: string | null };
  /** Mails the customer when the directory changes the address of its account (see below). */
  queue: JobSender;
}

const NUMBER_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} ._/-]{0,63}$/u;

/**
 * Creates or updates a customer of the issuer's directory (idempotent). Customers sharing one address
 * share one account. A new address for a customer that is alone on its account, when no account has that
 * address yet, changes the ACCOUNT's address (same identifier, password, history and invoices; sessions
 * revoked, both addresses told): the customer of an active account must not find an empty one. Otherwise
 * (the address is another account's, or other customer numbers stay on the old one) the customer and its
 * invoices move to the account of the new address.
 */
export async function upsertCustomer(
  db: Database,
  input: UpsertCustomerInput,
): Promise<{ customer: CustomerRow; created: boolean; emailChanged: boolean }> {
  const customerNumber = input.customerNumber.trim();
  if (!NUMBER_PATTERN.test(customerNumber)) {
    throw new DomainError(
      "invalid_customer_number",
      "a customer number has 1 to 64 letters, digits, spaces or . _ / -",
    );
  }
  const name = input.name.trim();
  if (name.length === 0 || name.length > 200)
    throw new DomainError("invalid_name", "the customer name must have 1 to 200 characters");
  const email = input.email ? normalizeEmail(input.email) : null;
  if (email !== null && (!EMAIL_PATTERN.test(email) || email.length > 254)) {
    throw new DomainError("invalid_email", `"${input.email}" is not an e-mail address`);
  }
  const contracts = [...new Set((input.contracts ?? []).map((c) => c.trim()).filter(Boolean))];
  for (const contract of contracts) {
    if (!NUMBER_PATTERN.test(contract))
      throw new DomainError("invalid_contract_number", `"${contract}" is not a valid contract number`);
  }

  return db.transaction(async (tx) => {
    const now = new Date();
    const inPlace = email ? await addressChangeInPlace(tx, input.tenantId, customerNumber, email) : undefined;
    if (inPlace) {
      const moved = await moveAccountAddress(tx, input.queue, {
        tenantId: input.tenantId,
        accountId: inPlace.accountId,
        customerId: inPlace.customerId,
        email: email!,
        now,
        by: "issuer",
      });
      await appendAudit(tx, {
        tenantId: input.tenantId,
        actorType: input.actor.type,
        actorId: input.actor.id,
        action: "customer.email_changed",
        targetType: "customer",
        targetId: inPlace.customerId,
        at: now,
        details: {
          customerNumber,
          mode: "in-place",
          fromAccountId: inPlace.accountId,
          toAccountId: inPlace.accountId,
          sessionsRevoked: moved.sessionsRevoked,
        },
      });
    }
    const account = email ? (await ensureAccountForEmail(tx, input.tenantId, email)).account : null;
    const { row, created, previous } = await upsertCustomerRow(tx, {
      tenantId: input.tenantId,
      customerNumber,
      name,
      email,
      accountId: account?.id ?? null,
    });
    const taken = await addContracts(tx, input.tenantId, row.id, contracts);
    if (taken.length > 0) {
      throw new DomainError(
        "contract_taken",
        `contract ${taken.map((t) => `${t.contractNumber} (customer ${t.holderCustomerNumber})`).join(", ")} already belongs to another customer`,
        {
          contracts: taken.map((t) => t.contractNumber),
          holders: taken.map((t) => ({
            contractNumber: t.contractNumber,
            customerNumber: t.holderCustomerNumber,
          })),
        },
      );
    }
    const emailChanged = !created && previous?.email !== email;
    if (emailChanged) {
      // The account id is kept on invoice rows for the list index: follow the customer to its new account.
      await moveCustomerInvoicesToAccount(tx, input.tenantId, row.id, account?.id ?? null);
    }
    if (created || emailChanged || previous === undefined) {
      await appendAudit(tx, {
        tenantId: input.tenantId,
        actorType: input.actor.type,
        actorId: input.actor.id,
        action: created ? "customer.created" : "customer.email_changed",
        targetType: "customer",
        targetId: row.id,
        details: created
          ? { customerNumber, accountId: account?.id ?? null, hasEmail: email !== null }
          : { customerNumber, fromAccountId: previous?.accountId ?? null, toAccountId: account?.id ?? null },
      });
    }
    return { customer: row, created, emailChanged };
  });
}

/** The customer's account when a new address can simply become that account's (see upsertCustomer). */
async function addressChangeInPlace(
  tx: Sql,
  tenantId: string,
  customerNumber: string,
  email: string,
): Promise<{ customerId: string; accountId: string } | undefined> {
  const current = await lockCustomerByNumber(tx, tenantId, customerNumber);
  if (!current?.accountId || current.email === null || current.email === email) return undefined;
  if (await findAccountByEmail(tx, tenantId, email)) return undefined;
  if (await accountHasOtherCustomers(tx, tenantId, current.accountId, current.id)) return undefined;
  return { customerId: current.id, accountId: current.accountId };
}
