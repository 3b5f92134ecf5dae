-- Counts of messages by queue and state, kept by statement-level triggers on messages rather than
-- by each code path that moves a message: publish, lease, ack, nack, expiry, dead-lettering,
-- redrive, group promotion, purge, retention, queue delete and the release at shutdown are all an
-- INSERT, DELETE or UPDATE there, so none can forget to count. Each statement appends its
-- aggregated changes (one row per queue and state it touched) to queue_count_deltas; no counter
-- row is updated by every transaction, which would serialise all instances on it. The leader
-- folds the deltas into queue_counts; stats read queue_counts plus the deltas not yet folded.
CREATE FUNCTION "millrace_count_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "queue_count_deltas" ("queue", "state", "delta")
    SELECT "queue", "state", count(*) FROM "inserted_rows" GROUP BY "queue", "state";
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "millrace_count_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "queue_count_deltas" ("queue", "state", "delta")
    SELECT "queue", "state", -count(*) FROM "deleted_rows" GROUP BY "queue", "state";
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Transition tables cannot go with a column list (UPDATE OF state), so this runs after every
-- UPDATE of messages; one that moves no message between states (extend) appends nothing.
CREATE FUNCTION "millrace_count_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "queue_count_deltas" ("queue", "state", "delta")
    SELECT "queue", "state", sum("delta") FROM (
      SELECT "queue", "state", -1 AS "delta" FROM "old_rows"
      UNION ALL
      SELECT "queue", "state", 1 AS "delta" FROM "new_rows"
    ) AS "moved"
    GROUP BY "queue", "state" HAVING sum("delta") <> 0;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- The triggers first: creating one locks messages against writes until this migration commits,
-- so every message is either in the fill below or counted by a trigger, never both or neither.
CREATE TRIGGER "messages_count_insert" AFTER INSERT ON "messages"
  REFERENCING NEW TABLE AS "inserted_rows" FOR EACH STATEMENT EXECUTE FUNCTION "millrace_count_inserted"();
--> statement-breakpoint
CREATE TRIGGER "messages_count_delete" AFTER DELETE ON "messages"
  REFERENCING OLD TABLE AS "deleted_rows" FOR EACH STATEMENT EXECUTE FUNCTION "millrace_count_deleted"();
--> statement-breakpoint
CREATE TRIGGER "messages_count_update" AFTER UPDATE ON "messages"
  REFERENCING OLD TABLE AS "old_rows" NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "millrace_count_updated"();
--> statement-breakpoint
INSERT INTO "queue_counts" ("queue", "state", "n") SELECT "queue", "state", count(*) FROM "messages" GROUP BY "queue", "state";
--> statement-breakpoint
-- Appended and deleted by the fold all day: vacuum it often, like messages.
ALTER TABLE "queue_count_deltas" SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000);
