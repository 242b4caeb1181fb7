CREATE TABLE "tenant_sellers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"value" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tenant_sellers_kind_values" CHECK ("tenant_sellers"."kind" in ('siren', 'vat'))
);
--> statement-breakpoint
DROP INDEX "invoices_tenant_seller_number_key";--> statement-breakpoint
ALTER TABLE "contracts" ALTER COLUMN "customer_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "contracts" ADD COLUMN "detached_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "withdrawn_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "invoices" ADD COLUMN "withdrawal_reason" text;--> statement-breakpoint
ALTER TABLE "tenant_sellers" ADD CONSTRAINT "tenant_sellers_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "tenant_sellers_tenant_value_key" ON "tenant_sellers" USING btree ("tenant_id","value");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_tenant_seller_number_key" ON "invoices" USING btree ("tenant_id","seller_key","invoice_number") WHERE "invoices"."withdrawn_at" is null;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_withdrawal_complete" CHECK ("invoices"."withdrawn_at" is null or ("invoices"."removed_at" is not null and "invoices"."withdrawal_reason" is not null));