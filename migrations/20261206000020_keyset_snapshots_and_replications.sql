-- Keyset pages of a subvolume's snapshots and of the replications, newest first.

-- Snapshots: (creation time, id) descending, an undated snapshot taken as -infinity so
-- that it sorts last (as NULLS LAST did) and a page's cursor is one row comparison.
CREATE INDEX proj_snapshots_page_idx
    ON proj_snapshots (subvolume_id, (COALESCE(created_at, '-infinity'::timestamptz)) DESC,
                       snapshot_id DESC);
DROP INDEX proj_snapshots_subvolume_idx;

-- Replications of the whole fleet: the id breaks ties between runs requested together.
CREATE INDEX proj_replications_page_idx
    ON proj_replications (requested_at DESC, replication_id DESC);
DROP INDEX proj_replications_requested_idx;
