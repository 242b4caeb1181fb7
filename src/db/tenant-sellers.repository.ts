import type { Sql } from "./database.js";
import type { tenantSellers } from "./schema.js";

export type SellerKind = "siren" | "vat";

export type TenantSellerRow = Pick<typeof tenantSellers.$inferSelect, "id" | "value" | "createdAt"> & {
  kind: SellerKind;
};

const COLUMNS = `id, kind, value, created_at as "createdAt"`;

/** The seller identities the tenant declared, SIREN first then VAT ids, each in order. */
export async function listTenantSellers(sql: Sql, tenantId: string): Promise<TenantSellerRow[]> {
  return sql.query<TenantSellerRow>(
    `select ${COLUMNS} from tenant_sellers where tenant_id = $1 order by kind, value`,
    [tenantId],
  );
}

/** Adds the identity; undefined when the tenant had declared it already. */
export async function insertTenantSeller(
  sql: Sql,
  tenantId: string,
  seller: { kind: SellerKind; value: string },
): Promise<TenantSellerRow | undefined> {
  const [row] = await sql.query<TenantSellerRow>(
    `insert into tenant_sellers (tenant_id, kind, value) values ($1, $2, $3)
     on conflict (tenant_id, value) do nothing
     returning ${COLUMNS}`,
    [tenantId, seller.kind, seller.value],
  );
  return row;
}

/** Removes the identity; undefined when the tenant had not declared it. */
export async function deleteTenantSeller(
  sql: Sql,
  tenantId: string,
  value: string,
): Promise<TenantSellerRow | undefined> {
  const [row] = await sql.query<TenantSellerRow>(
    `delete from tenant_sellers where tenant_id = $1 and value = $2 returning ${COLUMNS}`,
    [tenantId, value],
  );
  return row;
}
