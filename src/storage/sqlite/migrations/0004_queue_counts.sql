CREATE TABLE `queue_counts` (
	`queue` text NOT NULL,
	`state` integer NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`queue`, `state`)
);
