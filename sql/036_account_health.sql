-- 036: connection health before the slots (issue 11). An hour before an
-- account's next scheduled post the worker checks that its token refreshes
-- and that creator_info says it can post; when not, the account is "at
-- risk": why, and since when (NULL when healthy). health_checked_at keeps
-- the worker from checking one account more than once per window.
ALTER TABLE tiktok_accounts
    ADD COLUMN at_risk_reason     text,
    ADD COLUMN at_risk_since      timestamptz,
    ADD COLUMN health_checked_at  timestamptz;
