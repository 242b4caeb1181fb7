import type { Database } from "../../db/database.js";
import { csvField } from "../../http/invoice-csv.js";
import { isCreditNote, signedAmount } from "../invoices/credit-note.js";
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
    const page = await db.query<Parameters<typeof recordOf>[0]>(
      `select tenant_id as "tenantId", seq, at, actor_type as "actorType", actor_id as "actorId", action,
              target_type as "targetType", target_id as "targetId", ip, details, prev_hash as "prevHash", hash,
              hash_version as "hashVersion"
         from audit_entries
        where tenant_id = $1 and at >= $2 and at < $3 and seq > $4
        order by seq limit $5`,
      [input.tenantId, input.from, input.to, after, PAGE],
    );
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
    const page = await db.query<{
      id: string;
      invoiceNumber: string;
      typeCode: string;
      issueDate: string;
      customerNumber: string;
      customerName: string;
      taxBasisTotal: string | null;
      taxTotal: string | null;
      grandTotal: string;
      currency: string;
      sha256: string;
      publishedAt: Date;
      firstDownloadedAt: Date | null;
      removedAt: Date | null;
      withdrawnAt: Date | null;
      withdrawalReason: string | null;
    }>(
      `select i.id, i.invoice_number as "invoiceNumber", i.type_code as "typeCode", i.issue_date as "issueDate", c.customer_number as "customerNumber",
              c.name as "customerName", i.tax_basis_total as "taxBasisTotal", i.tax_total as "taxTotal",
              i.grand_total as "grandTotal", i.currency, i.sha256, i.published_at as "publishedAt",
              i.first_downloaded_at as "firstDownloadedAt", i.removed_at as "removedAt",
              i.withdrawn_at as "withdrawnAt", i.withdrawal_reason as "withdrawalReason"
         from invoices i join customers c on c.id = i.customer_id
        where i.tenant_id = $1 and i.published_at >= $2 and i.published_at < $3
          and ($4::timestamptz is null or (i.published_at, i.id) > ($4::timestamptz, $5::uuid))
        order by i.published_at, i.id limit $6`,
      [input.tenantId, input.from, input.to, after?.publishedAt ?? null, after?.id ?? null, PAGE],
    );
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
