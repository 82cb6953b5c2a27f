-- Keyset pages of the list endpoints (`limit` / `after`): each list's order has an
-- index, so a page deep in a list costs what the first one does. Servers and policies
-- are paged by their unique names, whose indexes exist.
CREATE INDEX proj_subvolumes_page_idx ON proj_subvolumes (server_id, path, subvolume_id);
CREATE INDEX proj_targets_page_idx ON proj_targets (created_at, target_id);
CREATE INDEX proj_replicas_page_idx ON proj_replicas (target_id, path, snapshot_id);
