import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Services } from "../../app.js";
import { listTenants } from "../../db/tenants.repository.js";
import { createTenant } from "../../domain/tenants/create-tenant.js";
import { tenantOrigin } from "../../domain/tenants/tenant-url.js";
import { type CliIo, UsageError } from "../io.js";
import { tenantSellerCommand, tenantSellerUsage } from "./tenant-seller.js";

export const tenantUsage = `efacture tenant create <slug> --name <display name> [--retention-months N] [--color #rrggbb] [--logo logo.png]
efacture tenant list
${tenantSellerUsage}`;

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
