-- Storage metrics (issue 8 point 1) and the events-by-type counter of /metrics (issue 9).
--
-- proj_servers.collect_qgroups and proj_event_counts are projections (derived from the
-- log, cleared and replayed by `dist-btrfs projections rebuild`).
--
-- The storage_* tables are NOT projections: they hold measurements (a time series with
-- bounded retention), deliberately kept out of the append-only event log. Only the
-- engine's storage collection writes them; a rebuild leaves them alone. See
-- ARCHITECTURE.md "Storage metrics".

ALTER TABLE proj_servers
    -- Read per-subvolume sizes from qgroups during storage collection
    -- (ServerStorageSettingsChanged). Never enables quotas.
    ADD COLUMN collect_qgroups BOOLEAN NOT NULL DEFAULT false;

-- Events in the log by type, kept by projections::apply in the append transaction so
-- that a /metrics scrape reads a few rows instead of scanning the whole log.
CREATE TABLE proj_event_counts (
    event_type  TEXT   PRIMARY KEY,
    events      BIGINT NOT NULL
);
INSERT INTO proj_event_counts (event_type, events)
    SELECT event_type, count(*) FROM events GROUP BY event_type;

-- One row per (server, filesystem, collection): `btrfs filesystem usage -b` figures.
-- `filesystem` is the mount of the filesystem's top level the allowed roots lie in.
-- Retention (engine::storage): one sample per 5 minutes for 48 hours, one per hour
-- for 90 days, nothing older.
CREATE TABLE storage_samples (
    sample_id          BIGSERIAL   PRIMARY KEY,
    server_id          UUID        NOT NULL,
    filesystem         TEXT        NOT NULL,
    sampled_at         TIMESTAMPTZ NOT NULL,
    size_bytes         BIGINT      NOT NULL,
    used_bytes         BIGINT      NOT NULL,
    free_bytes         BIGINT      NOT NULL,
    free_min_bytes     BIGINT,
    data_size_bytes    BIGINT,
    data_used_bytes    BIGINT,
    metadata_size_bytes BIGINT,
    metadata_used_bytes BIGINT,
    system_size_bytes  BIGINT,
    system_used_bytes  BIGINT
);
CREATE INDEX storage_samples_server_time_idx ON storage_samples (server_id, sampled_at);

-- The outcome of the last collection per server (a failure keeps the older samples).
CREATE TABLE storage_collections (
    server_id     UUID        PRIMARY KEY,
    attempted_at  TIMESTAMPTZ NOT NULL,
    succeeded_at  TIMESTAMPTZ,
    -- Why the last attempt failed; NULL when it succeeded.
    error         TEXT,
    -- Why per-subvolume sizes are missing although collect_qgroups is on (e.g. quotas
    -- not enabled on a filesystem); NULL otherwise.
    qgroup_note   TEXT
);

-- Latest qgroup sizes of managed subvolumes and present snapshots (entity_id is a
-- subvolume or snapshot id). Replaced per server at each collection with qgroups;
-- deleted when collect_qgroups is off.
CREATE TABLE storage_sizes (
    entity_id        UUID        PRIMARY KEY,
    server_id        UUID        NOT NULL,
    kind             TEXT        NOT NULL CHECK (kind IN ('subvolume', 'snapshot')),
    referenced_bytes BIGINT      NOT NULL,
    exclusive_bytes  BIGINT      NOT NULL,
    sampled_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX storage_sizes_server_idx ON storage_sizes (server_id);
