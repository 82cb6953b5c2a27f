-- Reads that stay fast on a fleet-sized catalog (issue 26): each replication-health
-- lookup per target is one index probe, not a sort of the target's whole history.

-- A replica carries its snapshot's name and time (both fixed once the snapshot is
-- catalogued), so "the target's newest replica" is the first entry of an index instead
-- of a join with proj_snapshots sorted per request.
ALTER TABLE proj_replicas ADD COLUMN snapshot_name TEXT, ADD COLUMN snapshot_at TIMESTAMPTZ;
UPDATE proj_replicas r
   SET snapshot_name = s.name, snapshot_at = COALESCE(s.created_at, s.recorded_at)
  FROM proj_snapshots s
 WHERE s.snapshot_id = r.snapshot_id;
CREATE INDEX proj_replicas_newest_idx
    ON proj_replicas (target_id, snapshot_at DESC, snapshot_name DESC)
    WHERE snapshot_at IS NOT NULL;
-- The replicas of one snapshot (and filling in the two columns above).
CREATE INDEX proj_replicas_snapshot_idx ON proj_replicas (snapshot_id);

-- The newest present snapshot of a subvolume.
CREATE INDEX proj_snapshots_newest_present_idx
    ON proj_snapshots (subvolume_id, (COALESCE(created_at, recorded_at)) DESC, name DESC)
    WHERE state = 'present';

-- A target's newest success and newest failure.
CREATE INDEX proj_replication_targets_succeeded_idx
    ON proj_replication_targets (target_id, finished_at DESC)
    WHERE state = 'succeeded' AND finished_at IS NOT NULL;
CREATE INDEX proj_replication_targets_failed_idx
    ON proj_replication_targets (target_id, finished_at DESC)
    WHERE state = 'failed' AND finished_at IS NOT NULL;

-- One subvolume's replications, newest first.
CREATE INDEX proj_replications_subvolume_idx
    ON proj_replications (subvolume_id, requested_at DESC, replication_id DESC);

-- The runs not finished yet (few at any time): is a run to this target in flight?
CREATE INDEX proj_replications_unfinished_idx
    ON proj_replications (replication_id) WHERE state IN ('queued', 'running');
