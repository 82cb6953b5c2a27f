-- The history of each managed subvolume's storage figures: one row per subvolume per
-- successful storage collection of its server (store::subvolume_history). Snapshot
-- counts come from the catalog; sizes from qgroups, NULL when not collected. Thinned
-- like storage_samples: the newest row per 5 minutes for 48 hours, per hour for 90
-- days, nothing older. Not in backups: history that refills.
CREATE TABLE subvolume_samples (
    sample_id                BIGSERIAL   PRIMARY KEY,
    subvolume_id             UUID        NOT NULL,
    server_id                UUID        NOT NULL,
    sampled_at               TIMESTAMPTZ NOT NULL,
    snapshots                BIGINT      NOT NULL,
    snapshots_measured       BIGINT      NOT NULL,
    snapshot_exclusive_bytes BIGINT,
    referenced_bytes         BIGINT,
    exclusive_bytes          BIGINT
);
CREATE INDEX subvolume_samples_subvolume_time_idx ON subvolume_samples (subvolume_id, sampled_at);
CREATE INDEX subvolume_samples_server_idx ON subvolume_samples (server_id);
