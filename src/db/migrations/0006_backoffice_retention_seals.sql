CREATE TABLE "audit_seals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tenant_id" uuid,
	"day" date NOT NULL,
	"head_seq" bigint NOT NULL,
	"head_hash" text NOT NULL,
	"payload" text NOT NULL,
	"key_id" text NOT NULL,
	"public_key" text NOT NULL,
	"signature" text NOT NULL,
	"tsa_url" text,
	"tsa_token" text,
	"sealed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "staff" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"email" text NOT NULL,
	"display_name" text DEFAULT '' NOT NULL,
	"role" text NOT NULL,
	"status" text DEFAULT 'invited' NOT NULL,
	"password_hash" text,
	"totp_secret" text,
	"totp_last_step" bigint,
	"failed_logins" integer DEFAULT 0 NOT NULL,
	"locked_until" timestamp with time zone,
	"enrolled_at" timestamp with time zone,
	"last_login_at" timestamp with time zone,
	"disabled_at" timestamp with time zone,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "staff_role_values" CHECK ("staff"."role" in ('advisor', 'admin')),
	CONSTRAINT "staff_status_values" CHECK ("staff"."status" in ('invited', 'active', 'disabled'))
);
--> statement-breakpoint
CREATE TABLE "staff_recovery_codes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"staff_id" uuid NOT NULL,
	"code_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "tokens" ALTER COLUMN "account_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "search_name" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "reminder_step" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "blob_deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "staff_id" uuid;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "staff_id" uuid;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "mail_id" uuid;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "opened_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "audit_seals" ADD CONSTRAINT "audit_seals_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "staff" ADD CONSTRAINT "staff_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "staff_recovery_codes" ADD CONSTRAINT "staff_recovery_codes_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "audit_seals_chain_day_key" ON "audit_seals" USING btree (coalesce("tenant_id", '00000000-0000-0000-0000-000000000000'::uuid),"day");--> statement-breakpoint
CREATE UNIQUE INDEX "staff_tenant_email_key" ON "staff" USING btree ("tenant_id","email");--> statement-breakpoint
CREATE INDEX "staff_recovery_codes_staff_idx" ON "staff_recovery_codes" USING btree ("staff_id");--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_staff_id_staff_id_fk" FOREIGN KEY ("staff_id") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_mail_id_mails_id_fk" FOREIGN KEY ("mail_id") REFERENCES "public"."mails"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customers_tenant_search_name_idx" ON "customers" USING btree ("tenant_id","search_name" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "customers_tenant_email_prefix_idx" ON "customers" USING btree ("tenant_id","email" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "invoices_tenant_number_idx" ON "invoices" USING btree ("tenant_id","invoice_number");--> statement-breakpoint
CREATE INDEX "invoices_blob_pending_idx" ON "invoices" USING btree ("sha256") WHERE "invoices"."removed_at" is not null and "invoices"."blob_deleted_at" is null;--> statement-breakpoint
CREATE INDEX "sessions_staff_idx" ON "sessions" USING btree ("tenant_id","staff_id");--> statement-breakpoint
CREATE INDEX "tokens_staff_idx" ON "tokens" USING btree ("staff_id");--> statement-breakpoint
CREATE INDEX "tokens_mail_idx" ON "tokens" USING btree ("mail_id");--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_reminder_step_range" CHECK ("invoices"."reminder_step" between 0 and 2);--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_kind_owner" CHECK (("sessions"."kind" = 'customer' and "sessions"."staff_id" is null) or ("sessions"."kind" = 'staff' and "sessions"."account_id" is null and "sessions"."staff_id" is not null));--> statement-breakpoint
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_owner" CHECK (("tokens"."account_id" is null) <> ("tokens"."staff_id" is null));--> statement-breakpoint
-- Backfill of the search key for existing customers (the application computes it on every write since).
UPDATE "customers" SET "search_name" = btrim(regexp_replace(translate(lower("name"), 'àâäáãåçéèêëíìîïñóòôöõúùûüýÿ', 'aaaaaaceeeeiiiinooooouuuuyy'), '\s+', ' ', 'g'));
