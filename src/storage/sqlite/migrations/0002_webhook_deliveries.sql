CREATE TABLE `webhook_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`queue` text NOT NULL,
	`message_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`at` integer NOT NULL,
	`outcome` text NOT NULL,
	`status` integer,
	`duration_ms` integer NOT NULL,
	`error` text,
	`response_excerpt` text
);
--> statement-breakpoint
CREATE INDEX `webhook_attempts_message` ON `webhook_attempts` (`message_id`,`id`);--> statement-breakpoint
CREATE TABLE `webhook_endpoints` (
	`queue` text PRIMARY KEY NOT NULL,
	`disabled_at` integer,
	`disabled_reason` text,
	`consecutive_failures` integer DEFAULT 0 NOT NULL,
	`circuit_open_until` integer,
	`probe_expires_at` integer,
	`tokens` real DEFAULT 0 NOT NULL,
	`tokens_at` integer DEFAULT 0 NOT NULL,
	`previous_secret` text,
	`previous_secret_expires_at` integer,
	`updated_at` integer NOT NULL
);
