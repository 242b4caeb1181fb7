import {
  ensureAccountForEmail,
  findAccountByEmail,
  findAccountById,
  lockAccounts,
  setAccountEmail,
} from "../../db/accounts.repository.js";
import {
  findCustomerById,
  listCustomerNumbersOfAccount,
  lockCustomerWithAccount,
  setEmailOfAccountCustomers,
  upsertCustomerRow,
} from "../../db/customers.repository.js";
import type { Database, Sql } from "../../db/database.js";
import { countLiveInvoicesOfCustomer, moveCustomerInvoicesToAccount } from "../../db/invoices.repository.js";
import { revokeSessions } from "../../db/sessions.repository.js";
import { voidTokens } from "../../db/tokens.repository.js";
import { queueMail } from "../mail/queue-mail.js";
import { DomainError } from "../shared/errors.js";
import type { JobSender } from "../shared/jobs.js";
import { auditActorAction, type StaffActor } from "../staff/staff-accounts.js";
import { EMAIL_PATTERN, normalizeEmail } from "./identifier.js";

export interface EmailCorrectionCheck {
  email: string;
  /** The customer's current account (absent when it had no address). */
  account?: { accountId: string; identifier: string; status: "pending" | "active" | "locked" };
  /** The customer's invoices still on the portal: what leaves the account when the customer moves. */
  invoices: number;
  /** The address already belongs to another account of the tenant: the customer will join it. */
  joins?: { accountId: string; identifier: string; customerNumbers: string[] };
  /** Other customer numbers share the customer's account: the advisor says whether they follow. */
  shared?: { customerNumbers: string[] };
}

/** Validates a correction before anything changes; the errors are what the advisor reads. */
export async function checkEmailCorrection(
  db: Database,
  input: { tenantId: string; customerId: string; email: string; confirmation: string; reason: string },
): Promise<EmailCorrectionCheck> {
  const email = normalizeEmail(input.email.slice(0, 400));
  if (!EMAIL_PATTERN.test(email) || email.length > 254)
    throw new DomainError(
      "invalid_email",
      "Cette adresse e-mail n’est pas valide (exemple : prenom.nom@exemple.fr).",
    );
  if (normalizeEmail(input.confirmation.slice(0, 400)) !== email)
    throw new DomainError("email_mismatch", "Les deux adresses saisies ne sont pas identiques.");
  const reason = input.reason.trim();
  if (reason.length < 3 || reason.length > 500)
    throw new DomainError("reason_required", "Indiquez le motif de la correction (3 à 500 caractères).");
  const customer = await findCustomerById(db, input.tenantId, input.customerId);
  if (!customer) throw new DomainError("customer_not_found", "Ce client n’existe pas.");
  if (customer.email === email)
    throw new DomainError("same_email", "C’est déjà l’adresse enregistrée pour ce client : rien à corriger.");
  return {
    email,
    ...(await describeSituation(db, input.tenantId, input.customerId, customer.accountId, email)),
  };
}

/** The customer's account as the correction form describes it before any address is typed. */
export async function emailCorrectionContext(
  db: Database,
  tenantId: string,
  customerId: string,
): Promise<Omit<EmailCorrectionCheck, "email" | "joins">> {
  const customer = await findCustomerById(db, tenantId, customerId);
  // No account has the empty address: this describes the account and whether it is shared, never a join.
  return describeSituation(db, tenantId, customerId, customer?.accountId ?? null, "");
}

/** What a correction to `email` would do to this customer, in the words the form shows before the POST. */
async function describeSituation(
  db: Sql,
  tenantId: string,
  customerId: string,
  accountId: string | null,
  email: string,
): Promise<Omit<EmailCorrectionCheck, "email">> {
  const invoices = await countLiveInvoicesOfCustomer(db, tenantId, customerId);
  const current = accountId ? await findAccountById(db, tenantId, accountId) : undefined;
  const situation: Omit<EmailCorrectionCheck, "email"> = {
    invoices,
    account: current && { accountId: current.id, identifier: current.identifier, status: current.status },
  };
  const existing = await findAccountByEmail(db, tenantId, email);
  if (existing && existing.id !== accountId) {
    situation.joins = {
      accountId: existing.id,
      identifier: existing.identifier,
      customerNumbers: await customerNumbersOf(db, tenantId, existing.id),
    };
  } else if (current) {
    const others = (await customerNumbersOf(db, tenantId, current.id, customerId)).slice(0, 20);
    if (others.length > 0) situation.shared = { customerNumbers: others };
  }
  return situation;
}

function customerNumbersOf(sql: Sql, tenantId: string, accountId: string, except?: string) {
  return listCustomerNumbersOfAccount(sql, tenantId, accountId, { exceptCustomerId: except, limit: 21 });
}

