import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { openServices, type Services, startWorker } from "./app.js";
import { serveControlSocket } from "./cli/control-socket.js";
import type { CliIo } from "./cli/io.js";
import type { Config } from "./config.js";
import { type Database, isDatabaseDown, pingWithin } from "./db/database.js";
import { POOL_MAX_CONNECTIONS } from "./db/postgres.js";
import { seedDemo } from "./demo/seed-demo.js";
import { seedDemoStaff } from "./demo/seed-demo-staff.js";
import { tenantOrigin } from "./domain/tenants/tenant-url.js";
import { buildWebApp } from "./http/web-app.js";

export interface Roles {
  web: boolean;
  worker: boolean;
}

export interface RunningServer {
  services: Services;
  app?: FastifyInstance;
  /** The address the web role listens on (when it runs). */
  url?: string;
  /** Settles when this process cannot go on by itself (database away past its limit): it must exit non-zero. */
  readonly fatal: Promise<Error>;
  stop(): Promise<void>;
}

/**
 * Watches the database while a server runs. Requests and jobs meet an outage on their own (503, retried
 * jobs) and resume when it ends; this only says when it starts and ends, and gives up past `limitMs`
 * so a supervisor restarts the process rather than it waiting forever.
 */
export function watchDatabase(options: {
  db: Pick<Database, "ping">;
  logger: Logger;
  limitMs: number;
  intervalMs?: number;
  onGiveUp(error: Error): void;
}): () => void {
  const { db, logger, limitMs, intervalMs = 2_000 } = options;
  let downSince: number | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const check = async () => {
    try {
      await pingWithin(db, Math.min(5_000, intervalMs * 2));
      if (downSince !== undefined)
        logger.warn({ outageMs: Date.now() - downSince }, "database reachable again, service resumed");
      downSince = undefined;
    } catch (error) {
      const now = Date.now();
      if (downSince === undefined) {
        downSince = now;
        logger.error(
          { err: { message: (error as Error).message, code: (error as { code?: string }).code } },
          `database unreachable: answering 503 and retrying; this process exits if it lasts ${Math.round(limitMs / 1000)} s`,
        );
      } else if (now - downSince >= limitMs) {
        stopped = true;
        options.onGiveUp(
          new Error(
            `database unreachable for ${Math.round((now - downSince) / 1000)} s (DATABASE_OUTAGE_LIMIT_SECONDS)`,
          ),
        );
        return;
      }
    }
    if (!stopped) timer = setTimeout(check, intervalMs).unref();
  };
  timer = setTimeout(check, intervalMs).unref();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * Starts the roles asked for in this process: the only place that listens. With the embedded
 * database it also answers local command lines (they cannot open PGlite themselves while it runs).
 */
export async function startServer(
  config: Config,
  roles: Roles,
  options: {
    io: CliIo;
    runCommand?: (argv: string[], io: CliIo, services: Services) => Promise<number>;
    schema?: string;
    pollingIntervalSeconds?: number;
    /** Seed the demo (EFACTURE_DEMO) from this process: false in all but one of `web --processes N`. */
    seedDemo?: boolean;
  },
): Promise<RunningServer> {
  const { io } = options;
  const services = await openServices(config, {
    schema: options.schema,
    pollingIntervalSeconds: options.pollingIntervalSeconds,
    schedule: roles.worker,
    // Maintenance is the workers' (src/jobs/queue.ts): a web-only process only sends jobs.
    supervise: roles.worker,
    // The web role keeps its whole pool open: a burst of requests never waits for new PostgreSQL backends
    // (bench:list measured 8 opened in one second, the slowest in 166 ms, pages waiting up to 416 ms).
    minConnections: roles.web ? POOL_MAX_CONNECTIONS : undefined,
  });
  const { logger } = services;
  let closeControl: (() => Promise<void>) | undefined;
  let app: FastifyInstance | undefined;
  try {
    if (services.opened.lock && options.runCommand) {
      const run = options.runCommand;
      closeControl = await serveControlSocket(
        services.opened.lock.socketPath,
        (argv, remoteIo) => run(argv, remoteIo, services),
        logger,
      );
    }
    let demoLine: string | undefined;
    const staffLines: string[] = [];
    if (config.demo && roles.web && options.seedDemo !== false) {
      const demo = await seedDemo(services, { io });
      demoLine = demo.created
        ? `Demo identifier: ${demo.identifier}   password: ${demo.password}`
        : `Demo tenant already present (identifier ${demo.identifier}, password ${demo.password})`;
      // Until they enrol, each start gives the demo advisor and admin a fresh enrolment link (the old one is void).
      for (const staff of await seedDemoStaff(services))
        staffLines.push(
          staff.link
            ? `Back office ${staff.role} ${staff.email}: enrol at ${staff.link}`
            : `Back office ${staff.role} ${staff.email}: enrolled, log in at ${tenantOrigin(config.publicBaseUrl, "demo")}/conseiller/connexion`,
        );
    }
    if (roles.worker) await startWorker(services);
    let url: string | undefined;
    if (roles.web) {
      app = await buildWebApp(services);
      url = await app.listen({ port: config.port, host: config.host });
      io.out(`E-FACTURE web listening on ${url}`);
      if (config.demo) {
        io.out(`  Demo portal:     ${tenantOrigin(config.publicBaseUrl, "demo")}/`);
        if (services.outboxDir) io.out(`  Outbox (mails):  ${config.publicBaseUrl.origin}/_dev/outbox`);
        if (demoLine) io.out(`  ${demoLine}`);
        for (const line of staffLines) io.out(`  ${line}`);
      }
    }
    if (roles.worker) io.out("E-FACTURE worker running");

    let giveUp: (error: Error) => void = () => {};
    const fatal = new Promise<Error>((resolve) => {
      giveUp = resolve;
    });
    const stopWatching =
      services.db.engine === "postgres"
        ? watchDatabase({
            db: services.db,
            logger,
            limitMs: config.databaseOutageLimitSeconds * 1000,
            onGiveUp: (error) => {
              logger.fatal(
                { err: { message: error.message } },
                "giving up: exiting for the supervisor to restart",
              );
              giveUp(error);
            },
          })
        : () => {};
    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopWatching();
      stopping ??= (async () => {
        // Stop accepting and finish in-flight requests, then let running jobs end, then close the database.
        await app?.close().catch((error) => logger.error({ err: error }, "web close failed"));
        await closeControl?.().catch(() => {});
        await services.close();
      })();
      return stopping;
    };
    return { services, app, url, fatal, stop };
  } catch (error) {
    await app?.close().catch(() => {});
    await closeControl?.().catch(() => {});
    await services.close().catch(() => {});
    throw error;
  }
}

