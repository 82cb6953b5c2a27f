-- Replication health (issues 8 and 9): the RPO an operator set per subvolume
-- (SubvolumeRpoSet; no row = the default, see domain::health). Everything else the
-- health view needs is read from the replication, snapshot and policy projections.

CREATE TABLE proj_subvolume_rpo (
    subvolume_id  UUID        PRIMARY KEY,
    rpo_seconds   BIGINT      NOT NULL CHECK (rpo_seconds > 0),
    updated_at    TIMESTAMPTZ NOT NULL
);
