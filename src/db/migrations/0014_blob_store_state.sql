CREATE TABLE "blob_store_state" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"active" text NOT NULL,
	"switched_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "blob_store_state_one_row" CHECK ("blob_store_state"."id" = 1)
);
