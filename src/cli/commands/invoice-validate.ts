import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Services } from "../../app.js";
import { defuseFormula } from "../../domain/shared/spreadsheet-text.js";
import { NotAnInvoiceError, type ValidationReport } from "../../einvoice/validation/index.js";
import { describeFsError, displayPath, parseCommandArgs } from "../command-helpers.js";
import { type CliIo, UsageError } from "../io.js";

export const invoiceValidateUsage = `efacture invoices validate [--report <out.csv>] [--concurrency N] [--br-fr fatal|warning] <files or folders…>
    checks Factur-X PDFs and CII XML against the official French rules (docs/compliance.md), nothing stored;
    folders are walked for *.pdf and *.xml; exit 1 if a file failed or is not an invoice
    --report writes one line per finding: file,profile,status,rule,flag,message,location
    --br-fr warning judges with the WARNING variant of the French rules BR-FR-Flux2 (most of them warnings);
      default fatal, the variant in force since 1 September 2026`;

type Outcome = { file: string; report: ValidationReport } | { file: string; refused: string };

/** `invoices validate`: an integrator's check of a batch before sending it. */
export async function invoiceValidateCommand(args: string[], io: CliIo, services: Services): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    report: { type: "string" },
    concurrency: { type: "string" },
    "br-fr": { type: "string" },
  });
  if (positionals.length === 0)
    throw new UsageError(`invoices validate needs files or folders\n${invoiceValidateUsage}`);
  const concurrency = Number(values.concurrency ?? 4);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new UsageError("--concurrency must be a whole number between 1 and 64");
  const brFr = values["br-fr"] ?? "fatal";
  if (brFr !== "fatal" && brFr !== "warning") throw new UsageError("--br-fr must be fatal or warning");
  const files = await collect(io, positionals);
  if (files.length === 0) throw new UsageError(`no *.pdf or *.xml file found in ${positionals.join(" ")}`);

  const outcomes: Outcome[] = new Array(files.length);
  let next = 0;
  let printed = 0;
  const worker = async () => {
    for (let i = next++; i < files.length; i = next++) {
      const file = files[i]!;
      try {
        const report = await services.validator.validate(await readFile(file), { owner: "cli", brFr });
        outcomes[i] = { file, report };
      } catch (error) {
        if (!(error instanceof NotAnInvoiceError)) throw error;
        outcomes[i] = { file, refused: error.message };
      }
      // Lines come out in the files' order whatever finishes first: the same batch gives the same output.
      for (; printed < files.length && outcomes[printed]; printed++) io.out(line(io, outcomes[printed]!));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));

  const count = (status: string) =>
    outcomes.filter((o) => ("refused" in o ? "not_an_invoice" : o.report.status) === status).length;
  const failed = count("failed") + count("not_an_invoice");
  io.out(
    `${files.length} files: ${count("passed")} passed, ${count("warnings")} with warnings, ${count("failed")} failed, ${count("not_an_invoice")} not an invoice`,
  );
  if (values.report) await writeReport(io, path.resolve(io.cwd, values.report), outcomes);
  return failed > 0 ? 1 : 0;
}

function line(io: CliIo, outcome: Outcome): string {
  const name = displayPath(io, outcome.file);
  if ("refused" in outcome) return `${name}: not an invoice: ${outcome.refused}`;
  const { profile, status, findings } = outcome.report;
  const rules = [...new Set(findings.filter((f) => f.flag === "fatal").map((f) => f.rule))];
  const warnings = findings.filter((f) => f.flag === "warning").length;
  return `${name}: ${status} (${profile ?? "profile unknown"})${rules.length ? ` ${rules.join(" ")}` : ""}${warnings ? `, ${warnings} warning(s)` : ""}`;
}

async function writeReport(io: CliIo, file: string, outcomes: Outcome[]) {
  // File names and messages are text: a spreadsheet must not run one that starts like a formula.
  const cell = (value: string) => {
    const safe = defuseFormula(value);
    return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  const rows = [["file", "profile", "status", "rule", "flag", "message", "location"]];
  for (const o of outcomes) {
    const name = displayPath(io, o.file);
    if ("refused" in o) rows.push([name, "", "not_an_invoice", "", "", o.refused, ""]);
    else if (o.report.findings.length === 0)
      rows.push([name, o.report.profile ?? "", o.report.status, "", "", "", ""]);
    else
      for (const f of o.report.findings)
        rows.push([name, o.report.profile ?? "", o.report.status, f.rule, f.flag, f.message, f.location]);
  }
  try {
    await writeFile(file, rows.map((r) => `${r.map(cell).join(",")}\r\n`).join(""), { mode: 0o640 });
  } catch (error) {
    throw new UsageError(`cannot write the report ${displayPath(io, file)}: ${describeFsError(error)}`);
  }
  io.out(`report: ${displayPath(io, file)}`);
}

async function collect(io: CliIo, positionals: string[]): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = path.join(dir, entry.name);
      if (entry.name.startsWith(".")) continue; // macOS ._x.pdf and hidden folders, as invoices import skips them
      if (entry.isDirectory()) await walk(full);
      else if (/\.(pdf|xml)$/i.test(entry.name)) files.push(full);
    }
  };
  for (const argument of positionals) {
    const target = path.resolve(io.cwd, argument);
    const info = await stat(target).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read ${argument}: ${describeFsError(error)}`);
    });
    if (info.isDirectory()) await walk(target);
    else files.push(target);
  }
  return [...new Set(files)];
}
