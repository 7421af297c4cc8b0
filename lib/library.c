/* library.c — the import walk.
 *
 * Safety: every file is resolved with realpath() and refused unless it
 * lies inside realpath(media_root), so a symlink cannot smuggle an outside
 * file into the library. Symlinked folders are never followed (no loops).
 * Rows are keyed by the resolved path relative to the media root, which is
 * what the web app later joins back onto the root to serve the file.
 *
 * Cost: a file whose size and mtime match its row is not probed again;
 * its sidecar is re-read (cheap) so metadata edits still land. The upsert
 * only writes when something differs, which is how "unchanged" is known. */
#include "library.h"

#include "crypto.h"
#include "mediapath.h"
#include "buf.h"
#include "escape.h"
#include "frames.h"
#include "probe.h"
#include "readiness.h"
#include "sidecar.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MAX_DEPTH 64

static struct db_stmt q_check = { "library_check", "SELECT count(*) FROM videos WHERE false" };

static struct db_stmt q_lookup = { "library_lookup",
	"SELECT size_bytes, mtime, duration_ms, width, height, fps, video_codec, container,"
	"       probe_error, content_sha256"
	"  FROM videos WHERE path = $1" };

/* Insert, or update only when something differs; RETURNING yields no row
 * when nothing changed. xmax = 0 tells a fresh insert from an update. */
static struct db_stmt q_upsert = { "library_upsert",
	"INSERT INTO videos (path, size_bytes, mtime, duration_ms, width, height, fps,"
	"    video_codec, container, probe_error, expression, expression_translation, title,"
	"    title_translation, keywords, language, learn_language, show_name, episode,"
	"    generated_at, ready, not_ready_reason, expression_start_ms, missing, updated_at,"
	"    content_sha256)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,"
	"    ARRAY(SELECT jsonb_array_elements_text($15::jsonb)),"
	"    $16, $17, $18, $19, $20, $21, $22, $23, false, now(), $24)"
	" ON CONFLICT (path) DO UPDATE SET"
	"    size_bytes = EXCLUDED.size_bytes, mtime = EXCLUDED.mtime,"
	"    duration_ms = EXCLUDED.duration_ms, width = EXCLUDED.width,"
	"    height = EXCLUDED.height, fps = EXCLUDED.fps, video_codec = EXCLUDED.video_codec,"
	"    container = EXCLUDED.container, probe_error = EXCLUDED.probe_error,"
	"    expression = EXCLUDED.expression,"
	"    expression_translation = EXCLUDED.expression_translation,"
	"    title = EXCLUDED.title, title_translation = EXCLUDED.title_translation,"
	"    keywords = EXCLUDED.keywords, language = EXCLUDED.language,"
	"    learn_language = EXCLUDED.learn_language, show_name = EXCLUDED.show_name,"
	"    episode = EXCLUDED.episode, generated_at = EXCLUDED.generated_at,"
	"    ready = EXCLUDED.ready, not_ready_reason = EXCLUDED.not_ready_reason,"
	"    expression_start_ms = EXCLUDED.expression_start_ms,"
	"    missing = false, updated_at = now(),"
	"    content_sha256 = coalesce(EXCLUDED.content_sha256, videos.content_sha256)"
	" WHERE (videos.size_bytes, videos.mtime, videos.duration_ms, videos.width,"
	"        videos.height, videos.fps, videos.video_codec, videos.container,"
	"        videos.probe_error, videos.expression, videos.expression_translation,"
	"        videos.title, videos.title_translation, videos.keywords, videos.language,"
	"        videos.learn_language, videos.show_name, videos.episode, videos.generated_at,"
	"        videos.ready, videos.not_ready_reason, videos.expression_start_ms, videos.missing,"
	"        videos.content_sha256)"
	"   IS DISTINCT FROM"
	"       (EXCLUDED.size_bytes, EXCLUDED.mtime, EXCLUDED.duration_ms, EXCLUDED.width,"
	"        EXCLUDED.height, EXCLUDED.fps, EXCLUDED.video_codec, EXCLUDED.container,"
	"        EXCLUDED.probe_error, EXCLUDED.expression, EXCLUDED.expression_translation,"
	"        EXCLUDED.title, EXCLUDED.title_translation, EXCLUDED.keywords,"
	"        EXCLUDED.language, EXCLUDED.learn_language, EXCLUDED.show_name,"
	"        EXCLUDED.episode, EXCLUDED.generated_at, EXCLUDED.ready,"
	"        EXCLUDED.not_ready_reason, EXCLUDED.expression_start_ms, false,"
	"        coalesce(EXCLUDED.content_sha256, videos.content_sha256))"
	" RETURNING (xmax = 0) AS inserted" };

