CREATE TABLE `dedup_keys` (
	`queue` text NOT NULL,
	`dedup_id` text NOT NULL,
	`message_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`queue`, `dedup_id`)
);
--> statement-breakpoint
CREATE INDEX `dedup_keys_expiry` ON `dedup_keys` (`expires_at`);--> statement-breakpoint
CREATE TABLE `messages` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`queue` text NOT NULL,
	`state` integer NOT NULL,
	`priority` integer DEFAULT 0 NOT NULL,
	`available_at` integer NOT NULL,
	`group_id` text,
	`dedup_id` text,
	`body` text NOT NULL,
	`body_is_binary` integer DEFAULT 0 NOT NULL,
	`headers` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`lease_generation` integer DEFAULT 0 NOT NULL,
	`lease_expires_at` integer,
	`enqueued_at` integer NOT NULL,
	`last_error` text,
	`dead_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_id` ON `messages` (`id`);--> statement-breakpoint
CREATE INDEX `messages_claim` ON `messages` (`queue`,`state`,"priority" DESC,`available_at`,`seq`);--> statement-breakpoint
CREATE INDEX `messages_lease_expiry` ON `messages` (`queue`,`lease_expires_at`) WHERE "messages"."state" = 1;--> statement-breakpoint
CREATE INDEX `messages_dead` ON `messages` (`queue`,`seq`) WHERE "messages"."state" = 2;--> statement-breakpoint
CREATE INDEX `messages_dead_expiry` ON `messages` (`queue`,`dead_at`) WHERE "messages"."state" = 2;--> statement-breakpoint
CREATE INDEX `messages_group` ON `messages` (`queue`,`group_id`,`seq`) WHERE "messages"."group_id" IS NOT NULL AND "messages"."state" <> 2;--> statement-breakpoint
CREATE TABLE `queues` (
	`name` text PRIMARY KEY NOT NULL,
	`settings` text NOT NULL,
	`live_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `subscriptions` (
	`topic` text NOT NULL,
	`name` text NOT NULL,
	`queue` text NOT NULL,
	`filter` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`topic`, `name`)
);
--> statement-breakpoint
CREATE TABLE `topics` (
	`name` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL
);
