import { ensureAccountForEmail, findAccountByEmail } from "../../db/accounts.repository.js";
import { appendAudit } from "../../db/audit.repository.js";
import { upsertCustomerRow } from "../../db/customers.repository.js";
import type { Database } from "../../db/database.js";
import { revokeAccountSessions } from "../../db/sessions.repository.js";
import { voidTokens } from "../../db/tokens.repository.js";
import type { JobQueue } from "../../jobs/queue.js";
import { queueMail } from "../../mail/mail-queue.js";
import { DomainError } from "../shared/errors.js";
import type { StaffActor } from "../staff/staff-accounts.js";
import { EMAIL_PATTERN, normalizeEmail } from "./identifier.js";

export interface EmailCorrectionCheck {
  email: string;
  /** The address already belongs to another account of the tenant: the customer will join it. */
  joins?: { accountId: string; identifier: string; customerNumbers: string[] };
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
  const [customer] = await db.query<{ email: string | null; accountId: string | null }>(
    `select email, account_id as "accountId" from customers where tenant_id = $1 and id = $2`,
    [input.tenantId, input.customerId],
  );
  if (!customer) throw new DomainError("customer_not_found", "Ce client n’existe pas.");
  if (customer.email === email)
    throw new DomainError("same_email", "C’est déjà l’adresse enregistrée pour ce client : rien à corriger.");
  const existing = await findAccountByEmail(db, input.tenantId, email);
  if (!existing) return { email };
  const others = await db.query<{ n: string }>(
    `select customer_number as n from customers where tenant_id = $1 and account_id = $2 order by customer_number limit 20`,
    [input.tenantId, existing.id],
  );
  return {
    email,
    joins: {
      accountId: existing.id,
      identifier: existing.identifier,
      customerNumbers: others.map((o) => o.n),
    },
  };
}

/**
 * An advisor corrects a customer's registered address (SECURITY.md A4). In one transaction: the customer
 * (and its invoices) move to the account of the new address — created pending, or an existing one
 * (accounts merge, as publication does); the old account's pending links and sessions are voided; the
 * old address gets a notice; the audit entry names the advisor and the reason. The next publication
 * then sends the activation mail to the new address (once per address, see publishInvoices).
 */
export async function correctCustomerEmail(
  deps: { db: Database; queue: JobQueue },
  input: {
    tenantId: string;
    customerId: string;
    email: string;
    confirmation: string;
    reason: string;
    /** Set when the advisor saw and accepted that the customer joins an existing account. */
    mergeConfirmed: boolean;
    actor: StaffActor;
    ip: string | null;
    now?: Date;
  },
): Promise<{ merged: boolean; toAccountId: string; needsMergeConfirmation?: EmailCorrectionCheck }> {
  const now = input.now ?? new Date();
  const check = await checkEmailCorrection(deps.db, input);
  if (check.joins && !input.mergeConfirmed)
    return { merged: true, toAccountId: check.joins.accountId, needsMergeConfirmation: check };
  const reason = input.reason.trim();
  return deps.db.transaction(async (tx) => {
    const [before] = await tx.query<{
      customerNumber: string;
      name: string;
      email: string | null;
      accountId: string | null;
      language: "fr" | "en" | null;
    }>(
      `select c.customer_number as "customerNumber", c.name, c.email, c.account_id as "accountId", a.language
         from customers c left join accounts a on a.id = c.account_id
        where c.tenant_id = $1 and c.id = $2 for update of c`,
      [input.tenantId, input.customerId],
    );
    if (!before) throw new DomainError("customer_not_found", "Ce client n’existe pas.");
    if (before.email === check.email)
      throw new DomainError(
        "same_email",
        "C’est déjà l’adresse enregistrée pour ce client : rien à corriger.",
      );
    const { account, created } = await ensureAccountForEmail(tx, input.tenantId, check.email);
    await upsertCustomerRow(tx, {
      tenantId: input.tenantId,
      customerNumber: before.customerNumber,
      name: before.name,
      email: check.email,
      accountId: account.id,
    });
    await tx.query("update invoices set account_id = $3 where tenant_id = $1 and customer_id = $2", [
      input.tenantId,
      input.customerId,
      account.id,
    ]);
    let sessionsRevoked = 0;
    if (before.accountId) {
      await voidTokens(tx, input.tenantId, before.accountId, "password_reset", now);
      sessionsRevoked = await revokeAccountSessions(tx, input.tenantId, before.accountId, now);
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
    await appendAudit(tx, {
      tenantId: input.tenantId,
      actorType: input.actor.type,
      actorId: input.actor.id,
      action: "customer.email_corrected",
      targetType: "customer",
      targetId: input.customerId,
      ip: input.ip,
      at: now,
      details: {
        by: input.actor.name,
        reason,
        customerNumber: before.customerNumber,
        from: before.email,
        to: check.email,
        fromAccountId: before.accountId,
        toAccountId: account.id,
        joinedExistingAccount: !created,
        sessionsRevoked,
      },
    });
    return { merged: !created, toAccountId: account.id };
  });
}