/* Rows under the imported folder ($1, "" for the whole root) whose files
 * were not seen ($2) are missing, except under folders that could not be
 * listed ($3): their files may well still be there. */
static struct db_stmt q_mark_missing = { "library_mark_missing",
	"UPDATE videos SET missing = true, updated_at = now()"
	" WHERE NOT missing"
	"   AND ($1 = '' OR left(path, length($1) + 1) = $1 || '/')"
	"   AND path NOT IN (SELECT jsonb_array_elements_text($2::jsonb))"
	"   AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text($3::jsonb) AS u(dir)"
	"                   WHERE left(path, length(u.dir) + 1) = u.dir || '/')"
	" RETURNING path" };

/* The frames of a file are made again only when it changed (its size and
 * mtime) or the sidecar moved the poster's moment: frames_source says
 * what the current ones were made from, failures included. */
static struct db_stmt q_frames_state = { "library_frames_state",
	"SELECT id, frames_source FROM videos WHERE path = $1" };

static struct db_stmt q_frames_store = { "library_frames_store",
	"UPDATE videos SET frame_times_ms = $2::int[], frames_source = $3, frames_error = $4"
	" WHERE id = $1" };

struct walk {
	struct db *db;
	const char *root;          /* realpath(media_root) */
	const char *frames_dir;    /* NULL: no preview pictures */
	struct import_stats *st;
	FILE *report;
	char **seen;               /* relative paths of every video file found */
	size_t nseen, capseen;
	char **links;              /* symlinked files, handled after the walk */
	size_t nlinks, caplinks;
	struct buf unreadable;     /* JSON array of folders that could not be listed */
	int db_down;
};

static struct db_stmt q_hash_of = { "library_hash_of",
	"SELECT content_sha256 FROM videos WHERE id = $1" };
static struct db_stmt q_hash_set = { "library_hash_set",
	"UPDATE videos SET content_sha256 = $2 WHERE id = $1 AND content_sha256 IS NULL" };

int library_video_hash(struct db *db, int64_t video_id, const char *real_path, char out[65])
{
	PGresult *r = db_query(db, &q_hash_of, DB_PARAMS(DB_INT(video_id)));

	out[0] = '\0';
	if (!r)
		return -1;
	if (PQntuples(r) == 1)
		snprintf(out, 65, "%s", db_get_text(r, 0, "content_sha256"));
	PQclear(r);
	if (out[0])
		return 0;
	if (!real_path || crypto_sha256_file_hex(real_path, out) < 0) {
		out[0] = '\0';
		return 1;
	}
	return db_command(db, &q_hash_set, DB_PARAMS(DB_INT(video_id), DB_TEXT(out))) < 0 ? -1 : 0;
}

int library_is_video_name(const char *name)
{
	static const char *const exts[] = { ".mp4", ".mov", ".webm" };
	size_t n = strlen(name);

	for (size_t i = 0; i < ARRAY_LEN(exts); i++) {
		size_t e = strlen(exts[i]);
		if (n > e && strcasecmp(name + n - e, exts[i]) == 0)
			return 1;
	}
	return 0;
}

/* The path relative to the root ("" for the root itself). */
static const char *relative(const struct walk *w, const char *real)
{
	size_t n = strlen(w->root);

	if (n == 1)
		return real + 1;
	return real[n] == '/' ? real + n + 1 : real + n;
}

static int valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int extra;
		unsigned cp;
		if (*p < 0x80) {
			p++;
			continue;
		} else if ((*p & 0xe0) == 0xc0) {
			extra = 1, cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			extra = 2, cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			extra = 3, cp = *p & 0x07;
		} else {
			return 0;
		}
		p++;
		for (int i = 0; i < extra; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (*p & 0x3f);
		}
		/* overlong forms, surrogates, beyond U+10FFFF */
		if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
		    (extra == 3 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
	}
	return 1;
}

/* One report line; control characters in file names become '?' so a
 * name cannot forge extra lines, and so do all non-ASCII bytes of a name
 * that is not UTF-8. */
