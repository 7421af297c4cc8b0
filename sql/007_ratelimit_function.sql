-- 007: taking a rate-limit slot in one round trip. The function serialises
-- callers per account with a transaction-scoped advisory lock and, being
-- PL/pgSQL under READ COMMITTED, counts with a snapshot taken after the lock,
-- so it sees every slot the previous holder took. Returns 0 when a slot was
-- taken, else the seconds until one frees up.

CREATE FUNCTION ratelimit_take(p_account bigint, p_endpoint text, p_limit int, p_window int)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    used int;
    oldest timestamptz;
BEGIN
    PERFORM pg_advisory_xact_lock(7318462, (p_account & 2147483647)::int);
    SELECT count(*), min(at) INTO used, oldest FROM tiktok_calls
     WHERE account_id = p_account AND endpoint = p_endpoint
       AND at > clock_timestamp() - make_interval(secs => p_window);
    IF used < p_limit THEN
        INSERT INTO tiktok_calls (account_id, endpoint, at)
        VALUES (p_account, p_endpoint, clock_timestamp());
        -- now and then, forget what no window looks at any more
        IF random() < 0.02 THEN
            DELETE FROM tiktok_calls WHERE account_id = p_account AND endpoint = p_endpoint
               AND at < clock_timestamp() - interval '2 days';
        END IF;
        RETURN 0;
    END IF;
    RETURN greatest(ceil(extract(epoch FROM
           oldest + make_interval(secs => p_window) - clock_timestamp()))::int, 1);
END $$;
