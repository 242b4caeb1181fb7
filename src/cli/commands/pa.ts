import { readFileSync } from "node:fs";
import path from "node:path";
import type { Services } from "../../app.js";
import { findPaConnection } from "../../db/pa.repository.js";
import { checkPaConnection, connectPa } from "../../domain/pa/connect-pa.js";
import type { PaHealth } from "../../domain/pa/flow-api.js";
import { pollPaStatuses } from "../../domain/pa/ingest-statuses.js";
import { subscribePaWebhook } from "../../domain/pa/pa-webhooks.js";
import { checkCdar } from "../../pa/cdar-rules.js";
import { createFlowClient } from "../../pa/flow-client.js";
import { describeFsError, findTenantArgument, parseCommandArgs } from "../command-helpers.js";
import { type CliIo, UsageError } from "../io.js";

export const paUsage = `efacture pa connect --tenant <slug> --flow-url <url> [--token-url <url> --client-id <id> --client-secret-file <path> | --token-file <path>] [--poll-seconds N] [--ereporting on|off]
efacture pa status --tenant <slug>
efacture pa poll --tenant <slug>
efacture pa webhook --tenant <slug>`;

const ACTOR = { type: "platform", id: "cli" } as const;

/**
 * `pa connect|status`: the tenant's plateforme agréée (AFNOR XP Z12-013 Flow API, docs/pa-bridge.md). Secrets
 * are read from files (never from the command line, which `ps` and shell histories show), trimmed, sealed at
 * rest, and never printed.
 */
export async function paCommand(args: string[], io: CliIo, services: Services): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "connect") return connect(rest, io, services);
  if (sub === "status") return status(rest, io, services);
  if (sub === "poll") return poll(rest, io, services);
  if (sub === "webhook") return webhook(rest, io, services);
  throw new UsageError(`usage:\n${paUsage}`);
}

function readSecretFile(io: CliIo, file: string, what: string): string {
  try {
    return readFileSync(path.resolve(io.cwd, file), "utf8").trim();
  } catch (error) {
    throw new UsageError(`cannot read the ${what} file ${file}: ${describeFsError(error)}`);
  }
}

async function connect(args: string[], io: CliIo, services: Services): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    tenant: { type: "string" },
    "flow-url": { type: "string" },
    "token-url": { type: "string" },
    "client-id": { type: "string" },
    "client-secret-file": { type: "string" },
    "token-file": { type: "string" },
    "poll-seconds": { type: "string" },
    ereporting: { type: "string" },
  });
  if (positionals.length > 0 || !values.tenant || !values["flow-url"])
    throw new UsageError(`usage:\n${paUsage}`);
  const ereporting = values.ereporting;
  if (ereporting !== undefined && ereporting !== "on" && ereporting !== "off")
    throw new UsageError("--ereporting takes on or off");
  const pollSeconds = values["poll-seconds"] === undefined ? undefined : Number(values["poll-seconds"]);
  const tenant = await findTenantArgument(services, values.tenant);
  const secretFile = values["client-secret-file"];
  const tokenFile = values["token-file"];
  const { replaced, queued } = await connectPa(
    { db: services.db, queue: services.queue, platformSecret: services.cookieSecret },
    {
      tenantId: tenant.id,
      flowUrl: values["flow-url"],
      ...(values["token-url"] !== undefined ? { tokenUrl: values["token-url"] } : {}),
      ...(values["client-id"] !== undefined ? { clientId: values["client-id"] } : {}),
      ...(secretFile !== undefined ? { clientSecret: readSecretFile(io, secretFile, "client secret") } : {}),
      ...(tokenFile !== undefined ? { token: readSecretFile(io, tokenFile, "token") } : {}),
      ...(pollSeconds !== undefined ? { pollSeconds } : {}),
      ...(ereporting !== undefined ? { ereporting: ereporting === "on" } : {}),
      actor: ACTOR,
    },
  );
  io.out(
    `${replaced ? "PA connection of" : "PA connected for"} ${tenant.slug}: ${values["flow-url"]} (${
      tokenFile !== undefined ? "bearer token" : `OAuth2 client ${values["client-id"]}`
    }; secret stored encrypted, not shown again).`,
  );
  if (queued > 0) io.out(`${queued} invoice(s) waiting for a PA connection queued for transmission.`);
  if (ereporting !== undefined)
    io.out(
      ereporting === "on"
        ? "E-reporting on: B2C and B2BInt invoices are transmitted to the PA too."
        : "E-reporting off: only B2B invoices are transmitted to the PA.",
    );
  await subscribe(io, services, tenant);
  io.out(`Check it with: efacture pa status --tenant ${tenant.slug}`);
  return 0;
}

