-- 006: webhooks, pruning and operations.
--   no_longer_public_at  TikTok said the published post stopped being public
--                        (post.publish.no_longer_publicaly_available); cleared
--                        when it becomes public again
--   webhook_events.job_id / account_id
--                        what a stored event was applied to (NULL when it
--                        matched nothing), for the operator and the tests
ALTER TABLE upload_jobs
    ADD COLUMN no_longer_public_at timestamptz;

ALTER TABLE webhook_events
    ADD COLUMN job_id bigint REFERENCES upload_jobs(id) ON DELETE SET NULL,
    ADD COLUMN account_id bigint REFERENCES tiktok_accounts(id) ON DELETE SET NULL;

-- `langflix prune --days N` deletes by age: finished jobs (their events go
-- with them by ON DELETE CASCADE), webhook events, expired sessions and
-- OAuth states. These indexes keep those deletes from scanning.
CREATE INDEX upload_jobs_finished_idx ON upload_jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX webhook_events_received_idx ON webhook_events (received_at);
CREATE INDEX webhook_events_job_idx ON webhook_events (job_id) WHERE job_id IS NOT NULL;
-- the account's jobs when TikTok withdraws an authorization (by open_id)
CREATE INDEX tiktok_accounts_open_id_idx ON tiktok_accounts (open_id);
