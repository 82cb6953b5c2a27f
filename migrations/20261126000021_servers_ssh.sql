-- SSH servers (issue 4): sudo flag, pinned host key and credential kind of each server.
-- Derived from ServerRegistered / ServerHostKeyPinned / ServerHostKeyAccepted /
-- ServerUpdated / ServerCredentialsChanged; ServerRemoved deletes the row.
ALTER TABLE proj_servers
    ADD COLUMN sudo                 BOOLEAN NOT NULL DEFAULT false,
    -- SHA256 fingerprint as `ssh-keygen -lf` prints it; NULL for local servers.
    ADD COLUMN host_key_fingerprint TEXT,
    -- 'password' or 'key' (which vault fields hold the secret); NULL for local servers.
    ADD COLUMN credential_kind      TEXT CHECK (credential_kind IN ('password', 'key'));
