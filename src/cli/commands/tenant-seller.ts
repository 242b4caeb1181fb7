import type { Services } from "../../app.js";
import {
  addSellerIdentity,
  listSellerIdentities,
  removeSellerIdentity,
} from "../../domain/tenants/seller-identities.js";
import { findTenantArgument } from "../command-helpers.js";
import { type CliIo, UsageError } from "../io.js";

export const tenantSellerUsage = `efacture tenant seller add|remove <slug> <SIREN or VAT id>
efacture tenant seller list <slug>`;

const ACTOR = { type: "platform", id: "cli" } as const;

/**
 * `tenant seller add|remove|list`: the legal entities whose invoices the tenant may publish (issue #13
 * item 8). With none declared every seller is accepted; with one or more, an invoice of another seller
 * is refused (seller_not_declared).
 */
export async function tenantSellerCommand(args: string[], io: CliIo, services: Services): Promise<number> {
  const [sub, slug, value, ...extra] = args;
  if (sub === "list") {
    if (!slug || value !== undefined) throw new UsageError(`usage:\n${tenantSellerUsage}`);
    const tenant = await findTenantArgument(services, slug);
    const sellers = await listSellerIdentities(services.db, tenant.id);
    if (sellers.length === 0) {
      io.out(
        `No seller identity declared for ${tenant.slug}: invoices of any seller are accepted. Declare one with: efacture tenant seller add ${tenant.slug} <SIREN or VAT id>`,
      );
      return 0;
    }
    for (const s of sellers) io.out(`${s.kind === "siren" ? "SIREN" : "VAT  "}  ${s.value}`);
    return 0;
  }
  if ((sub !== "add" && sub !== "remove") || !slug || !value || extra.length > 0)
    throw new UsageError(`usage:\n${tenantSellerUsage}`);
  const tenant = await findTenantArgument(services, slug);
  if (sub === "add") {
    const { seller, added } = await addSellerIdentity(services.db, {
      tenantId: tenant.id,
      value,
      actor: ACTOR,
    });
    const label = seller.kind === "siren" ? "SIREN" : "VAT id";
    io.out(
      added
        ? `${label} ${seller.value} declared for ${tenant.slug}: invoices of other sellers are now refused.`
        : `${label} ${seller.value} was already declared for ${tenant.slug}.`,
    );
    return 0;
  }
  const { seller, remaining } = await removeSellerIdentity(services.db, {
    tenantId: tenant.id,
    value,
    actor: ACTOR,
  });
  io.out(
    remaining === 0
      ? `${seller.value} removed: ${tenant.slug} declares no seller identity any more, invoices of any seller are accepted.`
      : `${seller.value} removed from ${tenant.slug} (${remaining} seller identit${remaining === 1 ? "y" : "ies"} left).`,
  );
  return 0;
}
