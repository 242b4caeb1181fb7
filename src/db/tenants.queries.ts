import type { Sql } from "./database.js";
import type { tenants } from "./schema.js";

// Named READ queries on tenants (the web app resolves the Host with findTenantBySlug); the writes are in
// tenants.repository.ts.

/** A tenant as the schema declares it (the same type tenants.repository.ts writes). */
export type TenantRow = typeof tenants.$inferSelect;

/** The columns of a TenantRow (the repository's writes return the same shape). */
export const TENANT_COLUMNS = `id, slug, display_name as "displayName", primary_color as "primaryColor", logo_sha256 as "logoSha256",
  logo_content_type as "logoContentType", retention_months as "retentionMonths", settings,
  default_processing_rule as "defaultProcessingRule", created_at as "createdAt"`;

export async function findTenantBySlug(sql: Sql, slug: string): Promise<TenantRow | undefined> {
  const [row] = await sql.query<TenantRow>(`select ${TENANT_COLUMNS} from tenants where slug = $1`, [slug]);
  return row;
}

export async function listTenants(
  sql: Sql,
): Promise<(TenantRow & { customers: number; invoices: number })[]> {
  return sql.query(
    `select ${TENANT_COLUMNS},
       (select count(*) from customers c where c.tenant_id = t.id) as customers,
       (select count(*) from invoices i where i.tenant_id = t.id) as invoices
     from tenants t order by slug`,
  );
}
