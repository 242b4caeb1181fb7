import type { Sql } from "./database.js";

// Writes and decision reads of the reform bridge (#16): PA connections and transmissions (docs/pa-bridge.md).

export interface PaConnectionRow {
  tenantId: string;
  flowUrl: string;
  authKind: "oauth2" | "token";
  tokenUrl: string | null;
  clientId: string | null;
  sealedSecret: string;
  pollSeconds: number;
  webhookUid: string | null;
  sealedWebhookSecret: string | null;
  pollUpdatedAfter: Date | null;
  polledAt: Date | null;
  updatedAt: Date;
}

const CONNECTION_COLUMNS = `tenant_id as "tenantId", flow_url as "flowUrl", auth_kind as "authKind",
  token_url as "tokenUrl", client_id as "clientId", sealed_secret as "sealedSecret",
  poll_seconds as "pollSeconds", webhook_uid as "webhookUid",
  sealed_webhook_secret as "sealedWebhookSecret", poll_updated_after as "pollUpdatedAfter",
  polled_at as "polledAt", updated_at as "updatedAt"`;

/** The tenant's PA connection, if it has one. */
export async function findPaConnection(sql: Sql, tenantId: string): Promise<PaConnectionRow | undefined> {
  const [row] = await sql.query<PaConnectionRow>(
    `select ${CONNECTION_COLUMNS} from pa_connections where tenant_id = $1`,
    [tenantId],
  );
  return row;
}

/** Creates or replaces the tenant's connection; true when it replaced one. */
export async function upsertPaConnection(
  sql: Sql,
  row: Pick<
    PaConnectionRow,
    "tenantId" | "flowUrl" | "authKind" | "tokenUrl" | "clientId" | "sealedSecret" | "pollSeconds"
  >,
): Promise<{ replaced: boolean }> {
  const [result] = await sql.query<{ replaced: boolean }>(
    `insert into pa_connections (tenant_id, flow_url, auth_kind, token_url, client_id, sealed_secret, poll_seconds)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (tenant_id) do update set flow_url = excluded.flow_url, auth_kind = excluded.auth_kind,
       token_url = excluded.token_url, client_id = excluded.client_id, sealed_secret = excluded.sealed_secret,
       poll_seconds = excluded.poll_seconds, updated_at = now()
     returning (xmax <> 0) as replaced`,
    [row.tenantId, row.flowUrl, row.authKind, row.tokenUrl, row.clientId, row.sealedSecret, row.pollSeconds],
  );
  return { replaced: result?.replaced === true };
}

/** The tenant's connection whose current webhook uid is `uid` (a callback on the tenant's own host). */
export async function findPaConnectionByWebhook(
  sql: Sql,
  tenantId: string,
  uid: string,
): Promise<PaConnectionRow | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(uid)) return undefined;
  const [row] = await sql.query<PaConnectionRow>(
    `select ${CONNECTION_COLUMNS} from pa_connections where tenant_id = $1 and webhook_uid = $2`,
    [tenantId, uid],
  );
  return row;
}

/** The tenant's current webhook: its uid (in the callback URL) and the PA's signing key, sealed (or none). */
export async function recordPaWebhook(
  sql: Sql,
  tenantId: string,
  uid: string,
  sealedSigningKey: string | null,
): Promise<void> {
  await sql.query(
    `update pa_connections set webhook_uid = $2, sealed_webhook_secret = $3, updated_at = now() where tenant_id = $1`,
    [tenantId, uid, sealedSigningKey],
  );
}

/** The tenant's e-reporting opt-in (B2C and B2BInt invoices transmitted too); true when it changed. */
export async function setTenantEreporting(sql: Sql, tenantId: string, on: boolean): Promise<boolean> {
  const rows = await sql.query(
    `update tenants set pa_ereporting = $2 where id = $1 and pa_ereporting <> $2 returning id`,
    [tenantId, on],
  );
  return rows.length === 1;
}

