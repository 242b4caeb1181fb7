import { appendAudit } from "../../db/audit.repository.js";
import type { Database } from "../../db/database.js";
import {
  findPaConnection,
  listTransmissionsAwaitingConnection,
  setTenantEreporting,
  upsertPaConnection,
} from "../../db/pa.repository.js";
import { listQueuedPayments } from "../../db/pa-payments.repository.js";
import { DomainError } from "../shared/errors.js";
import type { JobSender } from "../shared/jobs.js";
import type { FlowApi, PaHealth } from "./flow-api.js";
import { paPaymentJob, paTransmitJob } from "./pa-jobs.js";
import { paEndpointOf, sealPaSecret } from "./pa-secrets.js";
import { queueTransmission } from "./transmit-invoice.js";

export interface ConnectPaInput {
  tenantId: string;
  /** The Flow Service base URL, e.g. https://api.flow.pa.example/flow-service (the /v1/... paths are appended). */
  flowUrl: string;
  /** OAuth2 client credentials … */
  tokenUrl?: string;
  clientId?: string;
  clientSecret?: string;
  /** … or a bearer token. */
  token?: string;
  pollSeconds?: number;
  /** E-reporting opt-in (tenants.pa_ereporting): B2C and B2BInt invoices are transmitted too. Unchanged when absent. */
  ereporting?: boolean;
  actor: { type: "platform" | "staff"; id: string | null; ip?: string | null };
}

/** The URL as stored, or an invalid_pa_connection error saying what is wrong with it. */
function serviceUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new DomainError("invalid_pa_connection", `${what} is not a URL: ${value}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new DomainError("invalid_pa_connection", `${what} must be an https:// URL`);
  // Credentials belong in the sealed secret, never in a URL that is shown and logged.
  if (url.username || url.password || url.search || url.hash)
    throw new DomainError("invalid_pa_connection", `${what} must carry no user, password, query or fragment`);
  return url.toString().replace(/\/+$/, "");
}

/**
 * Connects the tenant to its plateforme agréée (`efacture pa connect`): the secret is sealed at rest, the
 * connection audited without it, and the invoices waiting for a connection are queued for transmission.
 */
export async function connectPa(
  deps: { db: Database; queue: JobSender; platformSecret: string },
  input: ConnectPaInput,
): Promise<{ replaced: boolean; queued: number }> {
  const flowUrl = serviceUrl(input.flowUrl, "the flow URL");
  const oauth2 =
    input.tokenUrl !== undefined || input.clientId !== undefined || input.clientSecret !== undefined;
  if (oauth2 === (input.token !== undefined))
    throw new DomainError(
      "invalid_pa_connection",
      "give either --token-url, --client-id and --client-secret-file (OAuth2), or --token-file",
    );
  if (oauth2 && (!input.tokenUrl || !input.clientId?.trim() || !input.clientSecret))
    throw new DomainError(
      "invalid_pa_connection",
      "OAuth2 needs --token-url, --client-id and --client-secret-file",
    );
  const secret = oauth2 ? input.clientSecret! : input.token!;
  if (secret === "" || /[\r\n]/.test(secret))
    throw new DomainError("invalid_pa_connection", "the secret is empty or spans several lines");
  const pollSeconds = input.pollSeconds ?? 300;
  if (!Number.isInteger(pollSeconds) || pollSeconds < 10 || pollSeconds > 86_400)
    throw new DomainError("invalid_pa_connection", "--poll-seconds must be a whole number from 10 to 86400");
  const row = {
    tenantId: input.tenantId,
    flowUrl,
    authKind: oauth2 ? ("oauth2" as const) : ("token" as const),
    tokenUrl: oauth2 ? serviceUrl(input.tokenUrl!, "the token URL") : null,
    clientId: oauth2 ? input.clientId!.trim() : null,
    sealedSecret: sealPaSecret(deps.platformSecret, input.tenantId, secret),
    pollSeconds,
  };
  return deps.db.transaction(async (tx) => {
    const { replaced } = await upsertPaConnection(tx, row);
    const ereportingChanged =
      input.ereporting !== undefined && (await setTenantEreporting(tx, input.tenantId, input.ereporting));
    let queued = 0;
    for (const waiting of await listTransmissionsAwaitingConnection(tx, input.tenantId)) {
      // A queued one may have spent its retries on the old connection: one more job is harmless (idempotent).
      if (waiting.status === "queued")
        await deps.queue.send(paTransmitJob, { invoiceId: waiting.invoiceId }, tx);
      else await queueTransmission(tx, deps.queue, waiting.invoiceId);
      queued++;
    }
    // Payments whose 212 waited for a connection (or spent their retries): one more try each.
    for (const payment of await listQueuedPayments(tx, input.tenantId))
      await deps.queue.send(paPaymentJob, { paymentId: payment.id }, tx);
    await appendAudit(tx, {
      tenantId: input.tenantId,
      actorType: input.actor.type,
      actorId: input.actor.id,
      action: replaced ? "pa.connection_replaced" : "pa.connected",
      targetType: "tenant",
      targetId: input.tenantId,
      ip: input.actor.ip ?? null,
      details: {
        flowUrl,
        authKind: row.authKind,
        tokenUrl: row.tokenUrl,
        clientId: row.clientId,
        pollSeconds,
        queued,
        ...(ereportingChanged ? { ereporting: input.ereporting } : {}),
      },
    });
    return { replaced, queued };
  });
}

/** The tenant's connection (without its secret) and what works with it (`efacture pa status`). */
export async function checkPaConnection(
  deps: { db: Database; flowApi: FlowApi; platformSecret: string },
  tenantId: string,
): Promise<{
  flowUrl: string;
  authKind: "oauth2" | "token";
  tokenUrl: string | null;
  clientId: string | null;
  pollSeconds: number;
  health: PaHealth;
}> {
  const connection = await findPaConnection(deps.db, tenantId);
  if (!connection)
    throw new DomainError("pa_not_connected", "this tenant has no PA connection (efacture pa connect)");
  const health = await deps.flowApi.checkHealth(paEndpointOf(deps.platformSecret, connection));
  const { flowUrl, authKind, tokenUrl, clientId, pollSeconds } = connection;
  return { flowUrl, authKind, tokenUrl, clientId, pollSeconds, health };
}
