-- Server-side event search (issue 24): every id an event mentions (its subjects: the
-- server, subvolume, snapshot, target, user, policy, ... ids anywhere in its payload),
-- for filtering the timeline by subject; an index per filter. Derived from events:
-- `projections rebuild` recomputes `subjects` the same way (store projections::audit).

ALTER TABLE proj_audit ADD COLUMN subjects UUID[] NOT NULL DEFAULT '{}';

-- Existing rows: the same ids the projection finds (every uuid in the payload's strings).
UPDATE proj_audit a
   SET subjects = COALESCE((
        SELECT array_agg(DISTINCT m[1]::uuid ORDER BY m[1]::uuid)
          FROM events e,
               regexp_matches(e.payload::text,
                   '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})', 'g') AS m
         WHERE e.global_seq = a.global_seq), '{}');

CREATE INDEX proj_audit_subjects_idx ON proj_audit USING GIN (subjects);
CREATE INDEX proj_audit_type_idx ON proj_audit (event_type, global_seq DESC);