/** Subscribes the tenant's webhook; a PA that refuses it leaves the connection working (polling reads the statuses). */
async function subscribe(
  io: CliIo,
  services: Services,
  tenant: { id: string; slug: string },
): Promise<boolean> {
  try {
    const result = await subscribePaWebhook(
      {
        db: services.db,
        flowApi: createFlowClient({ requestTimeoutMs: 10_000 }),
        platformSecret: services.cookieSecret,
        publicBaseUrl: services.config.publicBaseUrl,
      },
      tenant.id,
      tenant.slug,
      ACTOR,
    );
    io.out(
      `Webhook subscribed: ${result.callbackUrl} (${result.signed ? "callbacks signed by the PA, key stored encrypted" : "the PA gave no signing key: the random URL alone authenticates callbacks"}${result.removed > 0 ? `; ${result.removed} older subscription(s) removed` : ""}).`,
    );
    return true;
  } catch (error) {
    io.err(
      `Webhook NOT subscribed (${(error as Error).message}): statuses are still read by polling; try again with efacture pa webhook --tenant ${tenant.slug}`,
    );
    return false;
  }
}

async function webhook(args: string[], io: CliIo, services: Services): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { tenant: { type: "string" } });
  if (positionals.length > 0 || !values.tenant) throw new UsageError(`usage:\n${paUsage}`);
  const tenant = await findTenantArgument(services, values.tenant);
  if (!(await findPaConnection(services.db, tenant.id)))
    throw new UsageError(`${tenant.slug} has no PA connection: efacture pa connect first`);
  return (await subscribe(io, services, tenant)) ? 0 : 1;
}

async function status(args: string[], io: CliIo, services: Services): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { tenant: { type: "string" } });
  if (positionals.length > 0 || !values.tenant) throw new UsageError(`usage:\n${paUsage}`);
  const tenant = await findTenantArgument(services, values.tenant);
  const report = await checkPaConnection(
    {
      db: services.db,
      flowApi: createFlowClient({ requestTimeoutMs: 10_000 }),
      platformSecret: services.cookieSecret,
    },
    tenant.id,
  );
  io.out(`PA of ${tenant.slug}: ${report.flowUrl}`);
  io.out(
    report.authKind === "oauth2"
      ? `  Authentication: OAuth2 client ${report.clientId} at ${report.tokenUrl}`
      : "  Authentication: bearer token",
  );
  for (const line of healthLines(report.health)) io.out(`  ${line}`);
  for (const problem of report.health.problems) io.out(`  - ${problem}`);
  const healthy = report.health.service === "ok" && report.health.access === "ok";
  io.out(healthy ? "Transmissions can be sent." : "Transmissions wait (they are retried) until this works.");
  return healthy ? 0 : 1;
}

async function poll(args: string[], io: CliIo, services: Services): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { tenant: { type: "string" } });
  if (positionals.length > 0 || !values.tenant) throw new UsageError(`usage:\n${paUsage}`);
  const tenant = await findTenantArgument(services, values.tenant);
  const report = await pollPaStatuses(
    { db: services.db, flowApi: createFlowClient(), platformSecret: services.cookieSecret, checkCdar },
    tenant.id,
  );
  io.out(
    `${report.read} new lifecycle message(s) read for ${tenant.slug}: ${report.recorded} recorded, ${report.unmatched} matching no invoice, ${report.invalid} invalid (kept).`,
  );
  return 0;
}

/** What works, in words. */
export function healthLines(health: PaHealth): string[] {
  const token = {
    ok: "Token: obtained from the token endpoint.",
    refused: "Token: REFUSED by the token endpoint (client id or secret wrong).",
    unreachable: "Token: the token endpoint could not be reached.",
    not_used: "Token: bearer token from the connection (no token endpoint).",
  }[health.token];
  const service = {
    ok: "Flow service: reachable (GET /v1/healthcheck answered 200).",
    unavailable: "Flow service: reached but UNAVAILABLE (healthcheck did not answer 200).",
    unreachable: "Flow service: UNREACHABLE (no connection or no answer in time).",
  }[health.service];
  const access = {
    ok: "Access: the Flow API accepts our credentials.",
    refused: "Access: the Flow API REFUSES our credentials (401/403).",
    unknown: "Access: not checked (see above).",
  }[health.access];
  return [token, service, access];
}