static void say(struct walk *w, const char *verb, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void say(struct walk *w, const char *verb, const char *path, const char *fmt, ...)
{
	va_list ap;

	if (!w->report)
		return;
	struct buf shown = BUF_INIT;

	fprintf(w->report, "%-9s ", verb);
	terminal_text(&shown, path);
	fputs(buf_cstr(&shown), w->report);
	buf_free(&shown);
	if (fmt) {
		va_start(ap, fmt);
		vfprintf(w->report, fmt, ap);
		va_end(ap);
	}
	fputc('\n', w->report);
}

static void push(char ***list, size_t *n, size_t *cap, const char *s)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*list = xrealloc(*list, *cap * sizeof(char *));
	}
	(*list)[(*n)++] = xstrdup(s);
}

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* After the first database failure, is the database gone altogether? */
static int database_lost(struct walk *w)
{
	if (db_ensure(w->db) < 0) {
		w->db_down = 1;
		return 1;
	}
	return 0;
}

/* The stored probe of an unchanged file, so it is not probed again.
 * Returns 1 when the row matches size and mtime (probe filled in, and
 * perr set when the stored probe had failed), 0 when it must be probed,
 * -1 on a database error. */
static int stored_probe(struct walk *w, const char *rel, const struct stat *sb,
			struct probe_result *p, char *perr, size_t perrlen, char sha[65])
{
	PGresult *r = db_query(w->db, &q_lookup, DB_PARAMS(DB_TEXT(rel)));
	int rc = 0;

	if (!r)
		return -1;
	if (PQntuples(r) == 1 && db_get_int(r, 0, "size_bytes") == (int64_t)sb->st_size &&
	    db_get_int(r, 0, "mtime") == (int64_t)sb->st_mtime) {
		memset(p, 0, sizeof(*p));
		p->size_bytes = db_get_int(r, 0, "size_bytes");
		p->duration_ms = db_get_int(r, 0, "duration_ms");
		p->width = (int)db_get_int(r, 0, "width");
		p->height = (int)db_get_int(r, 0, "height");
		p->fps = db_get(r, 0, "fps") ? strtod(db_get(r, 0, "fps"), NULL) : 0.0;
		snprintf(p->video_codec, sizeof(p->video_codec), "%s",
			 db_get(r, 0, "video_codec") ? db_get(r, 0, "video_codec") : "unknown");
		snprintf(p->container, sizeof(p->container), "%s",
			 db_get(r, 0, "container") ? db_get(r, 0, "container") : "unknown");
		snprintf(perr, perrlen, "%s", db_get_text(r, 0, "probe_error"));
		snprintf(sha, 65, "%s", db_get_text(r, 0, "content_sha256"));
		rc = 1;
	}
	PQclear(r);
	return rc;
}

/* Sidecar next to the file. Problems become a warning (into note, to be
 * reported after the file's own line), never a failure. */
static void read_sidecar(struct walk *w, const char *real, struct sidecar *sc, struct buf *note)
{
	char path[PATH_MAX], resolved[PATH_MAX], err[256];
	struct buf warns = BUF_INIT;

	memset(sc, 0, sizeof(*sc));
	sc->expression_start_ms = -1;
	if (!sidecar_find(real, path, sizeof(path)))
		return;
	if (!realpath(path, resolved) || !media_path_under(w->root, resolved))
		buf_puts(note, "sidecar is outside the media root or unreadable, ignored");
	else if (sidecar_load(resolved, sc, &warns, err, sizeof(err)) < 0)
		buf_printf(note, "sidecar %s; imported without metadata", err);
	else if (warns.len)
		buf_printf(note, "sidecar %s", warns.data);
	buf_free(&warns);
}

