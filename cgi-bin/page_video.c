/* page_video.c — one video's file and its preview pictures (served by
 * nginx); its TikTok composer is page_composer.c. (GET /healthz lives in
 * page_ops.c.) */
#include "app.h"
#include "escape.h"
#include "frames.h"
#include "log.h"
#include "mediapath.h"
#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static struct db_stmt q_video = { "video_by_id",
	"SELECT id, path, title, title_translation, expression, expression_translation,"
	"       ready, not_ready_reason, missing, container FROM videos WHERE id = $1" };

static struct db_stmt q_frames = { "video_frames",
	"SELECT coalesce(array_length(frame_times_ms, 1), 0) AS frames FROM videos WHERE id = $1" };

static PGresult *load_video(struct request *req, int64_t id)
{
	return db_query(page_of(req)->db, &q_video, DB_PARAMS(DB_INT(id)));
}

static int not_found(struct request *req)
{
	return render_error(req, 404, "Video not found",
			    "There is no video with this number in the library.");
}

static const char *mime_for(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot && !strcasecmp(dot, ".webm"))
		return "video/webm";
	if (dot && !strcasecmp(dot, ".mov"))
		return "video/quicktime";
	return "video/mp4";
}

int page_video_file(struct request *req)
{
	int64_t id = param_id(req, "id");
	char resolved[PATH_MAX];
	struct buf loc = BUF_INIT;
	const char *path, *p;
	PGresult *r;

	if (id < 0)
		return not_found(req);
	r = load_video(req, id);
	if (!r)
		return -1;
	if (PQntuples(r) == 0 || db_get_bool(r, 0, "missing")) {
		PQclear(r);
		return render_error(req, 404, "Video file not found",
				    "The file of this video is missing from the media folder.");
	}
	path = db_get(r, 0, "path");
	if (media_resolve(app.cfg.media_root, path, resolved) < 0) {
		log_warn("event=media_path_refused video_id=%lld", (long long)id);
		PQclear(r);
		return render_error(req, 404, "Video file not found",
				    "The file of this video is not inside the media folder.");
	}
	/* each segment percent-encoded, the slashes kept */
	buf_puts(&loc, "/_media/");
	for (p = path; *p;) {
		size_t seg = strcspn(p, "/");
		char *part = arena_strndup(&req->arena, p, seg);
		url_encode(&loc, part);
		p += seg;
		if (*p == '/') {
			buf_putc(&loc, '/');
			p++;
		}
	}
	req->status = 200;
	req_header(req, "Content-Type: %s", mime_for(path));
	req_header(req, "X-Accel-Redirect: %s", buf_cstr(&loc));
	buf_free(&loc);
	PQclear(r);
	return 0;
}

/* GET /videos/{id}/frames/{n}: picture n (0 the poster, 1..8 the strip)
 * made at import. The app checks the login (the route) and that the
 * picture exists; nginx sends the file from frames_dir through the
 * internal /_frames/ location, with its ETag and Last-Modified. The
 * pictures' addresses carry a version (?v=, the pages add it), so the
 * browser may keep them a day without asking again. */
int page_video_frame(struct request *req)
{
	int64_t id = param_id(req, "id"), n = -1;
	const char *ns = kv_get(&req->params, "n");
	char file[PATH_MAX];
	struct stat sb;
	PGresult *r;
	int have;

	if (!ns || parse_int64(ns, 0, FRAMES_MAX - 1, &n) < 0 || id < 0)
		return render_error(req, 404, "Picture not found", "There is no such picture of a video.");
	r = db_query(page_of(req)->db, &q_frames, DB_PARAMS(DB_INT(id)));
	if (!r)
		return -1;
	have = PQntuples(r) == 1 && n < db_get_int(r, 0, "frames");
	PQclear(r);
	if (!have || frames_file(app.cfg.frames_dir, id, (int)n, file, sizeof(file)) < 0 ||
	    stat(file, &sb) < 0 || !S_ISREG(sb.st_mode))
		return render_error(req, 404, "Picture not found",
				    "This video has no such picture (it could not be decoded, or it "
				    "was imported before pictures were made: run the import again).");
	req->status = 200;
	req_header_unset(req, "Cache-Control");
	req_header(req, "Cache-Control: private, max-age=86400");
	req_header(req, "Content-Type: image/jpeg");
	req_header(req, "X-Accel-Redirect: /_frames/%lld/%d.jpg", (long long)id, (int)n);
	return 0;
}
