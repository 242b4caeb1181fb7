import type { Services } from "../../app.js";
import { sweepOrphans } from "../../domain/blobs/sweep-orphans.js";
import { parseCommandArgs } from "../command-helpers.js";
import { type CliIo, UsageError } from "../io.js";

export const blobsUsage = `efacture blobs sweep [--dry-run]
    remove crashed writes' temporary files (> 1 h) and blobs no row references (> 24 h) (what the daily job runs)`;

/** `blobs sweep`: the daily orphan sweep, on demand; `--dry-run` only counts. */
export async function blobsCommand(args: string[], io: CliIo, services: Services): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "sweep") throw new UsageError(`usage: ${blobsUsage.split("\n")[0]}`);
  const { values, positionals } = parseCommandArgs(rest, { "dry-run": { type: "boolean" } });
  if (positionals.length > 0) throw new UsageError("blobs sweep takes no positional argument");
  const dryRun = values["dry-run"] === true;
  const report = await sweepOrphans({ db: services.db, blobs: services.blobs }, { dryRun });
  const verb = dryRun ? "would remove" : "removed";
  io.out(`Blobs scanned: ${report.scanned}`);
  io.out(`Temporary files older than 1 h: ${report.tmpFiles} (${verb})`);
  io.out(
    `Unreferenced blobs older than 24 h: ${report.orphanBlobs}, ${(report.orphanBytes / 1e6).toFixed(1)} MB (${verb})`,
  );
  io.out(`Unreferenced blobs still in their grace period: ${report.youngUnreferenced} (kept)`);
  return 0;
}
