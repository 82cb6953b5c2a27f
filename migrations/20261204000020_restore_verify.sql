-- A verification's sample (issue 23): the percentage of files whose digests it compares.
ALTER TABLE proj_restores ADD COLUMN sample_percent SMALLINT;
