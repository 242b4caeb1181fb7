import { closeSync, createWriteStream, fstatSync, openSync, readFileSync, type WriteStream } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { publishDeps, type Services } from "../../app.js";
import {
  type InvoiceImportOutcome,
  type InvoiceSource,
  importInvoices,
} from "../../domain/invoices/import-invoices.js";
import { INVOICE_METADATA_KEYS, type InvoiceMetadata } from "../../domain/invoices/publish-invoice.js";
import { DomainError } from "../../domain/shared/errors.js";
import { defuseFormula } from "../../domain/shared/spreadsheet-text.js";
import { describeFsError, displayPath, findTenantArgument, parseCommandArgs } from "../command-helpers.js";
import { CsvError, mapHeader, readCsv } from "../csv.js";
import { type CliIo, UsageError } from "../io.js";
import { Progress } from "../progress.js";
import { invoiceValidateCommand, invoiceValidateUsage } from "./invoice-validate.js";
import { invoiceWithdrawCommand, invoiceWithdrawUsage } from "./invoice-withdraw.js";

export const invoicesUsage = `efacture invoices import --tenant <slug> [--manifest <file.csv>] [--report <out.csv>] [--dry-run] [--concurrency N] <files or folders…>
    folders are walked for *.pdf; manifest columns file,customerNumber,contractNumber,invoiceNumber,issueDate,grandTotal,currency,processingRule
    --report writes one line per file: file,status,invoiceNumber,code,message,findings (the warnings of a published file)
${invoiceWithdrawUsage}
${invoiceValidateUsage}`;

const ACTOR = { type: "platform", id: "cli" } as const;
const MANIFEST_COLUMNS = { required: ["file"], optional: INVOICE_METADATA_KEYS } as const;

interface FileToPublish {
  file: string;
  metadata?: InvoiceMetadata;
  problem?: { code: string; message: string };
}

/** `invoices import`: publishes a folder of invoice files (Factur-X, or plain PDFs with a manifest). */
export async function invoicesCommand(args: string[], io: CliIo, services: Services): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "withdraw") return invoiceWithdrawCommand(rest, io, services);
  if (sub === "validate") return invoiceValidateCommand(rest, io, services);
  if (sub !== "import") throw new UsageError(`usage:\n${invoicesUsage}`);
  const { values, positionals } = parseCommandArgs(rest, {
    tenant: { type: "string" },
    manifest: { type: "string" },
    "dry-run": { type: "boolean" },
    concurrency: { type: "string" },
    "batch-size": { type: "string" },
    report: { type: "string" },
  });
  if (!values.tenant) throw new UsageError("invoices import needs --tenant <slug>");
  if (positionals.length === 0 && !values.manifest)
    throw new UsageError("invoices import needs files or folders (or a --manifest naming the files)");
  const concurrency = positiveInteger(values.concurrency, "--concurrency", 4);
  const batchSize = positiveInteger(values["batch-size"], "--batch-size", 50);
  const dryRun = values["dry-run"] === true;
  const tenant = await findTenantArgument(services, values.tenant);

  const manifest = values.manifest
    ? await readManifest(io, path.resolve(io.cwd, values.manifest))
    : undefined;
  const files = await collectFiles(io, positionals, manifest);
  if (files.length === 0 && !manifest?.lineProblems.length)
    throw new UsageError(
      `no invoice file found (folders are searched for *.pdf files): ${positionals.join(" ")}`,
    );
  const total = files.length + (manifest?.lineProblems.length ?? 0);

  const report = values.report ? await openReport(io, path.resolve(io.cwd, values.report)) : undefined;
  const counts = { published: 0, already_present: 0, would_publish: 0, rejected: 0 };
  const rejectedByCode = new Map<string, number>();
  // Files published (or that would be) with at least one finding of that code: the warnings are stored, not refused.
  const warnedByCode = new Map<string, number>();
  let warnedFiles = 0;
  const progress = new Progress(io, { unit: "files", total, everyUnits: 1_000, everyMs: 10_000 });
  const reject = (name: string, code: string, message: string) => {
    counts.rejected++;
    rejectedByCode.set(code, (rejectedByCode.get(code) ?? 0) + 1);
    progress.note(`${name}: ${code}: ${message}`);
    report?.line([name, "rejected", "", code, message, ""]);
  };
  io.err(
    `${dryRun ? "Checking (dry run, nothing is stored)" : "Publishing"} ${files.length} files for ${tenant.slug}…`,
  );
  for (const { line, code, message } of manifest?.lineProblems ?? []) {
    reject(`${manifest!.shown}:${line}`, code, message);
    progress.advance();
  }

  await importInvoices(publishDeps(services), {
    tenant,
    actor: ACTOR,
    dryRun,
    concurrency,
    batchSize,
    sources: sources(io, files, services.config.maxPdfBytes),
    onOutcome(source: InvoiceSource, outcome: InvoiceImportOutcome) {
      if (outcome.status === "rejected") reject(source.name, outcome.code, outcome.message);
      else {
        counts[outcome.status]++;
        if (outcome.warnings.length > 0) warnedFiles++;
        for (const code of new Set(outcome.warnings.map((w) => w.code)))
          warnedByCode.set(code, (warnedByCode.get(code) ?? 0) + 1);
        report?.line([
          source.name,
          outcome.status,
          outcome.invoiceNumber,
          "",
          "",
          outcome.warnings.map((w) => `${w.code}: ${w.message}`).join(" | "),
        ]);
      }
      progress.advance();
    },
  });
  progress.finish();
  await report?.close();

  const seconds = progress.elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(total / seconds) : total;
  io.out(
    dryRun
      ? `Dry run for ${tenant.slug}, nothing stored: ${counts.would_publish} would be published, ${counts.already_present} already present, ${counts.rejected} rejected (${total} files in ${seconds.toFixed(1)} s, ${rate}/s).`
      : `Invoices of ${tenant.slug}: ${counts.published} published, ${counts.already_present} already present, ${counts.rejected} rejected (${total} files in ${seconds.toFixed(1)} s, ${rate}/s).`,
  );
  if (rejectedByCode.size > 0) {
    const byCode = [...rejectedByCode].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    io.out(`Rejected by reason: ${byCode.map(([code, n]) => `${code} ${n}`).join(", ")}`);
  }
  if (warnedFiles > 0) {
    const byCode = [...warnedByCode].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    io.out(
      `Files with warnings (stored with the invoice, not refused): ${warnedFiles} (${byCode.map(([code, n]) => `${code} ${n}`).join(", ")})${report ? `; see ${report.shown}` : "; --report <file.csv> lists them"}`,
    );
  }
  return counts.rejected > 0 ? 1 : 0;
}

