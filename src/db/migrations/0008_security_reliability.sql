ALTER TABLE "mails" DROP CONSTRAINT "mails_status_values";--> statement-breakpoint
ALTER TABLE "audit_entries" ADD COLUMN "hash_version" smallint DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "mails" ADD COLUMN "attempt_started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "mails" ADD CONSTRAINT "mails_status_values" CHECK ("mails"."status" in ('queued', 'sending', 'sent', 'failed', 'uncertain'));