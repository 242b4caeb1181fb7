import { once } from "node:events";
import { createWriteStream, mkdirSync } from "node:fs";
import path from "node:path";
import type { Services } from "../../app.js";
import { auditExportLines, recapitulativeCsvLines } from "../../domain/audit/export-audit.js";
import { listSeals, sealAuditChains } from "../../domain/audit/seal-audit-chains.js";
import { type VerifyReport, verifyAudit } from "../../domain/audit/verify-audit.js";
import { DomainError } from "../../domain/shared/errors.js";
import { trustedSealPublicKeys } from "../../storage/seal-key-file.js";
import { createHttpTimestampAuthority } from "../../timestamp/tsa-client.js";
import { describeFsError, displayPath, findTenantArgument, parseCommandArgs } from "../command-helpers.js";
import { type CliIo, UsageError } from "../io.js";

export const auditUsage = `efacture audit verify [--tenant <slug>] [--from <YYYY-MM-DD>]
efacture audit seal [--tenant <slug>] [--now <ISO instant>]
efacture audit seals [--tenant <slug>] [--from <YYYY-MM-DD>]
efacture audit export --tenant <slug> --from <YYYY-MM-DD> --to <YYYY-MM-DD> --out <folder>`;

/** `audit verify|seal|export`: the audit trail's verifier, its daily seal, and the issuer's export for a tax audit. */
export async function auditCommand(args: string[], io: CliIo, services: Services): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "verify") return verifyCommand(rest, io, services);
  if (sub === "seal") return sealCommand(rest, io, services);
  if (sub === "seals") return sealsCommand(rest, io, services);
  if (sub === "export") return exportCommand(rest, io, services);
  throw new UsageError(`usage:\n${auditUsage}`);
}

function day(value: string, option: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match ? new Date(`${value}T00:00:00Z`) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value)
    throw new UsageError(`${option} expects a date YYYY-MM-DD, got "${value}"`);
  return date;
}

async function verifyCommand(args: string[], io: CliIo, services: Services): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    tenant: { type: "string" },
    from: { type: "string" },
  });
  if (positionals.length > 0) throw new UsageError("audit verify takes no positional argument");
  const tenant = values.tenant ? await findTenantArgument(services, values.tenant) : undefined;
  const from = values.from ? day(values.from, "--from") : undefined;
  const report = await verifyAudit(
    {
      db: services.db,
      blobs: services.blobs,
      trustedPublicKeys: trustedSealPublicKeys(services.config, services.sealKey()),
    },
    { tenantId: tenant?.id, from, orphans: true },
  );
  for (const line of formatVerifyReport(report)) io.out(line);
  return report.ok ? 0 : 1;
}

const n = (value: number) => new Intl.NumberFormat("en-US").format(value);

/** The verifier's report as lines: one per chain, one for the stored originals, then OK or FAILED. */
export function formatVerifyReport(report: VerifyReport): string[] {
  const lines: string[] = [];
  const entries = report.chains.reduce((sum, c) => sum + c.entries, 0);
  const seals = report.chains.reduce((sum, c) => sum + c.seals, 0);
  lines.push(
    `Audit trail: ${n(report.chains.length)} chain(s), ${n(entries)} entries recomputed, ${n(seals)} seal(s) checked`,
  );
  const width = Math.max(8, ...report.chains.map((c) => (c.slug ?? "platform").length));
  for (const chain of report.chains) {
    const range = chain.firstSeq === undefined ? "" : ` (${chain.firstSeq}-${chain.lastSeq})`;
    lines.push(
      `  ${(chain.slug ?? "platform").padEnd(width)}  ${n(chain.entries)} entries${range}, ${n(chain.seals)} seal(s), ${n(chain.timestamped)} timestamped: ${chain.problem ? `BROKEN: ${chain.problem}` : "OK"}`,
    );
  }
  const { blobs } = report;
  const mb = blobs.bytes / 1_000_000;
  lines.push(
    `Stored originals: ${n(blobs.checked)} file(s) of ${n(blobs.invoices)} live invoice(s), ${mb.toFixed(1)} MB hashed in ${blobs.seconds.toFixed(1)} s (${(blobs.seconds > 0 ? mb / blobs.seconds : 0).toFixed(1)} MB/s): ${blobs.problems.length ? `${n(blobs.problems.length)} PROBLEM(S)` : "OK"}`,
  );
  for (const problem of blobs.problems.slice(0, 50)) {
    const what =
      problem.problem === "missing"
        ? "missing"
        : problem.problem === "size_mismatch"
          ? "altered (size differs)"
          : "altered (SHA-256 differs)";
    const invoices = problem.invoices.map((i) => `${i.tenant}/${i.invoiceNumber} (${i.id})`).join(", ");
    lines.push(`  ${problem.sha256}: ${what}: ${invoices}`);
  }
  if (blobs.problems.length > 50) lines.push(`  … and ${n(blobs.problems.length - 50)} more`);
  if (report.orphans)
    lines.push(
      `Leftovers of crashed writes: ${n(report.orphans.tmpFiles)} temporary file(s) older than 1 h, ${n(report.orphans.orphanBlobs)} unreferenced blob(s) older than 24 h (removed by the daily sweep, or: efacture blobs sweep)`,
    );
  lines.push(
    report.ok
      ? `OK: audit trail and stored originals intact (${report.seconds.toFixed(1)} s).`
      : "FAILED: the audit trail or the stored originals are not intact (see above).",
  );
  return lines;
}

