import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";
import PgBoss from "pg-boss";
import type { Logger } from "pino";
import { type Database, isDatabaseDown, type Sql } from "../db/database.js";
import type { OpenedDatabase } from "../db/open-database.js";
import {
  type JobContext,
  type JobDefinition,
  type JobHandler,
  type JobSender,
  PermanentJobFailure,
} from "../domain/shared/jobs.js";

export {
  type JobContext,
  type JobDefinition,
  type JobHandler,
  type JobSender,
  PermanentJobFailure,
} from "../domain/shared/jobs.js";

/** The durable job queue, stored in the application's own database (pg-boss). */
export interface JobQueue extends JobSender {
  /**
   * Starts `concurrency` workers for this kind of job. `drain` (the default): after each job a worker fetches
   * the next one at once, and waits for the polling interval only when it found none; `drain: false` keeps
   * pg-boss's own loop, which waits for the polling interval after every fetch (worker.js), so a worker takes at
   * most one job a second: a backlog of checks drained at ~2/s whatever the validator could do, and four mail
   * workers sent at most 4 mails/s (a monthly run of 100,000 notices: 7 hours). A failed job is not fetched
   * again at once: its retry waits for the job's retry delay (≥ 1 s).
   *
   * `batchSize` (default 1): each worker takes up to that many jobs per fetch and runs them at once, each with
   * its own outcome: a job that throws is failed (retried with its backoff) alone, a PermanentJobFailure is
   * logged and dropped, the others complete (pg-boss then completes the batch's jobs still active only). For
   * short jobs that mostly wait (a PA call): fewer fetches for the same throughput.
   */
  work<Data>(
    definition: JobDefinition<Data>,
    handler: JobHandler<Data>,
    options?: { concurrency?: number; drain?: boolean; batchSize?: number },
  ): Promise<void>;
  /**
   * Jobs of this kind queued in the last `seconds` and still waiting (retries excluded): how fast publication
   * queues checks right now (src/domain/validation/publication-burst.ts).
   */
  queuedSince(definition: JobDefinition<unknown>, seconds: number): Promise<number>;
  /** Stops fetching; waits for running jobs up to `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
  /** pg-boss itself, for tests and operations. */
  readonly boss: PgBoss;
  /** The schema of pg-boss's tables, in the application's database (the validation backlog reads its jobs). */
  readonly schema: string;
}

function executorOver(sql: Sql): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[]) {
      // pg-boss sends its schema and maintenance scripts as several statements without parameters.
      if (!values || values.length === 0) {
        if (text.includes(";")) {
          await sql.exec(text);
          return { rows: [] };
        }
      }
      return { rows: await sql.query(text, values ?? []) };
    },
  };
}

// pg-boss's own SQL texts, to recognise its job completions among the statements it runs.
const plans = createRequire(import.meta.url)("pg-boss/src/plans.js") as {
  completeJobs(schema: string): string;
  failJobsById(schema: string): string;
};

/**
 * pg-boss 10 records a job's outcome without awaiting it (`complete`/`fail` in its fetch loop): when the
 * database is away at that moment, the rejection is unhandled, which ends the process, and the job would
 * stay `active` until it expires and then run a second time. So these statements wait for the database
 * (bounded by `limitMs`) instead of failing. Both only touch jobs still active, so a repeat is harmless.
 */
function retryCompletions(boss: PgBoss, schema: string, limitMs: number, logger: Logger): void {
  const completions = new Set([plans.completeJobs(schema), plans.failJobsById(schema)]);
  const db = boss.getDb() as PgBoss.Db;
  const execute = db.executeSql.bind(db);
  db.executeSql = async (text: string, values: unknown[]) => {
    if (!completions.has(text)) return execute(text, values);
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await execute(text, values);
      } catch (error) {
        if (!isDatabaseDown(error) || Date.now() - started >= limitMs) throw error;
        if (attempt === 0) logger.warn("database away: a job's outcome waits to be recorded");
        await sleep(Math.min(250 * 2 ** attempt, 5_000));
      }
    }
  };
}

