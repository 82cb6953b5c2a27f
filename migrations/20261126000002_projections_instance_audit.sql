-- Projections: tables derived from the event log only, updated in the same
-- transaction as each append and rebuildable with `dist-btrfs projections rebuild`.
-- Every projection table is named proj_* so the rebuild knows what it may clear.

-- This installation (one row).
CREATE TABLE proj_instance (
    singleton         BOOLEAN     PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    instance_id       UUID        NOT NULL,
    name              TEXT,
    software_version  TEXT        NOT NULL,
    initialized_at    TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);

-- The audit timeline: one readable line per event.
CREATE TABLE proj_audit (
    global_seq      BIGINT      PRIMARY KEY,
    recorded_at     TIMESTAMPTZ NOT NULL,
    actor           TEXT        NOT NULL,
    stream_id       TEXT        NOT NULL,
    event_type      TEXT        NOT NULL,
    summary         TEXT        NOT NULL,
    correlation_id  UUID        NOT NULL
);

CREATE INDEX proj_audit_time_idx ON proj_audit (recorded_at DESC);
