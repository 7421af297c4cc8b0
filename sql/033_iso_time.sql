-- 033: times for scripts (GET /api/schedule): ISO 8601 with the offset the
-- user's zone has at that instant, "2026-03-29T09:00:00+02:00", computed in
-- PostgreSQL like lf_user_time (sql/030). The SET clause keeps the session's
-- own TimeZone untouched after the call.
CREATE FUNCTION lf_iso_time(ts timestamptz, tz text) RETURNS text
    LANGUAGE plpgsql STABLE
    SET TimeZone = 'UTC'
    AS $$
BEGIN
    IF ts IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('TimeZone', coalesce(nullif(tz, ''), 'UTC'), true);
    RETURN to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM');
END
$$;
