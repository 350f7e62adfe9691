-- The CRM state counts, from the messages already stored, then kept by triggers in the same
-- transaction as each change. A state's count is the SUM over its slots: each server process
-- writes the slot pg_backend_pid() % 64 (CRM_COUNT_SLOTS in src/adapters/postgres/schema.ts), so
-- concurrent transactions, of one instance or several, do not all wait on one row's lock.
INSERT INTO "crm_state_counts" ("state", "slot", "count")
SELECT s.state, 0, (SELECT count(*) FROM "messages" m WHERE m.crm_state = s.state)
FROM (VALUES ('pending'), ('mirrored'), ('failed'), ('not_mirrored')) AS s(state);
--> statement-breakpoint
CREATE FUNCTION "crm_state_count_add"(of_state text, delta integer) RETURNS void LANGUAGE sql AS $$
  INSERT INTO crm_state_counts (state, slot, count) VALUES (of_state, pg_backend_pid() % 64, delta)
  ON CONFLICT (state, slot) DO UPDATE SET count = crm_state_counts.count + excluded.count;
$$;
--> statement-breakpoint
CREATE FUNCTION "messages_crm_count"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM crm_state_count_add(OLD.crm_state, -1);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM crm_state_count_add(NEW.crm_state, 1);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "messages_crm_count_insert" AFTER INSERT ON "messages"
FOR EACH ROW EXECUTE FUNCTION messages_crm_count();
--> statement-breakpoint
CREATE TRIGGER "messages_crm_count_update" AFTER UPDATE OF "crm_state" ON "messages"
FOR EACH ROW WHEN (OLD.crm_state IS DISTINCT FROM NEW.crm_state) EXECUTE FUNCTION messages_crm_count();
--> statement-breakpoint
CREATE TRIGGER "messages_crm_count_delete" AFTER DELETE ON "messages"
FOR EACH ROW EXECUTE FUNCTION messages_crm_count();
