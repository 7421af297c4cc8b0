-- 025: preview pictures. `langflix import` now makes a poster and a strip of
-- eight frames of each video (lib/frames.c) for the dashboard's cards and the
-- composer's cover picker; the row keeps when each was taken (ms from the
-- start: [1] the poster, [2..9] the strip; NULL when there are none), which
-- file they were made from ("size:mtime", so a changed file gets new ones
-- and an unchanged one is not decoded again), and why they could not be
-- made. expression_start_ms is the LangFlix sidecar's moment of the
-- expression (optional): the poster and the pre-selected cover frame.
ALTER TABLE videos
    ADD COLUMN frame_times_ms int[],
    ADD COLUMN frames_source text,
    ADD COLUMN frames_error text,
    ADD COLUMN expression_start_ms int CHECK (expression_start_ms >= 0);
