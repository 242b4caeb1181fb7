import type { Services } from "../app.js";
import { sealAuditChains } from "../domain/audit/seal-audit-chains.js";
import { verifyAndAlert } from "../domain/audit/verify-and-alert.js";
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

/** Runs the nightly verification; a failure is an alert (src/domain/audit/verify-and-alert.ts). */
export function auditVerifyHandler(
  services: Pick<Services, "db" | "blobs" | "queue" | "config" | "logger" | "sealKey">,
): JobHandler<NoData> {
  return async () => {
    await verifyAndAlert({
      db: services.db,
      blobs: services.blobs,
      queue: services.queue,
      trustedPublicKeys: trustedSealPublicKeys(services.config, services.sealKey()),
      operatorEmail: services.config.operatorEmail,
      logger: services.logger,
    });
  };
}