/** The per-file report: RFC 4180 CSV, one line per file, written as outcomes arrive (memory stays flat). */
async function openReport(io: CliIo, file: string) {
  const shown = displayPath(io, file);
  const stream: WriteStream = createWriteStream(file, { flags: "w", mode: 0o640 });
  await new Promise<void>((resolve, reject) => {
    stream.once("open", () => resolve());
    stream.once("error", (error) =>
      reject(new UsageError(`cannot write the report ${shown}: ${describeFsError(error)}`)),
    );
  });
  // File names and messages are text: a spreadsheet must not run one that starts like a formula.
  const cell = (value: string) => {
    const safe = defuseFormula(value);
    return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  const line = (fields: string[]) => stream.write(`${fields.map(cell).join(",")}\r\n`);
  line(["file", "status", "invoiceNumber", "code", "message", "findings"]);
  return {
    shown,
    line,
    close: () =>
      new Promise<void>((resolve, reject) => {
        stream.once("error", reject);
        stream.end(() => resolve());
      }),
  };
}

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 256)
    throw new UsageError(`${name} must be a whole number between 1 and 256`);
  return Number(value);
}

/** The files as sources read one at a time, when the import reaches them. */
function* sources(io: CliIo, files: FileToPublish[], maxPdfBytes: number): Generator<InvoiceSource> {
  for (const { file, metadata, problem } of files) {
    yield {
      name: displayPath(io, file),
      metadata,
      problem,
      read: () => readInvoiceFile(file, maxPdfBytes),
    };
  }
}

/**
 * Read synchronously: a file of the import is a few hundred KB from the page cache, and the four calls
 * through libuv's pool (open, stat, read, close) cost more CPU than the read itself (bench/publish.ts).
 */
async function readInvoiceFile(file: string, maxPdfBytes: number): Promise<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    throw new DomainError(
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "file_not_found" : "file_unreadable",
      `cannot read the file: ${describeFsError(error)}`,
    );
  }
  try {
    const { size } = fstatSync(fd);
    // Checked before reading: a stray 4 GB file must not be loaded to be refused.
    if (size > maxPdfBytes)
      throw new DomainError("file_too_large", `the file is larger than the ${maxPdfBytes} bytes allowed`);
    return readFileSync(fd);
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new DomainError("file_unreadable", `cannot read the file: ${describeFsError(error)}`);
  } finally {
    closeSync(fd);
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b-\u001f\u007f]/;

interface ManifestEntry {
  line: number;
  metadata: InvoiceMetadata;
  /** A broken line that still names its file: the file is refused rather than published without it. */
  problem?: string;
  duplicateOf?: number;
}

