-- messages is a queue table: every row is inserted, updated a few times and deleted within
-- seconds, so dead tuples pile up far faster than the default thresholds (20% of the table)
-- notice. Vacuum after 1% (at least 1000 rows) changes and without cost-based throttling, so the
-- claim index stays short; leave room on each page (fillfactor 80) for HOT updates of a leased row.
ALTER TABLE "messages" SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000, autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0, fillfactor = 80);--> statement-breakpoint
ALTER TABLE "dedup_keys" SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 1000);
