import type { PaConnectionRow } from "../../db/pa.repository.js";
import { openSecret, sealSecret } from "../shared/sealed-secret.js";
import type { PaEndpoint } from "./flow-api.js";

// The PA client secret (or bearer token) of a tenant: sealed under its own purpose, bound to the tenant id, so
// a sealed value copied into another tenant's row does not open (docs/pa-bridge.md, "Connection").
const PURPOSE = "pa-connection-secret v1";

/** The sealed form stored in pa_connections.sealed_secret. */
export function sealPaSecret(platformSecret: string, tenantId: string, secret: string): string {
  return sealSecret(platformSecret, PURPOSE, tenantId, secret);
}

/** The endpoint of a stored connection, its secret opened for this call only (never logged, never returned). */
export function paEndpointOf(platformSecret: string, connection: PaConnectionRow): PaEndpoint {
  const secret = openSecret(platformSecret, PURPOSE, connection.tenantId, connection.sealedSecret);
  return {
    flowUrl: connection.flowUrl,
    auth:
      connection.authKind === "oauth2"
        ? {
            kind: "oauth2",
            tokenUrl: connection.tokenUrl!,
            clientId: connection.clientId!,
            clientSecret: secret,
          }
        : { kind: "token", token: secret },
  };
}
