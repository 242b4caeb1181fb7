import type { Sql } from "./database.js";

// Writes and reads of the compliance check run after publication (src/domain/validation/). The columns come
// from migration 0010.

/** What the check of one invoice needs: its stored file, its route and its current status. */
export interface InvoiceToValidate {
  id: string;
  sha256: string;
  sizeBytes: number;
  processingRule: string | null;
  buyerSiren: string | null;
  validationStatus: string | null;
  removedAt: Date | null;
}

export async function findInvoiceToValidate(
  sql: Sql,
  tenantId: string,
  invoiceId: string,
): Promise<InvoiceToValidate | undefined> {
  const [row] = await sql.query<InvoiceToValidate>(
    `select id, sha256, size_bytes as "sizeBytes", processing_rule as "processingRule", buyer_siren as "buyerSiren",
            validation_status as "validationStatus", removed_at as "removedAt"
       from invoices where tenant_id = $1 and id = $2`,
    [tenantId, invoiceId],
  );
  return row ? { ...row, sizeBytes: Number(row.sizeBytes) } : undefined;
}

/**
 * Stores the verdict once: only an invoice still waiting (`pending`, or never checked) is written, so a job
 * run twice (a retry after an uncertain completion) leaves the first verdict. True when this call wrote it.
 */
export async function recordValidation(
  sql: Sql,
  input: {
    tenantId: string;
    invoiceId: string;
    status: "passed" | "warnings" | "failed";
    rulesVersion: string;
    profile: string | null;
    findings: unknown[];
    at: Date;
  },
): Promise<boolean> {
  const rows = await sql.query<{ id: string }>(
    `update invoices set validation_status = $3, validation_rules_version = $4, validation_profile = $5,
            validation_findings = $6::jsonb, validated_at = $7
      where tenant_id = $1 and id = $2 and (validation_status is null or validation_status = 'pending')
      returning id`,
    [
      input.tenantId,
      input.invoiceId,
      input.status,
      input.rulesVersion,
      input.profile,
      JSON.stringify(input.findings),
      input.at,
    ],
  );
  return rows.length > 0;
}

/**
 * Marks at most `limit` live invoices never checked (published before the check existed) as `pending`, oldest
 * first, and returns them: the caller queues their jobs in the same transaction. `skip locked`, so two runs
 * at once take different invoices.
 */
export async function claimValidationBacklog(
  sql: Sql,
  limit: number,
  /**
   * pg-boss's schema: with it, an invoice still `pending` whose check has no job left waiting or running (its
   * job failed its last retry, or was lost) is claimed too, so none stays pending for ever.
   */
  queue?: { schema: string; jobName: string },
): Promise<{ tenantId: string; invoiceId: string }[]> {
  if (queue && !/^[a-z_][a-z0-9_]*$/.test(queue.schema)) throw new Error(`bad queue schema ${queue.schema}`);
  // The job that publication queues commits with the invoice's `pending` (same transaction): a pending invoice
  // without a live job is one whose check gave up, never one whose job is about to appear.
  const orphaned = queue
    ? `or (validation_status = 'pending' and id::text not in (
          select data->>'invoiceId' from "${queue.schema}".job
           where name = $2 and state in ('created', 'retry', 'active') and data->>'invoiceId' is not null))`
    : "";
  return sql.query<{ tenantId: string; invoiceId: string }>(
    `update invoices set validation_status = 'pending'
      where id in (
        select id from invoices
         where (validation_status is null ${orphaned}) and removed_at is null and withdrawn_at is null
         order by published_at, id limit $1 for update skip locked)
      returning tenant_id as "tenantId", id as "invoiceId"`,
    queue ? [limit, queue.jobName] : [limit],
  );
}
