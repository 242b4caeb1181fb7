ALTER TABLE "invoices" ADD COLUMN "processing_rule" text;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "processing_rule_source" text;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "validation_status" text;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "validation_rules_version" text;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "validation_profile" text;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "validation_findings" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "validated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "default_processing_rule" text DEFAULT 'B2C' NOT NULL;--> statement-breakpoint
CREATE INDEX "invoices_validation_idx" ON "invoices" USING btree ("tenant_id","validation_status") WHERE "invoices"."validation_status" in ('pending', 'failed');--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_processing_rule" CHECK ("invoices"."processing_rule" is null or "invoices"."processing_rule" in ('B2B', 'B2BInt', 'B2C', 'OutOfScope', 'ArchiveOnly'));--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_processing_rule_source" CHECK ("invoices"."processing_rule_source" is null or "invoices"."processing_rule_source" in ('invoice', 'metadata', 'tenant'));--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_validation_status" CHECK ("invoices"."validation_status" is null or "invoices"."validation_status" in ('pending', 'passed', 'warnings', 'failed'));--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_default_processing_rule" CHECK ("tenants"."default_processing_rule" in ('B2B', 'B2BInt', 'B2C', 'OutOfScope', 'ArchiveOnly'));