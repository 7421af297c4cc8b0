-- 042: per-clip results (issue 12). A posted clip with its TikTok video id
-- gets a clip_results row (the trigger below, so every way a job gets its
-- id — worker, webhook, fixtures — gives it one, and no code path can
-- forget); the worker reads its view/like/comment/share counts from the
-- Display API on a schedule that follows the clip's age and keeps every
-- reading in clip_readings (a time series: counts can go down too).
-- clip_results holds the latest reading and the one a day before it, so
-- the results page sorts and rolls up 10,000 clips without scanning their
-- readings. Written only by lib/results.c (and this trigger). A takedown is
-- upload_jobs.no_longer_public_at (sql/006), kept in one place.
CREATE TABLE clip_results (
    job_id            bigint PRIMARY KEY REFERENCES upload_jobs(id) ON DELETE CASCADE,
    user_id           bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    account_id        bigint REFERENCES tiktok_accounts(id) ON DELETE SET NULL,
    post_id           text NOT NULL,
    posted_at         timestamptz NOT NULL,      -- the clip's age counts from here
    next_at           timestamptz NOT NULL,      -- the next reading is due
    readings          integer NOT NULL DEFAULT 0,
    last_at           timestamptz,
    views             bigint,
    likes             bigint,
    comments          bigint,
    shares            bigint,
    views_day_before  bigint,                    -- views of the last reading a day before last_at
    missing           integer NOT NULL DEFAULT 0 -- rounds in a row the Display API left it out
);
CREATE INDEX clip_results_due_idx ON clip_results (next_at, account_id);
CREATE INDEX clip_results_user_idx ON clip_results (user_id, posted_at DESC);

CREATE TABLE clip_readings (
    job_id    bigint NOT NULL REFERENCES clip_results(job_id) ON DELETE CASCADE,
    taken_at  timestamptz NOT NULL,
    views     bigint NOT NULL,
    likes     bigint NOT NULL,
    comments  bigint NOT NULL,
    shares    bigint NOT NULL,
    PRIMARY KEY (job_id, taken_at)
);

CREATE FUNCTION clip_results_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.post_id IS NOT NULL AND NEW.state = 'published' THEN
        INSERT INTO clip_results (job_id, user_id, account_id, post_id, posted_at, next_at)
        VALUES (NEW.id, NEW.user_id, NEW.account_id, NEW.post_id,
                coalesce(NEW.finished_at, now()), now())
        ON CONFLICT (job_id) DO UPDATE SET post_id = EXCLUDED.post_id, missing = 0,
            next_at = now()
         WHERE clip_results.post_id <> EXCLUDED.post_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER clip_results_follow AFTER INSERT OR UPDATE OF post_id, state ON upload_jobs
    FOR EACH ROW EXECUTE FUNCTION clip_results_follow();
