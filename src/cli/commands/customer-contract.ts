import type { Services } from "../../app.js";
import { detachContract } from "../../domain/customers/detach-contract.js";
import { findTenantArgument, parseCommandArgs } from "../command-helpers.js";
import { type CliIo, UsageError } from "../io.js";

export const detachContractUsage = `efacture customers detach-contract --tenant <slug> <contract number>`;

/** `customers detach-contract`: a contract registered on the wrong customer stops routing invoices to it. */
export async function detachContractCommand(args: string[], io: CliIo, services: Services): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { tenant: { type: "string" } });
  if (!values.tenant) throw new UsageError("customers detach-contract needs --tenant <slug>");
  if (positionals.length !== 1)
    throw new UsageError("customers detach-contract takes exactly one <contract number>");
  const tenant = await findTenantArgument(services, values.tenant);
  const result = await detachContract(services.db, {
    tenantId: tenant.id,
    contractNumber: positionals[0]!,
    actor: { type: "platform", id: "cli" },
  });
  io.out(
    result.detached
      ? `Contract ${result.contractNumber} detached from customer ${result.fromCustomerNumber}: invoices naming it are no longer routed to that customer; those already published stay (withdraw them if they must go).`
      : `Contract ${result.contractNumber} was already detached; nothing changed.`,
  );
  return 0;
}
