CREATE TABLE "account_list_versions" (
	"account_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"version" bigint DEFAULT 1 NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "account_list_versions" ADD CONSTRAINT "account_list_versions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_list_versions" ADD CONSTRAINT "account_list_versions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- An account's list version moves with every change to what its invoice list shows, in the transaction
-- that makes the change, whoever makes it (the application, a test, an operator's SQL): one statement-level
-- trigger per table, reading the statement's transition tables, one row per account touched (in id order,
-- so two statements bumping overlapping accounts never deadlock).
CREATE FUNCTION efacture_bump_list_versions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  touched uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT account_id) INTO touched FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT account_id) INTO touched FROM old_rows;
  ELSIF TG_TABLE_NAME = 'invoices' THEN
    -- The columns the list shows, filters or counts on; others (notices, reminders, blob state) leave it be.
    SELECT array_agg(DISTINCT moved.account_id) INTO touched
      FROM old_rows o JOIN new_rows n ON n.id = o.id,
           unnest(array[o.account_id, n.account_id]) AS moved(account_id)
     WHERE (o.account_id, o.customer_id, o.invoice_number, o.type_code, o.issue_date, o.contract_number,
            o.currency, o.grand_total, o.available_until, o.first_downloaded_at, o.removed_at)
           IS DISTINCT FROM
           (n.account_id, n.customer_id, n.invoice_number, n.type_code, n.issue_date, n.contract_number,
            n.currency, n.grand_total, n.available_until, n.first_downloaded_at, n.removed_at);
  ELSE
    -- customers: a customer number joining, leaving or renamed in an account's list.
    SELECT array_agg(DISTINCT moved.account_id) INTO touched
      FROM old_rows o JOIN new_rows n ON n.id = o.id,
           unnest(array[o.account_id, n.account_id]) AS moved(account_id)
     WHERE (o.account_id, o.customer_number) IS DISTINCT FROM (n.account_id, n.customer_number);
  END IF;
  INSERT INTO account_list_versions AS v (account_id, tenant_id)
    SELECT a.id, a.tenant_id FROM accounts a WHERE a.id = ANY (touched) ORDER BY a.id
    ON CONFLICT (account_id) DO UPDATE SET version = v.version + 1, changed_at = now();
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER invoices_list_version_insert AFTER INSERT ON invoices
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION efacture_bump_list_versions();
--> statement-breakpoint
CREATE TRIGGER invoices_list_version_update AFTER UPDATE ON invoices
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION efacture_bump_list_versions();
--> statement-breakpoint
CREATE TRIGGER invoices_list_version_delete AFTER DELETE ON invoices
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION efacture_bump_list_versions();
--> statement-breakpoint
CREATE TRIGGER customers_list_version_insert AFTER INSERT ON customers
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION efacture_bump_list_versions();
--> statement-breakpoint
CREATE TRIGGER customers_list_version_update AFTER UPDATE ON customers
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION efacture_bump_list_versions();
--> statement-breakpoint
CREATE TRIGGER customers_list_version_delete AFTER DELETE ON customers
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION efacture_bump_list_versions();
