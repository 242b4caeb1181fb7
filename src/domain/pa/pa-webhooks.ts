import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { appendAudit } from "../../db/audit.repository.js";
import type { Database } from "../../db/database.js";
import { findPaConnection, findPaConnectionByWebhook, recordPaWebhook } from "../../db/pa.repository.js";
import { DomainError } from "../shared/errors.js";
import type { JobSender } from "../shared/jobs.js";
import { openSecret, sealSecret } from "../shared/sealed-secret.js";
import { tenantOrigin } from "../tenants/tenant-url.js";
import type { FlowApi } from "./flow-api.js";
import { paWebhookFlowJob } from "./pa-jobs.js";
import { paEndpointOf } from "./pa-secrets.js";

// Statuses pushed by the PA (issue #16 item 4, docs/pa-bridge.md "Webhook"). The tenant's connection subscribes
// a callback on the tenant's own host, `/api/pa/webhooks/<uid>`: the uid is random (122 bits) and changes at each
// subscription, and the PA's signing key (given once by POST /v1/webhooks, per the standard) is sealed at rest
// and checks every callback's `Afnor-Signature`. The callback's payload is never trusted: only the flow id is
// taken from it, and the flow is downloaded from the PA with the tenant's credentials by the same intake as
// polling (`ingestLifecycleFlow`), so a status is recorded once whichever way it came.

const PURPOSE = "pa-webhook-signing-key v1";
/** The path of the callback under the tenant's origin (the uid follows). */
export const WEBHOOK_CALLBACK_PATH = "/api/pa/webhooks/";
/** How far a callback's timestamp may be from our clock (replays of an old signed callback are refused). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export interface SubscribeDeps {
  db: Database;
  flowApi: FlowApi;
  platformSecret: string;
  publicBaseUrl: URL;
}

/**
 * Subscribes (again) the tenant's webhook: a new uid and callback URL, `POST /v1/webhooks` for the lifecycle
 * flows coming in, the PA's signing key sealed; then the tenant's older callbacks at this PA are deleted (after,
 * so that no status falls in a gap). Throws a FlowApiError when the PA refuses or cannot be reached.
 */
export async function subscribePaWebhook(
  deps: SubscribeDeps,
  tenantId: string,
  slug: string,
  actor: { type: "platform" | "staff"; id: string | null },
): Promise<{ callbackUrl: string; signed: boolean; removed: number }> {
  const connection = await findPaConnection(deps.db, tenantId);
  if (!connection)
    throw new DomainError("pa_not_connected", "this tenant has no PA connection (efacture pa connect)");
  const endpoint = paEndpointOf(deps.platformSecret, connection);
  const prefix = `${tenantOrigin(deps.publicBaseUrl, slug)}${WEBHOOK_CALLBACK_PATH}`;
  const uid = randomUUID();
  const callbackUrl = `${prefix}${uid}`;
  const created = await deps.flowApi.createWebhook(endpoint, {
    callbackUrl,
    flowTypes: ["CustomerInvoiceLC"],
    flowDirection: "In",
  });
  const sealed = created.signingKey
    ? sealSecret(deps.platformSecret, PURPOSE, uid, created.signingKey)
    : null;
  await deps.db.transaction(async (tx) => {
    await recordPaWebhook(tx, tenantId, uid, sealed);
    await appendAudit(tx, {
      tenantId,
      actorType: actor.type,
      actorId: actor.id,
      action: "pa.webhook_subscribed",
      targetType: "tenant",
      targetId: tenantId,
      details: { callbackUrl, webhookId: created.webhookId, signed: sealed !== null },
    });
  });
  // Our earlier callbacks for this tenant (a uid that no longer opens anything): unsubscribe them.
  let removed = 0;
  try {
    for (const hook of await deps.flowApi.listWebhooks(endpoint))
      if (hook.callbackUrl.startsWith(prefix) && hook.webhookId !== created.webhookId) {
        await deps.flowApi.deleteWebhook(endpoint, hook.webhookId);
        removed++;
      }
  } catch {
    // Left at the PA: their callbacks meet a 404 and cost nothing.
  }
  return { callbackUrl, signed: sealed !== null, removed };
}

export type CallbackVerdict =
  | { ok: true; tenantId: string; flowId: string | null }
  | { ok: false; status: 401 | 404 | 400; message: string };

