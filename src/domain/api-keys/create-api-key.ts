import { type ApiKeyRow, insertApiKey } from "../../db/api-keys.repository.js";
import { appendAudit } from "../../db/audit.repository.js";
import type { Database } from "../../db/database.js";
import { DomainError } from "../shared/errors.js";
import { generateApiKey } from "./api-key-secret.js";

export interface ApiKeyActor {
  type: "platform" | "staff" | "system";
  id: string | null;
}

/** Creates an issuer API key for a tenant. The key itself is returned once and never stored. */
export async function createApiKey(input: {
  db: Database;
  tenantId: string;
  label?: string;
  actor?: ApiKeyActor;
}): Promise<{ key: string; apiKey: ApiKeyRow }> {
  const label = (input.label ?? "").trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
  if (label.length > 100 || /[\u0000-\u001f\u007f-\u009f]/.test(label)) {
    throw new DomainError(
      "invalid_label",
      "a key label has at most 100 characters and no control characters",
    );
  }
  const { key, prefix, keyHash } = generateApiKey();
  const apiKey = await input.db.transaction(async (tx) => {
    const row = await insertApiKey(tx, { tenantId: input.tenantId, label, prefix, keyHash });
    await appendAudit(tx, {
      tenantId: input.tenantId,
      actorType: input.actor?.type ?? "platform",
      actorId: input.actor?.id ?? null,
      action: "api_key.created",
      targetType: "api_key",
      targetId: row.id,
      details: { prefix, label },
    });
    return row;
  });
  return { key, apiKey };
}
