CREATE TABLE `history_state` (
	`walk` text PRIMARY KEY NOT NULL,
	`cursor` text,
	`done_in_page` integer DEFAULT 0 NOT NULL,
	`high_water` integer,
	`newest_seen` integer,
	`progress` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `messages` ADD `origin` text DEFAULT 'webhook' NOT NULL;--> statement-breakpoint
UPDATE `messages` SET `origin` = 'api' WHERE `raw` LIKE '{"request":%';
