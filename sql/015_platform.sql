-- 015: jobs and accounts name their platform (lib/platform.h). Every row so
-- far is TikTok's. A constant default is recorded in the catalogue only
-- (no table rewrite), so this takes its locks for a moment.
ALTER TABLE upload_jobs ADD COLUMN platform text NOT NULL DEFAULT 'tiktok';
ALTER TABLE tiktok_accounts ADD COLUMN platform text NOT NULL DEFAULT 'tiktok';
