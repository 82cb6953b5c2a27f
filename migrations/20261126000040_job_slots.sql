-- The scheduler's idempotency ledger: one row per (policy, subvolume, scheduled slot)
-- whose snapshot job was enqueued. Inserted in the same transaction as the apalis job
-- row, so a slot is enqueued at most once, whatever the number of schedulers, restarts
-- or ticks. It is job-queue bookkeeping (like apalis.jobs), not domain state: the
-- snapshot itself is recorded by events. max(slot) per (policy, subvolume) is the
-- "last slot" the scheduler computes the next due slot from.
CREATE TABLE job_snapshot_slots (
    policy_id    UUID        NOT NULL,
    subvolume_id UUID        NOT NULL,
    slot         TIMESTAMPTZ NOT NULL,
    job_id       TEXT        NOT NULL,
    enqueued_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (policy_id, subvolume_id, slot)
);
