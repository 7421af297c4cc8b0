-- 050: how a job hands its video to TikTok (tiktok-api.md §2.5): the worker
-- sends the file (FILE_UPLOAD, every job so far) or TikTok fetches it from a
-- signed address of the site (PULL_FROM_URL, tiktok_source in the config).
-- Chosen when the job is made, so the composer, the job page and the worker
-- agree on it whatever host runs them. A constant default is recorded in the
-- catalogue only (no rewrite); the check is added NOT VALID and validated
-- without blocking writes.
ALTER TABLE upload_jobs ADD COLUMN source text NOT NULL DEFAULT 'FILE_UPLOAD';
ALTER TABLE upload_jobs ADD CONSTRAINT upload_jobs_source_known
    CHECK (source IN ('FILE_UPLOAD', 'PULL_FROM_URL')) NOT VALID;
ALTER TABLE upload_jobs VALIDATE CONSTRAINT upload_jobs_source_known;
