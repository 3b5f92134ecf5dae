CREATE TABLE "webhook_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"queue" text NOT NULL,
	"message_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"at" bigint NOT NULL,
	"outcome" text NOT NULL,
	"status" integer,
	"duration_ms" integer NOT NULL,
	"error" text,
	"response_excerpt" text
);
--> statement-breakpoint
CREATE TABLE "webhook_endpoints" (
	"queue" text PRIMARY KEY NOT NULL,
	"disabled_at" bigint,
	"disabled_reason" text,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"circuit_open_until" bigint,
	"probe_expires_at" bigint,
	"tokens" double precision DEFAULT 0 NOT NULL,
	"tokens_at" bigint DEFAULT 0 NOT NULL,
	"previous_secret" text,
	"previous_secret_expires_at" bigint,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "webhook_attempts_message" ON "webhook_attempts" USING btree ("message_id","id");