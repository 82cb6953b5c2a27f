-- Job-queue bookkeeping (like apalis.jobs, not domain state): the serve processes that
-- own job workers, so that the jobs of one known to be dead (its pid gone on this boot
-- of this machine) are re-enqueued at once rather than after the heartbeat timeout
-- (jobs::owners). A row lives from a serve's start to its clean stop.
CREATE TABLE job_owners (
    suffix        TEXT        PRIMARY KEY,
    boot_id       TEXT        NOT NULL,
    pid           INTEGER     NOT NULL,
    start_ticks   BIGINT      NOT NULL,
    registered_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