/**
 * An advisor corrects a customer's registered address (docs/security.md A4). The cases, decided before the
 * POST (checkEmailCorrection) and shown to the advisor in words:
 *
 * (a) In place — the new address has no account in the tenant, and the customer's account holds only this
 *     customer number, or the advisor chose that every number of the account follows (`scope: "account"`):
 *     the ACCOUNT's address changes. Same account row, so same identifier, password, status, history and
 *     invoices (their account_id does not move, no list version moves). Its reset links are voided and its
 *     sessions revoked (the customer logs in again with the same identifier and password); the old address
 *     gets the `email-changed` notice and, if the account was ever activated, the new address gets
 *     `email-changed-new` (a pending account gets its activation mail at the new address with the next
 *     invoice, as before, since that mail is sent once per address).
 * (b) Join — the new address already belongs to another account of the tenant: only this customer number
 *     (and its invoices) moves to that account, after the advisor saw which account and how many invoices
 *     and confirmed (`mergeConfirmed`). Accounts are one per address, so this is the only way.
 * (c) Detach — the account is shared with other customer numbers (a fleet manager's account) and the
 *     advisor chose that only this number changes (`scope: "customer"`): this number and its invoices move
 *     to a new pending account of the new address (new identifier, activation mail with the next invoice or
 *     from the record); the others keep the account untouched. Until the advisor chose, nothing changes.
 *     A customer without an address yet gets a new account the same way.
 *
 * Whenever the customer moves (b, c), the old account's reset links and sessions are voided too (it may be
 * the one the requester controls) and the old address is notified. Every case is one transaction, audited
 * with the advisor, the reason and what happened (`mode`).
 */
export async function correctCustomerEmail(
  deps: { db: Database; queue: JobSender },
  input: {
    tenantId: string;
    customerId: string;
    email: string;
    confirmation: string;
    reason: string;
    /** Set when the advisor saw and accepted that the customer joins an existing account. */
    mergeConfirmed: boolean;
    /** For a shared account: do all its customer numbers follow ("account") or only this one ("customer")? */
    scope?: "account" | "customer";
    actor: StaffActor;
    ip: string | null;
    now?: Date;
  },
): Promise<{
  merged: boolean;
  toAccountId: string;
  mode?: "in-place" | "joined" | "moved";
  needsMergeConfirmation?: EmailCorrectionCheck;
  needsScope?: EmailCorrectionCheck;
}> {
  const now = input.now ?? new Date();
  const check = await checkEmailCorrection(deps.db, input);
  if (check.joins && !input.mergeConfirmed)
    return { merged: true, toAccountId: check.joins.accountId, needsMergeConfirmation: check };
  if (!check.joins && check.shared && !input.scope)
    return { merged: false, toAccountId: check.account!.accountId, needsScope: check };
  const reason = input.reason.trim();
  return deps.db.transaction(async (tx) => {
    const before = await lockCustomerWithAccount(tx, input.tenantId, input.customerId);
    if (!before) throw new DomainError("customer_not_found", "Ce client n’existe pas.");
    if (before.email === check.email)
      throw new DomainError(
        "same_email",
        "C’est déjà l’adresse enregistrée pour ce client : rien à corriger.",
      );
    // The situation may have changed since the advisor read it: what they confirmed must still hold.
    const situation = await describeSituation(
      tx,
      input.tenantId,
      input.customerId,
      before.accountId,
      check.email,
    );
    if (
      situation.joins?.accountId !== check.joins?.accountId ||
      (situation.shared && !check.shared && !input.scope)
    )
      throw new DomainError(
        "situation_changed",
        "La situation de ce client vient de changer : relisez l’avertissement ci-dessous et validez à nouveau.",
      );
    const inPlace =
      !situation.joins && before.accountId !== null && (!situation.shared || input.scope === "account");
    if (inPlace) return correctInPlace(tx, deps.queue, input, before.accountId!, check.email, reason, now);

    const { account, created } = await ensureAccountForEmail(tx, input.tenantId, check.email);
    await upsertCustomerRow(tx, {
      tenantId: input.tenantId,
      customerNumber: before.customerNumber,
      name: before.name,
      email: check.email,
      accountId: account.id,
    });
    await moveCustomerInvoicesToAccount(tx, input.tenantId, input.customerId, account.id);
    let sessionsRevoked = 0;
    if (before.accountId) {
      await voidTokens(tx, input.tenantId, before.accountId, "password_reset", now);
      sessionsRevoked = await revokeSessions(
        tx,
        { tenantId: input.tenantId, accountId: before.accountId },
        now,
      );
    }
    if (before.email) {
      await queueMail(tx, deps.queue, {
        tenantId: input.tenantId,
        accountId: before.accountId,
        customerId: input.customerId,
        kind: "email-changed",
        to: before.email,
        language: before.language ?? "fr",
        params: { at: now.toISOString(), customerNumber: before.customerNumber },
      });
    }
    const mode = created ? "moved" : "joined";
    await auditCorrection(tx, input, reason, now, {
      mode,
      customerNumber: before.customerNumber,
      from: before.email,
      to: check.email,
      fromAccountId: before.accountId,
      toAccountId: account.id,
      joinedExistingAccount: !created,
      invoicesMoved: situation.invoices,
      sessionsRevoked,
    });
    return { merged: !created, toAccountId: account.id, mode };
  });
}

