-- Projections of policies and their assignment to subvolumes (issue 6).
-- Derived from PolicyCreated/Updated/Deleted, PolicyAssigned/Unassigned (and
-- SubvolumeUnmanaged, which ends an assignment); rebuilt by `dist-btrfs projections rebuild`.

CREATE TABLE proj_policies (
    policy_id                 UUID        PRIMARY KEY,
    name                      TEXT        NOT NULL,
    cron                      TEXT        NOT NULL,
    time_zone                 TEXT        NOT NULL,
    -- domain::RetentionSpec as JSON.
    retention                 JSONB       NOT NULL,
    target_retention          JSONB,
    replicate_after_snapshot  BOOLEAN     NOT NULL,
    created_at                TIMESTAMPTZ NOT NULL,
    updated_at                TIMESTAMPTZ NOT NULL
);

-- Names are unique among existing policies. The engine checks under a lock first;
-- this index is the backstop.
CREATE UNIQUE INDEX proj_policies_name_key ON proj_policies (name);

-- A subvolume follows at most one policy.
CREATE TABLE proj_policy_assignments (
    subvolume_id  UUID        PRIMARY KEY,
    policy_id     UUID        NOT NULL,
    assigned_at   TIMESTAMPTZ NOT NULL
);

CREATE INDEX proj_policy_assignments_policy_idx ON proj_policy_assignments (policy_id);
