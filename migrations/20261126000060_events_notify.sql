-- Live updates (issue 8): every appended event announces its global_seq on the
-- channel `dist_btrfs_events`. Postgres delivers a NOTIFY only when the appending
-- transaction commits, in commit order, to every listening session — so each
-- `serve` process on this database (one listener each, `store::live`) learns of
-- appends made by any process, and never of a rolled-back one.
CREATE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('dist_btrfs_events', NEW.global_seq::text);
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_notify_append
    AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_notify();
