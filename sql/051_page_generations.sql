-- 051: generations of what the dashboard shows (issue 14), so the app can
-- keep a rendered page and know, in the session lookup that every page does
-- anyway, whether it is still exact. Each counter goes up in the writer's
-- own transaction, by the triggers below, whenever something a page shows
-- changes:
--   ('library', 0)  the video library: any video's shown columns, a video
--                   added or removed (every user's page lists them)
--   ('posted', 0)   a job entering or leaving published/inboxed: the
--                   "posted by another user" mark and the Posted filter
--   ('user', id)    that user's own: jobs (state, link, reason), the views
--                   of their posts, their accounts, their name and zone
-- A user's page generation is the sum of the two shared counters and their
-- own; counters only go up, so a changed sum means a changed page.
--
-- One bump per counter per transaction (a transaction-local mark): an
-- import of 20,000 videos in one transaction updates the row once, not
-- 20,000 times (sql/014 says why that matters). The row lock held until
-- commit orders writers of one counter; readers never wait.

CREATE TABLE page_generations (
    scope    text NOT NULL CHECK (scope IN ('library', 'posted', 'user')),
    user_id  bigint NOT NULL DEFAULT 0,       -- 0 for the shared counters
    gen      bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, user_id)
);
INSERT INTO page_generations (scope, user_id, gen) VALUES ('library', 0, 0), ('posted', 0, 0);

CREATE FUNCTION lf_page_gen_bump(p_scope text, p_user bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    mark text := 'lf_page_gen.' || p_scope || '_' || p_user;
BEGIN
    IF current_setting(mark, true) = '1' THEN
        RETURN;
    END IF;
    INSERT INTO page_generations (scope, user_id, gen) VALUES (p_scope, p_user, 1)
    ON CONFLICT (scope, user_id) DO UPDATE SET gen = page_generations.gen + 1;
    PERFORM set_config(mark, '1', true);
END $$;

-- TRUNCATE names no rows: every page may have changed.
CREATE FUNCTION lf_page_gen_all() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE page_generations SET gen = gen + 1;
    RETURN NULL;
END $$;

-- Videos: statement triggers over transition tables (one call per
-- statement); an update counts only when a shown column changed, so the
-- job-follow trigger of sql/005 (last_job_id, tiktok_state) and the lazy
-- content hash change no page.
CREATE FUNCTION lf_page_gen_videos() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM new_rows) THEN
            PERFORM lf_page_gen_bump('library', 0);
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM old_rows) THEN
            PERFORM lf_page_gen_bump('library', 0);
        END IF;
    ELSIF EXISTS (
        SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE (n.path, n.size_bytes, n.duration_ms, n.width, n.height, n.fps, n.video_codec,
                n.container, n.expression, n.expression_translation, n.title, n.title_translation,
                n.keywords, n.language, n.learn_language, n.show_name, n.episode, n.ready,
                n.not_ready_reason, n.missing, n.frame_times_ms, n.frames_source)
               IS DISTINCT FROM
               (o.path, o.size_bytes, o.duration_ms, o.width, o.height, o.fps, o.video_codec,
                o.container, o.expression, o.expression_translation, o.title, o.title_translation,
                o.keywords, o.language, o.learn_language, o.show_name, o.episode, o.ready,
                o.not_ready_reason, o.missing, o.frame_times_ms, o.frames_source)) THEN
        PERFORM lf_page_gen_bump('library', 0);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER videos_page_gen_insert AFTER INSERT ON videos
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION lf_page_gen_videos();
CREATE TRIGGER videos_page_gen_update AFTER UPDATE ON videos
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION lf_page_gen_videos();
CREATE TRIGGER videos_page_gen_delete AFTER DELETE ON videos
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION lf_page_gen_videos();
CREATE TRIGGER videos_page_gen_truncate AFTER TRUNCATE ON videos
    FOR EACH STATEMENT EXECUTE FUNCTION lf_page_gen_all();

-- A row of one user's: their page (jobs, the views of their posts, their
-- accounts).
CREATE FUNCTION lf_page_gen_user_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM lf_page_gen_bump('user', OLD.user_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM lf_page_gen_bump('user', NEW.user_id);
    END IF;
    RETURN NULL;
END $$;

-- A job entering or leaving published/inboxed (or moving while in it):
-- every page's "posted by another user" and Posted filter.
CREATE FUNCTION lf_page_gen_posted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lf_page_gen_bump('posted', 0);
    RETURN NULL;
END $$;

-- Jobs: the owner's page shows their latest job of each video (state,
-- link, reason, id). Progress, leases and the like change no page.
CREATE TRIGGER upload_jobs_page_gen AFTER INSERT OR DELETE ON upload_jobs
    FOR EACH ROW EXECUTE FUNCTION lf_page_gen_user_row();
