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

/** Display name, brand colour and, when given, a new logo (the logo stays otherwise). */
export async function updateTenantBranding(
  sql: Sql,
  tenantId: string,
  branding: { displayName: string; primaryColor: string; logo?: { sha256: string; type: string } },
): Promise<void> {
  await sql.query(
    `update tenants set display_name = $2, primary_color = $3,
            logo_sha256 = coalesce($4, logo_sha256), logo_content_type = coalesce($5, logo_content_type)
      where id = $1`,
    [
      tenantId,
      branding.displayName,
      branding.primaryColor,
      branding.logo?.sha256 ?? null,
      branding.logo?.type ?? null,
    ],
  );
}

/** Sets the months invoices stay online; returns the months before. */
export async function setTenantRetentionMonths(
  sql: Sql,
  tenantId: string,
  months: number,
): Promise<number | undefined> {
  const [before] = await sql.query<{ m: number }>("select retention_months as m from tenants where id = $1", [
    tenantId,
  ]);
  await sql.query("update tenants set retention_months = $2 where id = $1", [tenantId, months]);
  return before?.m;
}

/** Sets the route of invoices that state none (migration 0010); returns the route before. */
export async function setTenantDefaultProcessingRule(
  sql: Sql,
  tenantId: string,
  rule: string,
): Promise<string | undefined> {
  const [before] = await sql.query<{ rule: string }>(
    "select default_processing_rule as rule from tenants where id = $1 for update",
    [tenantId],
  );
  await sql.query("update tenants set default_processing_rule = $2 where id = $1", [tenantId, rule]);
  return before?.rule;
}

/** Replaces one entry of the tenant's settings (FAQ, legal details, contact block) with this JSON value. */
export async function setTenantSetting(
  sql: Sql,
  tenantId: string,
  key: "faqMarkdown" | "legal" | "contact",
  value: unknown,
): Promise<void> {
  await sql.query(
    `update tenants set settings = jsonb_set(settings, array[$2::text], $3::jsonb) where id = $1`,
    [tenantId, key, JSON.stringify(value)],
  );
}

/** Merges these entries into the tenant's settings (the demo's readiness marks). */
export async function mergeTenantSettings(
  sql: Sql,
  tenantId: string,
  entries: Record<string, unknown>,
): Promise<void> {
  await sql.query("update tenants set settings = settings || $2::jsonb where id = $1", [
    tenantId,
    JSON.stringify(entries),
  ]);
}
