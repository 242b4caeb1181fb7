import path from "node:path";
import type { Services } from "../app.js";
import { sealAuditChains } from "../domain/audit/seal-audit-chains.js";
import { verifyAudit } from "../domain/audit/verify-audit.js";
import { queueIntegrityAlert } from "../domain/mail/integrity-alert.js";
import { trustedSealPublicKeys } from "../storage/seal-key-file.js";
import { createHttpTimestampAuthority } from "../timestamp/tsa-client.js";
import type { JobDefinition, JobHandler, JobQueue } from "./queue.js";

type NoData = Record<string, never>;

/** Nightly: seals every audit chain's head, then queues the verification. */
export const auditSealJob: JobDefinition<NoData> = {
  name: "audit-seal",
  retryLimit: 5,
  retryDelaySeconds: 300,
  retryBackoff: true,
  expireInSeconds: 3_600,
  parse: () => ({}),
};

/** Nightly, after the seal: the whole verification (chains, seals, every live original). */
export const auditVerifyJob: JobDefinition<NoData> = {
  name: "audit-verify",
  retryLimit: 2,
  retryDelaySeconds: 600,
  retryBackoff: false,
  expireInSeconds: 6 * 3_600,
  parse: () => ({}),
};

/** 23:50 UTC: the seal closes the UTC day it is made in. */
export const AUDIT_SEAL_CRON = "50 23 * * *";

/** Registers the nightly seal with pg-boss's scheduler (idempotent; one run per cron tick across workers). */
export async function scheduleAuditJobs(queue: JobQueue): Promise<void> {
  await queue.boss.schedule(auditSealJob.name, AUDIT_SEAL_CRON, {}, { tz: "UTC" });
}

export function auditSealHandler(
  services: Pick<Services, "db" | "queue" | "config" | "logger" | "sealKey">,
  options: { now?: () => Date } = {},
): JobHandler<NoData> {
  return async () => {
    const { config } = services;
    const report = await sealAuditChains(
      {
        db: services.db,
        sealKey: services.sealKey(),
        tsa: config.tsaUrl ? createHttpTimestampAuthority(config.tsaUrl) : undefined,
        logger: services.logger,
      },
      { now: options.now?.() },
    );
    services.logger.info(
      {
        event: "audit.sealed",
        sealed: report.sealed.length,
        alreadySealed: report.alreadySealed,
        timestampsAdded: report.timestampsAdded,
        timestampFailures: report.timestampFailures,
      },
      "audit chains sealed",
    );
    await services.queue.send(auditVerifyJob, {});
  };
}

/**
 * Runs the verifier; a failure is an alert: an error-level log line with what was found and, when
 * OPERATOR_EMAIL is configured, a mail to the operator. The job itself succeeds (the alert is the outcome).
 */
export function auditVerifyHandler(
  services: Pick<Services, "db" | "blobs" | "queue" | "config" | "logger" | "sealKey">,
): JobHandler<NoData> {
  return async () => {
    const report = await verifyAudit({
      db: services.db,
      blobs: services.blobs,
      trustedPublicKeys: trustedSealPublicKeys(services.config, services.sealKey()),
      blobsRoot: path.join(services.config.dataDir, "blobs"),
    });
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
      services.logger.info(
        { event: "audit.verified", ...summary },
        "audit trail and stored originals intact",
      );
      return;
    }
    const lines = [
      ...report.chains
        .filter((c) => c.problem)
        .map((c) => `audit chain ${c.slug ?? "platform"}: ${c.problem}`),
      ...report.blobs.problems.map(
        (p) =>
          `stored original ${p.sha256} ${p.problem}: ${p.invoices.map((i) => `${i.tenant}/${i.invoiceNumber}`).join(", ")}`,
      ),
    ];
    services.logger.error(
      { event: "audit.verify_failed", ...summary, problems: lines.slice(0, 50) },
      "audit verification FAILED",
    );
    if (services.config.operatorEmail)
      await queueIntegrityAlert(services.db, services.queue, services.config.operatorEmail, {
        source: "verifier",
        lines,
      });
  };
}