/* Upsert one file's row. 1 inserted, 2 updated, 0 unchanged, -1 error. */
static int store(struct walk *w, const char *rel, const struct stat *sb,
		 const struct probe_result *p, const char *probe_error,
		 const struct sidecar *sc, const struct readiness *rd, const char *reason, const char *sha)
{
	struct buf kw = BUF_INIT;
	struct db_param params[24];
	int ok = !probe_error, rc;
	PGresult *r;

	sidecar_keywords_json(sc, &kw);
	params[0] = DB_TEXT(rel);
	params[1] = DB_INT(sb->st_size);
	params[2] = DB_INT(sb->st_mtime);
	/* a failed probe stores NULLs, not zeros that look like measurements */
	params[3] = ok ? DB_INT(p->duration_ms) : DB_NULL;
	params[4] = ok ? DB_INT(p->width) : DB_NULL;
	params[5] = ok ? DB_INT(p->height) : DB_NULL;
	params[6] = ok ? DB_DOUBLE(p->fps) : DB_NULL;
	params[7] = DB_TEXT(ok ? p->video_codec : NULL);
	params[8] = DB_TEXT(ok ? p->container : NULL);
	params[9] = DB_TEXT(probe_error);
	params[10] = DB_TEXT(sc->expression);
	params[11] = DB_TEXT(sc->expression_translation);
	params[12] = DB_TEXT(sc->title);
	params[13] = DB_TEXT(sc->title_translation);
	params[14] = DB_TEXT(kw.data);
	params[15] = DB_TEXT(sc->language);
	params[16] = DB_TEXT(sc->learn_language);
	params[17] = DB_TEXT(sc->show_name);
	params[18] = DB_TEXT(sc->episode);
	params[19] = DB_TEXT(sc->generated_at);
	params[20] = DB_BOOL(rd->ready);
	params[21] = DB_TEXT(reason[0] ? reason : NULL);
	params[22] = sc->expression_start_ms >= 0 ? DB_INT(sc->expression_start_ms) : DB_NULL;
	params[23] = DB_TEXT(sha[0] ? sha : NULL);
	r = db_query(w->db, &q_upsert, (int)ARRAY_LEN(params), params);
	buf_free(&kw);
	if (!r)
		return -1;
	if (PQntuples(r) == 0)
		rc = 0;
	else
		rc = db_get_bool(r, 0, "inserted") ? 1 : 2;
	PQclear(r);
	return rc;
}

/* The poster and the strip of a file that decoded as a video, unless the
 * current ones were made from the same file. A failure is a warning (into
 * note) and a reason on the row, never a failed import. -1 on a database
 * error. */
static int make_frames(struct walk *w, const char *real, const char *rel, const struct stat *sb,
		       long long poster_ms, struct buf *note)
{
	char source[96], dir[PATH_MAX], err[256] = "";
	struct frames_result fr;
	struct buf times = BUF_INIT;
	PGresult *r;
	int64_t id;
	int rc;

	snprintf(source, sizeof(source), "%lld:%lld:%lld", (long long)sb->st_size,
		 (long long)sb->st_mtime, poster_ms);
	r = db_query(w->db, &q_frames_state, DB_PARAMS(DB_TEXT(rel)));
	if (!r)
		return -1;
	if (PQntuples(r) != 1 || !strcmp(db_get_text(r, 0, "frames_source"), source)) {
		PQclear(r);
		return 0;
	}
	id = db_get_int(r, 0, "id");
	PQclear(r);
	if (frames_video_dir(w->frames_dir, id, dir, sizeof(dir)) < 0)
		snprintf(err, sizeof(err), "the frames_dir path is too long");
	else if (frames_extract(real, dir, poster_ms, &fr, err, sizeof(err)) == 0) {
		buf_putc(&times, '{');
		for (int i = 0; i < fr.n; i++)
			buf_printf(&times, "%s%lld", i ? "," : "", (long long)fr.times_ms[i]);
		buf_putc(&times, '}');
	}
	if (err[0]) {
		if (note->len)
			buf_puts(note, "; ");
		buf_printf(note, "no preview pictures: %s", err);
	}
	rc = db_command(w->db, &q_frames_store,
			DB_PARAMS(DB_INT(id), DB_TEXT(times.len ? times.data : NULL), DB_TEXT(source),
				  DB_TEXT(err[0] ? err : NULL)));
	buf_free(&times);
	return rc < 0 ? -1 : 0;
}

