-- langflix:no-transaction
-- 012: the dashboard's search served by an index (issue 15, item 9). The
-- search text of a video is its seven searched columns joined by a line
-- break (which a search term never holds: the app turns control characters
-- into spaces), and a pg_trgm GIN index on it answers ILIKE '%term%'.
-- pg_trgm is in Debian's postgresql-15 package and is a trusted extension,
-- so the database's owner may create it.
--
-- Runs outside a transaction (first line): the index is built CONCURRENTLY,
-- so videos stay readable and writable while it builds. Safe to run again:
-- an invalid index left by a failed build is dropped first.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- IMMUTABLE: array_to_string is only STABLE in general (element types may
-- print differently under other settings), but text[] prints its elements
-- as they are, so for these arguments the result never changes.
CREATE OR REPLACE FUNCTION videos_search_text(title text, title_translation text,
    expression text, expression_translation text, show_name text, path text, keywords text[])
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT concat_ws(E'\n', title, title_translation, expression, expression_translation,
                     show_name, path, array_to_string(keywords, E'\n'))
$$;

DROP INDEX CONCURRENTLY IF EXISTS videos_search_trgm_idx;
CREATE INDEX CONCURRENTLY IF NOT EXISTS videos_search_trgm_idx ON videos USING gin
    (videos_search_text(title, title_translation, expression, expression_translation,
                        show_name, path, keywords) gin_trgm_ops);