export type TransmissionStatus = "held" | "queued" | "submitted" | "acknowledged" | "rejected";
export type HoldReason = "validation_failed" | "validation_pending" | "no_connection";

/** What deciding and sending an invoice's transmission needs to know about the invoice. */
export interface InvoiceToTransmitRow {
  id: string;
  tenantId: string;
  invoiceNumber: string;
  processingRule: string | null;
  validationStatus: string | null;
  profile: string | null;
  validationProfile: string | null;
  sha256: string;
  sizeBytes: number;
  withdrawnAt: Date | null;
  /** The tenant's e-reporting opt-in (tenants.pa_ereporting): B2C and B2BInt invoices go to the PA too. */
  paEreporting: boolean;
}

/** The invoice as its transmission needs it. */
export async function findInvoiceToTransmit(
  sql: Sql,
  invoiceId: string,
): Promise<InvoiceToTransmitRow | undefined> {
  const [row] = await sql.query<InvoiceToTransmitRow>(
    `select i.id, i.tenant_id as "tenantId", i.invoice_number as "invoiceNumber",
       i.processing_rule as "processingRule", i.validation_status as "validationStatus", i.profile,
       i.validation_profile as "validationProfile", i.sha256, i.size_bytes as "sizeBytes",
       i.withdrawn_at as "withdrawnAt", t.pa_ereporting as "paEreporting"
     from invoices i join tenants t on t.id = i.tenant_id where i.id = $1`,
    [invoiceId],
  );
  return row;
}

export interface TransmissionRow {
  id: string;
  tenantId: string;
  invoiceId: string;
  status: TransmissionStatus;
  holdReason: HoldReason | null;
  flowId: string | null;
  submittedAt: Date | null;
  ackStatus: "Pending" | "Ok" | "Error" | null;
  reasons: unknown[];
  attempts: number;
  attemptStartedAt: Date | null;
  leaseUntil: Date | null;
  ackChecks: number;
}

const TRANSMISSION_COLUMNS = `id, tenant_id as "tenantId", invoice_id as "invoiceId", status, hold_reason as "holdReason",
  flow_id as "flowId", submitted_at as "submittedAt", ack_status as "ackStatus", reasons, attempts,
  attempt_started_at as "attemptStartedAt", lease_until as "leaseUntil", ack_checks as "ackChecks"`;

/** The invoice's transmission (locked when `forUpdate`). */
export async function findTransmission(
  sql: Sql,
  invoiceId: string,
  options: { forUpdate?: boolean } = {},
): Promise<TransmissionRow | undefined> {
  const [row] = await sql.query<TransmissionRow>(
    `select ${TRANSMISSION_COLUMNS} from pa_transmissions where invoice_id = $1${options.forUpdate ? " for update" : ""}`,
    [invoiceId],
  );
  return row;
}

/**
 * Sets a transmission that has not left yet (none, or held) to `status`; a transmission already queued or
 * beyond is left as it is. Returns the row when it changed, undefined otherwise.
 */
export async function setPendingTransmission(
  sql: Sql,
  input: { tenantId: string; invoiceId: string; status: "held" | "queued"; holdReason: HoldReason | null },
): Promise<TransmissionRow | undefined> {
  const [row] = await sql.query<TransmissionRow>(
    `insert into pa_transmissions (tenant_id, invoice_id, status, hold_reason) values ($1, $2, $3, $4)
     on conflict (invoice_id) do update set status = excluded.status, hold_reason = excluded.hold_reason,
       updated_at = now()
     where pa_transmissions.status = 'held'
       and (pa_transmissions.status, pa_transmissions.hold_reason) is distinct from (excluded.status, excluded.hold_reason)
     returning ${TRANSMISSION_COLUMNS}`,
    [input.tenantId, input.invoiceId, input.status, input.holdReason],
  );
  return row;
}

/**
 * Takes the invoice's sending lease until `leaseUntil` and counts the attempt, committed before the POST is
 * sent: a later attempt then knows the PA may have the flow (it searches first). False when the transmission
 * is no longer queued or another worker holds the lease.
 */
