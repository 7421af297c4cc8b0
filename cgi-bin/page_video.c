/* page_video.c — one video's file and its preview pictures (served by
 * nginx); its TikTok composer is page_composer.c. (GET /healthz lives in
 * page_ops.c.) */
#include "app.h"
#include "escape.h"
#include "frames.h"
#include "jobs.h"
#include "log.h"
#include "mediapath.h"
#include "pullurl.h"
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

/* The video's file through nginx's internal /_media/ location. */
static int send_file(struct request *req, int64_t id)
{
	char resolved[PATH_MAX];
	struct buf loc = BUF_INIT;
	const char *path, *p;
	PGresult *r = load_video(req, id);

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

int page_video_file(struct request *req)
{
	int64_t id = param_id(req, "id");

	if (id < 0)
		return not_found(req);
	return send_file(req, id);
}

/* GET /pull/videos/{id}?expires=&sig= — TikTok fetching a video in
 * PULL_FROM_URL mode (lib/pullurl.h). No login: the signature is the
 * authentication. A forged or expired address gets 403 and nothing else;
 * nginx then sends the file straight from disk. */
int page_video_pull(struct request *req)
{
	int64_t id = param_id(req, "id"), job = 0;
	enum pull_check ok = id < 0 ? PULL_FORGED
				    : pull_url_check(&app.cfg, id, kv_get(&req->query, "job"),
						     kv_get(&req->query, "expires"), kv_get(&req->query, "sig"),
						     time(NULL), &job);

	if (ok != PULL_OK) {
		log_warn("event=pull_url_refused video_id=%lld why=%s", (long long)id,
			 ok == PULL_EXPIRED ? "expired" : "signature");
		return render_error(req, 403, ok == PULL_EXPIRED ? "This link has expired" : "This link is not valid",
				    "This address lets TikTok fetch one video for a limited time. It is "
				    "not valid (any more).");
	}
	/* the job's timeline says TikTok came for the file (once) */
	if (jobs_pull_fetched(page_of(req)->db, job, id) < 0)
		log_warn("event=pull_fetch_not_recorded job=%lld", (long long)job);
	return send_file(req, id);
}
