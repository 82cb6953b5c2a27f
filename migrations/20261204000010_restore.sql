-- Projections of restore and replica management (issue 23): a stable id per replica,
-- the former btrfs uuids of a rolled-back subvolume, held snapshots, restores, and the
-- last verification of each replica. Derived from events; rebuilt by
-- `dist-btrfs projections rebuild`.

-- A replica's id is a function of (target, snapshot), so it is the same after every
-- re-listing of the target and after a rebuild.
ALTER TABLE proj_replicas
    ADD COLUMN replica_id UUID GENERATED ALWAYS AS
        (md5(target_id::text || '/' || snapshot_id::text)::uuid) STORED;
CREATE UNIQUE INDEX proj_replicas_replica_id_key ON proj_replicas (replica_id);

-- After a rollback the live subvolume has a new btrfs uuid; its snapshots taken before
-- name a former one as their parent_uuid.
ALTER TABLE proj_subvolumes ADD COLUMN former_uuids UUID[] NOT NULL DEFAULT '{}';

-- Why a snapshot is held (never pruned automatically), NULL when it is not.
ALTER TABLE proj_snapshots ADD COLUMN held TEXT;

CREATE TABLE proj_restores (
    restore_id          UUID        PRIMARY KEY,
    -- new_subvolume | rollback | files
    mode                TEXT        NOT NULL,
    subvolume_id        UUID        NOT NULL,
    snapshot_id         UUID        NOT NULL,
    replica_target_id   UUID,
    server_id           UUID        NOT NULL,
    destination         TEXT        NOT NULL,
    paths               TEXT[]      NOT NULL,
    overwrite           BOOLEAN     NOT NULL,
    -- queued | running | succeeded | failed
    state               TEXT        NOT NULL,
    attempts            INTEGER     NOT NULL DEFAULT 0,
    bytes               BIGINT      NOT NULL DEFAULT 0,
    expected_bytes      BIGINT,
    rate_bytes_per_sec  BIGINT,
    result_path         TEXT,
    pre_restore_snapshot_id UUID,
    incremental_from    UUID,
    files_copied        BIGINT,
    kept_beside         TEXT[],
    error               TEXT,
    error_class         TEXT,
    requested_by        TEXT        NOT NULL,
    requested_at        TIMESTAMPTZ NOT NULL,
    started_at          TIMESTAMPTZ,
    finished_at         TIMESTAMPTZ
);

CREATE INDEX proj_restores_requested_idx ON proj_restores (requested_at DESC, restore_id DESC);
CREATE INDEX proj_restores_subvolume_idx ON proj_restores (subvolume_id, requested_at DESC);

-- The last verification of each replica (kept when the target is re-listed).
CREATE TABLE proj_replica_verifications (
    target_id       UUID        NOT NULL,
    snapshot_id     UUID        NOT NULL,
    restore_id      UUID        NOT NULL,
    ok              BOOLEAN     NOT NULL,
    files_compared  BIGINT      NOT NULL,
    sample_percent  SMALLINT    NOT NULL,
    mismatches      TEXT[]      NOT NULL,
    verified_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (target_id, snapshot_id)
);
