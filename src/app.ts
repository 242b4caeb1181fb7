import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import pino, { type Logger } from "pino";
import type { Config } from "./config.js";
import { readActiveBlobStore } from "./db/blob-store-state.repository.js";
import type { Database } from "./db/database.js";
import { migrate } from "./db/migrate.js";
import { type OpenedDatabase, openDatabase } from "./db/open-database.js";
import type { SealKey } from "./domain/audit/seal-key.js";
import type { PublishDeps } from "./domain/invoices/publish-invoice.js";
import { canonicalIp } from "./domain/shared/ip-network.js";
import type { InvoiceValidator } from "./einvoice/validation/types.js";
import {
  auditSealHandler,
  auditSealJob,
  auditVerifyHandler,
  auditVerifyJob,
  scheduleAuditJobs,
} from "./jobs/audit-seal.job.js";
import { blobSweepJob, startBlobSweepJob } from "./jobs/blob-sweep.job.js";
import { newInvoiceNoticeHandler, newInvoiceNoticeJob } from "./jobs/new-invoice-notice.job.js";
import {
  paPaymentJob,
  paPollJob,
  paTransmitJob,
  paWebhookFlowJob,
  startPaJobs,
} from "./jobs/pa-transmit.job.js";
import { passwordResetHandler, passwordResetJob } from "./jobs/password-reset.job.js";
import { type JobDefinition, type JobQueue, openJobQueue } from "./jobs/queue.js";
import { retentionRunJob, startRetentionJob } from "./jobs/retention.job.js";
import { sendMailDefinition, sendMailHandler } from "./jobs/send-mail.job.js";
import { startValidateInvoiceJob, validateInvoiceJob } from "./jobs/validate-invoice.job.js";
import { startValidationBacklogJob, validationBacklogJob } from "./jobs/validation-backlog.job.js";
import { createOutboxTransport, createSmtpTransport, type MailTransport } from "./mail/transport.js";
import type { BlobInventory, BlobStore } from "./storage/blob-store.js";
import { openBlobStore } from "./storage/open-blob-store.js";
import { loadSealKey } from "./storage/seal-key-file.js";

/** Everything the entry points (web, worker, CLI) need, built once from the configuration. */
export interface Services {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Database;
  readonly opened: OpenedDatabase;
  readonly queue: JobQueue;
  /** The originals' store; `check` is what /readyz asks (bucket or folder usable). */
  readonly blobs: BlobStore & BlobInventory & { check(): Promise<void> };
  readonly transport: MailTransport;
  readonly outboxDir: string | undefined;
  readonly jobs: { sendMail: JobDefinition<{ mailId: string }> };
  /** Signs cookies: SESSION_SECRET, or a random key kept in DATA_DIR/secrets (outside production). */
  readonly cookieSecret: string;
  /** The audit sealing key (SEAL_PRIVATE_KEY_FILE, or generated in DATA_DIR/secrets outside production), read when first needed. */
  readonly sealKey: () => SealKey;
  /**
   * The official French rules (docs/compliance.md), in worker threads started by the first validation: the
   * validate-invoice job, POST /api/v1/validations and `efacture invoices validate` use it.
   */
  readonly validator: InvoiceValidator;
  close(): Promise<void>;
}

