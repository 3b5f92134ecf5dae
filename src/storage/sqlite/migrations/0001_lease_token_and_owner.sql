ALTER TABLE `messages` ADD `lease_token` blob;--> statement-breakpoint
ALTER TABLE `messages` ADD `lease_owner` text;