static void import_file(struct walk *w, const char *real, const char *rel, const struct stat *sb)
{
	static const char *const verbs[] = { "unchanged", "added", "updated" };
	char perr[256] = "", reason[sizeof(((struct readiness *)0)->reason) + 300], sha[65] = "";
	struct probe_result p;
	struct readiness rd;
	struct sidecar sc;
	struct buf note = BUF_INIT;
	int have, rc;

	have = stored_probe(w, rel, sb, &p, perr, sizeof(perr), sha);
	if (have < 0) {
		if (!database_lost(w)) {
			say(w, "skipped", rel, ": database error: %s", w->db->err);
			w->st->skipped++;
		}
		return;
	}
	if (!have && probe_file(real, &p, perr, sizeof(perr)) == 0)
		perr[0] = '\0';
	/* the content hash (the duplicate guard, sql/032): for a new or changed
	 * file, and once for a row imported before there were hashes */
	if ((!have || !sha[0]) && crypto_sha256_file_hex(real, sha) < 0)
		sha[0] = '\0';
	read_sidecar(w, real, &sc, &note);
	if (perr[0]) {
		memset(&rd, 0, sizeof(rd));
		snprintf(reason, sizeof(reason), "Could not read the video: %s", perr);
	} else {
		readiness_check(&p, &rd);
		snprintf(reason, sizeof(reason), "%s", rd.reason);
	}
	rc = store(w, rel, sb, &p, perr[0] ? perr : NULL, &sc, &rd, reason, sha);
	if (rc >= 0 && !perr[0] && w->frames_dir &&
	    make_frames(w, real, rel, sb, sc.expression_start_ms, &note) < 0)
		rc = -1;
	sidecar_free(&sc);
	if (rc < 0) {
		if (!database_lost(w)) {
			say(w, "skipped", rel, ": database error: %s", w->db->err);
			w->st->skipped++;
		}
		buf_free(&note);
		return;
	}
	if (rc == 1)
		w->st->added++;
	else if (rc == 2)
		w->st->updated++;
	else
		w->st->unchanged++;
	if (rd.ready)
		w->st->ready++;
	else
		w->st->not_ready++;
	if (rc == 0)
		say(w, verbs[rc], rel, rd.ready ? " (ready)" : " (not ready)");
	else if (rd.ready)
		say(w, verbs[rc], rel, " (ready)");
	else
		say(w, verbs[rc], rel, " (not ready: %s)", reason);
	if (note.len) {
		say(w, "warning", rel, ": %s", note.data);
		w->st->warnings++;
	}
	if (rd.warning[0]) {
		say(w, "warning", rel, ": %s", rd.warning);
		w->st->warnings++;
	}
	buf_free(&note);
}

/* Resolve, check and import one video file found at path. */
static void visit_file(struct walk *w, const char *path)
{
	char real[PATH_MAX];
	const char *shown = path + strlen(w->root) + (strlen(w->root) > 1);
	const char *rel;
	struct stat sb;

	if (!realpath(path, real)) {
		say(w, "skipped", shown, ": cannot resolve the path (%s)", strerror(errno));
		w->st->skipped++;
		return;
	}
	if (!media_path_under(w->root, real)) {
		say(w, "skipped", shown, ": it leads outside the media root");
		w->st->skipped++;
		return;
	}
	rel = relative(w, real);
	if (stat(real, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		say(w, "skipped", shown, ": not a regular file");
		w->st->skipped++;
		return;
	}
	if (!valid_utf8(rel)) {
		say(w, "skipped", shown, ": the file name is not valid UTF-8");
		w->st->skipped++;
		return;
	}
	push(&w->seen, &w->nseen, &w->capseen, rel);
	import_file(w, real, rel, &sb);
}

static void add_unreadable(struct walk *w, const char *rel)
{
	buf_putc(&w->unreadable, w->unreadable.len ? ',' : '[');
	buf_putc(&w->unreadable, '"');
	json_escape(&w->unreadable, rel);
	buf_putc(&w->unreadable, '"');
}

/* Names in a folder, sorted (a stable report), dot files left out:
 * they are hidden by convention and include macOS "._clip.mp4" debris. */
static char **list_dir(const char *path, size_t *n)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char **names = NULL;
	size_t cap = 0;

	*n = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		push(&names, n, &cap, e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(names, *n, sizeof(char *), cmp_str);
	if (!names)
		names = xcalloc(1, sizeof(char *));
	return names;
}

static void walk_dir(struct walk *w, const char *path, int depth)
{
	size_t n, plen = strlen(path);
	char **names = list_dir(path, &n);
	char *child;
	struct stat sb;

	if (!names) {
		say(w, "skipped", relative(w, path), "/: cannot list the folder (%s)", strerror(errno));
		w->st->skipped++;
		add_unreadable(w, relative(w, path));
		return;
	}
	child = xmalloc(PATH_MAX);
	for (size_t i = 0; i < n && !w->db_down; i++) {
		if (plen + 1 + strlen(names[i]) >= PATH_MAX)
			continue;
		snprintf(child, PATH_MAX, "%s%s%s", path, plen > 1 ? "/" : "", names[i]);
		if (lstat(child, &sb) < 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			if (depth < MAX_DEPTH)
				walk_dir(w, child, depth + 1);
			else
				say(w, "skipped", relative(w, child), "/: folders nested too deep");
		} else if (library_is_video_name(names[i])) {
			/* symlinked folders are never followed (loops, escapes);
			 * symlinked files are, after the checks in visit_file */
			if (S_ISLNK(sb.st_mode))
				push(&w->links, &w->nlinks, &w->caplinks, child);
			else if (S_ISREG(sb.st_mode))
				visit_file(w, child);
		}
	}
	free(child);
	free_list(names, n);
}

/* Symlinked files come last so that a link to a file already imported
 * under its real name is not imported twice. */
static void visit_links(struct walk *w)
{
	char real[PATH_MAX];
	size_t nsorted = w->nseen;

	if (w->nseen)
		qsort(w->seen, w->nseen, sizeof(char *), cmp_str);
	for (size_t i = 0; i < w->nlinks && !w->db_down; i++) {
		int dup = 0;
		if (realpath(w->links[i], real) && media_path_under(w->root, real)) {
			const char *rel = relative(w, real);
			dup = bsearch(&rel, w->seen, nsorted, sizeof(char *), cmp_str) != NULL;
			for (size_t k = nsorted; k < w->nseen && !dup; k++)
				dup = strcmp(w->seen[k], rel) == 0;
		}
		if (!dup)
			visit_file(w, w->links[i]);
	}
}

static int mark_missing(struct walk *w, const char *rel_dir)
{
	struct buf seen = BUF_INIT;
	PGresult *r;

	json_string_array(&seen, w->seen, w->nseen);
	if (w->unreadable.len == 0)
		buf_putc(&w->unreadable, '[');
	buf_putc(&w->unreadable, ']');
	r = db_query(w->db, &q_mark_missing,
		     DB_PARAMS(DB_TEXT(rel_dir), DB_TEXT(seen.data), DB_TEXT(w->unreadable.data)));
	buf_free(&seen);
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r); i++)
		say(w, "missing", db_get_text(r, i, "path"), NULL);
	w->st->missing += PQntuples(r);
	PQclear(r);
	return 0;
}

