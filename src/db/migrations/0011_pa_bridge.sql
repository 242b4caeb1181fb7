CREATE TABLE "pa_connections" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"flow_url" text NOT NULL,
	"auth_kind" text NOT NULL,
	"token_url" text,
	"client_id" text,
	"sealed_secret" text NOT NULL,
	"poll_seconds" integer DEFAULT 300 NOT NULL,
	"webhook_uid" uuid,
	"sealed_webhook_secret" text,
	"poll_updated_after" timestamp with time zone,
	"polled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pa_connections_auth_kind" CHECK ("pa_connections"."auth_kind" in ('oauth2', 'token')),
	CONSTRAINT "pa_connections_oauth2_complete" CHECK ("pa_connections"."auth_kind" <> 'oauth2' or ("pa_connections"."token_url" is not null and "pa_connections"."client_id" is not null)),
	CONSTRAINT "pa_connections_poll_range" CHECK ("pa_connections"."poll_seconds" between 10 and 86400)
);
--> statement-breakpoint
CREATE TABLE "pa_inbound_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"flow_id" text NOT NULL,
	"received_via" text NOT NULL,
	"outcome" text NOT NULL,
	"detail" text,
	"invoice_id" uuid,
	"document" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pa_inbound_messages_via" CHECK ("pa_inbound_messages"."received_via" in ('poll', 'webhook')),
	CONSTRAINT "pa_inbound_messages_outcome" CHECK ("pa_inbound_messages"."outcome" in ('recorded', 'unmatched', 'invalid'))
);
--> statement-breakpoint
CREATE TABLE "pa_lifecycle_statuses" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"invoice_id" uuid NOT NULL,
	"code" smallint NOT NULL,
	"label" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"role" text,
	"reason_code" text,
	"reason_text" text,
	"flow_id" text DEFAULT '' NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pa_lifecycle_statuses_code_range" CHECK ("pa_lifecycle_statuses"."code" between 200 and 299),
	CONSTRAINT "pa_lifecycle_statuses_source" CHECK ("pa_lifecycle_statuses"."source" in ('portal', 'pa'))
);
--> statement-breakpoint
CREATE TABLE "pa_transmissions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"invoice_id" uuid NOT NULL,
	"status" text NOT NULL,
	"hold_reason" text,
	"flow_id" text,
	"submitted_at" timestamp with time zone,
	"ack_status" text,
	"reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"attempt_started_at" timestamp with time zone,
	"lease_until" timestamp with time zone,
	"last_error" text,
	"ack_checks" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pa_transmissions_status" CHECK ("pa_transmissions"."status" in ('held', 'queued', 'submitted', 'acknowledged', 'rejected')),
	CONSTRAINT "pa_transmissions_ack_status" CHECK ("pa_transmissions"."ack_status" is null or "pa_transmissions"."ack_status" in ('Pending', 'Ok', 'Error'))
);
--> statement-breakpoint
ALTER TABLE "pa_connections" ADD CONSTRAINT "pa_connections_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pa_inbound_messages" ADD CONSTRAINT "pa_inbound_messages_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pa_inbound_messages" ADD CONSTRAINT "pa_inbound_messages_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pa_lifecycle_statuses" ADD CONSTRAINT "pa_lifecycle_statuses_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pa_lifecycle_statuses" ADD CONSTRAINT "pa_lifecycle_statuses_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pa_transmissions" ADD CONSTRAINT "pa_transmissions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pa_transmissions" ADD CONSTRAINT "pa_transmissions_invoice_id_invoices_id_fk" FOREIGN KEY ("invoice_id") REFERENCES "public"."invoices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "pa_inbound_messages_flow_key" ON "pa_inbound_messages" USING btree ("tenant_id","flow_id");--> statement-breakpoint
CREATE INDEX "pa_inbound_messages_problem_idx" ON "pa_inbound_messages" USING btree ("tenant_id","received_at") WHERE "pa_inbound_messages"."outcome" <> 'recorded';--> statement-breakpoint
CREATE UNIQUE INDEX "pa_lifecycle_statuses_once_key" ON "pa_lifecycle_statuses" USING btree ("invoice_id","flow_id","code");--> statement-breakpoint
CREATE INDEX "pa_lifecycle_statuses_invoice_idx" ON "pa_lifecycle_statuses" USING btree ("invoice_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "pa_transmissions_invoice_key" ON "pa_transmissions" USING btree ("invoice_id");--> statement-breakpoint
CREATE INDEX "pa_transmissions_tenant_status_idx" ON "pa_transmissions" USING btree ("tenant_id","status");