-- 040: what the worker needs to keep following a job after it ended
-- (issue 12). TikTok fills publicaly_available_post_id only after
-- moderation, sometimes days later, and an inbox draft is posted by the
-- creator whenever they get to it; so a published job without its post id,
-- and an inboxed draft, keep being asked about on a widening schedule.
--   resolve_polls     status/fetch calls made for it since it ended
--   resolve_next_at   when to ask next (NULL: right after it ended)
--   resolve_ended_at  LangFlix stopped asking (30 days passed, or TikTok no
--                     longer knows the publish)
--   draft_expired_at  the inbox draft outlived TikTok's window unposted
-- Only lib/jobs.c writes them. Constant defaults: no table rewrite. The
-- worker's index over them is built in 041, outside a transaction.
ALTER TABLE upload_jobs
    ADD COLUMN resolve_polls     integer NOT NULL DEFAULT 0,
    ADD COLUMN resolve_next_at   timestamptz,
    ADD COLUMN resolve_ended_at  timestamptz,
    ADD COLUMN draft_expired_at  timestamptz;