/** The audit entry of a correction: the advisor, the reason, and what happened. */
function auditCorrection(
  tx: Sql,
  input: { tenantId: string; customerId: string; actor: StaffActor; ip: string | null },
  reason: string,
  at: Date,
  details: Record<string, unknown>,
) {
  return auditActorAction(
    tx,
    { ...input, at },
    "customer.email_corrected",
    { type: "customer", id: input.customerId },
    { by: input.actor.name, reason, ...details },
  );
}

/** Case (a): the account itself changes address; every customer number on it follows. */
async function correctInPlace(
  tx: Sql,
  queue: JobSender,
  input: { tenantId: string; customerId: string; actor: StaffActor; ip: string | null },
  accountId: string,
  email: string,
  reason: string,
  now: Date,
): Promise<{ merged: false; toAccountId: string; mode: "in-place" }> {
  const moved = await moveAccountAddress(tx, queue, {
    tenantId: input.tenantId,
    accountId,
    customerId: input.customerId,
    email,
    now,
    by: "advisor",
  });
  await auditCorrection(tx, input, reason, now, {
    mode: "in-place",
    customerNumber: moved.customerNumber,
    customerNumbers: moved.customerNumbers,
    from: moved.from,
    to: email,
    fromAccountId: accountId,
    toAccountId: accountId,
    joinedExistingAccount: false,
    sessionsRevoked: moved.sessionsRevoked,
  });
  return { merged: false, toAccountId: accountId, mode: "in-place" };
}

/**
 * The account itself takes a new address (an advisor's correction, or the issuer's directory giving a new
 * address to the only customer number of an account): same account row, so the same identifier, password,
 * status, history and invoices. Every customer number of the account follows; reset links are voided,
 * sessions revoked, the old address is told (never naming the new one) and, if the account was ever
 * activated, the new address learns that only the address changed. The caller audits.
 */
export async function moveAccountAddress(
  tx: Sql,
  queue: JobSender,
  input: {
    tenantId: string;
    accountId: string;
    customerId: string;
    email: string;
    now: Date;
    by: "advisor" | "issuer";
  },
): Promise<{
  customerNumber: string | null;
  customerNumbers: string[];
  from: string;
  sessionsRevoked: number;
}> {
  const { tenantId, accountId, email, now } = input;
  // Customer rows first, then the account: the order a publication takes them. Only e-mail columns
  // change, so no list version is bumped and no invoice row is touched.
  const followers = await setEmailOfAccountCustomers(tx, tenantId, accountId, email);
  const [account] = await lockAccounts(tx, tenantId, [accountId]);
  if (!account) throw new Error(`account ${accountId} vanished during an address change`);
  await setAccountEmail(tx, tenantId, accountId, email);
  await voidTokens(tx, tenantId, accountId, "password_reset", now);
  const sessionsRevoked = await revokeSessions(tx, { tenantId, accountId }, now);
  const customerNumbers = followers.map((f) => f.customerNumber).sort();
  await queueMail(tx, queue, {
    tenantId,
    accountId,
    customerId: input.customerId,
    kind: "email-changed",
    to: account.email,
    language: account.language,
    params: { at: now.toISOString(), customerNumber: customerNumbers.join(", "), by: input.by },
  });
  // A pending account has nothing to log in to yet: its activation mail follows at the new address.
  if (account.status !== "pending")
    await queueMail(tx, queue, {
      tenantId,
      accountId,
      customerId: input.customerId,
      kind: "email-changed-new",
      to: email,
      language: account.language,
      params: {
        at: now.toISOString(),
        identifier: account.identifier,
        customerNumbers: customerNumbers.join(", "),
        by: input.by,
      },
    });
  return {
    customerNumber: followers.find((f) => f.id === input.customerId)?.customerNumber ?? null,
    customerNumbers,
    from: account.email,
    sessionsRevoked,
  };
}
