-- langflix:no-transaction
-- 054: one trigram index for search (issue 14). The plan page's
-- "everything the search matches" now matches the stored lowercased text of
-- sql/053 too (UI_SEARCH_MATCHES, cgi-bin/app.h), as the dashboard does, so
-- sql/012's index on the videos_search_text(...) expression serves no
-- statement and only made every write to a searched column update a second
-- trigram index. The function stays: the stored column is computed with it.
--
-- Outside a transaction (first line), so the drop does not block readers
-- and writers of videos while it waits; safe to run again.

DROP INDEX CONCURRENTLY IF EXISTS videos_search_trgm_idx;
