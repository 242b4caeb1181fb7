import type { Sql } from "../../db/database.js";
import {
  type AccountInvoiceFilters,
  countAccountInvoices,
  findAccountIssueDateRange,
  type LeavingSoon,
  listAccountCustomerNumbers,
  summarizeLeavingSoon,
} from "../../db/portal-invoices.queries.js";

/** What the list page shows around its rows, all of it the same for every page of a given list version. */
export interface InvoiceListSummaries {
  /** The account's customer numbers, in order; at most `limit`. */
  customerNumbers(account: AccountListKey, limit: number): Promise<string[]>;
  /** The account's oldest and newest issue dates. */
  issueDateRange(account: AccountListKey): Promise<{ oldest: string | null; newest: string | null }>;
  /** Never-downloaded invoices leaving the portal within `days` (the banner). */
  leavingSoon(account: AccountListKey, days: number): Promise<LeavingSoon>;
  /** How many invoices match the filters (the sort aside). */
  count(account: AccountListKey, filters: AccountInvoiceFilters): Promise<number>;
  /** How many of them still have their file (not removed at the end of retention): what a ZIP of them holds. */
  downloadable(account: AccountListKey, filters: AccountInvoiceFilters): Promise<number>;
}

/** One account's list as of one version (`account_list_versions`, read with the session). */
export interface AccountListKey {
  tenantId: string;
  accountId: string;
  version: number;
}

export interface SummaryCacheOptions {
  /**
   * How long an entry is used at most. The version makes entries exact (it moves in the transaction of any
   * change); the age bounds what no version sees: the leaving-soon window moving with the clock. The
   * banner's entry also ends when its first date comes (never a past date, even from memory).
   */
  maxAgeMs?: number;
  /** Entries kept at most (least recently stored dropped first). */
  maxEntries?: number;
  now?: () => number;
}

/**
 * The list page's summaries, read once per account and list version and then served from memory: with
 * 10,000 invoices the count alone reads 10,000 index entries, which the first page of the list would
 * otherwise pay at every view. Concurrent readers of a missing entry share one query. A failed read is not kept.
 */
export function createInvoiceListSummaries(
  sql: Sql,
  options: SummaryCacheOptions = {},
): InvoiceListSummaries {
  const maxAgeMs = options.maxAgeMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 20_000;
  const now = options.now ?? Date.now;
  // `until`: the instant the entry stops being true whatever the version (the banner's first date).
  const entries = new Map<string, { at: number; until?: number; value: Promise<unknown> }>();

  function memo<T>(
    account: AccountListKey,
    what: string,
    read: (at: Date) => Promise<T>,
    validUntil?: (value: T) => number | undefined,
  ): Promise<T> {
    const key = `${account.tenantId}/${account.accountId}/${account.version}/${what}`;
    const at = now();
    const found = entries.get(key);
    if (found && at - found.at < maxAgeMs && (found.until === undefined || at < found.until))
      return found.value as Promise<T>;
    const value = read(new Date(at));
    const entry: { at: number; until?: number; value: Promise<unknown> } = { at, value };
    entries.delete(key);
    entries.set(key, entry);
    if (validUntil)
      value.then(
        (v) => {
          entry.until = validUntil(v);
        },
        () => {},
      );
    value.catch(() => {
      if (entries.get(key)?.value === value) entries.delete(key);
    });
    if (entries.size > maxEntries) {
      // Insertion order: the oldest stored first.
      for (const old of entries.keys()) {
        entries.delete(old);
        if (entries.size <= maxEntries) break;
      }
    }
    return value;
  }

  return {
    customerNumbers: (account, limit) =>
      memo(account, `numbers:${limit}`, () =>
        listAccountCustomerNumbers(sql, account.tenantId, account.accountId, limit),
      ),
    issueDateRange: (account) =>
      memo(account, "dates", () => findAccountIssueDateRange(sql, account.tenantId, account.accountId)),
    leavingSoon: (account, days) =>
      memo(
        account,
        `leaving:${days}`,
        (at) => summarizeLeavingSoon(sql, account.tenantId, account.accountId, days, at),
        // Read again once its first date comes: the banner never announces a date already past.
        (leaving) => leaving.first?.getTime(),
      ),
    count: (account, filters) =>
      memo(account, `count:${filterKey(filters)}`, (at) =>
        countAccountInvoices(sql, account.tenantId, account.accountId, filters, at),
      ),
    downloadable: (account, filters) =>
      memo(account, `downloadable:${filterKey(filters)}`, (at) =>
        countAccountInvoices(sql, account.tenantId, account.accountId, filters, at, true),
      ),
  };
}

/** The filters that decide which rows match, as given, in a fixed order (the sort decides none). */
function filterKey(filters: AccountInvoiceFilters): string {
  return JSON.stringify([
    filters.from,
    filters.to,
    filters.contract,
    filters.customer,
    filters.type,
    filters.notDownloaded ?? false,
    filters.leavingWithinDays,
    filters.q,
  ]);
}
