ALTER TABLE "mails" DROP CONSTRAINT "mails_status_values";--> statement-breakpoint
ALTER TABLE "audit_entries" ADD COLUMN "hash_version" smallint DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "mails" ADD COLUMN "attempt_started_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "invoices_xml_sha256_idx" ON "invoices" USING btree ("xml_sha256") WHERE "invoices"."xml_sha256" is not null;--> statement-breakpoint
CREATE INDEX "throttles_key_window_idx" ON "throttles" USING btree ("key","window_started_at");--> statement-breakpoint
ALTER TABLE "mails" ADD CONSTRAINT "mails_status_values" CHECK ("mails"."status" in ('queued', 'sending', 'sent', 'failed', 'uncertain'));