import type { Sql } from "./database.js";
import { TENANT_COLUMNS, type TenantRow } from "./tenants.queries.js";

// The reads moved to tenants.queries.ts; re-exported for the callers that still import them from here.
export { findTenantBySlug, listTenants, type TenantRow } from "./tenants.queries.js";

export async function insertTenant(
  sql: Sql,
  tenant: {
    slug: string;
    displayName: string;
    retentionMonths: number;
    primaryColor?: string;
    logoSha256?: string;
    settings?: Record<string, unknown>;
  },
): Promise<TenantRow | undefined> {
  const [row] = await sql.query<TenantRow>(
    `insert into tenants (slug, display_name, retention_months, primary_color, settings, logo_sha256, logo_content_type)
     values ($1, $2, $3, coalesce($4, '#1f4e79'), $5, $6, case when $6::text is null then null else 'image/png' end)
     on conflict (slug) do nothing
     returning ${TENANT_COLUMNS}`,
    [
      tenant.slug,
      tenant.displayName,
      tenant.retentionMonths,
      tenant.primaryColor ?? null,
      JSON.stringify(tenant.settings ?? {}),
      tenant.logoSha256 ?? null,
    ],
  );
  return row;
}
