-- The event log: the single source of truth (DESIGN.md invariant 8).
-- Append-only: UPDATE, DELETE and TRUNCATE are refused by triggers.
CREATE TABLE events (
    global_seq      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_id       TEXT        NOT NULL CHECK (stream_id ~ '^[a-z][a-z0-9-]{0,127}$'),
    stream_version  BIGINT      NOT NULL CHECK (stream_version >= 1),
    event_type      TEXT        NOT NULL CHECK (event_type <> ''),
    schema_version  INTEGER     NOT NULL CHECK (schema_version >= 1),
    payload         JSONB       NOT NULL,
    actor           TEXT        NOT NULL CHECK (actor <> ''),
    correlation_id  UUID        NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    -- Optimistic concurrency: two writers that read the same stream version race
    -- for the same (stream_id, stream_version); exactly one insert wins.
    CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version)
);

CREATE INDEX events_correlation_idx ON events (correlation_id);
CREATE INDEX events_type_idx ON events (event_type, global_seq);

CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the events table is append-only (% refused)', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER events_append_only_rows
    BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();

CREATE TRIGGER events_append_only_truncate
    BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();
