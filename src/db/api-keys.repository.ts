import type { Sql } from "./database.js";
import type { apiKeys } from "./schema.js";

/** An API key as shown and checked (never its hash). */
export type ApiKeyRow = Omit<typeof apiKeys.$inferSelect, "keyHash">;

const COLUMNS = `id, tenant_id as "tenantId", label, prefix, created_at as "createdAt", last_used_at as "lastUsedAt",
  revoked_at as "revokedAt"`;

export async function insertApiKey(
  sql: Sql,
  key: { tenantId: string; label: string; prefix: string; keyHash: string },
): Promise<ApiKeyRow> {
  const [row] = await sql.query<ApiKeyRow>(
    `insert into api_keys (tenant_id, label, prefix, key_hash) values ($1, $2, $3, $4) returning ${COLUMNS}`,
    [key.tenantId, key.label, key.prefix, key.keyHash],
  );
  return row!;
}

/** The key with this hash, only if it belongs to this tenant (revoked keys included: the caller decides). */
export async function findApiKeyByHash(
  sql: Sql,
  tenantId: string,
  keyHash: string,
): Promise<ApiKeyRow | undefined> {
  const [row] = await sql.query<ApiKeyRow>(
    `select ${COLUMNS} from api_keys where tenant_id = $1 and key_hash = $2`,
    [tenantId, keyHash],
  );
  return row;
}

export async function listApiKeysOfTenant(sql: Sql, tenantId: string): Promise<ApiKeyRow[]> {
  return sql.query<ApiKeyRow>(
    `select ${COLUMNS} from api_keys where tenant_id = $1 order by created_at, id`,
    [tenantId],
  );
}

/** Revokes the tenant's live keys with this prefix; returns them (empty when none was live). */
export async function revokeApiKeysByPrefix(
  sql: Sql,
  tenantId: string,
  prefix: string,
  at: Date,
): Promise<ApiKeyRow[]> {
  return sql.query<ApiKeyRow>(
    `update api_keys set revoked_at = $3 where tenant_id = $1 and prefix = $2 and revoked_at is null
     returning ${COLUMNS}`,
    [tenantId, prefix, at],
  );
}

export async function findApiKeysByPrefix(sql: Sql, tenantId: string, prefix: string): Promise<ApiKeyRow[]> {
  return sql.query<ApiKeyRow>(`select ${COLUMNS} from api_keys where tenant_id = $1 and prefix = $2`, [
    tenantId,
    prefix,
  ]);
}

/** Records a use, writing at most once a minute per key whatever the number of processes. */
export async function touchApiKey(sql: Sql, tenantId: string, id: string, at: Date): Promise<void> {
  await sql.query(
    `update api_keys set last_used_at = $3
      where tenant_id = $1 and id = $2 and (last_used_at is null or last_used_at <= $3::timestamptz - interval '1 minute')`,
    [tenantId, id, at],
  );
}
