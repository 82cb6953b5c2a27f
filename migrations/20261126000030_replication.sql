-- Projections of replication (issue 5): targets, runs, per-(run, target) progress, the
-- replica catalog per target and the retention pin per target. Derived from the Target*
-- and Replication* events; rebuilt by `dist-btrfs projections rebuild`.

CREATE TABLE proj_targets (
    target_id                 UUID        PRIMARY KEY,
    subvolume_id              UUID        NOT NULL,
    server_id                 UUID        NOT NULL,
    directory                 TEXT        NOT NULL,
    strict_incremental        BOOLEAN     NOT NULL,
    missing                   TEXT        NOT NULL,
    compression               TEXT        NOT NULL,
    rate_limit_bytes_per_sec  BIGINT,
    created_at                TIMESTAMPTZ NOT NULL,
    updated_at                TIMESTAMPTZ NOT NULL
);

CREATE INDEX proj_targets_subvolume_idx ON proj_targets (subvolume_id);
CREATE INDEX proj_targets_server_idx ON proj_targets (server_id);

CREATE TABLE proj_replications (
    replication_id  UUID        PRIMARY KEY,
    subvolume_id    UUID        NOT NULL,
    snapshot_id     UUID        NOT NULL,
    -- queued | running | succeeded | failed | partially_failed
    state           TEXT        NOT NULL,
    requested_by    TEXT        NOT NULL,
    requested_at    TIMESTAMPTZ NOT NULL,
    started_at      TIMESTAMPTZ,
    finished_at     TIMESTAMPTZ
);

CREATE INDEX proj_replications_requested_idx ON proj_replications (requested_at DESC);

CREATE TABLE proj_replication_targets (
    replication_id       UUID        NOT NULL,
    target_id            UUID        NOT NULL,
    -- queued | running | succeeded | failed
    state                TEXT        NOT NULL,
    -- The snapshot being (or last) sent and its parent (NULL: full send).
    snapshot_id          UUID,
    parent_snapshot_id   UUID,
    send_id              UUID,
    group_size           INTEGER,
    -- Bytes of the current send; all sends of this run together.
    bytes                BIGINT      NOT NULL DEFAULT 0,
    bytes_total          BIGINT      NOT NULL DEFAULT 0,
    snapshots_sent       INTEGER     NOT NULL DEFAULT 0,
    expected_bytes       BIGINT,
    rate_bytes_per_sec   BIGINT,
    started_at           TIMESTAMPTZ,
    finished_at          TIMESTAMPTZ,
    duration_ms          BIGINT,
    received_path        TEXT,
    error                TEXT,
    error_class          TEXT,
    updated_at           TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (replication_id, target_id)
);

CREATE INDEX proj_replication_targets_target_idx ON proj_replication_targets (target_id);

-- What is on each target, as last read back from it after a success.
CREATE TABLE proj_replicas (
    target_id     UUID        NOT NULL,
    snapshot_id   UUID        NOT NULL,
    path          TEXT        NOT NULL,
    uuid          UUID        NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (target_id, snapshot_id)
);

-- The common base of each target with the primary: never pruned on the primary.
CREATE TABLE proj_replication_pins (
    target_id     UUID        PRIMARY KEY,
    subvolume_id  UUID        NOT NULL,
    snapshot_id   UUID        NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE INDEX proj_replication_pins_subvolume_idx ON proj_replication_pins (subvolume_id);
