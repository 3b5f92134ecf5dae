-- Only leases an instance takes for itself (webhook delivery, with an owner) are ever looked up by
-- owner, at shutdown; every receive over HTTP leases with no owner, and each one added a NULL entry
-- here (and let the planner scan this index for state = 1 alone). The narrower index keeps them out.
DROP INDEX "messages_lease_owner";--> statement-breakpoint
CREATE INDEX "messages_lease_owner" ON "messages" USING btree ("lease_owner") WHERE "messages"."state" = 1 AND "messages"."lease_owner" IS NOT NULL;