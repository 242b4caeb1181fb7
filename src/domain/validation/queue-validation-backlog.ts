import type { Database } from "../../db/database.js";
import { claimValidationBacklog } from "../../db/invoice-validation.repository.js";
import { type JobSender, validateInvoiceJob } from "../shared/jobs.js";

/**
 * The invoices published before the compliance check existed (status null) are checked too, and so are the
 * invoices still `pending` whose check has no job left (it failed its last retry: the validator was down for
 * half a day) when the queue's schema is known: at most `limit` per call are marked `pending` and their jobs
 * queued, in one transaction. Returns how many; the caller calls again while a call takes a full batch
 * (src/jobs/validation-backlog.job.ts).
 */
export async function queueValidationBacklog(
  deps: { db: Database; queue: JobSender & { schema?: string } },
  input: { limit: number },
): Promise<number> {
  const { schema } = deps.queue;
  return deps.db.transaction(async (tx) => {
    const claimed = await claimValidationBacklog(
      tx,
      input.limit,
      schema ? { schema, jobName: validateInvoiceJob.name } : undefined,
    );
    await deps.queue.sendMany(validateInvoiceJob, claimed, tx);
    return claimed.length;
  });
}
