-- 004: what the upload worker needs to remember between claims.
--   status_polls      status/fetch calls made for the current publish (the
--                     polling interval grows with it; polls do not use up attempts)
--   reinits           how many times the upload was initialised anew after
--                     its upload URL died (bounded, so a job cannot loop)
--   creator_username  the @handle creator_info reported before init, for
--                     the post URL once TikTok publishes (user.info.basic
--                     alone does not give the username)
--   processing_since  when the last byte was accepted (polling gives up
--                     with a clear message after a long time)
ALTER TABLE upload_jobs
    ADD COLUMN status_polls      integer NOT NULL DEFAULT 0,
    ADD COLUMN reinits           integer NOT NULL DEFAULT 0,
    ADD COLUMN creator_username  text,
    ADD COLUMN processing_since  timestamptz;