export async function claimTransmissionAttempt(
  sql: Sql,
  id: string,
  now: Date,
  leaseUntil: Date,
): Promise<boolean> {
  const rows = await sql.query(
    `update pa_transmissions set attempts = attempts + 1, attempt_started_at = $2, lease_until = $3, updated_at = now()
     where id = $1 and status = 'queued' and (lease_until is null or lease_until <= $2) returning id`,
    [id, now, leaseUntil],
  );
  return rows.length === 1;
}

/** Gives the lease back (the attempt ended, whatever its outcome). */
export async function releaseTransmissionLease(sql: Sql, id: string): Promise<void> {
  await sql.query(`update pa_transmissions set lease_until = null where id = $1`, [id]);
}

/** A queued transmission goes back to held (no connection any more). */
export async function holdTransmission(sql: Sql, id: string, holdReason: HoldReason): Promise<void> {
  await sql.query(
    `update pa_transmissions set status = 'held', hold_reason = $2, updated_at = now() where id = $1 and status = 'queued'`,
    [id, holdReason],
  );
}

/** The PA has the flow: its id, submission time and acknowledgement so far. Only a queued row moves. */
export async function recordTransmissionSubmitted(
  sql: Sql,
  id: string,
  input: {
    flowId: string;
    submittedAt: Date;
    status: "submitted" | "acknowledged" | "rejected";
    ackStatus: "Pending" | "Ok" | "Error";
    reasons: unknown[];
  },
): Promise<boolean> {
  const rows = await sql.query(
    `update pa_transmissions set status = $2, flow_id = $3, submitted_at = $4, ack_status = $5, reasons = $6::jsonb,
       last_error = null, lease_until = null, hold_reason = null, updated_at = now()
     where id = $1 and status = 'queued' returning id`,
    [id, input.status, input.flowId, input.submittedAt, input.ackStatus, JSON.stringify(input.reasons)],
  );
  return rows.length === 1;
}

/**
 * The PA's acknowledgement of a submitted flow (Ok, Error with its reasons, or still Pending); false when another
 * check of the same flow recorded it first.
 */
export async function recordTransmissionAck(
  sql: Sql,
  id: string,
  input: {
    status: "submitted" | "acknowledged" | "rejected";
    ackStatus: "Pending" | "Ok" | "Error";
    reasons: unknown[];
  },
): Promise<boolean> {
  const rows = await sql.query(
    `update pa_transmissions set status = $2, ack_status = $3, reasons = $4::jsonb, ack_checks = ack_checks + 1,
       updated_at = now()
     where id = $1 and status = 'submitted'
     returning id`,
    [id, input.status, input.ackStatus, JSON.stringify(input.reasons)],
  );
  return rows.length > 0;
}

/** The PA refused the request itself (a 4xx other than authentication): nothing was stored there. */
export async function recordTransmissionRefused(sql: Sql, id: string, reasons: unknown[]): Promise<void> {
  await sql.query(
    `update pa_transmissions set status = 'rejected', reasons = $2::jsonb, lease_until = null, updated_at = now()
     where id = $1 and status = 'queued'`,
    [id, JSON.stringify(reasons)],
  );
}

/** The last failure of a transmission that will be tried again (kept for the back office and the operator). */
export async function recordTransmissionError(sql: Sql, id: string, message: string): Promise<void> {
  await sql.query(`update pa_transmissions set last_error = $2, updated_at = now() where id = $1`, [
    id,
    message.slice(0, 1000),
  ]);
}

/** Transmissions of the tenant waiting for a (new) connection: held for lack of one, or queued. */
export async function listTransmissionsAwaitingConnection(
  sql: Sql,
  tenantId: string,
): Promise<{ invoiceId: string; status: TransmissionStatus }[]> {
  return sql.query(
    `select invoice_id as "invoiceId", status from pa_transmissions
     where tenant_id = $1 and (status = 'queued' or (status = 'held' and hold_reason = 'no_connection'))
     order by created_at`,
    [tenantId],
  );
}

