import { searchKey } from "../domain/shared/search-key.js";
import type { AccountStatus, Language } from "./accounts.repository.js";
import type { Sql } from "./database.js";
import type { customers } from "./schema.js";

export type CustomerRow = Pick<
  typeof customers.$inferSelect,
  "id" | "tenantId" | "customerNumber" | "name" | "email" | "accountId"
>;

const COLUMNS = `id, tenant_id as "tenantId", customer_number as "customerNumber", name, email, account_id as "accountId"`;

export async function findCustomerByNumber(
  sql: Sql,
  tenantId: string,
  customerNumber: string,
): Promise<CustomerRow | undefined> {
  const [row] = await sql.query<CustomerRow>(
    `select ${COLUMNS} from customers where tenant_id = $1 and customer_number = $2`,
    [tenantId, customerNumber],
  );
  return row;
}

export async function findCustomerByContract(
  sql: Sql,
  tenantId: string,
  contractNumber: string,
): Promise<(CustomerRow & { contractId: string }) | undefined> {
  const [row] = await sql.query<CustomerRow & { contractId: string }>(
    `select c.id, c.tenant_id as "tenantId", c.customer_number as "customerNumber", c.name, c.email, c.account_id as "accountId",
            k.id as "contractId"
       from contracts k join customers c on c.id = k.customer_id
      where k.tenant_id = $1 and k.contract_number = $2`,
    [tenantId, contractNumber],
  );
  return row;
}

export async function findContract(
  sql: Sql,
  tenantId: string,
  contractNumber: string,
): Promise<{ id: string; customerId: string } | undefined> {
  const [row] = await sql.query<{ id: string; customerId: string }>(
    `select id, customer_id as "customerId" from contracts where tenant_id = $1 and contract_number = $2`,
    [tenantId, contractNumber],
  );
  return row;
}

/** Inserts or updates by (tenant, customer number); returns the row and whether it was new. */
export async function upsertCustomerRow(
  sql: Sql,
  customer: {
    tenantId: string;
    customerNumber: string;
    name: string;
    email: string | null;
    accountId: string | null;
  },
): Promise<{
  row: CustomerRow;
  created: boolean;
  previous?: { email: string | null; accountId: string | null };
}> {
  const before = await lockCustomerByNumber(sql, customer.tenantId, customer.customerNumber);
  // Moving to another account: the customer's invoices are locked before the row below changes, so this
  // transaction takes invoice rows before account list versions (the customers trigger bumps them), in the
  // order a download takes them (invoice, then version): the two can never deadlock.
  if (before && before.accountId !== customer.accountId)
    await lockCustomerInvoices(sql, customer.tenantId, before.id);
  const [row] = await sql.query<CustomerRow>(
    `insert into customers (tenant_id, customer_number, name, email, account_id, search_name) values ($1, $2, $3, $4, $5, $6)
     on conflict (tenant_id, customer_number) do update
       set name = excluded.name, email = excluded.email, account_id = excluded.account_id, search_name = excluded.search_name,
           updated_at = case when (customers.name, customers.email, customers.account_id) is distinct from
                                  (excluded.name, excluded.email, excluded.account_id) then now() else customers.updated_at end
     returning ${COLUMNS}`,
    [
      customer.tenantId,
      customer.customerNumber,
      customer.name,
      customer.email,
      customer.accountId,
      searchKey(customer.name),
    ],
  );
  return {
    row: row!,
    created: before === undefined,
    previous: before && { email: before.email, accountId: before.accountId },
  };
}

/** The customer's address and account link, locked until the transaction ends; undefined when there is none. */
export async function lockCustomerByNumber(
  sql: Sql,
  tenantId: string,
  customerNumber: string,
): Promise<Pick<CustomerRow, "id" | "email" | "accountId"> | undefined> {
  const [row] = await sql.query<Pick<CustomerRow, "id" | "email" | "accountId">>(
    `select id, email, account_id as "accountId" from customers where tenant_id = $1 and customer_number = $2 for update`,
    [tenantId, customerNumber],
  );
  return row;
}

