import type { Services } from "../../app.js";
import { ConfigError, parseBlobStore } from "../../config.js";
import { type MigrationProblem, migrateBlobs } from "../../domain/blobs/migrate-blobs.js";
import { sweepOrphans } from "../../domain/blobs/sweep-orphans.js";
import { openBlobStore } from "../../storage/open-blob-store.js";
import { parseCommandArgs } from "../command-helpers.js";
import { type CliIo, UsageError } from "../io.js";
import { Progress } from "../progress.js";

export const blobsUsage = `efacture blobs sweep [--dry-run]
    remove crashed writes' temporary files (> 1 h) and blobs no row references (> 24 h) (what the daily job runs)
efacture blobs migrate --to <s3://bucket/prefix | file:///path> [--switch] [--verify-existing]
    copy every original a row needs from BLOB_STORE to the target, each read back and hashed (resumable:
    a second run skips what is there); --switch then records the target as the active store (stop web and
    workers first, restart them with BLOB_STORE set to the target); the target uses S3_ENDPOINT, S3_REGION, AWS_*`;

/** `blobs sweep`: the daily orphan sweep, on demand; `--dry-run` only counts. `blobs migrate`: see the usage. */
export async function blobsCommand(args: string[], io: CliIo, services: Services): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "migrate") return migrateCommand(rest, io, services);
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

async function migrateCommand(args: string[], io: CliIo, services: Services): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    to: { type: "string" },
    switch: { type: "boolean" },
    "verify-existing": { type: "boolean" },
  });
  if (positionals.length > 0) throw new UsageError("blobs migrate takes no positional argument");
  if (!values.to) throw new UsageError("blobs migrate needs --to s3://bucket/prefix or --to file:///path");
  let setting: ReturnType<typeof parseBlobStore>;
  try {
    setting = parseBlobStore(values.to, services.config.blobStoreEnv, services.config.dataDir, "--to");
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  const source = services.config.blobStore;
  const target = openBlobStore(setting);
  try {
    await target.check();
    io.out(`Copying the originals from ${source.identity} to ${target.identity}`);
    let progress: Progress | undefined;
    const shown: MigrationProblem[] = [];
    const report = await migrateBlobs(
      { db: services.db, source: { ...services.blobs, identity: source.identity }, target },
      {
        switch: values.switch === true,
        verifyExisting: values["verify-existing"] === true,
        onTotal: (total) => {
          progress = new Progress(io, { unit: "blobs", total, everyUnits: 1_000 });
        },
        onBlob: (_outcome, problem) => {
          if (problem && shown.length < 50) {
            shown.push(problem);
            progress?.note(`  ${problem.problem}: ${problem.sha256} (${problem.detail})`);
          }
          progress?.advance();
        },
      },
    );
    progress?.finish();
    io.out(`Originals a row needs: ${report.referenced}`);
    io.out(`Copied and verified: ${report.copied}, ${(report.copiedBytes / 1e6).toFixed(1)} MB`);
    io.out(`Already in the target: ${report.alreadyThere}`);
    if (report.problems.length > 0) {
      io.out(
        `PROBLEMS: ${report.problems.length}${report.problems.length > 50 ? " (the first 50 are listed above)" : ""}`,
      );
      if (values.switch)
        io.out("Not switched: fix the problems (efacture audit verify names the invoices) and run again.");
      return 1;
    }
    if (report.switched)
      io.out(
        `Switched: the database records ${target.identity} as the active store. Start web and workers with BLOB_STORE=${values.to}; a process still on ${source.identity} refuses to start.`,
      );
    else io.out(`Not switched (run again with --switch once web and workers are stopped).`);
    return 0;
  } finally {
    target.close();
  }
}
