-- Users, browser sessions and API tokens: projections of User*/Session*/Token* events.
-- Only hashes are stored: argon2id for passwords, SHA-256 for session and token secrets.

CREATE TABLE proj_users (
    user_id        UUID        PRIMARY KEY,
    username       TEXT        NOT NULL UNIQUE,
    role           TEXT        NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    password_hash  TEXT        NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE proj_sessions (
    session_id   UUID        PRIMARY KEY,
    user_id      UUID        NOT NULL,
    secret_hash  TEXT        NOT NULL UNIQUE,
    client       TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX proj_sessions_user_idx ON proj_sessions (user_id);

CREATE TABLE proj_tokens (
    token_id     UUID        PRIMARY KEY,
    user_id      UUID        NOT NULL,
    name         TEXT        NOT NULL,
    role         TEXT        NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    secret_hash  TEXT        NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX proj_tokens_user_idx ON proj_tokens (user_id);
