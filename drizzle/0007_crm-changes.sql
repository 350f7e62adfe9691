ALTER TABLE `messages` ADD `crm_edits_sent` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `crm_unsend_sent` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_crm_changes` ON `messages` (`crm_state`,`id`) WHERE crm_state = 'mirrored' AND (edit_count > crm_edits_sent OR (deleted_at IS NOT NULL AND crm_unsend_sent = 0));--> statement-breakpoint
-- Messages already there: their edits and unsends were never meant for the CRM (no mid column then).
UPDATE `messages` SET `crm_edits_sent` = `edit_count`, `crm_unsend_sent` = (`deleted_at` IS NOT NULL);
