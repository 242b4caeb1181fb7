import { openServices, type Services } from "../app.js";
import { ConfigError, loadConfig } from "../config.js";
import { DatabaseUnavailable } from "../db/database.js";
import { EmbeddedDatabaseBusy } from "../db/embedded-lock.js";
import { DomainError } from "../domain/shared/errors.js";
import { runRemotely, serveControlSocket } from "./control-socket.js";
import { type CliIo, terminalIo, UsageError } from "./io.js";

type Command = (args: string[], io: CliIo, services: Services) => Promise<number>;

// Each command's module is loaded when it runs: a command line pays for what it uses (the web server alone
// is ~0.7 s of imports, the Factur-X reader ~0.5 s), which every scripted call and every CLI test felt.
const COMMANDS: Record<string, () => Promise<Command>> = {
  migrate: async () => (await import("./commands/migrate.js")).migrateCommand,
  tenant: async () => (await import("./commands/tenant.js")).tenantCommand,
  "api-key": async () => (await import("./commands/api-key.js")).apiKeyCommand,
  customers: async () => (await import("./commands/customers.js")).customersCommand,
  invoices: async () => (await import("./commands/invoices.js")).invoicesCommand,
  retention: async () => (await import("./commands/retention.js")).retentionCommand,
  staff: async () => (await import("./commands/staff.js")).staffCommand,
  demo: async () => (await import("./commands/demo.js")).demoCommand,
  audit: async () => (await import("./commands/audit.js")).auditCommand,
  blobs: async () => (await import("./commands/blobs.js")).blobsCommand,
  pa: async () => (await import("./commands/pa.js")).paCommand,
};

/** The help text, from each command's own usage lines (loaded only when it is shown). */
async function usage(): Promise<string> {
  const [tenant, apiKey, staff, customers, invoices, retention, audit, blobs, pa] = await Promise.all([
    import("./commands/tenant.js").then((m) => m.tenantUsage),
    import("./commands/api-key.js").then((m) => m.apiKeyUsage),
    import("./commands/staff.js").then((m) => m.staffUsage),
    import("./commands/customers.js").then((m) => m.customersUsage),
    import("./commands/invoices.js").then((m) => m.invoicesUsage),
    import("./commands/retention.js").then((m) => m.retentionUsage),
    import("./commands/audit.js").then((m) => m.auditUsage),
    import("./commands/blobs.js").then((m) => m.blobsUsage),
    import("./commands/pa.js").then((m) => m.paUsage),
  ]);
  return `E-FACTURE command line

  efacture start                 web and worker in one process (what npm start runs)
  efacture web [--processes N]   the web server only; N processes sharing the port (PostgreSQL only)
  efacture worker                the job worker only (mails, ...)
  efacture migrate               apply database migrations
  ${tenant.replaceAll("\n", "\n  ")}
  ${apiKey.replaceAll("\n", "\n  ")}
  ${staff}
  ${customers.replaceAll("\n", "\n  ")}
  ${invoices.replaceAll("\n", "\n  ")}
  ${retention.replaceAll("\n", "\n  ")}
  ${audit.replaceAll("\n", "\n  ")}
  ${blobs.replaceAll("\n", "\n  ")}
  ${pa.replaceAll("\n", "\n  ")}
  efacture demo                  create the demo tenant and its data (idempotent)

Configuration comes from the environment (see README: DATABASE_URL, DATA_DIR, PUBLIC_BASE_URL, SMTP_URL, ...).`;
}

/** Runs a command with services already open (in this process, or inside the server for a remote CLI). */
export async function runWithServices(argv: string[], io: CliIo, services: Services): Promise<number> {
  const [name, ...args] = argv;
  const load = name && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    io.err(
      name && ["start", "web", "worker"].includes(name)
        ? `"${name}" cannot run inside a running server`
        : await usage(),
    );
    return 2;
  }
  try {
    const command = await load();
    return await command(args, io, services);
  } catch (error) {
    return reportError(error, io);
  }
}

/**
 * `--processes N` of `efacture web` (1 when absent). `start` stays one process (the embedded mode's), and N
 * web processes need PostgreSQL: the embedded database opens in one process only.
 */
function serverProcesses(name: string, args: string[], config: ReturnType<typeof loadConfig>): number {
  if (args.length === 0) return 1;
  const [flag, value, ...rest] = args;
  if (name !== "web" || flag !== "--processes" || rest.length > 0)
    throw new UsageError(
      name === "web"
        ? "usage: efacture web [--processes N]"
        : `efacture ${name} takes no option (only "efacture web" runs several processes)`,
    );
  if (value === undefined || !/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 64)
    throw new UsageError(
      `--processes: expected a number of processes between 1 and 64, got "${value ?? ""}"`,
    );
  const processes = Number(value);
  if (processes > 1 && !config.databaseUrl)
    throw new UsageError(
      "--processes above 1 needs PostgreSQL (DATABASE_URL): the embedded database opens in one process only",
    );
  return processes;
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
    io.out(await usage());
    return name ? 0 : 2;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (error) {
    return reportError(error, io);
  }
  let exitWhenDone = false;
  const code = await runConfigured(name, argv, io, config, () => {
    exitWhenDone = true;
  }).catch((error: unknown) => {
    if (!exitWhenDone) throw error;
    io.err(`efacture: ${error instanceof Error ? error.message : error}`);
    return 1;
  });
  if (exitWhenDone) {
    // Not process.disconnect(): a cluster's process that disconnects exits with 0, hiding a failure.
    setTimeout(() => process.exit(code), 200);
  }
  return code;
}

async function runConfigured(
  name: string,
  argv: string[],
  io: CliIo,
  config: ReturnType<typeof loadConfig>,
  inCluster: () => void,
): Promise<number> {
  try {
    if (name === "start" || name === "web" || name === "worker") {
      const processes = serverProcesses(name, argv.slice(1), config);
      const { clusterSlot, runWebCluster } = await import("./cluster.js");
      const slot = clusterSlot();
      if (processes > 1 && slot === undefined) return await runWebCluster({ processes, io });
      // A web process of a cluster ends when its server does: its channel to the primary would keep it alive.
      if (slot !== undefined) inCluster();
      const { runUntilSignal, startServer } = await import("../main.js");
      const server = await startServer(
        config,
        { web: name !== "worker", worker: name !== "web" },
        // Of N web processes, the first slot alone seeds the demo (they would race on it otherwise).
        { io, runCommand: runWithServices, seedDemo: slot === undefined || slot === 0 },
      );
      const code = await runUntilSignal(server, io);
      // Giving up must end the process even if a socket to the lost database lingers: a supervisor
      // restarts a process that exits, not one that hangs.
      if (code !== 0) setTimeout(() => process.exit(code), 5_000).unref();
      return code;
    }
    if (!Object.hasOwn(COMMANDS, name)) {
      io.err(`efacture: unknown command "${name}"\n\n${await usage()}`);
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
