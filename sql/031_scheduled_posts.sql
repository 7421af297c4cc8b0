-- 031: scheduled posts (issue 11). A scheduled post is an ordinary job whose
-- run_at lies ahead: the queue stays the one table. What the schedule needs
-- beside it:
--   started_at  when a worker first claimed the job. A scheduled job can be
--               moved or edited only while it is NULL (lib/jobs.c guards it in
--               the UPDATE's WHERE, so a claim racing the change wins cleanly),
--               and it shows whether a job started on time.
-- Jobs already claimed before this migration count as started.
ALTER TABLE upload_jobs ADD COLUMN started_at timestamptz;
UPDATE upload_jobs SET started_at = updated_at WHERE attempts > 0 OR state <> 'queued';

-- The schedule page and its JSON read one user's coming jobs by time.
CREATE INDEX upload_jobs_user_run_idx ON upload_jobs (user_id, run_at)
    WHERE state IN ('queued', 'uploading', 'processing');
