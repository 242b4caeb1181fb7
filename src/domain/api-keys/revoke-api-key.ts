import { type ApiKeyRow, findApiKeysByPrefix, revokeApiKeysByPrefix } from "../../db/api-keys.repository.js";
import { appendAudit } from "../../db/audit.repository.js";
import type { Database } from "../../db/database.js";
import { DomainError } from "../shared/errors.js";
import type { ApiKeyActor } from "./create-api-key.js";

/**
 * Revokes a tenant's API key named by its prefix; the next request with it is refused.
 * Revoking a key already revoked changes nothing and says so.
 */
export async function revokeApiKey(input: {
  db: Database;
  tenantId: string;
  prefix: string;
  actor?: ApiKeyActor;
  now?: Date;
}): Promise<{ revoked: ApiKeyRow[]; alreadyRevoked: ApiKeyRow[] }> {
  const prefix = input.prefix.trim().toLowerCase().replace(/^efk_/, "");
  return input.db.transaction(async (tx) => {
    const revoked = await revokeApiKeysByPrefix(tx, input.tenantId, prefix, input.now ?? new Date());
    if (revoked.length === 0) {
      const known = await findApiKeysByPrefix(tx, input.tenantId, prefix);
      if (known.length === 0) {
        throw new DomainError("api_key_not_found", `this tenant has no API key with prefix "${prefix}"`);
      }
      return { revoked, alreadyRevoked: known };
    }
    for (const row of revoked) {
      await appendAudit(tx, {
        tenantId: input.tenantId,
        actorType: input.actor?.type ?? "platform",
        actorId: input.actor?.id ?? null,
        action: "api_key.revoked",
        targetType: "api_key",
        targetId: row.id,
        details: { prefix: row.prefix, label: row.label },
      });
    }
    return { revoked, alreadyRevoked: [] };
  });
}
