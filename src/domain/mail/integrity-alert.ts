import type { Database } from "../../db/database.js";
import type { JobSender } from "../shared/jobs.js";
import { queueMail } from "./queue-mail.js";

export interface IntegrityAlert {
  /** Who found it: a customer's download (refused) or the nightly verifier. */
  source: "download" | "verifier";
  /** What was found, one line each (only the first 50 are sent). */
  lines: string[];
  at?: Date;
}

/** Queues the operator's integrity alert (platform mail, no tenant), in a transaction of its own. */
export async function queueIntegrityAlert(
  db: Database,
  queue: JobSender,
  operatorEmail: string,
  alert: IntegrityAlert,
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
