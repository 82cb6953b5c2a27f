-- Projections of servers, managed subvolumes and the snapshot catalog (issue 3).
-- Derived from the event log only (ServerRegistered, SubvolumeManaged, SnapshotCreated,
-- ...), rebuilt by `dist-btrfs projections rebuild`.

-- Servers: the primary and (later) remotes.
CREATE TABLE proj_servers (
    server_id       UUID        PRIMARY KEY,
    name            TEXT        NOT NULL,
    role            TEXT        NOT NULL CHECK (role IN ('primary', 'remote')),
    -- {"kind": "local"} or {"kind": "ssh", "address": ..., "port": ..., "username": ...}
    transport       JSONB       NOT NULL,
    allowed_roots   TEXT[]      NOT NULL,
    registered_at   TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE UNIQUE INDEX proj_servers_name_key ON proj_servers (name);

-- Subvolumes dist-btrfs manages (or managed: rows stay after unmanaging, for history).
CREATE TABLE proj_subvolumes (
    subvolume_id            UUID        PRIMARY KEY,
    server_id               UUID        NOT NULL,
    name                    TEXT        NOT NULL,
    path                    TEXT        NOT NULL,
    snapshot_dir            TEXT        NOT NULL,
    btrfs_uuid              UUID        NOT NULL,
    btrfs_id                BIGINT      NOT NULL,
    managed                 BOOLEAN     NOT NULL,
    managed_at              TIMESTAMPTZ NOT NULL,
    unmanaged_at            TIMESTAMPTZ,
    last_snapshot_error     TEXT,
    last_snapshot_error_at  TIMESTAMPTZ
);

-- A btrfs subvolume is managed at most once at a time, and names are unique per
-- server among managed subvolumes (they prefix snapshot names). The engine checks
-- both under a lock first; these indexes are the backstop.
CREATE UNIQUE INDEX proj_subvolumes_managed_uuid_key
    ON proj_subvolumes (server_id, btrfs_uuid) WHERE managed;
CREATE UNIQUE INDEX proj_subvolumes_managed_name_key
    ON proj_subvolumes (server_id, name) WHERE managed;

-- The snapshot catalog.
CREATE TABLE proj_snapshots (
    snapshot_id     UUID        PRIMARY KEY,
    subvolume_id    UUID        NOT NULL,
    name            TEXT        NOT NULL,
    path            TEXT        NOT NULL,
    uuid            UUID        NOT NULL,
    parent_uuid     UUID        NOT NULL,
    btrfs_id        BIGINT      NOT NULL,
    -- 'created': made by dist-btrfs; 'discovered': found by an inventory sync.
    origin          TEXT        NOT NULL CHECK (origin IN ('created', 'discovered')),
    -- May dist-btrfs delete it? Created ones yes; discovered ones only once adopted.
    managed         BOOLEAN     NOT NULL,
    state           TEXT        NOT NULL CHECK (state IN ('present', 'deleted', 'vanished')),
    created_at      TIMESTAMPTZ,
    recorded_at     TIMESTAMPTZ NOT NULL,
    gone_at         TIMESTAMPTZ,
    size_bytes      BIGINT,
    last_error      TEXT
);

CREATE INDEX proj_snapshots_subvolume_idx
    ON proj_snapshots (subvolume_id, created_at DESC NULLS LAST, snapshot_id DESC);
CREATE INDEX proj_snapshots_uuid_idx ON proj_snapshots (uuid);
