import type { Services } from "../../app.js";
import { type RetentionReport, runRetention } from "../../domain/retention/run-retention.js";
import { findTenantArgument, parseCommandArgs } from "../command-helpers.js";
import { type CliIo, UsageError } from "../io.js";

export const retentionUsage = `efacture retention run [--now <ISO date>] [--tenant <slug>] [--dry-run]
    reminders 60 and 15 days before, then removal at the end of retention (what the daily job runs)`;

/** `retention run`: what the daily job does, on demand (operators, tests, a run that was missed). */
export async function retentionCommand(args: string[], io: CliIo, services: Services): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "run") throw new UsageError(`usage: ${retentionUsage.split("\n")[0]}`);
  const { values, positionals } = parseCommandArgs(rest, {
    now: { type: "string" },
    tenant: { type: "string" },
    "dry-run": { type: "boolean" },
  });
  if (positionals.length > 0) throw new UsageError("retention run takes no positional argument");
  const realNow = new Date();
  const now = values.now === undefined ? realNow : parseNow(values.now);
  // In production a date ahead of the clock would delete originals before the date promised to customers.
  if (services.config.production && now.getTime() > realNow.getTime() + 60_000 && !values["dry-run"])
    throw new UsageError("--now may not be in the future in production (add --dry-run to preview)");
  const tenant = values.tenant === undefined ? undefined : await findTenantArgument(services, values.tenant);

  const report = await runRetention(
    {
      db: services.db,
      blobs: services.blobs,
      queue: services.queue,
      onProgress: ({ phase, done }) => {
        if (phase === "removal") io.err(`progress: ${done} invoices removed`);
      },
    },
    { now, tenantId: tenant?.id, dryRun: values["dry-run"] === true },
  );
  for (const line of summary(report, tenant?.slug)) io.out(line);
  return 0;
}

const NOW = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** `2028-03-01` (00:00 UTC that day) or an ISO instant with its offset (`2028-03-01T03:00:00+01:00`). */
export function parseNow(text: string): Date {
  const bad = () =>
    new UsageError(
      `--now must be an ISO date such as 2028-03-01 or an instant such as 2028-03-01T03:00:00Z, got "${text}"`,
    );
  const match = NOW.exec(text.trim());
  if (!match) throw bad();
  const [, y, m, d, time] = match;
  // Date would read 2028-02-30 as 1 March: a day that does not exist is refused, not guessed.
  const day = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  if (
    day.getUTCFullYear() !== Number(y) ||
    day.getUTCMonth() !== Number(m) - 1 ||
    day.getUTCDate() !== Number(d)
  )
    throw bad();
  const parsed = new Date(time ? text.trim() : `${y}-${m}-${d}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime())) throw bad();
  return parsed;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The run's summary, one fact per line. */
export function summary(report: RetentionReport, slug: string | undefined): string[] {
  const would = report.dryRun ? "would be " : "";
  const r60 = report.reminders[60];
  const r15 = report.reminders[15];
  const { deleted, alreadyGone, keptShared } = report.blobs;
  return [
    `${report.dryRun ? "Dry run (nothing changed)" : "Retention run"} at ${report.now.toISOString()}${slug ? ` for tenant ${slug}` : " for all tenants"}`,
    `  reminders 60 days: ${plural(r60.mails, "mail", "mails")} ${would}queued (${plural(r60.invoices, "invoice", "invoices")})`,
    `  reminders 15 days: ${plural(r15.mails, "mail", "mails")} ${would}queued (${plural(r15.invoices, "invoice", "invoices")})`,
    `  invoices removed: ${report.removed}${report.dryRun ? " (would be)" : ""}`,
    `  blobs deleted: ${deleted}${report.dryRun ? " (would be)" : ""}${alreadyGone ? `, already gone: ${alreadyGone}` : ""}`,
    `  blobs kept (same bytes as a live invoice): ${keptShared}`,
  ];
}