export function createLogger(config: Pick<Config, "logLevel">, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: "efacture" },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: {
        // Reset links carry their token in the path: it never reaches a log line (docs/security.md R10, G2).
        req: (req: {
          method?: string;
          url?: string;
          host?: string;
          ip?: string;
          hostname?: string;
          socket?: { remoteAddress?: string };
        }) => ({
          method: req.method,
          url: maskUrl(req.url),
          host: typeof req.host === "string" ? req.host.replace(/[\r\n]/g, "") : undefined,
          // "incoming request" is logged before the hook that validates request.ip: never log a forwarded non-IP.
          ip: canonicalIp(req.ip) ?? canonicalIp(req.socket?.remoteAddress),
        }),
      },
      // Secrets never reach the log (docs/security.md G2).
      redact: {
        paths: [
          "req.headers.cookie",
          "req.headers.authorization",
          'res.headers["set-cookie"]',
          "password",
          "token",
          "*.password",
          "*.token",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}

/** Masks one-time tokens in a URL path (`/reinitialiser/<token>`), and CR/LF. */
export function maskUrl(url: string | undefined): string | undefined {
  return url
    ?.replace(/(\/reinitialiser\/|\/conseiller\/inscription\/)[^/?#]+/, "$1[redacted]")
    .replace(/[\r\n]/g, "");
}

/**
 * Opens the database (migrating it), the job queue, the blob store and the mail transport.
 * Throws with a message naming the problem when one of them cannot be had.
 */
export async function openServices(
  config: Config,
  options: {
    logger?: Logger;
    schema?: string;
    pollingIntervalSeconds?: number;
    transport?: MailTransport;
    /** Fire pg-boss schedules (daily jobs) from this process: the worker role. */
    schedule?: boolean;
    /**
     * Run the job queue's maintenance from this process (default true): the worker role and command lines; a
     * web-only process (`efacture web`, each of `--processes N`) only sends jobs and leaves it to the workers.
     */
    supervise?: boolean;
    /**
     * PostgreSQL connections opened at start and kept however long idle (src/db/postgres.ts): the web role keeps
     * its whole pool, so a burst never waits for new backends.
     */
    minConnections?: number;
    /** Replaces the validator (tests give a deterministic one). */
    validator?: InvoiceValidator;
  } = {},
): Promise<Services> {
  const logger = options.logger ?? createLogger(config);
  const opened = await openDatabase(config, {
    schema: options.schema,
    minConnections: options.minConnections,
  });
  const { db } = opened;
  let queue: JobQueue | undefined;
  const blobs = openBlobStore(config.blobStore);
  try {
    const applied = await migrate(db);
    if (applied.length > 0) logger.info({ applied }, "database migrated");
    await checkBlobStore(db, blobs);
    const sendMail = sendMailDefinition(config);
    queue = await openJobQueue({
      opened,
      db,
      logger,
      definitions: [
        sendMail as JobDefinition<unknown>,
        newInvoiceNoticeJob as JobDefinition<unknown>,
        passwordResetJob as JobDefinition<unknown>,
        retentionRunJob as JobDefinition<unknown>,
        auditSealJob as JobDefinition<unknown>,
        auditVerifyJob as JobDefinition<unknown>,
        blobSweepJob as JobDefinition<unknown>,
        validateInvoiceJob as JobDefinition<unknown>,
        validationBacklogJob as JobDefinition<unknown>,
        paTransmitJob as JobDefinition<unknown>,
        paPollJob as JobDefinition<unknown>,
        paWebhookFlowJob as JobDefinition<unknown>,
        paPaymentJob as JobDefinition<unknown>,
      ],
      pollingIntervalSeconds: options.pollingIntervalSeconds,
      schedule: options.schedule,
      supervise: options.supervise,
      outageLimitSeconds: config.databaseOutageLimitSeconds,
      maintenanceIntervalSeconds: config.jobMaintenanceIntervalSeconds,
    });
    const outboxDir = config.smtpUrl ? undefined : path.join(config.dataDir, "outbox");
    const transport =
      options.transport ??
      (config.smtpUrl ? createSmtpTransport(config.smtpUrl) : createOutboxTransport(outboxDir!));
    const cookieSecret = config.sessionSecret ?? localSecret(config.dataDir, "session.key");
    const finalQueue = queue;
    let sealKey: SealKey | undefined;
    let closing: Promise<void> | undefined;
    const validator = options.validator ?? lazyValidator();
    return {
      config,
      logger,
      db,
      opened,
      queue: finalQueue,
      blobs,
      transport,
      outboxDir,
      jobs: { sendMail },
      cookieSecret,
      sealKey: () => (sealKey ??= loadSealKey(config)),
      validator,
      close() {
        closing ??= (async () => {
          await finalQueue.stop().catch((error) => logger.error({ err: error }, "job queue stop failed"));
          await validator.close().catch((error) => logger.error({ err: error }, "validator close failed"));
          await transport.close();
          blobs.close();
          await opened.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await queue?.stop().catch(() => {});
    blobs.close();
    await opened.close().catch(() => {});
    throw error;
  }
}

/**
 * Start-up check of the blob store: usable (the bucket exists, the credentials may use it; the folder is
 * writable), and not another store than the one `efacture blobs migrate --switch` recorded in the database:
 * after a migration, a process still configured for the old store refuses to start, so nobody keeps writing
 * there. (Nothing is recorded before the first switch: a copied database or a moved DATA_DIR start as before.)
 */
async function checkBlobStore(db: Database, blobs: ReturnType<typeof openBlobStore>): Promise<void> {
  await blobs.check();
  const recorded = await readActiveBlobStore(db);
  if (recorded && recorded.active !== blobs.identity)
    throw new Error(
      `BLOB_STORE is ${blobs.identity} but efacture blobs migrate moved the originals to ${recorded.active} on ${recorded.switchedAt.toISOString()}: set BLOB_STORE to ${recorded.active}`,
    );
}

/**
 * The validator pool, imported and created on the first validation: a command line or a process that never
 * validates loads neither piscina nor the rule engine (the CLI loads what a command uses, see src/cli/main.ts).
 */
function lazyValidator(): InvoiceValidator {
  let pool: Promise<InvoiceValidator> | undefined;
  const open = () =>
    (pool ??= import("./einvoice/validation/validator-pool.js").then((m) => m.createValidatorPool()));
  return {
    validate: async (bytes, options) => (await open()).validate(bytes, options),
    warm: async (ruleSets) => (await open()).warm!(ruleSets),
    async close() {
      const opened = pool;
      pool = undefined;
      await (await opened)?.close();
    },
  };
}

/** Registers the job handlers: this process now sends mails (and later runs retention, seals, ...). */
export async function startWorker(
  services: Services,
  options: { mailConcurrency?: number } = {},
): Promise<void> {
  const { queue, db, transport, config, logger, jobs } = services;
  await queue.work(jobs.sendMail, sendMailHandler({ db, transport, config, logger }), {
    concurrency: options.mailConcurrency ?? 4,
  });
  await queue.work(newInvoiceNoticeJob, newInvoiceNoticeHandler(services), { concurrency: 2 });
  await queue.work(passwordResetJob, passwordResetHandler({ db, queue, logger }), { concurrency: 1 });
  await startRetentionJob(services);
  await startBlobSweepJob(services);
  await queue.work(auditSealJob, auditSealHandler(services));
  await queue.work(auditVerifyJob, auditVerifyHandler(services));
  await scheduleAuditJobs(queue);
  await startValidateInvoiceJob(services);
  await startValidationBacklogJob(services);
  await startPaJobs(services);
  logger.info("worker started");
}

/** A random secret generated once and kept in DATA_DIR/secrets (mode 0600), for development machines. */
function localSecret(dataDir: string, name: string): string {
  const dir = path.join(dataDir, "secrets");
  const file = path.join(dir, name);
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const secret = randomBytes(32).toString("hex");
    try {
      writeFileSync(file, secret, { mode: 0o600, flag: "wx" });
      return secret;
    } catch {
      return readFileSync(file, "utf8").trim();
    }
  }
}

/**
 * What publication needs from the services, configured in one place: the API, the CLI import and the demo
 * seed publish through it, so a setting such as NOTICE_DELAY_SECONDS reaches every path.
 */
export function publishDeps(
  services: Pick<Services, "db" | "blobs" | "queue" | "config">,
): Pick<PublishDeps, "db" | "blobs" | "queue" | "maxPdfBytes" | "noticeDelaySeconds"> {
  return {
    db: services.db,
    blobs: services.blobs,
    queue: services.queue,
    maxPdfBytes: services.config.maxPdfBytes,
    noticeDelaySeconds: services.config.noticeDelaySeconds,
  };
}
