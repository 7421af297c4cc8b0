-- 014: video_counts (sql/013) kept by statement triggers over transition
-- tables instead of a row trigger. The row trigger updated the one counts
-- row once per video row, and many updates of one row inside one
-- transaction slow down with each (20,000 inserted videos: 3.6 s instead of
-- 0.17 s); now one statement updates it at most once, and not at all when
-- the numbers do not change (the job-follow trigger of sql/005 updates
-- videos on every job step).
--
-- One transaction: the old trigger goes and the new ones come at once
-- (DROP TRIGGER locks videos briefly; the runner's lock_timeout bounds the
-- wait), so no write is counted twice or missed and the row stays exact.

CREATE FUNCTION video_counts_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    d_total bigint := 0;
    d_ready bigint := 0;
    n bigint;
    r bigint;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT count(*), count(*) FILTER (WHERE ready AND NOT missing) INTO n, r FROM new_rows;
        d_total := d_total + n;
        d_ready := d_ready + r;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT count(*), count(*) FILTER (WHERE ready AND NOT missing) INTO n, r FROM old_rows;
        d_total := d_total - n;
        d_ready := d_ready - r;
    END IF;
    IF d_total <> 0 OR d_ready <> 0 THEN
        UPDATE video_counts SET total = total + d_total, ready = ready + d_ready;
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER videos_counts_follow ON videos;
DROP FUNCTION video_counts_follow();

CREATE TRIGGER videos_counts_insert AFTER INSERT ON videos
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION video_counts_apply();
CREATE TRIGGER videos_counts_update AFTER UPDATE ON videos
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION video_counts_apply();
CREATE TRIGGER videos_counts_delete AFTER DELETE ON videos
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION video_counts_apply();
