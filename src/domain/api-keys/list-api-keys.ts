import { type ApiKeyRow, listApiKeysOfTenant } from "../../db/api-keys.repository.js";
import type { Database } from "../../db/database.js";

/** A tenant's API keys, oldest first, revoked ones included (they never hold the key itself). */
export function listApiKeys(input: { db: Database; tenantId: string }): Promise<ApiKeyRow[]> {
  return listApiKeysOfTenant(input.db, input.tenantId);
}
