import type { Logger } from "pino";
import type { Database } from "../../db/database.js";
import type { BlobInventory, BlobStore } from "../../storage/blob-store.js";
import { queueIntegrityAlert } from "../mail/integrity-alert.js";
import type { JobSender } from "../shared/jobs.js";
import { type VerifyReport, verifyAudit } from "./verify-audit.js";

/**
 * The nightly verification: runs the verifier; a failure is an alert: an error-level log line with what was
 * found and, when an operator address is configured, a mail to the operator. It returns normally either
 * way (the alert is the outcome).
 */
export async function verifyAndAlert(deps: {
  db: Database;
  blobs: BlobStore & BlobInventory;
  queue: JobSender;
  trustedPublicKeys: readonly string[];
  operatorEmail: string | undefined;
  logger: Pick<Logger, "info" | "error">;
}): Promise<VerifyReport> {
  const report = await verifyAudit(
    { db: deps.db, blobs: deps.blobs, trustedPublicKeys: deps.trustedPublicKeys },
    { orphans: true },
  );
  const entries = report.chains.reduce((sum, c) => sum + c.entries, 0);
  const summary = {
    chains: report.chains.length,
    entries,
    blobs: report.blobs.checked,
    megabytes: Math.round(report.blobs.bytes / 1e5) / 10,
    seconds: Math.round(report.seconds * 10) / 10,
    // Leftovers of crashed writes, removed by the daily blob sweep; reported, never a failure.
    orphanTmpFiles: report.orphans?.tmpFiles ?? 0,
    orphanBlobs: report.orphans?.orphanBlobs ?? 0,
  };
  if (report.ok) {
    deps.logger.info({ event: "audit.verified", ...summary }, "audit trail and stored originals intact");
    return report;
  }
  const lines = [
    ...report.chains.filter((c) => c.problem).map((c) => `audit chain ${c.slug ?? "platform"}: ${c.problem}`),
    ...report.blobs.problems.map(
      (p) =>
        `stored original ${p.sha256} ${p.problem}: ${p.invoices.map((i) => `${i.tenant}/${i.invoiceNumber}`).join(", ")}`,
    ),
  ];
  deps.logger.error(
    { event: "audit.verify_failed", ...summary, problems: lines.slice(0, 50) },
    "audit verification FAILED",
  );
  if (deps.operatorEmail)
    await queueIntegrityAlert(deps.db, deps.queue, deps.operatorEmail, { source: "verifier", lines });
  return report;
}
