-- 043: the results page's roll-ups, kept (issue 12). /results rolls up a
-- user's clips by expression, show, target language and account (totals,
-- median views per post, best and worst clip, removals); computed per
-- request that is a pass over all of them with medians (~1 s at 10,000
-- clips). result_rollups holds the last computation, result_rollups_state
-- says per user whether it is still true. The triggers below only mark a
-- user stale (one row, one upsert); lib/results.c recomputes
-- (results_rollups_fresh: the page before it reads, the worker after each
-- round of readings) and is the only writer of both tables.
--
-- What the roll-ups read, and so what marks them stale: clip_results (its
-- latest counts, its user and account: a reading updates them in the same
-- statement that keeps it in clip_readings, so the readings need no trigger
-- of their own), upload_jobs.no_longer_public_at (a takedown) and video_id,
-- the videos' expression, show, target language and title, and the
-- accounts' names. A job that gets its post id inserts clip_results.
CREATE TABLE result_rollups (
    user_id      bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    dim          smallint NOT NULL CHECK (dim BETWEEN 1 AND 4),  -- 1 expression, 2 show, 3 language, 4 account
    rank         integer NOT NULL,        -- by views, the most first (then the key)
    key          text NOT NULL,
    groups       integer NOT NULL,        -- groups of the dimension
    posts        bigint NOT NULL,
    views        bigint NOT NULL,
    likes        bigint NOT NULL,
    comments     bigint NOT NULL,
    shares       bigint NOT NULL,
    median       double precision NOT NULL,   -- views per post
    removed      bigint NOT NULL,             -- no longer public
    best_id      bigint NOT NULL,
    best_title   text,
    best_views   bigint NOT NULL,
    worst_id     bigint NOT NULL,
    worst_title  text,
    worst_views  bigint NOT NULL,
    PRIMARY KEY (user_id, dim, rank)
);

CREATE TABLE result_rollups_state (
    user_id       bigint PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    stale         boolean NOT NULL DEFAULT true,
    clips         bigint NOT NULL DEFAULT 0,   -- the user's clip_results rows
    removals      bigint NOT NULL DEFAULT 0,   -- of them no longer public
    refreshed_at  timestamptz
);

-- Mark users stale. A user being deleted (the cascade from users runs
-- after its row is gone) is left alone: its state goes with it.
CREATE FUNCTION result_rollups_mark(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO result_rollups_state (user_id, stale)
    SELECT u.id, true FROM users u WHERE u.id = ANY(ids)
    ON CONFLICT (user_id) DO UPDATE SET stale = true
$$;

CREATE FUNCTION result_rollups_clip() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM result_rollups_mark(ARRAY[NEW.user_id]);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM result_rollups_mark(ARRAY[OLD.user_id]);
    ELSE
        PERFORM result_rollups_mark(ARRAY[OLD.user_id, NEW.user_id]);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER result_rollups_clip AFTER INSERT OR DELETE ON clip_results
    FOR EACH ROW EXECUTE FUNCTION result_rollups_clip();
CREATE TRIGGER result_rollups_clip_counts AFTER UPDATE OF user_id, account_id, views, likes,
    comments, shares ON clip_results FOR EACH ROW
    WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.account_id IS DISTINCT FROM NEW.account_id
          OR OLD.views IS DISTINCT FROM NEW.views OR OLD.likes IS DISTINCT FROM NEW.likes
          OR OLD.comments IS DISTINCT FROM NEW.comments OR OLD.shares IS DISTINCT FROM NEW.shares)
    EXECUTE FUNCTION result_rollups_clip();

CREATE FUNCTION result_rollups_job() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM result_rollups_mark(array_agg(c.user_id)) FROM clip_results c WHERE c.job_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER result_rollups_job AFTER UPDATE OF no_longer_public_at, video_id ON upload_jobs
    FOR EACH ROW
    WHEN (OLD.no_longer_public_at IS DISTINCT FROM NEW.no_longer_public_at
          OR OLD.video_id IS DISTINCT FROM NEW.video_id)
    EXECUTE FUNCTION result_rollups_job();

CREATE FUNCTION result_rollups_video() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM result_rollups_mark(array_agg(DISTINCT c.user_id))
       FROM upload_jobs j JOIN clip_results c ON c.job_id = j.id WHERE j.video_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER result_rollups_video AFTER UPDATE OF title, path, expression, show_name,
    learn_language ON videos FOR EACH ROW
    WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.path IS DISTINCT FROM NEW.path
          OR OLD.expression IS DISTINCT FROM NEW.expression
          OR OLD.show_name IS DISTINCT FROM NEW.show_name
          OR OLD.learn_language IS DISTINCT FROM NEW.learn_language)
    EXECUTE FUNCTION result_rollups_video();

CREATE FUNCTION result_rollups_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM result_rollups_mark(array_agg(DISTINCT c.user_id))
       FROM clip_results c WHERE c.account_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER result_rollups_account AFTER UPDATE OF display_name, username ON tiktok_accounts
    FOR EACH ROW
    WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name
          OR OLD.username IS DISTINCT FROM NEW.username)
    EXECUTE FUNCTION result_rollups_account();

-- Every user with clips starts stale: the first request computes.
INSERT INTO result_rollups_state (user_id, stale) SELECT DISTINCT user_id, true FROM clip_results;
