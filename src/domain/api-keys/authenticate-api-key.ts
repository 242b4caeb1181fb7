import { type ApiKeyRow, findApiKeyByHash, touchApiKey } from "../../db/api-keys.repository.js";
import type { Database } from "../../db/database.js";
import { DomainError } from "../shared/errors.js";
import { hashApiKey } from "./api-key-secret.js";

const TOUCH_INTERVAL_MS = 60_000;

/** Why a request was refused; the message tells the issuer what to fix, never whose key it was. */
export class Unauthorized extends DomainError {
  constructor(
    message: string,
    readonly reason: "missing" | "malformed" | "unknown" | "revoked",
  ) {
    super("unauthorized", message);
  }
}

/**
 * Checks bearer keys against one tenant: a key of another tenant is as unknown as a made-up one
 * (docs/security.md A5). Records `last_used_at` at most once a minute per key.
 */
export function createApiKeyAuthenticator(db: Database, now: () => Date = () => new Date()) {
  const lastTouched = new Map<string, number>();
  return async function authenticateApiKey(
    tenantId: string,
    authorization: string | undefined,
  ): Promise<ApiKeyRow> {
    if (!authorization) {
      throw new Unauthorized("send the API key as: Authorization: Bearer <key>", "missing");
    }
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new Unauthorized("the Authorization header must be: Bearer <key>", "malformed");
    // Only a hash reaches the database, so lookup time does not depend on how much of the key matched.
    const key = await findApiKeyByHash(db, tenantId, hashApiKey(match[1]!));
    if (!key) throw new Unauthorized("this API key is not valid for this portal", "unknown");
    if (key.revokedAt) throw new Unauthorized("this API key was revoked", "revoked");
    const at = now();
    const last = lastTouched.get(key.id) ?? 0;
    if (at.getTime() - last >= TOUCH_INTERVAL_MS) {
      if (lastTouched.size > 10_000) lastTouched.clear();
      lastTouched.set(key.id, at.getTime());
      await touchApiKey(db, tenantId, key.id, at);
    }
    return key;
  };
}
