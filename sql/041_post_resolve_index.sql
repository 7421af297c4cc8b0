-- langflix:no-transaction
-- 041: the worker's "which ended jobs are due to be asked about again"
-- (lib/jobs.c, jobs_resolve_take). The partial index holds only the few
-- jobs still being followed (public posts and posted drafts without a post
-- id yet, inbox drafts not expired), so the question stays cheap however
-- many jobs ended. Built
-- CONCURRENTLY, so upload_jobs stays writable meanwhile; an invalid index
-- left by a failed build is dropped first.
DROP INDEX CONCURRENTLY IF EXISTS upload_jobs_resolve_idx;
CREATE INDEX CONCURRENTLY IF NOT EXISTS upload_jobs_resolve_idx
    ON upload_jobs (coalesce(resolve_next_at, finished_at))
    WHERE resolve_ended_at IS NULL AND publish_id IS NOT NULL
      AND ((state = 'published' AND post_id IS NULL
            AND (mode = 'inbox' OR privacy_level = 'PUBLIC_TO_EVERYONE'))
           OR (state = 'inboxed' AND draft_expired_at IS NULL));
