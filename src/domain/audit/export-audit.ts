import { listTenantAuditEntries } from "../../db/audit-seals.repository.js";
import type { Database } from "../../db/database.js";
import { listPublishedInvoicesPage } from "../../db/invoices.repository.js";
import { isCreditNote, signedAmount } from "../invoices/credit-note.js";
import { csvField } from "../shared/spreadsheet-text.js";
import { recordOf } from "./verify-audit.js";

const PAGE = 1_000;

/**
 * The audit entries of one tenant recorded in [from, to), one JSON object per line: the fields the
 * hash covers, then prevHash and hash. With C the canonical JSON of the other fields: hash = hex SHA-256(prevHash + C)
 * for entries without hashVersion (version 1); hash = hex SHA-256(prevHash + hex SHA-256(C)) for those
 * with "hashVersion":2 (version 2, audit-chain.ts).
 */
export async function* auditExportLines(
  db: Database,
  input: { tenantId: string; from: Date; to: Date },
): AsyncGenerator<string> {
  let after = 0;
  for (;;) {
    const page = await listTenantAuditEntries(db, input, after, PAGE);
    if (page.length === 0) return;
    for (const row of page)
      yield `${JSON.stringify({ ...recordOf(row), prevHash: row.prevHash, hash: row.hash })}\n`;
    after = Number(page.at(-1)!.seq);
  }
}

const HEADER = [
  "Numéro",
  "Type",
  "Code type",
  "Date d’émission",
  "N° client",
  "Client",
  "Total HT",
  "TVA",
  "Total TTC",
  "Devise",
  "SHA-256",
  "Mise à disposition (UTC)",
  "Premier téléchargement (UTC)",
  "Retirée du portail (UTC)",
  // Outside tester, item 11: a withdrawal is not the end of retention, and says why.
  "Statut",
  "Motif du retrait",
];

/** Where the invoice stands: withdrawn by the issuer, removed at the end of retention, or still online. */
function recapStatus(row: { withdrawnAt: Date | null; removedAt: Date | null }): string {
  if (row.withdrawnAt) return "Retirée par l’émetteur";
  return row.removedAt ? "Fin de conservation" : "En ligne";
}

/**
 * The « liste récapitulative » of the invoices a tenant published in [from, to), in publication order:
 * UTF-8 with BOM, `;`, decimal comma (what French Excel opens), instants in ISO 8601 UTC. Amounts are signed:
 * a credit note's count negative, so each amount column sums to what was invoiced net of credit notes.
 */
export async function* recapitulativeCsvLines(
  db: Database,
  input: { tenantId: string; from: Date; to: Date },
): AsyncGenerator<string> {
  const field = (value: string | null) => csvField(value ?? "", ";");
  const amount = (value: string | null, typeCode: string) =>
    value === null ? "" : signedAmount(value, typeCode).replace(".", ",");
  const instant = (at: Date | null) => (at ? new Date(at).toISOString() : "");
  yield `\uFEFF${HEADER.map(field).join(";")}\r\n`;
  let after: { publishedAt: Date; id: string } | undefined;
  for (;;) {
    const page = await listPublishedInvoicesPage(db, input, after, PAGE);
    if (page.length === 0) return;
    for (const row of page)
      yield `${[
        field(row.invoiceNumber),
        isCreditNote(row.typeCode) ? "Avoir" : "Facture",
        field(row.typeCode),
        row.issueDate,
        field(row.customerNumber),
        field(row.customerName),
        amount(row.taxBasisTotal, row.typeCode),
        amount(row.taxTotal, row.typeCode),
        amount(row.grandTotal, row.typeCode),
        field(row.currency),
        row.sha256,
        instant(row.publishedAt),
        instant(row.firstDownloadedAt),
        instant(row.removedAt),
        field(recapStatus(row)),
        // The issuer's own words: csvField quotes them and defuses a formula (spreadsheet-text).
        field(row.withdrawalReason),
      ].join(";")}\r\n`;
    const last = page.at(-1)!;
    after = { publishedAt: last.publishedAt, id: last.id };
  }
}
