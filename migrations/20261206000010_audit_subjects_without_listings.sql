-- The audit's subjects leave out a target success's listing of every replica on the target
-- (`replicas`): the listing is the target's state, not what the event is about, and it made
-- each success a subject of every snapshot replicated there before (store
-- projections::audit::about_only). The lines recorded before get the same subjects a
-- `projections rebuild` now gives them (every uuid of the payload's strings, sorted).
UPDATE proj_audit a
   SET subjects = COALESCE((
        SELECT array_agg(DISTINCT m[1]::uuid ORDER BY m[1]::uuid)
          FROM events e,
               regexp_matches((e.payload - 'replicas')::text,
                   '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})', 'g') AS m
         WHERE e.global_seq = a.global_seq), '{}')
 WHERE a.event_type = 'ReplicationTargetSucceeded';
