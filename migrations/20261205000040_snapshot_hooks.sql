-- Snapshot hooks (domain::hooks): per managed subvolume the pre- and post-snapshot hook
-- names (files of the server's hooks directory) and their timeout, from
-- SubvolumeHooksSet; and the last run of each phase, from SnapshotHookRan, as
-- {"hook", "snapshot", "outcome", "exit_code", "duration_ms", "message", "at"}. A failed
-- last post-hook run of a still configured post hook is a fleet problem (hook_failing).
ALTER TABLE proj_subvolumes
    ADD COLUMN pre_snapshot_hook  TEXT,
    ADD COLUMN post_snapshot_hook TEXT,
    ADD COLUMN hook_timeout_secs  INTEGER NOT NULL DEFAULT 60,
    ADD COLUMN last_pre_hook      JSONB,
    ADD COLUMN last_post_hook     JSONB;
