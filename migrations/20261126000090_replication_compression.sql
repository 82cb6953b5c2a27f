-- Per target of a run: how the current send goes (zstd or none), why a zstd target fell
-- back to none, and the bytes that reached the target (compressed ones for zstd;
-- `bytes` stays the send stream's size). NULL for transfers recorded before.
ALTER TABLE proj_replication_targets
    ADD COLUMN compression TEXT,
    ADD COLUMN compression_fallback TEXT,
    ADD COLUMN wire_bytes BIGINT;
