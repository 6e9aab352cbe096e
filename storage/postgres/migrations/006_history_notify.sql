-- Every committed history row is announced on the channel `onboarding_history` with its event id
-- alone (a NOTIFY payload is capped at 8000 bytes, and nothing is replayed to a listener that was
-- away): each server's live stream reads the row itself. PostgreSQL delivers the notifications of
-- a transaction when it commits, to every listener in commit order.
CREATE FUNCTION history_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('onboarding_history', NEW.event_id::text);
  RETURN NULL;
END
$$;

CREATE TRIGGER history_notify AFTER INSERT ON history FOR EACH ROW EXECUTE FUNCTION history_notify();
