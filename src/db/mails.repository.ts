import type { Sql } from "./database.js";

export interface NewMailRow {
  tenantId: string | null;
  accountId: string | null;
  customerId: string | null;
  kind: string;
  to: string;
  language: "fr" | "en";
  params: Record<string, unknown>;
}

/** Records a mail as queued; returns its id (the send-mail job carries only that id). */
export async function insertMail(tx: Sql, mail: NewMailRow): Promise<string> {
  const [row] = await tx.query<{ id: string }>(
    `insert into mails (tenant_id, account_id, customer_id, kind, to_address, language, params)
     values ($1, $2, $3, $4, $5, $6, $7) returning id`,
    [
      mail.tenantId,
      mail.accountId,
      mail.customerId,
      mail.kind,
      mail.to,
      mail.language,
      JSON.stringify(mail.params),
    ],
  );
  return row!.id;
}

/** Whether a mail of this kind to the account is still waiting to be sent (queued or being sent). */
export async function hasPendingMail(sql: Sql, tenantId: string, accountId: string, kind: string) {
  const [pending] = await sql.query(
    `select 1 from mails where tenant_id = $1 and account_id = $2 and kind = $3
        and status in ('queued', 'sending') limit 1`,
    [tenantId, accountId, kind],
  );
  return pending !== undefined;
}
