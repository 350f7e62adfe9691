CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`username` text,
	`token` text NOT NULL,
	`token_state` text DEFAULT 'ok' NOT NULL,
	`token_error` text,
	`token_at` integer NOT NULL,
	`expires_at` integer,
	`refreshed_at` integer,
	`env_token_hash` text,
	`added_at` integer NOT NULL
);
--> statement-breakpoint
DROP INDEX `conversations_customer`;--> statement-breakpoint
ALTER TABLE `conversations` ADD `account_id` text DEFAULT '' NOT NULL;--> statement-breakpoint
-- Replies sent with IG_ACCOUNT_ID=me before the account was known were stored under 'me'. Until
-- now igbridge served one account: those are that account's, the one the other messages name.
UPDATE `messages` SET `account_id` = (SELECT `account_id` FROM `messages` WHERE `account_id` <> 'me' ORDER BY `id` DESC LIMIT 1)
WHERE `account_id` = 'me' AND EXISTS (SELECT 1 FROM `messages` WHERE `account_id` <> 'me');
--> statement-breakpoint
-- The summaries become one per (account, customer), rebuilt from the messages; a customer's read
-- watermark is kept.
CREATE TEMPORARY TABLE `watermarks_0008` AS SELECT `customer_id`, `read_up_to`, `read_at` FROM `conversations`;
--> statement-breakpoint
DELETE FROM `conversations`;
--> statement-breakpoint
INSERT INTO `conversations` (`account_id`, `customer_id`, `last_message_id`, `last_sent_at`, `last_out_sent_at`, `message_count`, `unread_count`, `read_up_to`, `read_at`)
SELECT s.account_id, s.customer_id,
       (SELECT m.id FROM messages m WHERE m.customer_id = s.customer_id AND m.account_id = s.account_id ORDER BY m.sent_at DESC, m.id DESC LIMIT 1),
       s.last_sent_at, s.last_out, s.n,
       (SELECT count(*) FROM messages i WHERE i.customer_id = s.customer_id AND i.account_id = s.account_id AND i.direction = 'in' AND i.sent_at > coalesce(s.last_out, -1)),
       w.read_up_to, w.read_at
FROM (
  SELECT account_id, customer_id, max(sent_at) AS last_sent_at, max(CASE WHEN direction = 'out' THEN sent_at END) AS last_out, count(*) AS n
  FROM messages GROUP BY account_id, customer_id
) s
LEFT JOIN watermarks_0008 w ON w.customer_id = s.customer_id;
--> statement-breakpoint
DROP TABLE `watermarks_0008`;
--> statement-breakpoint
-- History walks are kept per account: the walks so far were the one account's.
UPDATE `history_state` SET `walk` = `walk` || ':' || (SELECT `account_id` FROM `messages` WHERE `account_id` <> 'me' ORDER BY `id` DESC LIMIT 1)
WHERE EXISTS (SELECT 1 FROM `messages` WHERE `account_id` <> 'me');
--> statement-breakpoint
DELETE FROM `history_state` WHERE `walk` NOT LIKE '%:%';
--> statement-breakpoint
CREATE UNIQUE INDEX `conversations_account_customer` ON `conversations` (`account_id`,`customer_id`);--> statement-breakpoint
CREATE INDEX `conversations_customer_id` ON `conversations` (`customer_id`);--> statement-breakpoint
CREATE INDEX `conversations_account_recent` ON `conversations` (`account_id`,`last_sent_at`,`last_message_id`);