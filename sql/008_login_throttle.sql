-- 008: sign-in throttling that counts atomically and that an attacker on
-- another address cannot turn against the real user.
--
-- login_attempt_begin() decides, under a transaction-scoped advisory lock
-- per user name (so two requests for one name are counted one after the
-- other), whether a password may be checked now. When it may, it records
-- the attempt as a failure at once and returns its id: parallel guesses see
-- each other's attempts, so no more than the limit of passwords are ever
-- checked. A successful sign-in takes the record back (page_login.c).
--
-- The rules, in order (the README says them in words):
--   1. per (name, address): p_pair_max failures in the window, then wait;
--   2. per address, all names: p_addr_max failures in the window, then wait;
--   3. per name, all addresses: after p_name_max failures in the window,
--      each further attempt waits 1, 2, 4, ... seconds after the previous
--      failure, at most p_max_delay; never for an address from which this
--      name signed in during the last 30 days (login_known_addresses).
-- Returns (attempt, 0, NULL) when the password may be checked, else
-- (NULL, seconds to wait, 'address' | 'name').

CREATE TABLE login_known_addresses (
    name            text NOT NULL,
    remote_addr     text NOT NULL,
    last_ok_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, remote_addr)
);

-- Whole seconds from now until t, at least 1 (for Retry-After).
CREATE FUNCTION login_seconds_until(t timestamptz) RETURNS int LANGUAGE sql AS $$
    SELECT greatest(ceil(extract(epoch FROM t - clock_timestamp()))::int, 1)
$$;

CREATE FUNCTION login_attempt_begin(p_name text, p_addr text, p_window int, p_pair_max int,
                                    p_addr_max int, p_name_max int, p_max_delay int,
                                    OUT attempt bigint, OUT wait_sec int, OUT why text)
LANGUAGE plpgsql AS $$
DECLARE
    since timestamptz;
    pair_n int;
    pair_oldest timestamptz;
    addr_n int;
    addr_oldest timestamptz;
    name_n int;
    name_last timestamptz;
    delay int;
BEGIN
    -- one name, then one address, at a time (always in this order: no
    -- deadlock); class numbers keep the keys apart from other advisory locks
    PERFORM pg_advisory_xact_lock(7318463, hashtext(p_name));
    PERFORM pg_advisory_xact_lock(7318464, hashtext(p_addr));
    since := clock_timestamp() - make_interval(secs => p_window);
    wait_sec := 0;

    -- rules 1 and 2: this address, for this name and for all names
    SELECT count(*) FILTER (WHERE name = p_name), min(at) FILTER (WHERE name = p_name),
           count(*), min(at)
      INTO pair_n, pair_oldest, addr_n, addr_oldest
      FROM login_failures WHERE remote_addr = p_addr AND at > since;
    IF pair_n >= p_pair_max OR addr_n >= p_addr_max THEN
        -- wait until every rule that is over lets go
        wait_sec := login_seconds_until(make_interval(secs => p_window) + greatest(
                        CASE WHEN pair_n >= p_pair_max THEN pair_oldest END,
                        CASE WHEN addr_n >= p_addr_max THEN addr_oldest END));
        why := 'address';
        RETURN;
    END IF;

    -- rule 3: this name from all addresses, unless this one is the user's
    IF NOT EXISTS (SELECT 1 FROM login_known_addresses
                    WHERE name = p_name AND remote_addr = p_addr
                      AND last_ok_at > clock_timestamp() - interval '30 days') THEN
        SELECT count(*), max(at) INTO name_n, name_last FROM login_failures
         WHERE name = p_name AND at > since;
        IF name_n >= p_name_max THEN
            -- 2^k grows past any cap quickly: cap the exponent, then the delay
            delay := least(p_max_delay, (2 ^ least(name_n - p_name_max, 20))::int);
            IF name_last + make_interval(secs => delay) > clock_timestamp() THEN
                wait_sec := login_seconds_until(name_last + make_interval(secs => delay));
                why := 'name';
                RETURN;
            END IF;
        END IF;
    END IF;

    INSERT INTO login_failures (name, remote_addr, at) VALUES (p_name, p_addr, clock_timestamp())
    RETURNING id INTO attempt;
END $$;
