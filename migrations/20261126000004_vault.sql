-- The credential vault: SSH passwords, private keys and passphrases, encrypted with
-- XChaCha20-Poly1305 under a master key that lives outside the database.
-- Not a projection and not in the event log (events never carry secrets, not even
-- encrypted ones, so key rotation never has to rewrite history): events say that a
-- credential was set; this table holds it. `dist-btrfs projections rebuild` leaves it alone.
CREATE TABLE vault_secrets (
    owner_id    UUID        NOT NULL,
    field       TEXT        NOT NULL CHECK (field ~ '^[a-z_]{1,64}$'),
    key_id      TEXT        NOT NULL,
    nonce       BYTEA       NOT NULL CHECK (length(nonce) = 24),
    ciphertext  BYTEA       NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_id, field)
);
