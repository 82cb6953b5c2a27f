-- Why the last storage collection of a server failed (domain::status::ContactFailure:
-- unreachable, host_key_changed, failed), so that the fleet status tells an unreachable
-- server from a changed host key without reading error text. NULL: succeeded, or a row
-- written before this column.
ALTER TABLE storage_collections ADD COLUMN error_kind TEXT;
