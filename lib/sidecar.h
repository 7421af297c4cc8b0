/* sidecar.h — LangFlix metadata next to a video: `clip.mp4.meta.json`
 * (preferred) or `clip.meta.json`.
 *
 * Unknown fields are ignored; a field of the wrong type is ignored with a
 * warning; invalid JSON is an error (the video is imported without
 * metadata). Sizes are bounded below. Empty strings and JSON null count as
 * absent (NULL). */
#ifndef LF_SIDECAR_H
#define LF_SIDECAR_H

#include <stddef.h>

#include "buf.h"

#define SIDECAR_MAX_BYTES    (1024 * 1024)
#define SIDECAR_MAX_STRING   4096     /* bytes per string, keywords included */
#define SIDECAR_MAX_KEYWORDS 64
#define SIDECAR_MAX_MS       (24LL * 3600 * 1000)   /* a time inside a video: up to a day */

struct sidecar {
	char *expression;
	char *expression_translation;
	char *title;
	char *title_translation;
	char **keywords;          /* catchy_keywords[], nkeywords entries */
	size_t nkeywords;
	char *language;
	char *learn_language;
	char *show_name;
	char *episode;            /* a number is turned into its decimal text */
	char *generated_at;
	/* expression_start_ms: when the expression is said, in ms from the
	 * start of the video (a number 0..SIDECAR_MAX_MS); -1 when absent */
	long long expression_start_ms;
};

/* Parse sidecar JSON. Warnings (ignored fields) are appended to warnings,
 * "; "-separated, when it is not NULL. 0, or -1 with err for invalid JSON
 * or a top level that is not an object; out is then empty. */
int sidecar_parse(const char *text, size_t len, struct sidecar *out,
		  struct buf *warnings, char *err, size_t errlen);

/* Read and parse a sidecar file (regular file, at most SIDECAR_MAX_BYTES). */
int sidecar_load(const char *path, struct sidecar *out,
		 struct buf *warnings, char *err, size_t errlen);

/* The sidecar path for a video: which=0 gives "clip.mp4.meta.json",
 * which=1 "clip.meta.json". -1 when it does not fit or (which=1) the
 * file name has no extension. */
int sidecar_path(const char *video_path, int which, char *out, size_t outlen);

/* The first sidecar candidate that exists (lstat), in preference order.
 * 1 and out set, or 0 when there is none. */
int sidecar_find(const char *video_path, char *out, size_t outlen);

/* catchy_keywords as a JSON array of strings, appended to out. */
void sidecar_keywords_json(const struct sidecar *sc, struct buf *out);

void sidecar_free(struct sidecar *sc);

#endif
