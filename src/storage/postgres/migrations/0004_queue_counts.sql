CREATE TABLE "queue_count_deltas" (
	"queue" text NOT NULL,
	"state" smallint NOT NULL,
	"delta" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "queue_counts" (
	"queue" text NOT NULL,
	"state" smallint NOT NULL,
	"n" bigint NOT NULL,
	CONSTRAINT "queue_counts_queue_state_pk" PRIMARY KEY("queue","state")
);
--> statement-breakpoint
CREATE INDEX "queue_count_deltas_queue" ON "queue_count_deltas" USING btree ("queue");