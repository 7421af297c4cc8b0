-- 016: an account is one platform's (sql/015): its remote id is unique per
-- user and platform, so an account of one platform never takes over the
-- row of another platform's account that has the same remote id. The
-- table is small (one row per connected account): the index is built
-- under the lock in a moment.
ALTER TABLE tiktok_accounts
    DROP CONSTRAINT tiktok_accounts_user_id_open_id_key,
    ADD CONSTRAINT tiktok_accounts_user_platform_open_id_key UNIQUE (user_id, platform, open_id);