// ---- Status intake: lifecycle flows read from the PA ----

/** Tenants whose PA is due for a poll at `now` (never polled, or polled poll_seconds ago or more). */
export async function listConnectionsDueForPoll(sql: Sql, now: Date): Promise<{ tenantId: string }[]> {
  return sql.query(
    `select tenant_id as "tenantId" from pa_connections
     where polled_at is null or polled_at + poll_seconds * interval '1 second' <= $1
     order by polled_at nulls first`,
    [now],
  );
}

/** Records a poll: when, and the latest `updatedAt` read so far (never moves back). */
export async function recordPaPoll(
  sql: Sql,
  tenantId: string,
  now: Date,
  updatedAfter: Date | null,
): Promise<void> {
  await sql.query(
    `update pa_connections set polled_at = $2,
       poll_updated_after = greatest(poll_updated_after, $3::timestamptz)
     where tenant_id = $1`,
    [tenantId, now, updatedAfter],
  );
}

/** True when this lifecycle flow of the tenant was already read (by poll or webhook). */
export async function inboundMessageExists(sql: Sql, tenantId: string, flowId: string): Promise<boolean> {
  const rows = await sql.query(`select 1 from pa_inbound_messages where tenant_id = $1 and flow_id = $2`, [
    tenantId,
    flowId,
  ]);
  return rows.length > 0;
}

/** Keeps a lifecycle flow read from the PA; false when it was already kept (read twice at once). */
export async function insertInboundMessage(
  sql: Sql,
  input: {
    tenantId: string;
    flowId: string;
    receivedVia: "poll" | "webhook";
    outcome: "recorded" | "unmatched" | "invalid";
    detail: string | null;
    invoiceId: string | null;
    document: string | null;
  },
): Promise<boolean> {
  const rows = await sql.query(
    `insert into pa_inbound_messages (tenant_id, flow_id, received_via, outcome, detail, invoice_id, document)
     values ($1, $2, $3, $4, $5, $6, $7) on conflict (tenant_id, flow_id) do nothing returning id`,
    [
      input.tenantId,
      input.flowId,
      input.receivedVia,
      input.outcome,
      input.detail,
      input.invoiceId,
      input.document,
    ],
  );
  return rows.length === 1;
}

/** The tenant's invoice a CDAR refers to: its number, issue date and seller SIREN (a live one first). */
export async function findInvoiceByReference(
  sql: Sql,
  tenantId: string,
  reference: { invoiceNumber: string; issueDate: string; sellerSiren: string },
): Promise<{ id: string } | undefined> {
  const [row] = await sql.query<{ id: string }>(
    `select id from invoices
     where tenant_id = $1 and invoice_number = $2 and issue_date = $3 and seller_siren = $4
     order by withdrawn_at nulls first limit 1`,
    [tenantId, reference.invoiceNumber, reference.issueDate, reference.sellerSiren],
  );
  return row;
}

/** Records a lifecycle status once per (invoice, flow, code); false when it was already recorded. */
export async function insertLifecycleStatus(
  sql: Sql,
  input: {
    tenantId: string;
    invoiceId: string;
    code: number;
    label: string;
    at: Date;
    source: "portal" | "pa";
    role: string | null;
    reasonCode: string | null;
    reasonText: string | null;
    flowId: string;
  },
): Promise<boolean> {
  const rows = await sql.query(
    `insert into pa_lifecycle_statuses (tenant_id, invoice_id, code, label, at, source, role, reason_code, reason_text, flow_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (invoice_id, flow_id, code) do nothing returning id`,
    [
      input.tenantId,
      input.invoiceId,
      input.code,
      input.label,
      input.at,
      input.source,
      input.role,
      input.reasonCode,
      input.reasonText,
      input.flowId,
    ],
  );
  return rows.length === 1;
}
