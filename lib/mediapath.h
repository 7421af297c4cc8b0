/* mediapath.h — the one check that a path lies inside the media root.
 *
 * Videos are stored by their path relative to media_root. Whoever opens or
 * serves one (the import, the app's file route and composer, the worker)
 * resolves it here: symlinks and ".." are followed by realpath() and the
 * result must still lie inside realpath(media_root). Kept apart from
 * library.c so the worker does not pull in the video prober (libavformat). */
#ifndef LF_MEDIAPATH_H
#define LF_MEDIAPATH_H

#include <limits.h>

/* 1 when real (an absolute, resolved path) is root itself or inside it. */
int media_path_under(const char *root, const char *real);

/* Resolve rel (relative to media_root) into out: 0 when it names a regular
 * file inside the media root, -1 otherwise (missing, a folder, outside). */
int media_resolve(const char *media_root, const char *rel, char out[PATH_MAX]);

#endif
