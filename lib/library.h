/* library.h — `langflix import DIR`: walk a folder under the media root,
 * probe every .mp4/.mov/.webm, read its LangFlix sidecar, judge TikTok
 * readiness, and upsert a `videos` row keyed by the path relative to the
 * media root. */
#ifndef LF_LIBRARY_H
#define LF_LIBRARY_H

#include <stdint.h>
#include <stdio.h>

#include "db.h"

struct import_stats {
	int added;       /* new rows */
	int updated;     /* rows whose file, metadata or readiness changed */
	int unchanged;   /* same size and mtime, same sidecar: nothing to do */
	int skipped;     /* refused or failed (outside the root, database error...) */
	int missing;     /* rows under DIR whose file is gone, now marked missing */
	int ready;       /* of added + updated + unchanged: ready for TikTok */
	int not_ready;   /* ... and not ready (a broken video counts here) */
	int warnings;    /* sidecar problems, very short videos */
};

/* Import every video under dir, which must resolve (realpath) inside
 * media_root. One line per file goes to report (may be NULL):
 *   added|updated|unchanged PATH (ready|not ready: REASON)
 *   skipped PATH: REASON
 *   warning PATH: TEXT
 *   missing PATH
 * A file that fails to probe is recorded as not ready with the reason.
 * With frames_dir (NULL or "" for none), each video's poster and strip are
 * made there (lib/frames.h) when the file is new or changed; a video that
 * cannot be decoded gets a "warning PATH: no preview pictures: WHY" line.
 * Returns 0 when the import ran (even with skipped files), -1 when the
 * media root, dir or database is unusable (an "error: ..." line says why). */
int library_import(struct db *db, const char *media_root, const char *frames_dir,
		   const char *dir, struct import_stats *st, FILE *report);

/* The video's content hash (SHA-256 hex, videos.content_sha256), computed
 * at import; for a row imported before there were hashes it is computed
 * now from the file at real_path (already resolved under the media root)
 * and stored. 0 and out; 1 when the file cannot be read (out ""); -1. */
int library_video_hash(struct db *db, int64_t video_id, const char *real_path, char out[65]);

/* 1 for a file name ending in .mp4, .mov or .webm (any case). */
int library_is_video_name(const char *name);


#endif
