/* page_video.c — one video's file (served by nginx); its TikTok composer
 * is page_composer.c. (GET /healthz lives in page_ops.c.) */
#include "app.h"
#include "escape.h"
#include "log.h"
#include "mediapath.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static struct db_stmt q_video = { "video_by_id",
	"SELECT id, path, title, title_translation, expression, expression_translation,"
	"       ready, not_ready_reason, missing, container FROM videos WHERE id = $1" };

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
