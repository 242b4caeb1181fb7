import { type FileHandle, open } from "node:fs/promises";
import path from "node:path";
import type { Services } from "../../app.js";
import {
  type CustomerImportRow,
  type CustomerImportSummary,
  importCustomers,
} from "../../domain/customers/import-customers.js";
import { describeFsError, displayPath, findTenantArgument, parseCommandArgs } from "../command-helpers.js";
import { CsvError, mapHeader, readCsv } from "../csv.js";
import { type CliIo, UsageError } from "../io.js";
import { Progress } from "../progress.js";
import { detachContractCommand, detachContractUsage } from "./customer-contract.js";

export const customersUsage = `efacture customers import --tenant <slug> <file.csv>
    columns customerNumber,name,email,contracts (contracts separated by |; "," or ";" separated, UTF-8)
${detachContractUsage}`;

const ACTOR = { type: "platform", id: "cli" } as const;
const COLUMNS = { required: ["customerNumber", "name"], optional: ["email", "contracts"] } as const;

/** `customers import`: the issuer's customer directory from a CSV file, one upsert per row. */
export async function customersCommand(args: string[], io: CliIo, services: Services): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "detach-contract") return detachContractCommand(rest, io, services);
  if (sub !== "import") throw new UsageError(`usage:\n${customersUsage}`);
  const { values, positionals } = parseCommandArgs(rest, { tenant: { type: "string" } });
  if (!values.tenant) throw new UsageError("customers import needs --tenant <slug>");
  if (positionals.length !== 1) throw new UsageError("customers import takes exactly one <file.csv>");
  const tenant = await findTenantArgument(services, values.tenant);
  const file = path.resolve(io.cwd, positionals[0]!);
  const shown = displayPath(io, file);
  const handle = await open(file, "r").catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${shown}: ${describeFsError(error)}`);
  });
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    throw new UsageError(`${shown} is not a file`);
  }

  const progress = new Progress(io, { unit: "rows", everyUnits: 10_000 });
  try {
    const summary = await importFile(handle, shown, tenant.id, services, progress);
    progress.finish();
    const total = summary.created + summary.updated + summary.unchanged + summary.rejected;
    io.out(
      `Customers of ${tenant.slug}: ${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.rejected} rejected (${total} rows in ${(progress.elapsedMs / 1000).toFixed(1)} s).`,
    );
    return summary.rejected > 0 ? 1 : 0;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    progress.finish();
    io.out(`${shown}:${error.line}: invalid_csv: ${error.message}; nothing after this line was read`);
    return 1;
  } finally {
    await handle.close();
  }
}

async function importFile(
  handle: FileHandle,
  shown: string,
  tenantId: string,
  services: Services,
  progress: Progress,
): Promise<CustomerImportSummary> {
  const records = readCsv(handle.createReadStream({ autoClose: false, highWaterMark: 256 * 1024 }));
  const first = await records.next();
  if (first.done) throw new UsageError(`${shown} is empty: its first line must be the header`);
  const header = mapHeader(first.value.fields, COLUMNS);
  if ("problem" in header) throw new UsageError(`${shown}: ${header.problem}`);
  const width = first.value.fields.length;
  const { index } = header;

  async function* rows(): AsyncGenerator<CustomerImportRow> {
    for await (const { line, fields, problem } of records) {
      if (problem) yield { line, problem: { code: "invalid_csv", message: problem } };
      else if (fields.length !== width) {
        yield {
          line,
          problem: {
            code: "invalid_csv",
            message: `${fields.length} fields where the header has ${width} (a separator inside a value must be quoted)`,
          },
        };
      } else {
        const cell = (i: number | undefined) => (i === undefined ? "" : fields[i]!.trim());
        yield {
          line,
          customerNumber: cell(index.customerNumber),
          name: cell(index.name),
          email: cell(index.email) || null,
          contracts: cell(index.contracts)
            .split("|")
            .map((c) => c.trim())
            .filter(Boolean),
        };
      }
    }
  }

  return importCustomers(services.db, {
    tenantId,
    rows: rows(),
    actor: ACTOR,
    queue: services.queue,
    onOutcome(outcome) {
      if (outcome.status === "rejected")
        progress.note(`${shown}:${outcome.line}: ${outcome.code}: ${outcome.message}`);
      progress.advance();
    },
  });
}
