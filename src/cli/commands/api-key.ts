import { parseArgs } from "node:util";
import type { Services } from "../../app.js";
import { findTenantBySlug, type TenantRow } from "../../db/tenants.repository.js";
import { createApiKey } from "../../domain/api-keys/create-api-key.js";
import { listApiKeys } from "../../domain/api-keys/list-api-keys.js";
import { revokeApiKey } from "../../domain/api-keys/revoke-api-key.js";
import { DomainError } from "../../domain/shared/errors.js";
import { tenantOrigin } from "../../domain/tenants/tenant-url.js";
import { type CliIo, UsageError } from "../io.js";

export const apiKeyUsage = `efacture api-key create --tenant <slug> [--label L]
efacture api-key list --tenant <slug>
efacture api-key revoke --tenant <slug> <prefix>`;

const ACTOR = { type: "platform", id: "cli" } as const;

/** `api-key create|list|revoke`: the issuer API keys of one tenant (docs/security.md A5). */
export async function apiKeyCommand(args: string[], io: CliIo, services: Services): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { tenant: { type: "string" }, label: { type: "string" } },
  });
  if (sub !== "create" && sub !== "list" && sub !== "revoke") throw new UsageError(`usage:\n${apiKeyUsage}`);
  if (!values.tenant) throw new UsageError(`api-key ${sub} needs --tenant <slug>`);
  if (sub !== "create" && values.label !== undefined)
    throw new UsageError("--label goes with api-key create");
  const tenant = await findTenant(services, values.tenant);

  if (sub === "create") {
    if (positionals.length > 0) throw new UsageError("api-key create takes no positional argument");
    const { key, apiKey } = await createApiKey({
      db: services.db,
      tenantId: tenant.id,
      label: values.label,
      actor: ACTOR,
    });
    io.out(key);
    // The key alone on stdout (KEY=$(efacture api-key create ...)); the notice on stderr.
    io.err(
      `API key ${apiKey.prefix}${apiKey.label ? ` (${apiKey.label})` : ""} created for ${tenant.slug}: copy it now, it will not be shown again. Send it as "Authorization: Bearer <key>" to ${tenantOrigin(services.config.publicBaseUrl, tenant.slug)}/api/v1/`,
    );
    return 0;
  }

  if (sub === "list") {
    if (positionals.length > 0) throw new UsageError("api-key list takes no positional argument");
    const keys = await listApiKeys({ db: services.db, tenantId: tenant.id });
    if (keys.length === 0) {
      io.out(
        `No API key for ${tenant.slug}. Create one with: efacture api-key create --tenant ${tenant.slug}`,
      );
      return 0;
    }
    const rows = keys.map((k) => [
      k.prefix,
      k.label || "-",
      instant(k.createdAt),
      k.lastUsedAt ? instant(k.lastUsedAt) : "never",
      k.revokedAt ? instant(k.revokedAt) : "-",
    ]);
    const header = ["PREFIX", "LABEL", "CREATED", "LAST USED", "REVOKED"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const row of [header, ...rows]) {
      io.out(
        row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join("  ")
          .trimEnd(),
      );
    }
    return 0;
  }

  const [prefix] = positionals;
  if (!prefix || positionals.length > 1) throw new UsageError("api-key revoke takes exactly one <prefix>");
  const { revoked, alreadyRevoked } = await revokeApiKey({
    db: services.db,
    tenantId: tenant.id,
    prefix,
    actor: ACTOR,
  });
  for (const k of revoked)
    io.out(`API key ${k.prefix} of ${tenant.slug} revoked: it is refused from now on.`);
  for (const k of alreadyRevoked)
    io.out(`API key ${k.prefix} of ${tenant.slug} was already revoked on ${instant(k.revokedAt!)}.`);
  return 0;
}

async function findTenant(services: Services, slug: string): Promise<TenantRow> {
  const tenant = await findTenantBySlug(services.db, slug.trim().toLowerCase());
  if (!tenant) throw new DomainError("unknown_tenant", `no tenant "${slug}" (see efacture tenant list)`);
  return tenant;
}

function instant(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
