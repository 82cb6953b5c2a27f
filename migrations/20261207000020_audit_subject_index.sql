-- The audit's lines by subject, newest first, without reading all of a subject's lines
-- (the GIN index on proj_audit.subjects gives every line about a subject, unordered, to be
-- sorted: about 2,500 for a subvolume at 5M events, growing with its history). One row per
-- (subject, line); its primary key walks a subject's lines newest first and stops at the
-- page's end.
--
-- proj_audit's lines are only ever inserted (a migration that updates their subjects must
-- update this table too). The statement-level trigger below is the one writer of this
-- table while events are applied to the live tables (a live append's INSERT, or a backup
-- import's COPY). `projections rebuild` and `projections check` fill their trigger-less
-- copies of this table from their copies of proj_audit (store projections::rebuild), and
-- the rebuild gives the swapped-in proj_audit the live table's triggers.
--
-- A line appended while this runs (another serve on the same database) waits for it, so
-- none is left out between the fill and the trigger.
LOCK TABLE proj_audit IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE proj_audit_subjects (
    subject    UUID   NOT NULL,
    global_seq BIGINT NOT NULL,
    PRIMARY KEY (subject, global_seq)
);

INSERT INTO proj_audit_subjects (subject, global_seq)
SELECT DISTINCT unnest(subjects), global_seq FROM proj_audit;

CREATE FUNCTION proj_audit_subjects_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO proj_audit_subjects (subject, global_seq)
    SELECT DISTINCT unnest(subjects), global_seq FROM new_rows;
    RETURN NULL;
END;
$$;

CREATE TRIGGER proj_audit_subjects_insert AFTER INSERT ON proj_audit
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION proj_audit_subjects_keep();

-- The text search's `subjects && …` reads lines newest first and filters them; nothing
-- else searched by this index.
DROP INDEX proj_audit_subjects_idx;
