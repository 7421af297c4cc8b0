-- 003: what the composer and the job pages need beyond 001.
-- A retry makes a NEW job (new submission id) pointing at the failed one,
-- so the failed job keeps its history; at most one retry per job, so a
-- double click on Retry makes one job too.
ALTER TABLE upload_jobs
    ADD COLUMN retry_of bigint REFERENCES upload_jobs(id) ON DELETE SET NULL;
CREATE UNIQUE INDEX upload_jobs_retry_of_idx ON upload_jobs (retry_of) WHERE retry_of IS NOT NULL;

-- /jobs lists one user's history, newest first, optionally by state.
CREATE INDEX upload_jobs_user_idx ON upload_jobs (user_id, id DESC);
