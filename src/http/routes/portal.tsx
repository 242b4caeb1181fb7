import type { TenantRow } from "../../db/tenants.queries.js";
import type { BlobStore } from "../../storage/blob-store.js";
import type { TenantScope } from "../tenant-scope.js";
import type { Branding } from "../views/layout.js";
import { faviconUrl } from "./favicon.js";

export function tenantBranding(tenant: TenantRow): Branding {
  return {
    name: tenant.displayName,
    logoUrl: tenant.logoSha256 ? `/branding/logo?v=${tenant.logoSha256.slice(0, 12)}` : undefined,
    brandingCssUrl: `/branding.css?v=${tenant.primaryColor.slice(1)}`,
    portal: true,
    faviconUrl: faviconUrl(tenant),
  };
}

/** A tenant's branding assets (logo, colour), inside the tenant scope. */
export async function portalRoutes(app: TenantScope, options: { blobs: BlobStore }) {
  app.get("/branding/logo", async (request, reply) => {
    const { tenant } = request;
    if (!tenant.logoSha256) return reply.callNotFound();
    const bytes = await options.blobs.read(tenant.logoSha256);
    if (!bytes) return reply.callNotFound();
    reply
      .header("content-type", tenant.logoContentType ?? "image/png")
      .header("cache-control", "public, max-age=86400")
      .header("x-content-type-options", "nosniff");
    return Buffer.from(bytes);
  });

  app.get("/branding.css", async (request, reply) => {
    // primary_color is checked by the database to be #rrggbb, so it is safe inside CSS.
    reply.header("content-type", "text/css; charset=utf-8").header("cache-control", "public, max-age=300");
    return `:root { --brand: ${request.tenant.primaryColor}; }\n`;
  });
}
