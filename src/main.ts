import type { FastifyInstance } from "fastify";
import { openServices, type Services, startWorker } from "./app.js";
import { serveControlSocket } from "./cli/control-socket.js";
import type { CliIo } from "./cli/io.js";
import type { Config } from "./config.js";
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
  stop(): Promise<void>;
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
  },
): Promise<RunningServer> {
  const { io } = options;
  const services = await openServices(config, {
    schema: options.schema,
    pollingIntervalSeconds: options.pollingIntervalSeconds,
    schedule: roles.worker,
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
    if (config.demo && roles.web) {
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

    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        // Stop accepting and finish in-flight requests, then let running jobs end, then close the database.
        await app?.close().catch((error) => logger.error({ err: error }, "web close failed"));
        await closeControl?.().catch(() => {});
        await services.close();
      })();
      return stopping;
    };
    return { services, app, url, stop };
  } catch (error) {
    await app?.close().catch(() => {});
    await closeControl?.().catch(() => {});
    await services.close().catch(() => {});
    throw error;
  }
}

/** Runs until SIGTERM or SIGINT, then shuts down gracefully. */
export async function runUntilSignal(server: RunningServer, io: CliIo): Promise<number> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      io.err(`${signal} received, shutting down`);
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
          resolve(0);
        },
        (error: Error) => {
          io.err(`shutdown error: ${error.message}`);
          resolve(1);
        },
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