/** The customer's address and account link (no lock). */
export async function findCustomerById(
  sql: Sql,
  tenantId: string,
  customerId: string,
): Promise<CustomerRow | undefined> {
  const [row] = await sql.query<CustomerRow>(
    `select ${COLUMNS} from customers where tenant_id = $1 and id = $2`,
    [tenantId, customerId],
  );
  return row;
}

/** A customer with its account (null fields when it has none) and its tenant's retention, as the back office acts on it. */
export interface CustomerWithAccount {
  customerNumber: string;
  name: string;
  /** The customer's own address (the directory's). */
  email: string | null;
  accountId: string | null;
  identifier: string | null;
  /** The account's address. */
  accountEmail: string | null;
  status: AccountStatus | null;
  lockedUntil: Date | null;
  language: Language | null;
  retentionMonths: number;
}

/** The customer row locked until the transaction ends (not its account), with its account; undefined when there is none. */
export async function lockCustomerWithAccount(
  sql: Sql,
  tenantId: string,
  customerId: string,
): Promise<CustomerWithAccount | undefined> {
  const [row] = await sql.query<CustomerWithAccount>(
    `select c.customer_number as "customerNumber", c.name, c.email, c.account_id as "accountId", a.identifier,
            a.email as "accountEmail", a.status, a.locked_until as "lockedUntil", a.language,
            t.retention_months as "retentionMonths"
       from customers c join tenants t on t.id = c.tenant_id
       left join accounts a on a.id = c.account_id and a.tenant_id = c.tenant_id
      where c.tenant_id = $1 and c.id = $2 for update of c`,
    [tenantId, customerId],
  );
  return row;
}

/** The customer numbers on an account (but `exceptCustomerId`), in order, at most `limit`. */
export async function listCustomerNumbersOfAccount(
  sql: Sql,
  tenantId: string,
  accountId: string,
  options: { exceptCustomerId?: string; limit: number },
): Promise<string[]> {
  const rows = await sql.query<{ n: string }>(
    `select customer_number as n from customers
      where tenant_id = $1 and account_id = $2 and id is distinct from $3::uuid order by customer_number limit $4`,
    [tenantId, accountId, options.exceptCustomerId ?? null, options.limit],
  );
  return rows.map((r) => r.n);
}

/** Whether another customer than this one is on the account. */
export async function accountHasOtherCustomers(
  sql: Sql,
  tenantId: string,
  accountId: string,
  customerId: string,
): Promise<boolean> {
  const [others] = await sql.query<{ n: number }>(
    "select count(*)::int as n from customers where tenant_id = $1 and account_id = $2 and id <> $3",
    [tenantId, accountId, customerId],
  );
  return (others?.n ?? 0) > 0;
}

/**
 * Gives every customer of the account its new address (the account's address changes); returns them.
 * Only the e-mail column changes, so no account list version is bumped.
 */
export async function setEmailOfAccountCustomers(
  sql: Sql,
  tenantId: string,
  accountId: string,
  email: string,
): Promise<Pick<CustomerRow, "id" | "customerNumber">[]> {
  return sql.query<Pick<CustomerRow, "id" | "customerNumber">>(
    `update customers set email = $3, updated_at = now() where tenant_id = $1 and account_id = $2
     returning id, customer_number as "customerNumber"`,
    [tenantId, accountId, email],
  );
}

/** Locks every invoice row of the customer (id order) until the transaction ends. */
export async function lockCustomerInvoices(sql: Sql, tenantId: string, customerId: string): Promise<void> {
  await sql.query(
    "select id from invoices where tenant_id = $1 and customer_id = $2 order by id for update",
    [tenantId, customerId],
  );
}

/**
 * Adds the contracts not yet known and takes back a detached one (customer_id null); a contract number
 * held by another customer is reported with that customer's number, not moved.
 */
