-- Each target's totals over its replication history (bytes sent, runs that failed on it),
-- kept as proj_replication_targets changes, so that reading a target's health does not
-- sum its whole history (which grows by a row per run, forever).
--
-- The statement-level trigger below is the one writer of this table while events are
-- applied (a live append, or a replay into the live tables): it adds what each statement's
-- new rows hold and takes away what its old rows held, so the totals equal
-- `sum(bytes_total)` and `count(*) FILTER (WHERE state = 'failed')` per target after every
-- statement (a target's row goes with its last run). `projections rebuild` replays into
-- copies without triggers, fills the copy of this table from the copy of
-- proj_replication_targets before the swap, and gives the swapped-in table the live
-- table's triggers.
CREATE TABLE proj_target_totals (
    target_id   UUID   PRIMARY KEY,
    -- Rows of the target in proj_replication_targets: a total goes with its last row.
    runs        BIGINT NOT NULL,
    bytes_total BIGINT NOT NULL,
    failures    BIGINT NOT NULL
);

INSERT INTO proj_target_totals (target_id, runs, bytes_total, failures)
SELECT target_id, count(*), sum(bytes_total), count(*) FILTER (WHERE state = 'failed')
  FROM proj_replication_targets
 GROUP BY target_id;

CREATE FUNCTION proj_target_totals_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE proj_target_totals t
           SET runs = t.runs - o.runs, bytes_total = t.bytes_total - o.bytes_total,
               failures = t.failures - o.failures
          FROM (SELECT target_id, count(*) AS runs, sum(bytes_total) AS bytes_total,
                       count(*) FILTER (WHERE state = 'failed') AS failures
                  FROM old_rows GROUP BY target_id) o
         WHERE t.target_id = o.target_id;
        IF TG_OP = 'DELETE' THEN
            DELETE FROM proj_target_totals WHERE runs = 0;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO proj_target_totals AS t (target_id, runs, bytes_total, failures)
        SELECT target_id, count(*), sum(bytes_total), count(*) FILTER (WHERE state = 'failed')
          FROM new_rows GROUP BY target_id
        ON CONFLICT (target_id) DO UPDATE
           SET runs = t.runs + EXCLUDED.runs, bytes_total = t.bytes_total + EXCLUDED.bytes_total,
               failures = t.failures + EXCLUDED.failures;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER proj_target_totals_insert AFTER INSERT ON proj_replication_targets
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION proj_target_totals_keep();
CREATE TRIGGER proj_target_totals_update AFTER UPDATE ON proj_replication_targets
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION proj_target_totals_keep();
CREATE TRIGGER proj_target_totals_delete AFTER DELETE ON proj_replication_targets
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION proj_target_totals_keep();
