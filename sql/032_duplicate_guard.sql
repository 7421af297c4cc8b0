-- 032: the duplicate guard (issue 11). The same content is never queued or
-- posted twice to the same account, unless the user explicitly says "post
-- again" on that row. Today two tabs make two real posts.
--   videos.content_sha256       SHA-256 of the file, computed at import (and
--                               lazily, before the first post, for rows
--                               imported before this migration)
--   upload_jobs.content_sha256  the video's hash when the job was made: the
--                               guard is about the content, whichever row or
--                               path it came from
--   upload_jobs.repost          the user asked to post this content again on
--                               purpose: exempt from the guard
-- The guard is one unique index over live and posted jobs, so two requests
-- racing each other make one job in PostgreSQL itself: the second INSERT
-- fails (lib/jobs.c turns that into JOBS_DUPLICATE and the existing job).
-- Failed and cancelled jobs do not count: their content may be posted again.
ALTER TABLE videos
    ADD COLUMN content_sha256 text CONSTRAINT videos_content_sha256_hex
        CHECK (content_sha256 ~ '^[0-9a-f]{64}$');
CREATE INDEX videos_content_sha256_idx ON videos (content_sha256) WHERE content_sha256 IS NOT NULL;

ALTER TABLE upload_jobs
    ADD COLUMN content_sha256 text,
    ADD COLUMN repost boolean NOT NULL DEFAULT false;

CREATE UNIQUE INDEX upload_jobs_once_per_account_idx ON upload_jobs (account_id, content_sha256)
    WHERE content_sha256 IS NOT NULL AND account_id IS NOT NULL AND NOT repost
      AND state IN ('queued', 'uploading', 'processing', 'published', 'inboxed');