CREATE TRIGGER upload_jobs_page_gen_update
    AFTER UPDATE OF state, post_url, fail_reason, video_id, user_id ON upload_jobs
    FOR EACH ROW
    WHEN ((OLD.state, OLD.post_url, OLD.fail_reason, OLD.video_id, OLD.user_id)
          IS DISTINCT FROM (NEW.state, NEW.post_url, NEW.fail_reason, NEW.video_id, NEW.user_id))
    EXECUTE FUNCTION lf_page_gen_user_row();
CREATE TRIGGER upload_jobs_page_gen_posted_insert AFTER INSERT ON upload_jobs
    FOR EACH ROW WHEN (NEW.state IN ('published', 'inboxed'))
    EXECUTE FUNCTION lf_page_gen_posted();
CREATE TRIGGER upload_jobs_page_gen_posted_delete AFTER DELETE ON upload_jobs
    FOR EACH ROW WHEN (OLD.state IN ('published', 'inboxed'))
    EXECUTE FUNCTION lf_page_gen_posted();
CREATE TRIGGER upload_jobs_page_gen_posted_update
    AFTER UPDATE OF state, video_id, user_id ON upload_jobs
    FOR EACH ROW
    WHEN ((OLD.state IN ('published', 'inboxed')) <> (NEW.state IN ('published', 'inboxed'))
          OR (NEW.state IN ('published', 'inboxed')
              AND (OLD.video_id, OLD.user_id) IS DISTINCT FROM (NEW.video_id, NEW.user_id)))
    EXECUTE FUNCTION lf_page_gen_posted();
CREATE TRIGGER upload_jobs_page_gen_truncate AFTER TRUNCATE ON upload_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION lf_page_gen_all();

-- A post's views (written by lib/results.c) show on its owner's page.
CREATE TRIGGER clip_results_page_gen AFTER INSERT OR DELETE ON clip_results
    FOR EACH ROW EXECUTE FUNCTION lf_page_gen_user_row();
CREATE TRIGGER clip_results_page_gen_update AFTER UPDATE OF views, user_id ON clip_results
    FOR EACH ROW WHEN ((OLD.views, OLD.user_id) IS DISTINCT FROM (NEW.views, NEW.user_id))
    EXECUTE FUNCTION lf_page_gen_user_row();
CREATE TRIGGER clip_results_page_gen_truncate AFTER TRUNCATE ON clip_results
    FOR EACH STATEMENT EXECUTE FUNCTION lf_page_gen_all();

-- The accounts strip and its banners (at risk, re-consent by a date): the
-- columns it shows. Tokens, health checks and the like change no page.
CREATE TRIGGER tiktok_accounts_page_gen AFTER INSERT OR DELETE ON tiktok_accounts
    FOR EACH ROW EXECUTE FUNCTION lf_page_gen_user_row();
CREATE TRIGGER tiktok_accounts_page_gen_update
    AFTER UPDATE OF user_id, platform, open_id, display_name, username, avatar_url, status,
                    status_reason, scopes, refresh_expires_at, created_at, at_risk_reason
    ON tiktok_accounts
    FOR EACH ROW
    WHEN ((OLD.user_id, OLD.platform, OLD.open_id, OLD.display_name, OLD.username, OLD.avatar_url,
           OLD.status, OLD.status_reason, OLD.scopes, OLD.refresh_expires_at, OLD.created_at,
           OLD.at_risk_reason)
          IS DISTINCT FROM
          (NEW.user_id, NEW.platform, NEW.open_id, NEW.display_name, NEW.username, NEW.avatar_url,
           NEW.status, NEW.status_reason, NEW.scopes, NEW.refresh_expires_at, NEW.created_at,
           NEW.at_risk_reason))
    EXECUTE FUNCTION lf_page_gen_user_row();
CREATE TRIGGER tiktok_accounts_page_gen_truncate AFTER TRUNCATE ON tiktok_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION lf_page_gen_all();

-- The user's name (the header) and zone (every time on the page).
CREATE FUNCTION lf_page_gen_users() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lf_page_gen_bump('user', NEW.id);
    RETURN NULL;
END $$;

CREATE TRIGGER users_page_gen AFTER UPDATE OF name, time_zone ON users
    FOR EACH ROW WHEN ((OLD.name, OLD.time_zone) IS DISTINCT FROM (NEW.name, NEW.time_zone))
    EXECUTE FUNCTION lf_page_gen_users();
