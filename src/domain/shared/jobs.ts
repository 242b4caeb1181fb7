import type { Sql } from "../../db/database.js";

// The job port of the domain: what a use case needs to queue work in its own transaction, and the
// definitions of the jobs it queues. The queue itself (pg-boss) is the adapter in src/jobs/queue.ts;
// the handlers that run these jobs live beside it in src/jobs/*.job.ts.

/** A kind of job: a stable name, its retry policy, and the shape of its data (ids only, never rows or bytes). */
export interface JobDefinition<Data> {
  readonly name: string;
  readonly retryLimit: number;
  readonly retryDelaySeconds: number;
  readonly retryBackoff: boolean;
  readonly expireInSeconds: number;
  /** Validates data read back from the queue. */
  parse(data: unknown): Data;
}

export interface JobContext {
  readonly jobId: string;
  readonly retryCount: number;
  readonly retryLimit: number;
  /** True when a failure now will not be retried. */
  readonly lastAttempt: boolean;
}

export type JobHandler<Data> = (data: Data, context: JobContext) => Promise<void>;

/** A job whose failure must not be retried (bad data, vanished record): it is logged and dropped. */
export class PermanentJobFailure extends Error {
  readonly code = "permanent_job_failure";
}

/** What a use case may do with the queue: enqueue, inside its transaction when it passes `tx`. */
export interface JobSender {
  /** Enqueues inside `tx`: a rollback of `tx` removes the job too. Without `tx`, enqueues at once. */
  send<Data>(
    definition: JobDefinition<Data>,
    data: Data,
    tx?: Sql,
    options?: { startAfterSeconds?: number; priority?: number },
  ): Promise<string>;
  /** Enqueues several jobs of one kind in one statement (inside `tx` when given): a publication batch's checks. */
  sendMany<Data>(definition: JobDefinition<Data>, items: Data[], tx?: Sql): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface SendMailData {
  mailId: string;
}

/** Sends one row of `mails` (src/jobs/send-mail.job.ts). */
export const sendMailJob: JobDefinition<SendMailData> = {
  name: "send-mail",
  retryLimit: 12,
  retryDelaySeconds: 30,
  retryBackoff: true,
  expireInSeconds: 120,
  parse(data) {
    const mailId = (data as { mailId?: unknown })?.mailId;
    if (typeof mailId !== "string" || !UUID.test(mailId))
      throw new PermanentJobFailure("send-mail: bad mailId");
    return { mailId };
  },
};

export interface NewInvoiceNoticeData {
  tenantId: string;
  accountId: string;
}

/** One digest of an account's new invoices (src/jobs/new-invoice-notice.job.ts). */
export const newInvoiceNoticeJob: JobDefinition<NewInvoiceNoticeData> = {
  name: "new-invoice-notice",
  retryLimit: 10,
  retryDelaySeconds: 30,
  retryBackoff: true,
  expireInSeconds: 300,
  parse(data) {
    const { tenantId, accountId } = (data ?? {}) as Record<string, unknown>;
    if (
      typeof tenantId !== "string" ||
      !UUID.test(tenantId) ||
      typeof accountId !== "string" ||
      !UUID.test(accountId)
    ) {
      throw new PermanentJobFailure("new-invoice-notice: bad data");
    }
    return { tenantId, accountId };
  },
};

export interface ValidateInvoiceData {
  tenantId: string;
  invoiceId: string;
}

/**
 * Checks one published invoice against the official French rules (src/jobs/validate-invoice.job.ts). The
 * validator may be busy or down: retried 10 times with backoff (30 s doubling, with jitter: about 12 to 17 hours
 * in all); the invoice stays `pending` meanwhile, its publication is never undone, and the backlog step queues it
 * again later (src/domain/validation/queue-validation-backlog.ts).
 */
export const validateInvoiceJob: JobDefinition<ValidateInvoiceData> = {
  name: "validate-invoice",
  retryLimit: 10,
  retryDelaySeconds: 30,
  retryBackoff: true,
  expireInSeconds: 300,
  parse(data) {
    const { tenantId, invoiceId } = (data ?? {}) as Record<string, unknown>;
    if (
      typeof tenantId !== "string" ||
      !UUID.test(tenantId) ||
      typeof invoiceId !== "string" ||
      !UUID.test(invoiceId)
    ) {
      throw new PermanentJobFailure("validate-invoice: bad data");
    }
    return { tenantId, invoiceId };
  },
};