interface Manifest {
  shown: string;
  /** Absolute file path → its line and metadata. */
  entries: Map<string, ManifestEntry>;
  /** Lines that name no file we can find. */
  lineProblems: { line: number; code: string; message: string }[];
}

/** Reads the manifest (streamed); `file` paths are relative to the manifest's folder. */
async function readManifest(io: CliIo, file: string): Promise<Manifest> {
  const shown = displayPath(io, file);
  const handle = await open(file, "r").catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read the manifest ${shown}: ${describeFsError(error)}`);
  });
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    throw new UsageError(`the manifest ${shown} is not a file`);
  }
  const folder = path.dirname(file);
  const manifest: Manifest = { shown, entries: new Map(), lineProblems: [] };
  try {
    const records = readCsv(handle.createReadStream({ autoClose: false }));
    const first = await records.next();
    if (first.done) throw new UsageError(`the manifest ${shown} is empty: its first line must be the header`);
    const header = mapHeader(first.value.fields, MANIFEST_COLUMNS);
    if ("problem" in header) throw new UsageError(`the manifest ${shown}: ${header.problem}`);
    const width = first.value.fields.length;
    for await (const { line, fields, problem } of records) {
      const cell = (column: keyof typeof header.index) => {
        const i = header.index[column];
        return i === undefined ? undefined : fields[i]?.trim() || undefined;
      };
      // Even on a broken line the file is taken when it can be: that file is then refused, never
      // published without the metadata its line meant to give.
      const file = cell("file");
      // As for API metadata: a control character or an overlong value is a broken line, not data.
      const badCell = fields.some((f) => f.length > 1000 || CONTROL_CHARACTER.test(f));
      const lineProblem =
        problem ??
        (fields.length !== width
          ? `${fields.length} fields where the header has ${width} (a separator inside a value must be quoted)`
          : badCell
            ? "a value holds a control character or is longer than 1000 characters"
            : !file
              ? "the file column is empty"
              : undefined);
      if (!file) {
        manifest.lineProblems.push({ line, code: "invalid_manifest", message: lineProblem! });
        continue;
      }
      const target = path.resolve(folder, file);
      const existing = manifest.entries.get(target);
      if (existing) {
        existing.duplicateOf ??= line;
        continue;
      }
      const metadata: InvoiceMetadata = {};
      for (const column of MANIFEST_COLUMNS.optional) {
        const value = cell(column);
        if (value !== undefined) metadata[column] = value;
      }
      manifest.entries.set(target, { line, metadata, problem: lineProblem });
    }
  } catch (error) {
    if (error instanceof CsvError)
      throw new UsageError(`the manifest ${shown}, line ${error.line}: ${error.message}`);
    throw error;
  } finally {
    await handle.close();
  }
  return manifest;
}

/** The files named on the command line, the *.pdf below the folders named, and every file of the manifest. */
async function collectFiles(
  io: CliIo,
  positionals: string[],
  manifest: Manifest | undefined,
): Promise<FileToPublish[]> {
  const seen = new Set<string>();
  const files: string[] = [];
  const add = (file: string) => {
    if (!seen.has(file)) {
      seen.add(file);
      files.push(file);
    }
  };
  for (const argument of positionals) {
    const target = path.resolve(io.cwd, argument);
    const info = await stat(target).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read ${argument}: ${describeFsError(error)}`);
    });
    if (info.isDirectory()) await walk(target, add, manifest?.entries);
    else add(target);
  }
  for (const file of manifest?.entries.keys() ?? []) add(file);
  return files.map((file) => {
    const entry = manifest?.entries.get(file);
    if (entry?.duplicateOf !== undefined)
      return {
        file,
        problem: {
          code: "invalid_manifest",
          message: `named on lines ${entry.line} and ${entry.duplicateOf} of ${manifest!.shown}`,
        },
      };
    if (entry?.problem)
      return {
        file,
        problem: { code: "invalid_manifest", message: `${manifest!.shown}:${entry.line}: ${entry.problem}` },
      };
    return { file, metadata: entry?.metadata };
  });
}

/**
 * Every *.pdf below `dir` (any case), in name order, plus the files the manifest names. Hidden files
 * and folders are skipped (macOS `._x.pdf` files are not PDFs); symbolic links to folders are not followed.
 */
async function walk(dir: string, add: (file: string) => void, named?: Map<string, unknown>): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read the folder ${dir}: ${describeFsError(error)}`);
  });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, add, named);
    else if (entry.isFile() || entry.isSymbolicLink()) {
      if (entry.name.toLowerCase().endsWith(".pdf") || named?.has(full)) {
        if (entry.isSymbolicLink() && !(await stat(full).catch(() => undefined))?.isFile()) continue;
        add(full);
      }
    }
  }
}
