-- 035: the publishing plan of each TikTok account (issue 11): its weekly
-- posting slots, the target languages it is the default account for, its
-- caption template and its daily cap of direct posts.
--
-- A slot is stored as a weekday and a local time with its IANA zone, never
-- as an instant: plan_slot_instants() turns it into instants in PostgreSQL,
-- day by day in that zone, so a daylight-saving change never moves a slot
-- (09:00 Europe/Madrid stays 09:00 there in winter and in summer).
CREATE TABLE account_plans (
    account_id        bigint PRIMARY KEY REFERENCES tiktok_accounts(id) ON DELETE CASCADE,
    time_zone         text NOT NULL DEFAULT 'UTC',
    caption_template  text NOT NULL DEFAULT '',
    -- direct posts in any rolling 24 h (TikTok: "typically around 15")
    daily_cap         integer NOT NULL DEFAULT 15 CHECK (daily_cap BETWEEN 1 AND 15),
    -- left free for posts the creator makes with other tools
    headroom          integer NOT NULL DEFAULT 0 CHECK (headroom >= 0 AND headroom < daily_cap),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE account_slots (
    id          bigserial PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES tiktok_accounts(id) ON DELETE CASCADE,
    weekday     smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),   -- ISO 8601: 1 Monday … 7 Sunday
    local_time  time(0) NOT NULL,
    time_zone   text NOT NULL,
    UNIQUE (account_id, weekday, local_time)
);

-- One account per target language per user; an account may hold several.
CREATE TABLE account_languages (
    user_id     bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    language    text NOT NULL CHECK (language ~ '^[a-z]{2,3}(-[a-z0-9]{2,8})*$'),
    account_id  bigint NOT NULL REFERENCES tiktok_accounts(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, language)
);
CREATE INDEX account_languages_account_idx ON account_languages (account_id);

-- The instants of an account's slots after p_from, for p_days days. A local
-- time that does not exist on a spring-forward day is moved forward by the
-- gap, as PostgreSQL does; one that happens twice on a fall-back day is the
-- first of the two.
CREATE FUNCTION plan_slot_instants(p_account bigint, p_from timestamptz, p_days int)
RETURNS TABLE (at timestamptz) LANGUAGE sql STABLE AS $$
    SELECT i.at
      FROM account_slots s
     CROSS JOIN LATERAL generate_series((p_from AT TIME ZONE s.time_zone)::date - 1,
                                        (p_from AT TIME ZONE s.time_zone)::date + p_days,
                                        interval '1 day') AS d(day)
     CROSS JOIN LATERAL (SELECT (d.day::date + s.local_time) AT TIME ZONE s.time_zone AS at) i
     WHERE s.account_id = p_account
       AND extract(isodow FROM d.day) = s.weekday
       AND i.at > p_from
       AND i.at <= p_from + make_interval(days => p_days)
     ORDER BY i.at
$$;

-- The free ones: no job of the account still to run starts in the slot's
-- minute (a planned start may sit a few seconds into its slot, spaced from
-- the account's other starts).
CREATE FUNCTION plan_free_slots(p_account bigint, p_from timestamptz, p_days int)
RETURNS TABLE (at timestamptz) LANGUAGE sql STABLE AS $$
    SELECT s.at FROM plan_slot_instants(p_account, p_from, p_days) s
     WHERE NOT EXISTS (SELECT 1 FROM upload_jobs j
                        WHERE j.account_id = p_account
                          AND j.state IN ('queued', 'uploading', 'processing')
                          AND j.run_at >= s.at AND j.run_at < s.at + interval '1 minute')
     ORDER BY s.at
$$;