/** Opens the queue on the same database as the application, creating its schema and queues when missing. */
export async function openJobQueue(options: {
  opened: OpenedDatabase;
  db: Database;
  logger: Logger;
  definitions: readonly JobDefinition<unknown>[];
  pollingIntervalSeconds?: number;
  /** Fire the stored schedules (cron) from this process. */
  schedule?: boolean;
  /** How long a job's outcome waits for an unreachable database before giving up (default 5 minutes). */
  outageLimitSeconds?: number;
  /** How often expired `active` jobs (a dead worker's) are failed and retried; pg-boss's default is 120 s. */
  maintenanceIntervalSeconds?: number;
  /**
   * Run pg-boss's maintenance from this process (failing expired jobs for a retry, archiving, deleting): the
   * worker role's work (default true). A web process only sends jobs: with `--processes N`, each one ran it too.
   */
  supervise?: boolean;
}): Promise<JobQueue> {
  const { opened, db, logger } = options;
  const common = {
    supervise: options.supervise ?? true,
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 30,
    schedule: options.schedule ?? false,
    migrate: true,
  };
  const boss =
    "connectionString" in opened.queueConnection
      ? new PgBoss({
          ...common,
          connectionString: opened.queueConnection.connectionString,
          schema: opened.queueConnection.schema,
          max: 4,
          application_name: "efacture-jobs",
        })
      : new PgBoss({ ...common, db: executorOver(db) });
  // pg-boss reports here what its loops survive (a fetch, a maintenance run failing while the database is
  // away): they retry at their next turn. One line per few seconds of outage, not one per worker and
  // second; only message and code, as pg errors carry their whole client.
  let quietUntil = 0;
  boss.on("error", (error: Error & { code?: string }) => {
    const err = { message: error.message, code: error.code };
    if (!isDatabaseDown(error)) return logger.error({ err }, "job queue error");
    if (Date.now() < quietUntil) return;
    quietUntil = Date.now() + 10_000;
    logger.warn({ err }, "job queue: database unreachable, retrying");
  });
  const schema = "connectionString" in opened.queueConnection ? opened.queueConnection.schema : "pgboss";
  retryCompletions(boss, schema, (options.outageLimitSeconds ?? 300) * 1000, logger);
  await boss.start();
  for (const definition of options.definitions) {
    const queueOptions = {
      name: definition.name,
      policy: "standard" as const,
      retryLimit: definition.retryLimit,
      retryDelay: definition.retryDelaySeconds,
      retryBackoff: definition.retryBackoff,
      expireInSeconds: definition.expireInSeconds,
    };
    if (await boss.getQueue(definition.name)) await boss.updateQueue(definition.name, queueOptions);
    else await boss.createQueue(definition.name, queueOptions);
  }
  const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 1;
  let stopped = false;

  return {
    boss,
    schema,
    async send(definition, data, tx, options = {}) {
      const id = await boss.send(definition.name, data as object, {
        ...(tx ? { db: executorOver(tx) } : {}),
        ...(options.startAfterSeconds ? { startAfter: options.startAfterSeconds } : {}),
        ...(options.priority !== undefined ? { priority: options.priority } : {}),
      });
      if (!id) throw new Error(`job ${definition.name} was not created`);
      return id;
    },
    async sendMany(definition, items, tx) {
      if (items.length === 0) return;
      await boss.insert(
        items.map((data) => ({ name: definition.name, data: data as object })),
        tx ? { db: executorOver(tx) } : {},
      );
    },
    async queuedSince(definition, seconds) {
      // pg-boss's job_i5 index (name, start_after) where state < 'active' holds created_on: an index range
      // over the last seconds' jobs, whatever the backlog. A new job starts at once (start_after = its
      // creation); a retry has an old created_on and is not publication.
      const { rows } = await boss.getDb().executeSql(
        `select count(*)::int as n from ${schema}.job
            where name = $1 and state < 'active'
              and start_after > now() - make_interval(secs => $2) and created_on > now() - make_interval(secs => $2)`,
        [definition.name, seconds],
      );
      return Number((rows as { n: number }[])[0]?.n ?? 0);
    },
    async work(definition, handler, { concurrency = 1, drain = true, batchSize = 1 } = {}) {
      /** Runs one job; throws what pg-boss must fail (and retry), swallows a permanent failure. */
      async function run(job: PgBoss.JobWithMetadata<unknown>): Promise<void> {
        const context: JobContext = {
          jobId: job.id,
          retryCount: job.retryCount,
          retryLimit: job.retryLimit,
          lastAttempt: job.retryCount >= job.retryLimit,
        };
        try {
          await handler(definition.parse(job.data), context);
        } catch (error) {
          const log = logger.child({ job: definition.name, jobId: job.id, attempt: job.retryCount + 1 });
          if (error instanceof PermanentJobFailure) {
            log.error({ err: error }, "job failed permanently, not retried");
            return;
          }
          log.warn(
            { err: error },
            context.lastAttempt ? "job failed, no retry left" : "job failed, will retry",
          );
          throw error;
        }
      }
      for (let i = 0; i < concurrency; i++) {
        let workerId: string | undefined;
        workerId = await boss.work(
          definition.name,
          { batchSize, includeMetadata: true, pollingIntervalSeconds },
          async (jobs: PgBoss.JobWithMetadata<unknown>[]) => {
            if (jobs.length === 0) return;
            // Notified during the job, the worker skips its wait for the polling interval (pg-boss worker.js).
            if (drain && workerId) boss.notifyWorker(workerId);
            // One job: pg-boss fails it when this throws. A batch: each failed job is failed here, alone, and
            // pg-boss completes the others (its `complete` skips jobs no longer active).
            if (jobs.length === 1 && batchSize === 1) return run(jobs[0]!);
            await Promise.all(
              jobs.map((job) =>
                run(job).catch(async (error: Error) => {
                  await boss.fail(definition.name, job.id, { name: error.name, message: error.message });
                }),
              ),
            );
          },
        );
      }
    },
    async stop(timeoutMs = 10_000) {
      if (stopped) return;
      stopped = true;
      await boss.stop({ graceful: true, wait: true, timeout: timeoutMs, close: true });
    },
  };
}
