import { findCustomerWithContracts } from "../../db/customers.repository.js";
import type { Database } from "../../db/database.js";
import { savepointPerTransaction } from "../../db/transactions.repository.js";
import { normalizeEmail } from "../accounts/identifier.js";
import { DomainError } from "../shared/errors.js";
import type { JobSender } from "../shared/jobs.js";
import { type UpsertCustomerInput, upsertCustomer } from "./upsert-customer.js";

/** One line of an issuer's customer file, already split into fields (or why it could not be). */
export type CustomerImportRow =
  | {
      line: number;
      customerNumber: string;
      name: string;
      email: string | null;
      contracts: string[];
    }
  | { line: number; problem: { code: string; message: string } };

export type CustomerImportOutcome =
  | { line: number; status: "created" | "updated" | "unchanged" }
  | { line: number; status: "rejected"; code: string; message: string };

export interface CustomerImportSummary {
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

/** Rows per transaction: one commit (and one hold of the tenant's audit lock) for this many rows. */
const ROWS_PER_TRANSACTION = 200;

/**
 * Imports a customer file row by row through `upsertCustomer` (idempotent), reading the rows as they
 * come so a file of a million customers never sits in memory. A bad row is reported and skipped.
 * Rows are committed 200 at a time, each inside a savepoint so that a refused row rolls back alone.
 */
export async function importCustomers(
  db: Database,
  input: {
    tenantId: string;
    rows: AsyncIterable<CustomerImportRow>;
    actor: UpsertCustomerInput["actor"];
    /** Mails the customers whose account changes address (see upsertCustomer). */
    queue: JobSender;
    onOutcome?: (outcome: CustomerImportOutcome) => void;
  },
): Promise<CustomerImportSummary> {
  const summary: CustomerImportSummary = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
  let batch: CustomerImportRow[] = [];
  const flush = async () => {
    const outcomes = await db.transaction(async (tx) => {
      const rowDb = savepointPerTransaction(tx, db.engine);
      const done: CustomerImportOutcome[] = [];
      for (const row of batch)
        done.push(await importCustomerRow(rowDb, input.tenantId, row, input.actor, input.queue));
      return done;
    });
    // Reported once committed: a batch that fails as a whole reports nothing as imported.
    for (const outcome of outcomes) {
      summary[outcome.status]++;
      input.onOutcome?.(outcome);
    }
    batch = [];
  };
  for await (const row of input.rows) {
    batch.push(row);
    if (batch.length >= ROWS_PER_TRANSACTION) await flush();
  }
  if (batch.length > 0) await flush();
  return summary;
}

async function importCustomerRow(
  db: Database,
  tenantId: string,
  row: CustomerImportRow,
  actor: UpsertCustomerInput["actor"],
  queue: JobSender,
): Promise<CustomerImportOutcome> {
  if ("problem" in row) return { line: row.line, status: "rejected", ...row.problem };
  try {
    const before = await findCustomerWithContracts(db, tenantId, row.customerNumber.trim());
    const { created } = await upsertCustomer(db, {
      tenantId,
      customerNumber: row.customerNumber,
      name: row.name,
      email: row.email,
      contracts: row.contracts,
      actor,
      queue,
    });
    if (created || !before) return { line: row.line, status: "created" };
    // Contracts are only ever added by an upsert: the row changes nothing when all of them are known.
    const same =
      before.name === row.name.trim() &&
      before.email === (row.email ? normalizeEmail(row.email) : null) &&
      row.contracts.every((c) => c.trim() === "" || before.contracts.includes(c.trim()));
    return { line: row.line, status: same ? "unchanged" : "updated" };
  } catch (error) {
    if (error instanceof DomainError)
      return { line: row.line, status: "rejected", code: error.code, message: error.message };
    throw error;
  }
}
