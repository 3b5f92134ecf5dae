CREATE TABLE "dedup_keys" (
	"queue" text NOT NULL,
	"dedup_id" text NOT NULL,
	"message_id" text NOT NULL,
	"expires_at" bigint NOT NULL,
	CONSTRAINT "dedup_keys_queue_dedup_id_pk" PRIMARY KEY("queue","dedup_id")
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"queue" text NOT NULL,
	"state" smallint NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"available_at" bigint NOT NULL,
	"group_id" text,
	"dedup_id" text,
	"body" text NOT NULL,
	"body_is_binary" boolean DEFAULT false NOT NULL,
	"headers" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"lease_generation" integer DEFAULT 0 NOT NULL,
	"lease_expires_at" bigint,
	"lease_token" "bytea",
	"lease_owner" text,
	"enqueued_at" bigint NOT NULL,
	"last_error" text,
	"dead_at" bigint
);
--> statement-breakpoint
CREATE TABLE "queues" (
	"name" text PRIMARY KEY NOT NULL,
	"settings" text NOT NULL,
	"max_messages" integer DEFAULT 0 NOT NULL,
	"live_count" bigint DEFAULT 0 NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"topic" text NOT NULL,
	"name" text NOT NULL,
	"queue" text NOT NULL,
	"filter" text,
	"created_at" bigint NOT NULL,
	CONSTRAINT "subscriptions_topic_name_pk" PRIMARY KEY("topic","name")
);
--> statement-breakpoint
CREATE TABLE "topics" (
	"name" text PRIMARY KEY NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "dedup_keys_expiry" ON "dedup_keys" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_id" ON "messages" USING btree ("id");--> statement-breakpoint
CREATE INDEX "messages_claim" ON "messages" USING btree ("queue","priority" DESC,"available_at","seq") WHERE "messages"."state" = 0;--> statement-breakpoint
CREATE INDEX "messages_lease_expiry" ON "messages" USING btree ("lease_expires_at") WHERE "messages"."state" = 1;--> statement-breakpoint
CREATE INDEX "messages_lease_owner" ON "messages" USING btree ("lease_owner") WHERE "messages"."state" = 1;--> statement-breakpoint
CREATE INDEX "messages_dead" ON "messages" USING btree ("queue","seq") WHERE "messages"."state" = 2;--> statement-breakpoint
CREATE INDEX "messages_dead_expiry" ON "messages" USING btree ("queue","dead_at") WHERE "messages"."state" = 2;--> statement-breakpoint
CREATE INDEX "messages_group" ON "messages" USING btree ("queue","group_id","seq") WHERE "messages"."group_id" IS NOT NULL AND "messages"."state" <> 2;