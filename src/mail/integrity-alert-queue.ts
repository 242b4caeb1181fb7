import type { Database } from "../db/database.js";
import type { JobQueue } from "../jobs/queue.js";
import { queueMail } from "./mail-queue.js";
import type { IntegrityAlertParams } from "./templates/integrity-alert.js";

/** Queues the operator's integrity alert (platform mail, no tenant), in a transaction of its own. */
export async function queueIntegrityAlert(
  db: Database,
  queue: JobQueue,
  operatorEmail: string,
  alert: Omit<IntegrityAlertParams, "at"> & { at?: Date },
): Promise<void> {
  await db.transaction((tx) =>
    queueMail(tx, queue, {
      tenantId: null,
      kind: "integrity-alert",
      to: operatorEmail,
      language: "fr",
      params: {
        source: alert.source,
        lines: alert.lines.slice(0, 50),
        at: (alert.at ?? new Date()).toISOString(),
      },
    }),
  );
}
