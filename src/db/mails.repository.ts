import type { Sql } from "./database.js";
import type { mails } from "./schema.js";

type Mail = typeof mails.$inferSelect;

export type NewMailRow = Pick<
  Mail,
  "tenantId" | "accountId" | "customerId" | "kind" | "language" | "params"
> & {
  to: string;
};

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

/** A queued mail as its sending reads it, with its tenant's slug, name and colour (column names as stored). */
export interface MailToSendRow {
  id: string;
  tenant_id: string | null;
  account_id: string | null;
  kind: string;
  to_address: string;
  language: "fr" | "en";
  params: Record<string, unknown>;
  status: string;
  slug: string | null;
  display_name: string | null;
  primary_color: string | null;
}

/** The mail, locked until the transaction ends (one attempt at a time), or undefined when there is none. */
export async function lockMailToSend(sql: Sql, mailId: string): Promise<MailToSendRow | undefined> {
  const [mail] = await sql.query<MailToSendRow>(
    `select m.id, m.tenant_id, m.account_id, m.kind, m.to_address, m.language, m.params, m.status,
            t.slug, t.display_name, t.primary_color
       from mails m left join tenants t on t.id = m.tenant_id
      where m.id = $1
      for update of m`,
    [mailId],
  );
  return mail;
}

/** Records the start of an attempt (`sending`, one more attempt, its subject and stable Message-ID). */
export async function markMailSending(
  sql: Sql,
  mailId: string,
  input: { subject: string; messageId: string },
): Promise<void> {
  await sql.query(
    `update mails set status = 'sending', attempt_started_at = now(), attempts = attempts + 1,
            subject = $2, message_id = $3
      where id = $1`,
    [mailId, input.subject, input.messageId],
  );
}

/** An attempt known to precede the hand-over failed: back to `queued`, or `failed` on the last attempt. */
export async function markMailNotHandedOver(
  sql: Sql,
  mailId: string,
  input: { error: string; response: string | null; lastAttempt: boolean },
): Promise<void> {
  await sql.query(
    `update mails set last_error = $2, smtp_response = coalesce($3, smtp_response),
            status = case when $4 then 'failed' else 'queued' end,
            failed_at = case when $4 then now() else failed_at end
      where id = $1 and status = 'sending'`,
    [mailId, input.error, input.response, input.lastAttempt],
  );
}

/** The server accepted the mail. From `uncertain` too: a job that outlived its expiry was declared cut off, but here is the answer. */
export async function markMailSent(
  sql: Sql,
  mailId: string,
  input: { messageId: string; response: string },
): Promise<void> {
  await sql.query(
    `update mails set status = 'sent', message_id = $2, smtp_response = $3, sent_at = now(), last_error = null
      where id = $1 and status in ('sending', 'uncertain')`,
    [mailId, input.messageId, input.response],
  );
}

/** An attempt that may have reached the server: `uncertain`, never resent. */
export async function markMailUncertain(
  sql: Sql,
  mailId: string,
  input: { reason: string; response: string | null },
): Promise<void> {
  await sql.query(
    `update mails set status = 'uncertain', last_error = $2, smtp_response = coalesce($3, smtp_response)
      where id = $1 and status = 'sending'`,
    [mailId, input.reason, input.response],
  );
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