/**
 * Runs until SIGTERM or SIGINT, then shuts down gracefully (0). Ends with 1 when the server cannot go on
 * (`server.fatal`, an unexpected unhandled rejection): its supervisor restarts it.
 */
export async function runUntilSignal(server: RunningServer, io: CliIo): Promise<number> {
  const { logger } = server.services;
  return new Promise((resolve) => {
    let ending = false;
    const end = (code: number, reason: string) => {
      if (ending) return;
      ending = true;
      io.err(reason);
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      const force = setTimeout(() => {
        io.err("shutdown took too long, exiting");
        resolve(1);
      }, 25_000);
      force.unref();
      server.stop().then(
        () => {
          clearTimeout(force);
          resolve(code);
        },
        (error: Error) => {
          io.err(`shutdown error: ${error.message}`);
          resolve(1);
        },
      );
    };
    const onSignal = (signal: NodeJS.Signals) => end(0, `${signal} received, shutting down`);
    // A library's promise nobody awaits (pg-boss, pg) failing because the database is away is the outage
    // the watch deals with, not a reason to die; anything else is a bug: log it and exit for a restart.
    const onRejection = (reason: unknown) => {
      if (isDatabaseDown(reason)) {
        logger.warn(
          { err: { message: (reason as Error)?.message } },
          "database unreachable (background task)",
        );
        return;
      }
      logger.fatal({ err: reason }, "unhandled rejection");
      end(1, `fatal: unhandled rejection: ${(reason as Error)?.message ?? reason}`);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    process.on("unhandledRejection", onRejection);
    void server.fatal.then((error) => end(1, `fatal: ${error.message}, exiting`));
  });
}
