-- Projections of notifications (issue 25): channels, alert rules, the alerts each rule
-- has open, and every delivery with its attempts. Derived from events; rebuilt by
-- `dist-btrfs projections rebuild`. Secrets (webhook keys, SMTP passwords) are in the
-- vault, never here.

CREATE TABLE proj_channels (
    channel_id  UUID        PRIMARY KEY,
    name        TEXT        NOT NULL,
    -- webhook | email
    kind        TEXT        NOT NULL,
    spec        JSONB       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE proj_alert_rules (
    rule_id     UUID        PRIMARY KEY,
    name        TEXT        NOT NULL,
    spec        JSONB       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- The alerts a rule has firing: one row per (rule, problem key) from its first firing
-- message until its resolve message.
CREATE TABLE proj_alerts (
    rule_id          UUID        NOT NULL,
    alert_key        TEXT        NOT NULL,
    problem_kind     TEXT        NOT NULL,
    severity         TEXT        NOT NULL,
    summary          TEXT        NOT NULL,
    first_fired_at   TIMESTAMPTZ NOT NULL,
    last_notified_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (rule_id, alert_key)
);

CREATE TABLE proj_deliveries (
    delivery_id   UUID        PRIMARY KEY,
    channel_id    UUID        NOT NULL,
    rule_id       UUID,
    -- firing | resolved | test
    notice        TEXT        NOT NULL,
    alert_key     TEXT,
    problem_kind  TEXT,
    severity      TEXT,
    summary       TEXT        NOT NULL,
    repeat        BOOLEAN     NOT NULL,
    -- queued | delivered | failed
    state         TEXT        NOT NULL,
    attempts      INTEGER     NOT NULL DEFAULT 0,
    detail        TEXT,
    last_error    TEXT,
    queued_at     TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ
);

CREATE INDEX proj_deliveries_queued_idx ON proj_deliveries (queued_at DESC, delivery_id DESC);
CREATE INDEX proj_deliveries_unfinished_idx ON proj_deliveries (queued_at) WHERE state = 'queued';