export async function addContracts(
  sql: Sql,
  tenantId: string,
  customerId: string,
  contractNumbers: string[],
): Promise<{ contractNumber: string; holderCustomerNumber: string }[]> {
  const conflicts: { contractNumber: string; holderCustomerNumber: string }[] = [];
  for (const contractNumber of contractNumbers) {
    const [row] = await sql.query<{ customerId: string }>(
      `insert into contracts (tenant_id, contract_number, customer_id) values ($1, $2, $3)
       on conflict (tenant_id, contract_number) do update
         set customer_id = coalesce(contracts.customer_id, excluded.customer_id),
             detached_at = case when contracts.customer_id is null then null else contracts.detached_at end
       returning customer_id as "customerId"`,
      [tenantId, contractNumber, customerId],
    );
    if (row && row.customerId !== customerId) {
      const [holder] = await sql.query<{ customerNumber: string }>(
        `select customer_number as "customerNumber" from customers where tenant_id = $1 and id = $2`,
        [tenantId, row.customerId],
      );
      conflicts.push({ contractNumber, holderCustomerNumber: holder?.customerNumber ?? "" });
    }
  }
  return conflicts;
}

/**
 * Detaches a contract from its customer (issue #13 item 9): the number stays known, no customer holds it,
 * and the next publication naming it is no longer routed by it. Undefined when the tenant has no such
 * contract; `customerNumber` null when it was detached already.
 */
export async function detachContractRow(
  sql: Sql,
  tenantId: string,
  contractNumber: string,
  at: Date,
): Promise<{ contractId: string; customerId: string | null; customerNumber: string | null } | undefined> {
  const [before] = await sql.query<{
    contractId: string;
    customerId: string | null;
    customerNumber: string | null;
  }>(
    `select k.id as "contractId", k.customer_id as "customerId", c.customer_number as "customerNumber"
       from contracts k left join customers c on c.id = k.customer_id
      where k.tenant_id = $1 and k.contract_number = $2 for update of k`,
    [tenantId, contractNumber],
  );
  if (!before || before.customerId === null) return before;
  await sql.query(
    `update contracts set customer_id = null, detached_at = $3 where tenant_id = $1 and id = $2`,
    [tenantId, before.contractId, at],
  );
  return before;
}

/** A customer as the directory holds it, with its contract numbers (what an import compares against). */
export async function findCustomerWithContracts(
  sql: Sql,
  tenantId: string,
  customerNumber: string,
): Promise<{ name: string; email: string | null; contracts: string[] } | undefined> {
  const [row] = await sql.query<{ name: string; email: string | null; contracts: string[] }>(
    `select c.name, c.email,
            coalesce((select array_agg(k.contract_number) from contracts k where k.customer_id = c.id), '{}') as contracts
       from customers c where c.tenant_id = $1 and c.customer_number = $2`,
    [tenantId, customerNumber],
  );
  return row;
}

/** The customers of the tenant with these numbers, in one query. */
export async function findCustomersByNumbers(
  sql: Sql,
  tenantId: string,
  customerNumbers: string[],
): Promise<CustomerRow[]> {
  if (customerNumbers.length === 0) return [];
  return sql.query<CustomerRow>(
    `select ${COLUMNS} from customers where tenant_id = $1 and customer_number = any($2::text[])`,
    [tenantId, customerNumbers],
  );
}

/** The contracts of the tenant with these numbers, each with its customer, in one query. */
export async function findContractsWithCustomers(
  sql: Sql,
  tenantId: string,
  contractNumbers: string[],
): Promise<{ contractId: string; contractNumber: string; customer: CustomerRow }[]> {
  if (contractNumbers.length === 0) return [];
  const rows = await sql.query<CustomerRow & { contractId: string; contractNumber: string }>(
    `select c.id, c.tenant_id as "tenantId", c.customer_number as "customerNumber", c.name, c.email, c.account_id as "accountId",
            k.id as "contractId", k.contract_number as "contractNumber"
       from contracts k join customers c on c.id = k.customer_id
      where k.tenant_id = $1 and k.contract_number = any($2::text[])`,
    [tenantId, contractNumbers],
  );
  return rows.map(({ contractId, contractNumber, ...customer }) => ({
    contractId,
    contractNumber,
    customer,
  }));
}
