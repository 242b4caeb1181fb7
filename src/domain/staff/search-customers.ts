import { appendAudit } from "../../db/audit.repository.js";
import {
  type CustomerHit,
  findHitByCustomerNumber,
  findHitsByContractNumber,
  findHitsByEmailPrefix,
  findHitsByInvoiceNumber,
  findHitsByNamePrefix,
} from "../../db/backoffice.queries.js";
import type { Database } from "../../db/database.js";
import { searchKey } from "../shared/search-key.js";
import type { StaffActor } from "./staff-accounts.js";

export const SEARCH_LIMIT = 50;

export interface SearchResult {
  query: string;
  hits: CustomerHit[];
  /** One customer found by its exact number: the record opens directly. */
  exact?: CustomerHit;
}

/**
 * The back-office search box: exact customer number (the main path), contract number, invoice number,
 * e-mail (exact or prefix, when the text has an @) and name prefix (accents and case ignored). Every
 * search is an index scan (see docs/readme-parts/backoffice.md) and is audited (docs/security.md A3).
 */
export async function searchCustomers(
  db: Database,
  input: { tenantId: string; query: string; actor: StaffActor; ip: string | null; now?: Date },
): Promise<SearchResult> {
  const query = input.query.normalize("NFC").trim().replace(/\s+/g, " ").slice(0, 200);
  if (query === "") return { query, hits: [] };
  const byNumber = await findHitByCustomerNumber(db, input.tenantId, query);
  let hits: CustomerHit[];
  if (byNumber.length === 1) hits = byNumber;
  else if (query.includes("@")) {
    hits = await findHitsByEmailPrefix(db, input.tenantId, query.toLowerCase(), SEARCH_LIMIT);
  } else {
    const key = searchKey(query);
    const [contracts, invoices, names, emails] = await Promise.all([
      findHitsByContractNumber(db, input.tenantId, query),
      findHitsByInvoiceNumber(db, input.tenantId, query),
      key.length >= 2 ? findHitsByNamePrefix(db, input.tenantId, key, SEARCH_LIMIT) : [],
      // The start of an address ("jean.dup") is searched too when it could be one.
      query.length >= 3 && !query.includes(" ")
        ? findHitsByEmailPrefix(db, input.tenantId, query.toLowerCase(), SEARCH_LIMIT)
        : [],
    ]);
    const seen = new Set<string>();
    hits = [...contracts, ...invoices, ...names, ...emails]
      .filter((h) => !seen.has(h.id) && seen.add(h.id))
      .slice(0, SEARCH_LIMIT);
  }
  await db.transaction((tx) =>
    appendAudit(tx, {
      tenantId: input.tenantId,
      actorType: input.actor.type,
      actorId: input.actor.id,
      action: "customer.searched",
      ip: input.ip,
      at: input.now,
      details: { query, results: hits.length, by: input.actor.name },
    }),
  );
  return { query, hits, exact: byNumber.length === 1 ? byNumber[0] : undefined };
}
