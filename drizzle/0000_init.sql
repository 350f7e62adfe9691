CREATE TABLE `contacts` (
	`customer_id` text PRIMARY KEY NOT NULL,
	`username` text,
	`name` text,
	`fetched_at` integer,
	`last_error` text,
	`failed_at` integer
);
--> statement-breakpoint
CREATE TABLE `deferred_changes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`mid` text NOT NULL,
	`kind` text NOT NULL,
	`change` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `deferred_changes_mid` ON `deferred_changes` (`mid`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`mid` text NOT NULL,
	`account_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`direction` text NOT NULL,
	`text` text,
	`attachments` text DEFAULT '[]' NOT NULL,
	`reply_to` text,
	`payload` text,
	`sent_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`reaction` text,
	`reaction_emoji` text,
	`reacted_at` integer,
	`read_at` integer,
	`deleted_at` integer,
	`edited_at` integer,
	`edit_count` integer DEFAULT 0 NOT NULL,
	`original_text` text,
	`raw` text NOT NULL,
	`crm_state` text NOT NULL,
	`crm_attempts` integer DEFAULT 0 NOT NULL,
	`crm_last_error` text,
	`crm_next_attempt_at` integer,
	`crm_mirrored_at` integer,
	`crm_in_doubt` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_mid_unique` ON `messages` (`mid`);--> statement-breakpoint
CREATE INDEX `messages_customer_time` ON `messages` (`customer_id`,`sent_at`,`id`);--> statement-breakpoint
CREATE INDEX `messages_crm_queue` ON `messages` (`crm_state`,`crm_next_attempt_at`,`id`);