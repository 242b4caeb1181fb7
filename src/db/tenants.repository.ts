import type { Sql } from "./database.js";

export interface TenantRow {
  id: string;
  slug: string;
  displayName: string;
  primaryColor: string;
  logoSha256: string | null;
  logoContentType: string | null;
  retentionMonths: number;
  settings: Record<string, unknown>;
  createdAt: Date;
}

const COLUMNS = `id, slug, display_name as "displayName", primary_color as "primaryColor", logo_sha256 as "logoSha256",
  logo_content_type as "logoContentType", retention_months as "retentionMonths", settings, created_at as "createdAt"`;

export async function findTenantBySlug(sql: Sql, slug: string): Promise<TenantRow | undefined> {
  const [row] = await sql.query<TenantRow>(`select ${COLUMNS} from tenants where slug = $1`, [slug]);
  return row;
}

export async function listTenants(
  sql: Sql,
): Promise<(TenantRow & { customers: number; invoices: number })[]> {
  return sql.query(
    `select ${COLUMNS},
       (select count(*) from customers c where c.tenant_id = t.id) as customers,
       (select count(*) from invoices i where i.tenant_id = t.id) as invoices
     from tenants t order by slug`,
  );
}

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
     returning ${COLUMNS}`,
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