static int fail(FILE *report, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(FILE *report, const char *fmt, ...)
{
	va_list ap;

	if (report) {
		fputs("error: ", report);
		va_start(ap, fmt);
		vfprintf(report, fmt, ap);
		va_end(ap);
		fputc('\n', report);
	}
	return -1;
}

int library_import(struct db *db, const char *media_root, const char *frames_dir,
		   const char *dir, struct import_stats *st, FILE *report)
{
	char root[PATH_MAX], real_dir[PATH_MAX];
	struct walk w;
	struct stat sb;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	if (!media_root || !*media_root || !realpath(media_root, root) ||
	    stat(root, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return fail(report, "the media root %s is not a usable folder",
			    media_root && *media_root ? media_root : "(not set)");
	if (!realpath(dir, real_dir) || stat(real_dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return fail(report, "%s is not a folder", dir);
	if (!media_path_under(root, real_dir))
		return fail(report, "%s is outside the media root %s", dir, root);
	if (db_command(db, &q_check, 0, NULL) < 0)
		return fail(report, "the videos table is not usable (%s); run `langflix migrate`",
			    db->err);

	memset(&w, 0, sizeof(w));
	w.db = db;
	w.root = root;
	w.frames_dir = frames_dir && *frames_dir ? frames_dir : NULL;
	if (w.frames_dir && mkdir(w.frames_dir, 0755) < 0 && errno != EEXIST)
		fprintf(report ? report : stderr, "warning   cannot make the frames folder %s (%s)\n",
			w.frames_dir, strerror(errno));
	w.st = st;
	w.report = report;
	buf_init(&w.unreadable);
	walk_dir(&w, real_dir, 0);
	visit_links(&w);
	if (w.db_down) {
		fail(report, "the database went away during the import (%s)", db->err);
		goto out;
	}
	if (mark_missing(&w, relative(&w, real_dir)) < 0) {
		fail(report, "could not mark vanished files missing (%s)", db->err);
		goto out;
	}
	rc = 0;
out:
	free_list(w.seen, w.nseen);
	free_list(w.links, w.nlinks);
	buf_free(&w.unreadable);
	return rc;
}
