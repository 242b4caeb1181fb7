import path from "node:path";
import pino, { type Logger } from "pino";
import type { Config } from "./config.js";
import type { Database } from "./db/database.js";
import { migrate } from "./db/migrate.js";
import { type OpenedDatabase, openDatabase } from "./db/open-database.js";
import { newInvoiceNoticeHandler, newInvoiceNoticeJob } from "./jobs/new-invoice-notice.job.js";
import { type JobDefinition, type JobQueue, openJobQueue } from "./jobs/queue.js";
import { sendMailDefinition, sendMailHandler } from "./jobs/send-mail.job.js";
import { createOutboxTransport, createSmtpTransport, type MailTransport } from "./mail/transport.js";
import type { BlobStore } from "./storage/blob-store.js";
import { createFsBlobStore } from "./storage/fs-blob-store.js";

/** Everything the entry points (web, worker, CLI) need, built once from the configuration. */
export interface Services {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Database;
  readonly opened: OpenedDatabase;
  readonly queue: JobQueue;
  readonly blobs: BlobStore;
  readonly transport: MailTransport;
  readonly outboxDir: string | undefined;
  readonly jobs: { sendMail: JobDefinition<{ mailId: string }> };
  close(): Promise<void>;
}

export function createLogger(config: Pick<Config, "logLevel">, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: "efacture" },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Secrets never reach the log (SECURITY.md G2).
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
  } = {},
): Promise<Services> {
  const logger = options.logger ?? createLogger(config);
  const opened = await openDatabase(config, { schema: options.schema });
  const { db } = opened;
  let queue: JobQueue | undefined;
  try {
    const applied = await migrate(db);
    if (applied.length > 0) logger.info({ applied }, "database migrated");
    const sendMail = sendMailDefinition(config);
    queue = await openJobQueue({
      opened,
      db,
      logger,
      definitions: [sendMail as JobDefinition<unknown>, newInvoiceNoticeJob as JobDefinition<unknown>],
      pollingIntervalSeconds: options.pollingIntervalSeconds,
    });
    const outboxDir = config.smtpUrl ? undefined : path.join(config.dataDir, "outbox");
    const transport =
      options.transport ??
      (config.smtpUrl ? createSmtpTransport(config.smtpUrl) : createOutboxTransport(outboxDir!));
    const blobs = createFsBlobStore(path.join(config.dataDir, "blobs"));
    const finalQueue = queue;
    let closing: Promise<void> | undefined;
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
      close() {
        closing ??= (async () => {
          await finalQueue.stop().catch((error) => logger.error({ err: error }, "job queue stop failed"));
          await transport.close();
          await opened.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await queue?.stop().catch(() => {});
    await opened.close().catch(() => {});
    throw error;
  }
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
  logger.info("worker started");
}
