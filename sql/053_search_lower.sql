-- langflix:no-transaction
-- 053: the dashboard's search text kept lowercased in a stored column, with
-- its own pg_trgm index (issue 14). Searching with ILIKE over
-- videos_search_text(...) (sql/012) joined the seven columns and lowercased
-- the result again for every row the index could not rule out: 2.5 us a
-- row, so a common term (capped count: 1001 rows) or a filter beside a term
-- (every candidate rechecked) cost several ms. Matching the stored column
-- with LIKE costs 0.4 us a row.
--
-- The same matches: in a UTF-8 database, text ILIKE pattern is
-- lower(text) LIKE lower(pattern) (PostgreSQL's like.c lowers both when an
-- encoding has multibyte characters), with the same default collation here.
--
-- Adding a stored generated column rewrites videos: at 100,000 videos that
-- holds its lock for about 3 s (pages wait, none fail). Runs outside a
-- transaction (first line) so the index is built CONCURRENTLY afterwards;
-- safe to run again. sql/012's index stayed for the plan page's search
-- until sql/054 moved that search here too and dropped it.
--
-- A later change of videos_search_text must recompute the column (drop and
-- add it again): PostgreSQL does not follow a function's body.

ALTER TABLE videos ADD COLUMN IF NOT EXISTS search_lower text GENERATED ALWAYS AS
    (lower(videos_search_text(title, title_translation, expression, expression_translation,
                              show_name, path, keywords))) STORED;

DROP INDEX CONCURRENTLY IF EXISTS videos_search_lower_trgm_idx;
CREATE INDEX CONCURRENTLY IF NOT EXISTS videos_search_lower_trgm_idx ON videos USING gin
    (search_lower gin_trgm_ops);

ANALYZE videos;
