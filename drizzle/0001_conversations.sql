CREATE TABLE `conversations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`customer_id` text NOT NULL,
	`last_message_id` integer NOT NULL,
	`last_sent_at` integer NOT NULL,
	`last_out_sent_at` integer,
	`message_count` integer DEFAULT 0 NOT NULL,
	`unread_count` integer DEFAULT 0 NOT NULL,
	`read_up_to` integer,
	`read_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `conversations_customer` ON `conversations` (`customer_id`);--> statement-breakpoint
CREATE INDEX `conversations_recent` ON `conversations` (`last_sent_at`,`last_message_id`);--> statement-breakpoint
DROP INDEX `deferred_changes_mid`;--> statement-breakpoint
CREATE INDEX `deferred_changes_mid_kind` ON `deferred_changes` (`mid`,`kind`);--> statement-breakpoint
CREATE INDEX `deferred_changes_received` ON `deferred_changes` (`received_at`);