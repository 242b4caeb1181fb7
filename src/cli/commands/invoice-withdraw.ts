import type { Services } from "../../app.js";
import { withdrawInvoice } from "../../domain/invoices/withdraw-invoice.js";
import { DomainError } from "../../domain/shared/errors.js";
import { findTenantArgument, parseCommandArgs } from "../command-helpers.js";
import { type CliIo, UsageError } from "../io.js";

export const invoiceWithdrawUsage = `efacture invoices withdraw --tenant <slug> --reason <text> <invoice id>`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `invoices withdraw`: the operator's way to take back an invoice published to the wrong customer. */
export async function invoiceWithdrawCommand(args: string[], io: CliIo, services: Services): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    tenant: { type: "string" },
    reason: { type: "string" },
  });
  if (!values.tenant) throw new UsageError("invoices withdraw needs --tenant <slug>");
  if (values.reason === undefined) throw new UsageError("invoices withdraw needs --reason <text>");
  if (positionals.length !== 1) throw new UsageError("invoices withdraw takes exactly one <invoice id>");
  const tenant = await findTenantArgument(services, values.tenant);
  const id = positionals[0]!.trim().toLowerCase();
  if (!UUID.test(id))
    throw new DomainError("invoice_not_found", `no invoice ${positionals[0]} in ${tenant.slug}`);
  const { invoice, withdrawn } = await withdrawInvoice(
    { db: services.db },
    { tenantId: tenant.id, invoiceId: id, reason: values.reason, actor: { type: "platform", id: "cli" } },
  );
  io.out(
    withdrawn
      ? `Invoice ${invoice.invoiceNumber} withdrawn from customer ${invoice.customerNumber}: its number is free to publish again.`
      : `Invoice ${invoice.invoiceNumber} was already withdrawn on ${invoice.withdrawnAt!.toISOString()} (${invoice.withdrawalReason}); nothing changed.`,
  );
  return 0;
}