async function sealCommand(args: string[], io: CliIo, services: Services): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    tenant: { type: "string" },
    now: { type: "string" },
  });
  if (positionals.length > 0) throw new UsageError("audit seal takes no positional argument");
  const now = values.now ? new Date(values.now) : new Date();
  if (Number.isNaN(now.getTime())) throw new UsageError(`--now expects an ISO instant, got "${values.now}"`);
  const tenant = values.tenant ? await findTenantArgument(services, values.tenant) : undefined;
  const report = await sealAuditChains(
    {
      db: services.db,
      sealKey: services.sealKey(),
      tsa: services.config.tsaUrl ? createHttpTimestampAuthority(services.config.tsaUrl) : undefined,
      logger: services.logger,
    },
    { now, tenantId: tenant?.id },
  );
  const today = now.toISOString().slice(0, 10);
  for (const seal of report.sealed)
    io.out(
      `sealed ${seal.slug ?? "platform"} for ${today} at entry ${seal.headSeq}${seal.timestamped ? " (timestamped)" : ""}`,
    );
  io.out(
    `${report.sealed.length} chain(s) sealed, ${report.alreadySealed} already sealed for ${today}` +
      (services.config.tsaUrl
        ? `, ${report.timestampsAdded} earlier seal(s) timestamped, ${report.timestampFailures} timestamp failure(s)`
        : ""),
  );
  return 0;
}

async function sealsCommand(args: string[], io: CliIo, services: Services): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    tenant: { type: "string" },
    from: { type: "string" },
  });
  if (positionals.length > 0) throw new UsageError("audit seals takes no positional argument");
  const tenant = values.tenant ? await findTenantArgument(services, values.tenant) : undefined;
  const from = values.from ? day(values.from, "--from").toISOString().slice(0, 10) : "0001-01-01";
  const rows = [["DAY", "CHAIN", "HEAD", "HEAD HASH", "KEY", "TIMESTAMP"]];
  for (const { slug, seal } of await listSeals(services.db, { tenantId: tenant?.id, fromDay: from }))
    rows.push([
      String(seal.day),
      slug ?? "platform",
      String(seal.headSeq),
      `${seal.headHash.slice(0, 16)}…`,
      seal.keyId,
      seal.tsaToken ? (seal.tsaUrl ?? "yes") : "-",
    ]);
  if (rows.length === 1) {
    io.out("No seal yet. The worker seals every chain at 23:50 UTC; efacture audit seal does it now.");
    return 0;
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows)
    io.out(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    );
  return 0;
}

async function exportCommand(args: string[], io: CliIo, services: Services): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    tenant: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    out: { type: "string" },
  });
  if (positionals.length > 0) throw new UsageError("audit export takes no positional argument");
  if (!values.tenant || !values.from || !values.to || !values.out)
    throw new UsageError(
      "audit export needs --tenant <slug> --from <YYYY-MM-DD> --to <YYYY-MM-DD> --out <folder>",
    );
  const from = day(values.from, "--from");
  const toDay = day(values.to, "--to");
  if (toDay < from) throw new UsageError("--to is before --from");
  const to = new Date(toDay.getTime() + 86_400_000); // --to is included
  const tenant = await findTenantArgument(services, values.tenant);
  const dir = path.resolve(io.cwd, values.out);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new DomainError(
      "export_failed",
      `cannot create ${displayPath(io, dir)}: ${describeFsError(error)}`,
    );
  }
  const period = { tenantId: tenant.id, from, to };
  const entries = await writeLines(io, path.join(dir, "audit.jsonl"), auditExportLines(services.db, period));
  const invoices =
    (await writeLines(
      io,
      path.join(dir, "liste-recapitulative.csv"),
      recapitulativeCsvLines(services.db, period),
    )) - 1;
  io.out(
    `${tenant.slug} ${values.from} to ${values.to}: ${n(entries)} audit entries in ${displayPath(io, path.join(dir, "audit.jsonl"))}, ${n(invoices)} invoice(s) in ${displayPath(io, path.join(dir, "liste-recapitulative.csv"))}`,
  );
  return 0;
}

/** Streams lines to a new file (never overwrites one); returns the number of lines. */
async function writeLines(io: CliIo, file: string, lines: AsyncIterable<string>): Promise<number> {
  const out = createWriteStream(file, { flags: "wx", mode: 0o640 });
  let count = 0;
  try {
    await once(out, "open");
    for await (const line of lines) {
      count++;
      if (!out.write(line)) await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
  } catch (error) {
    out.destroy();
    if ((error as NodeJS.ErrnoException).code)
      throw new DomainError(
        "export_failed",
        `cannot write ${displayPath(io, file)}: ${describeFsError(error)}`,
      );
    throw error;
  }
  return count;
}
