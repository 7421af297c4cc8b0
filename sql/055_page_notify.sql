-- 055: a notification for every change a kept page may show (issue 14), so
-- that the app can answer a kept page without asking the database, and stay
-- exact (cgi-bin/page_listen.c says how).
--
-- Each app process LISTENs on lf_pages. The payload says whose pages may
-- have changed: 'u:ID' those of user ID, 'a' anyone's. A listener that
-- hears it stops trusting the kept pages concerned; their next request
-- checks its version in the database as before (sql/051), which costs a
-- round trip, never a wrong page.
--
-- What is notified is what the kept pages' versions read:
--   every bump of a page generation (sql/051: the library, the posted
--   marks, a user's jobs, views, accounts, name and zone), from
--   lf_page_gen_bump itself, so no counter can change unheard;
--   any change to a job row (the job page's version is the row's xmin:
--   progress, leases and the like, which change no dashboard);
--   a job's events (the version reads the last);
--   a session changed or ended (a logout shows on the next request).
-- PostgreSQL delivers a notification only at commit, and folds identical
-- ones within a transaction, so an import or a busy worker sends one per
-- transaction, not one per row.

CREATE OR REPLACE FUNCTION lf_page_notify(p_user bigint) RETURNS void
LANGUAGE sql AS $$
    SELECT pg_notify('lf_pages', CASE WHEN p_user IS NULL OR p_user = 0 THEN 'a' ELSE 'u:' || p_user END)
$$;

CREATE OR REPLACE FUNCTION lf_page_gen_bump(p_scope text, p_user bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    mark text := 'lf_page_gen.' || p_scope || '_' || p_user;
BEGIN
    IF current_setting(mark, true) = '1' THEN
        RETURN;
    END IF;
    INSERT INTO page_generations (scope, user_id, gen) VALUES (p_scope, p_user, 1)
    ON CONFLICT (scope, user_id) DO UPDATE SET gen = page_generations.gen + 1;
    PERFORM lf_page_notify(CASE WHEN p_scope = 'user' THEN p_user ELSE 0 END);
    PERFORM set_config(mark, '1', true);
END $$;

CREATE OR REPLACE FUNCTION lf_page_gen_all() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE page_generations SET gen = gen + 1;
    PERFORM lf_page_notify(0);
    RETURN NULL;
END $$;

-- A row that names its user (upload_jobs, sessions): the old and the new.
CREATE FUNCTION lf_page_notify_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM lf_page_notify(OLD.user_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM lf_page_notify(NEW.user_id);
    END IF;
    RETURN NULL;
END $$;

-- An event names its job, not its user.
CREATE FUNCTION lf_page_notify_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    job bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        job := OLD.job_id;
    ELSE
        job := NEW.job_id;
    END IF;
    PERFORM lf_page_notify(coalesce((SELECT j.user_id FROM upload_jobs j WHERE j.id = job), 0));
    RETURN NULL;
END $$;

CREATE FUNCTION lf_page_notify_all() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lf_page_notify(0);
    RETURN NULL;
END $$;

CREATE TRIGGER upload_jobs_page_notify AFTER INSERT OR UPDATE OR DELETE ON upload_jobs
    FOR EACH ROW EXECUTE FUNCTION lf_page_notify_row();
CREATE TRIGGER job_events_page_notify AFTER INSERT OR UPDATE OR DELETE ON job_events
    FOR EACH ROW EXECUTE FUNCTION lf_page_notify_event();
CREATE TRIGGER job_events_page_notify_truncate AFTER TRUNCATE ON job_events
    FOR EACH STATEMENT EXECUTE FUNCTION lf_page_notify_all();
-- a new session has no kept page yet; one changed or ended must be heard
CREATE TRIGGER sessions_page_notify AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION lf_page_notify_row();
CREATE TRIGGER sessions_page_notify_truncate AFTER TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION lf_page_notify_all();
