import { openServices, type Services } from "../app.js";
import { ConfigError, loadConfig } from "../config.js";
import { DatabaseUnavailable } from "../db/database.js";
import { EmbeddedDatabaseBusy } from "../db/embedded-lock.js";
import { DomainError } from "../domain/shared/errors.js";
import { runUntilSignal, startServer } from "../main.js";
import { apiKeyCommand, apiKeyUsage } from "./commands/api-key.js";
import { auditCommand, auditUsage } from "./commands/audit.js";
import { blobsCommand, blobsUsage } from "./commands/blobs.js";
import { customersCommand, customersUsage } from "./commands/customers.js";
import { demoCommand } from "./commands/demo.js";
import { invoicesCommand, invoicesUsage } from "./commands/invoices.js";
import { migrateCommand } from "./commands/migrate.js";
import { retentionCommand, retentionUsage } from "./commands/retention.js";
import { staffCommand, staffUsage } from "./commands/staff.js";
import { tenantCommand, tenantUsage } from "./commands/tenant.js";
import { runRemotely, serveControlSocket } from "./control-socket.js";
import { type CliIo, terminalIo, UsageError } from "./io.js";

const USAGE = `E-FACTURE command line

  efacture start                 web and worker in one process (what npm start runs)
  efacture web                   the web server only
  efacture worker                the job worker only (mails, ...)
  efacture migrate               apply database migrations
  ${tenantUsage.replaceAll("\n", "\n  ")}
  ${apiKeyUsage.replaceAll("\n", "\n  ")}
  ${staffUsage}
  ${customersUsage.replaceAll("\n", "\n  ")}
  ${invoicesUsage.replaceAll("\n", "\n  ")}
  ${retentionUsage.replaceAll("\n", "\n  ")}
  ${auditUsage.replaceAll("\n", "\n  ")}
  ${blobsUsage.replaceAll("\n", "\n  ")}
  efacture demo                  create the demo tenant and its data (idempotent)

Configuration comes from the environment (see README: DATABASE_URL, DATA_DIR, PUBLIC_BASE_URL, SMTP_URL, ...).`;

type Command = (args: string[], io: CliIo, services: Services) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  migrate: migrateCommand,
  tenant: tenantCommand,
  "api-key": apiKeyCommand,
  customers: customersCommand,
  invoices: invoicesCommand,
  retention: retentionCommand,
  staff: staffCommand,
  demo: demoCommand,
  audit: auditCommand,
  blobs: blobsCommand,
};

/** Runs a command with services already open (in this process, or inside the server for a remote CLI). */
export async function runWithServices(argv: string[], io: CliIo, services: Services): Promise<number> {
  const [name, ...args] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    io.err(
      name && ["start", "web", "worker"].includes(name)
        ? `"${name}" cannot run inside a running server`
        : USAGE,
    );
    return 2;
  }
  try {
    return await command(args, io, services);
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof UsageError) {
    io.err(`efacture: ${error.message}`);
    return 2;
  }
  if (error instanceof DomainError) {
    io.err(`efacture: ${error.message} (${error.code})`);
    return 1;
  }
  if (error instanceof ConfigError) {
    io.err(`efacture: invalid configuration: ${error.message}`);
    return 1;
  }
  if (error instanceof DatabaseUnavailable) {
    io.err(`efacture: ${error.message}`);
    return 1;
  }
  throw error;
}

/** The `efacture` command. Returns the exit code. */
export async function runCli(
  argv: string[],
  io: CliIo = terminalIo(),
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const [name] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    io.out(USAGE);
    return name ? 0 : 2;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (error) {
    return reportError(error, io);
  }

  try {
    if (name === "start" || name === "web" || name === "worker") {
      const server = await startServer(
        config,
        { web: name !== "worker", worker: name !== "web" },
        { io, runCommand: runWithServices },
      );
      const code = await runUntilSignal(server, io);
      // Giving up must end the process even if a socket to the lost database lingers: a supervisor
      // restarts a process that exits, not one that hangs.
      if (code !== 0) setTimeout(() => process.exit(code), 5_000).unref();
      return code;
    }
    if (!COMMANDS[name]) {
      io.err(`efacture: unknown command "${name}"\n\n${USAGE}`);
      return 2;
    }
    let services: Services;
    try {
      services = await openServices(config);
    } catch (error) {
      if (error instanceof EmbeddedDatabaseBusy)
        return await runRemotely(error.socketPath, argv, io).catch(() => busyMessage(error, io));
      throw error;
    }
    const closeControl = services.opened.lock
      ? await serveControlSocket(
          services.opened.lock.socketPath,
          (a, i) => runWithServices(a, i, services),
          services.logger,
        )
      : undefined;
    try {
      return await runWithServices(argv, io, services);
    } finally {
      await closeControl?.();
      await services.close();
    }
  } catch (error) {
    if (error instanceof EmbeddedDatabaseBusy) return busyMessage(error, io);
    if (error instanceof Error && /DATA_DIR .* is not writable/.test(error.message)) {
      io.err(`efacture: ${error.message}`);
      return 1;
    }
    return reportError(error, io);
  }
}

function busyMessage(error: EmbeddedDatabaseBusy, io: CliIo): number {
  io.err(
    `efacture: the embedded database in DATA_DIR is in use by process ${error.pid}. Stop it first, or use PostgreSQL (DATABASE_URL) to run web and worker apart.`,
  );
  return 1;
}
