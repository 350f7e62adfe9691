-- The CRM state counts, from the messages already stored, then kept by triggers in the same transaction as each change.
INSERT INTO `crm_state_counts` (`state`, `count`)
SELECT s.state, (SELECT count(*) FROM messages m WHERE m.crm_state = s.state)
FROM (SELECT 'pending' AS state UNION ALL SELECT 'mirrored' UNION ALL SELECT 'failed' UNION ALL SELECT 'not_mirrored') s;
--> statement-breakpoint
CREATE TRIGGER `messages_crm_count_insert` AFTER INSERT ON `messages`
BEGIN
  UPDATE crm_state_counts SET count = count + 1 WHERE state = NEW.crm_state;
END;
--> statement-breakpoint
CREATE TRIGGER `messages_crm_count_update` AFTER UPDATE OF `crm_state` ON `messages` WHEN OLD.crm_state IS NOT NEW.crm_state
BEGIN
  UPDATE crm_state_counts SET count = count - 1 WHERE state = OLD.crm_state;
  UPDATE crm_state_counts SET count = count + 1 WHERE state = NEW.crm_state;
END;
--> statement-breakpoint
CREATE TRIGGER `messages_crm_count_delete` AFTER DELETE ON `messages`
BEGIN
  UPDATE crm_state_counts SET count = count - 1 WHERE state = OLD.crm_state;
END;
