CREATE TABLE `crm_state_counts` (
	`state` text PRIMARY KEY NOT NULL,
	`count` integer DEFAULT 0 NOT NULL
);
