-- 013: the dashboard's library numbers (all videos, ready ones) kept exact
-- by triggers in a one-row table, so a page view counts nothing and its
-- cost does not grow with the library (issue 14).
--
-- Row triggers keep the row current for INSERT, UPDATE and DELETE;
-- TRUNCATE fires no row trigger, so a statement trigger zeroes it. The one
-- row serialises concurrent writers of videos for the rest of their
-- transaction: writers are the importer, one at a time, so that is fine.

CREATE TABLE video_counts (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    total   bigint NOT NULL,
    ready   bigint NOT NULL       -- ready AND NOT missing
);

CREATE FUNCTION video_counts_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    d_total bigint := 0;
    d_ready bigint := 0;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        d_total := d_total - 1;
        d_ready := d_ready - (OLD.ready AND NOT OLD.missing)::int;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        d_total := d_total + 1;
        d_ready := d_ready + (NEW.ready AND NOT NEW.missing)::int;
    END IF;
    IF d_total <> 0 OR d_ready <> 0 THEN
        UPDATE video_counts SET total = total + d_total, ready = ready + d_ready;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION video_counts_zero() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE video_counts SET total = 0, ready = 0;
    RETURN NULL;
END $$;

-- The table is locked (SHARE ROW EXCLUSIVE, by CREATE TRIGGER) before it is
-- counted, so no write slips between the count and the triggers; the
-- runner's lock_timeout bounds the wait for that lock.
CREATE TRIGGER videos_counts_follow AFTER INSERT OR DELETE OR UPDATE OF ready, missing ON videos
    FOR EACH ROW EXECUTE FUNCTION video_counts_follow();
CREATE TRIGGER videos_counts_zero AFTER TRUNCATE ON videos
    FOR EACH STATEMENT EXECUTE FUNCTION video_counts_zero();

INSERT INTO video_counts (total, ready)
SELECT count(*), count(*) FILTER (WHERE ready AND NOT missing) FROM videos;
