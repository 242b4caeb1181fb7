import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Services } from "../../app.js";
import { findTenantBySlug, listTenants, type TenantRow } from "../../db/tenants.repository.js";
import type { StaffActor } from "../../domain/staff/staff-accounts.js";
import {
  updateContact,
  updateDefaultProcessingRule,
  updateLegal,
} from "../../domain/staff/tenant-settings.js";
import { createTenant } from "../../domain/tenants/create-tenant.js";
import {
  CONTACT_FIELDS,
  type ContactDetails,
  LEGAL_FIELDS,
  type LegalDetails,
  missingPortalDetails,
} from "../../domain/tenants/portal-details.js";
import { tenantOrigin } from "../../domain/tenants/tenant-url.js";
import { type CliIo, UsageError } from "../io.js";
import { tenantSellerCommand, tenantSellerUsage } from "./tenant-seller.js";

export const tenantUsage = `efacture tenant create <slug> --name <display name> [--retention-months N] [--color #rrggbb] [--logo logo.png]
efacture tenant list
${tenantSellerUsage}
efacture tenant legal <slug> [--company-name X] [--address X] [--siren X] [--contact-email X] [--dpo-email X] [--publisher-name X] [--host-name X] [--host-address X] [--host-phone X]
efacture tenant contact <slug> [--phone X] [--hours X] [--address X] [--email X] [--form-url X]
efacture tenant route <slug> <B2B|B2BInt|B2C|OutOfScope|ArchiveOnly>   (the route of invoices that state none; B2C out of the box)
efacture tenant status <slug>`;

const CLI_ACTOR: StaffActor = { type: "platform", id: "cli", name: "command line" };
/** `companyName` ↔ `--company-name`: one option per stored field, so the CLI and the admin page say the same. */
const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Prints whether the portal is open to customers, or which legal details keep it closed (production). */
function printStatus(io: CliIo, tenant: Pick<TenantRow, "slug" | "settings">) {
  const missing = missingPortalDetails(tenant.settings);
  if (missing.length === 0) {
    io.out(`Portal "${tenant.slug}": legal details and contact complete, open to customers.`);
    return;
  }
  io.out(
    `Portal "${tenant.slug}" stays closed to customers in production until these are set: ${missing.map((d) => d.en).join(", ")}.`,
  );
  io.out(
    `Set them with: efacture tenant legal ${tenant.slug} … and efacture tenant contact ${tenant.slug} … (or in the back office, Administration > Portail).`,
  );
}

async function tenantBySlug(services: Services, slug: string | undefined): Promise<TenantRow> {
  if (!slug) throw new UsageError("give the tenant's <slug>");
  const tenant = await findTenantBySlug(services.db, slug.trim().toLowerCase());
  if (!tenant) throw new UsageError(`no tenant "${slug}" (see efacture tenant list)`);
  return tenant;
}

/** Options named after the fields; only the ones given change, the others keep their stored value. */
function mergedFields<K extends string>(
  keys: readonly K[],
  rest: string[],
  stored: unknown,
): { values: Record<K, string>; positionals: string[]; changed: number } {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: Object.fromEntries(keys.map((k) => [kebab(k), { type: "string" as const }])),
  });
  const before = stored && typeof stored === "object" ? (stored as Record<string, unknown>) : {};
  let changed = 0;
  const merged = {} as Record<K, string>;
  for (const key of keys) {
    const given = (values as Record<string, string | undefined>)[kebab(key)];
    if (given !== undefined) changed++;
    merged[key] = given ?? (typeof before[key] === "string" ? (before[key] as string) : "");
  }
  return { values: merged, positionals, changed };
}

/** `tenant create|list`: the platform operator's view of issuers. */
export async function tenantCommand(args: string[], io: CliIo, services: Services): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "seller") return tenantSellerCommand(rest, io, services);
  if (sub === "list") {
    const tenants = await listTenants(services.db);
    if (tenants.length === 0) {
      io.out("No tenant yet. Create one with: efacture tenant create <slug> --name <display name>");
      return 0;
    }
    const rows = tenants.map((t) => [
      t.slug,
      t.displayName,
      `${t.retentionMonths} months`,
      String(t.customers),
      String(t.invoices),
      `${tenantOrigin(services.config.publicBaseUrl, t.slug)}/`,
    ]);
    const header = ["SLUG", "NAME", "RETENTION", "CUSTOMERS", "INVOICES", "URL"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const row of [header, ...rows])
      io.out(
        row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join("  ")
          .trimEnd(),
      );
    return 0;
  }
  if (sub === "create") {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        name: { type: "string" },
        "retention-months": { type: "string" },
        color: { type: "string" },
        logo: { type: "string" },
      },
    });
    const slug = positionals[0];
    if (!slug || positionals.length > 1) throw new UsageError("tenant create takes exactly one <slug>");
    if (!values.name) throw new UsageError("tenant create needs --name <display name>");
    const retention = values["retention-months"];
    if (retention !== undefined && !/^\d+$/.test(retention))
      throw new UsageError("--retention-months must be a whole number");
    const tenant = await createTenant(services.db, {
      slug,
      displayName: values.name,
      retentionMonths: retention === undefined ? undefined : Number(retention),
      primaryColor: values.color,
      logo: values.logo
        ? { bytes: readLogo(path.resolve(io.cwd, values.logo)), blobs: services.blobs }
        : undefined,
    });
    io.out(
      `Tenant "${tenant.slug}" created: ${tenant.displayName}, invoices kept ${tenant.retentionMonths} months.`,
    );
    io.out(`Portal: ${tenantOrigin(services.config.publicBaseUrl, tenant.slug)}/`);
    printStatus(io, tenant);
    return 0;
  }
  if (sub === "status") {
    if (rest.length !== 1) throw new UsageError("tenant status takes exactly one <slug>");
    printStatus(io, await tenantBySlug(services, rest[0]));
    return 0;
  }
  if (sub === "route") {
    if (rest.length !== 2) throw new UsageError("tenant route takes <slug> <route>");
    const tenant = await tenantBySlug(services, rest[0]);
    await updateDefaultProcessingRule(services.db, {
      tenantId: tenant.id,
      actor: CLI_ACTOR,
      ip: null,
      rule: rest[1]!,
    });
    io.out(`Invoices of "${tenant.slug}" that state no route are now routed ${rest[1]!.trim()}.`);
    return 0;
  }
  if (sub === "legal" || sub === "contact") {
    const tenant = await tenantBySlug(services, rest[0]);
    const keys = sub === "legal" ? LEGAL_FIELDS : CONTACT_FIELDS;
    const { values, positionals, changed } = mergedFields<string>(keys, rest.slice(1), tenant.settings[sub]);
    if (positionals.length > 0) throw new UsageError(`tenant ${sub} takes one <slug> then --options`);
    if (changed === 0)
      throw new UsageError(
        `tenant ${sub} needs at least one of ${keys.map((k) => `--${kebab(k)}`).join(" ")}`,
      );
    const common = { tenantId: tenant.id, actor: CLI_ACTOR, ip: null };
    const saved =
      sub === "legal"
        ? await updateLegal(services.db, { ...common, legal: values as Partial<LegalDetails> })
        : await updateContact(services.db, { ...common, contact: values as Partial<ContactDetails> });
    io.out(`${sub === "legal" ? "Legal details" : "Contact block"} of "${tenant.slug}" saved.`);
    printStatus(io, { slug: tenant.slug, settings: { ...tenant.settings, [sub]: saved } });
    return 0;
  }
  throw new UsageError(`usage:\n${tenantUsage}`);
}

function readLogo(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`cannot read the logo ${file} (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
}
