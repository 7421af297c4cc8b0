-- 030: every time shown to a user is in that user's own time zone, with the
-- zone named (issue 11). users.time_zone holds an IANA name that PostgreSQL
-- knows (pg_timezone_names), so every instant is computed and formatted in
-- PostgreSQL: `ts AT TIME ZONE users.time_zone`, `$local::timestamp AT TIME
-- ZONE $zone`. time_zone_chosen: the user picked the zone on /settings; until
-- then the browser's zone (sent with the login form) replaces the default.

-- Whether PostgreSQL knows the zone name (an IANA name or UTC).
CREATE FUNCTION lf_is_time_zone(tz text) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$ SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = tz) $$;

ALTER TABLE users
    ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC'
        CONSTRAINT users_time_zone_known CHECK (lf_is_time_zone(time_zone)),
    ADD COLUMN time_zone_chosen boolean NOT NULL DEFAULT false;

-- The one way a time is shown to a user: "2026-03-29 09:00 CEST" (the date
-- and time in zone tz, and the zone's abbreviation at that instant;
-- "UTC+03" where the zone has only a numeric one). NULL for NULL. The SET
-- clause keeps the session's own TimeZone untouched after the call.
CREATE FUNCTION lf_user_time(ts timestamptz, tz text) RETURNS text
    LANGUAGE plpgsql STABLE
    SET TimeZone = 'UTC'
    AS $$
DECLARE
    abbrev text;
BEGIN
    IF ts IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('TimeZone', coalesce(nullif(tz, ''), 'UTC'), true);
    abbrev := to_char(ts, 'TZ');
    IF abbrev ~ '^[+-]' THEN
        abbrev := 'UTC' || abbrev;
    END IF;
    RETURN to_char(ts, 'YYYY-MM-DD HH24:MI') || ' ' || abbrev;
END
$$;
