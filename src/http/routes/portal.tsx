import type { FastifyInstance } from "fastify";
import type { TenantRow } from "../../db/tenants.repository.js";
import type { BlobStore } from "../../storage/blob-store.js";
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

/** A tenant's branding assets (logo, colour). */
export async function portalRoutes(app: FastifyInstance, options: { blobs: BlobStore }) {
  app.get("/branding/logo", async (request, reply) => {
    const { site } = request;
    if (site.kind !== "tenant" || !site.tenant.logoSha256) return reply.callNotFound();
    const bytes = await options.blobs.read(site.tenant.logoSha256);
    if (!bytes) return reply.callNotFound();
    reply
      .header("content-type", site.tenant.logoContentType ?? "image/png")
      .header("cache-control", "public, max-age=86400")
      .header("x-content-type-options", "nosniff");
    return Buffer.from(bytes);
  });

  app.get("/branding.css", async (request, reply) => {
    const { site } = request;
    if (site.kind !== "tenant") return reply.callNotFound();
    // primary_color is checked by the database to be #rrggbb, so it is safe inside CSS.
    reply.header("content-type", "text/css; charset=utf-8").header("cache-control", "public, max-age=300");
    return `:root { --brand: ${site.tenant.primaryColor}; }\n`;
  });
}