/** The flow ids the Flow API uses (uuid or the NotOnlyUuid form): letters, digits and a few separators. */
const FLOW_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * Checks a callback received at `/api/pa/webhooks/<uid>` on the tenant's host, and queues the intake of the
 * flow it names. 404: no such uid for this tenant; 401: signature missing, wrong or stale. The body is read
 * only for its `flowId` (nothing in it is recorded as a status).
 */
export async function receivePaCallback(
  deps: { db: Database; queue: JobSender; platformSecret: string; now?: () => Date },
  input: {
    tenantId: string;
    uid: string;
    body: Buffer;
    signature: string | undefined;
    timestamp: string | undefined;
  },
): Promise<CallbackVerdict> {
  const connection = await findPaConnectionByWebhook(deps.db, input.tenantId, input.uid);
  if (!connection) return { ok: false, status: 404, message: "no such webhook" };
  if (connection.sealedWebhookSecret) {
    let key: string;
    try {
      key = openSecret(deps.platformSecret, PURPOSE, input.uid, connection.sealedWebhookSecret);
    } catch {
      return {
        ok: false,
        status: 401,
        message: "webhook key unusable: subscribe again (efacture pa webhook)",
      };
    }
    const now = (deps.now?.() ?? new Date()).getTime() / 1000;
    const at = Number(input.timestamp);
    if (!input.signature || !input.timestamp || !/^\d{1,12}$/.test(input.timestamp))
      return { ok: false, status: 401, message: "Afnor-Signature and Afnor-Signature-Timestamp required" };
    if (Math.abs(now - at) > SIGNATURE_TOLERANCE_SECONDS)
      return { ok: false, status: 401, message: "signature timestamp too far from now" };
    if (!signatureMatches(key, input.body, input.timestamp, input.signature))
      return { ok: false, status: 401, message: "signature does not match" };
  }
  let flowId: string | null = null;
  try {
    const payload = JSON.parse(input.body.toString("utf8")) as { flowId?: unknown };
    if (typeof payload?.flowId === "string" && FLOW_ID.test(payload.flowId)) flowId = payload.flowId;
  } catch {
    // A callback without a readable flow id: acknowledged, the next poll reads whatever it was about.
  }
  if (flowId === null) return { ok: true, tenantId: input.tenantId, flowId: null };
  // Durable: the job (pg-boss, in our database) downloads and records the flow, retried if the PA is down.
  // A flow named twice is read once (the intake skips a flow already kept).
  await deps.queue.send(paWebhookFlowJob, { tenantId: input.tenantId, flowId });
  return { ok: true, tenantId: input.tenantId, flowId };
}

/**
 * The standard's signature (XP Z12-013, POST /v1/webhooks): a SHA-256 fingerprint of `<payload>@<epoch>`, HMAC'ed
 * with the signing key, base64. The text leaves two details open, so each reading is accepted (all need the
 * key): the key as its base64 bytes or as text, and the fingerprint as raw bytes, hex, or the string itself.
 * Compared in constant time.
 */
export function signatureMatches(key: string, body: Buffer, timestamp: string, signature: string): boolean {
  let given: Buffer;
  try {
    given = Buffer.from(signature.trim(), "base64");
  } catch {
    return false;
  }
  if (given.length !== 32) return false;
  const fingerprintInput = Buffer.concat([body, Buffer.from(`@${timestamp}`, "utf8")]);
  const digest = createHash("sha256").update(fingerprintInput).digest();
  const messages = [digest, Buffer.from(digest.toString("hex"), "utf8"), fingerprintInput];
  const keys = [Buffer.from(key, "base64"), Buffer.from(key, "utf8")];
  let match = false;
  for (const k of keys)
    for (const m of messages) {
      const expected = createHmac("sha256", k).update(m).digest();
      // No early exit: every candidate is computed whatever matches.
      if (timingSafeEqual(expected, given)) match = true;
    }
  return match;
}

/** The signature a PA computes (the first reading above): used by the local PA of the tests. */
export function signCallback(key: string, body: string, timestamp: number): string {
  const digest = createHash("sha256").update(`${body}@${timestamp}`, "utf8").digest();
  return createHmac("sha256", Buffer.from(key, "base64")).update(digest).digest("base64");
}
