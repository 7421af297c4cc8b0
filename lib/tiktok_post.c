/* tiktok_post.c — init, status and the streamed chunk PUT. See tiktok_post.h. */
#include "tiktok_post.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define PUT_CONNECT_TIMEOUT_SEC 10L
/* A chunk transfer that moves less than 1 KB/s for 60 s is dead. */
#define PUT_LOW_SPEED_BYTES 1024L
#define PUT_LOW_SPEED_SEC   60L
/* libcurl's upload buffer: the only buffer the body passes through. */
#define PUT_BUFFER_BYTES    (512L * 1024L)
#define PUT_ANSWER_MAX      2048

/* ---- init ---- */

void tiktok_init_body(const struct post_settings *post, const struct tiktok_source *src,
		      struct buf *out)
{
	struct json_object *root = json_object_new_object(), *si = json_object_new_object();

	if (post && post->direct) {
		struct json_object *pi = json_object_new_object();
		json_object_object_add(pi, "privacy_level",
				       json_object_new_string(post->privacy_level ? post->privacy_level : ""));
		json_object_object_add(pi, "title", json_object_new_string(post->title ? post->title : ""));
		json_object_object_add(pi, "disable_comment", json_object_new_boolean(!!post->disable_comment));
		json_object_object_add(pi, "disable_duet", json_object_new_boolean(!!post->disable_duet));
		json_object_object_add(pi, "disable_stitch", json_object_new_boolean(!!post->disable_stitch));
		json_object_object_add(pi, "brand_content_toggle",
				       json_object_new_boolean(!!post->brand_content));
		json_object_object_add(pi, "brand_organic_toggle",
				       json_object_new_boolean(!!post->brand_organic));
		json_object_object_add(pi, "is_aigc", json_object_new_boolean(!!post->is_aigc));
		if (post->cover_ms >= 0)
			json_object_object_add(pi, "video_cover_timestamp_ms",
					       json_object_new_int64(post->cover_ms));
		json_object_object_add(root, "post_info", pi);
	}
	if (src->video_url) {
		json_object_object_add(si, "source", json_object_new_string("PULL_FROM_URL"));
		json_object_object_add(si, "video_url", json_object_new_string(src->video_url));
	} else {
		json_object_object_add(si, "source", json_object_new_string("FILE_UPLOAD"));
		json_object_object_add(si, "video_size", json_object_new_int64(src->video_size));
		json_object_object_add(si, "chunk_size", json_object_new_int64(src->chunk_size));
		json_object_object_add(si, "total_chunk_count", json_object_new_int64(src->chunk_count));
	}
	json_object_object_add(root, "source_info", si);
	buf_puts(out, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}

struct json_object *tiktok_envelope_data(struct json_object *body)
{
	struct json_object *err, *code, *data;

	if (!body || !json_object_is_type(body, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(body, "error", &err) ||
	    !json_object_is_type(err, json_type_object) ||
	    !json_object_object_get_ex(err, "code", &code) ||
	    !json_object_is_type(code, json_type_string) ||
	    strcmp(json_object_get_string(code), "ok") != 0)
		return NULL;
	if (!json_object_object_get_ex(body, "data", &data) ||
	    !json_object_is_type(data, json_type_object))
		return NULL;
	return data;
}

int tiktok_parse_init(struct json_object *body, struct tiktok_init *out)
{
	struct json_object *data = tiktok_envelope_data(body);

	memset(out, 0, sizeof(*out));
	if (!data)
		return -1;
	if (tiktok_json_string(data, "publish_id", out->publish_id, 65, 1) < 0 ||
	    tiktok_json_string(data, "upload_url", out->upload_url, sizeof(out->upload_url), 1) < 0 ||
	    !url_https_or_loopback(out->upload_url)) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

int tiktok_parse_pull_init(struct json_object *body, struct tiktok_init *out)
{
	struct json_object *data = tiktok_envelope_data(body);

	memset(out, 0, sizeof(*out));
	if (!data || tiktok_json_string(data, "publish_id", out->publish_id, 65, 1) < 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

int tiktok_post_init(const struct tiktok_client *c, const char *access_token,
		     const struct post_settings *post, const struct tiktok_source *src,
		     struct tiktok_init *out, struct tiktok_result *res)
{
	struct buf body = BUF_INIT;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	tiktok_init_body(post, src, &body);
	if (tiktok_call(c, "POST", post && post->direct ? "post/publish/video/init" : "post/publish/inbox/video/init",
			NULL, access_token, "application/json; charset=UTF-8", buf_cstr(&body),
			res) < 0 || res->outcome != TT_OK)
		goto out;
	if ((src->video_url ? tiktok_parse_pull_init(res->json, out) : tiktok_parse_init(res->json, out)) < 0) {
		res->outcome = TT_MALFORMED;
		goto out;
	}
	rc = 0;
out:
	buf_free(&body);
	return rc;
}

/* ---- status ---- */

/* A post id as decimal digits: an integer (never read as a double) or a
 * string of digits. */
int tiktok_take_post_id(struct json_object *v, char *dst, size_t n)
{
	if (json_object_is_type(v, json_type_int)) {
		int64_t id = json_object_get_int64(v);
		if (id <= 0)
			return -1;
		snprintf(dst, n, "%" PRId64, id);
		return 0;
	}
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		size_t len = strlen(s);
		if (!len || len >= n)
			return -1;
		for (size_t i = 0; i < len; i++)
			if (!isdigit((unsigned char)s[i]))
				return -1;
		memcpy(dst, s, len + 1);
		return 0;
	}
	return -1;
}

int tiktok_parse_status(struct json_object *body, struct tiktok_status *out)
{
	struct json_object *data = tiktok_envelope_data(body), *v;

	memset(out, 0, sizeof(*out));
	out->uploaded_bytes = out->downloaded_bytes = -1;
	if (!data || tiktok_json_string(data, "status", out->status, sizeof(out->status), 1) < 0)
		goto bad;
	if (json_object_object_get_ex(data, "fail_reason", &v) && v) {
		if (!json_object_is_type(v, json_type_string))
			goto bad;
		str_copy(out->fail_reason, sizeof(out->fail_reason), json_object_get_string(v));
	}
	if (json_object_object_get_ex(data, "publicaly_available_post_id", &v) && v) {
		if (!json_object_is_type(v, json_type_array))
			goto bad;
		for (size_t i = 0; i < json_object_array_length(v) && out->n_post_ids < TT_POST_IDS_MAX; i++) {
			if (tiktok_take_post_id(json_object_array_get_idx(v, i), out->post_ids[out->n_post_ids],
					 sizeof(out->post_ids[0])) < 0)
				goto bad;
			out->n_post_ids++;
		}
	}
	if (json_object_object_get_ex(data, "uploaded_bytes", &v) && v) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
			goto bad;
		out->uploaded_bytes = json_object_get_int64(v);
	}
	if (json_object_object_get_ex(data, "downloaded_bytes", &v) && v) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
			goto bad;
		out->downloaded_bytes = json_object_get_int64(v);
	}
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	out->uploaded_bytes = out->downloaded_bytes = -1;
	return -1;
}

int tiktok_status_fetch(const struct tiktok_client *c, const char *access_token,
			const char *publish_id, struct tiktok_status *out,
			struct tiktok_result *res)
{
	struct buf body = BUF_INIT;
	struct json_object *o = json_object_new_object();
	int rc = -1;

	memset(out, 0, sizeof(*out));
	json_object_object_add(o, "publish_id", json_object_new_string(publish_id));
	buf_puts(&body, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	if (tiktok_call(c, "POST", "post/publish/status/fetch", NULL, access_token,
			"application/json; charset=UTF-8", buf_cstr(&body), res) < 0 ||
	    res->outcome != TT_OK)
		goto out;
	if (tiktok_parse_status(res->json, out) < 0) {
		res->outcome = TT_MALFORMED;
		goto out;
	}
	rc = 0;
out:
	buf_free(&body);
	return rc;
}

/* ---- the chunk PUT ---- */

static int parse_i64(const char **p, int64_t *out)
{
	int64_t v = 0;
	const char *s = *p;

	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s)) {
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	*p = s;
	*out = v;
	return 0;
}

int tiktok_parse_held_range(const char *value, int64_t *held, int64_t *total)
{
	const char *s = value;
	int64_t first, last;

	if (!s || strncasecmp(s, "bytes ", 6) != 0)
		return -1;
	s += 6;
	if (*s == '*') {
		s++;
		if (*s++ != '/' || parse_i64(&s, total) < 0 || *s || *total <= 0)
			return -1;
		*held = 0;
		return 0;
	}
	if (parse_i64(&s, &first) < 0 || *s++ != '-' || parse_i64(&s, &last) < 0 || *s++ != '/' ||
	    parse_i64(&s, total) < 0 || *s)
		return -1;
	/* TikTok reports what it holds from the start: 0-N */
	if (first != 0 || last >= *total)
		return -1;
	*held = last + 1;
	return 0;
}

void tiktok_content_range(int64_t first, int64_t last, int64_t total, char *out, size_t n)
{
	snprintf(out, n, "bytes %" PRId64 "-%" PRId64 "/%" PRId64, first, last, total);
}

const char *tiktok_video_content_type(const char *path)
{
	const char *dot = path ? strrchr(path, '.') : NULL;

	if (dot && !strcasecmp(dot, ".mov"))
		return "video/quicktime";
	if (dot && !strcasecmp(dot, ".webm"))
		return "video/webm";
	return "video/mp4";
}

struct put_state {
	struct tiktok_put *p;
	int64_t offset;               /* next file offset to read */
	int64_t end;                  /* one past the chunk's last byte */
	int read_error;
	char answer[PUT_ANSWER_MAX];  /* the start of TikTok's answer (error JSON) */
	size_t answer_len;
};

/* libcurl asks for body bytes: pread straight into its buffer. */
static size_t on_read(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct put_state *st = arg;
	size_t want = size * nmemb;
	ssize_t got;

	if ((int64_t)want > st->end - st->offset)
		want = (size_t)(st->end - st->offset);
	if (want == 0)
		return 0;
	do
		got = pread(st->p->fd, dst, want, (off_t)st->offset);
	while (got < 0 && errno == EINTR);
	if (got <= 0) {
		/* the file shrank or broke: never send fewer bytes than announced */
		st->read_error = 1;
		return CURL_READFUNC_ABORT;
	}
	st->offset += got;
	st->p->bytes_read += got;
	return (size_t)got;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *arg)
{
	struct put_state *st = arg;
	size_t n = size * nmemb;
	char value[160];
	size_t vlen;
	const char *v;

	if (n > 14 && !strncasecmp(line, "Content-Range:", 14)) {
		v = line + 14;
		while (v < line + n && (*v == ' ' || *v == '\t'))
			v++;
		vlen = (size_t)(line + n - v);
		while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
			vlen--;
		if (vlen < sizeof(value)) {
			memcpy(value, v, vlen);
			value[vlen] = '\0';
			st->p->has_range = tiktok_parse_held_range(value, &st->p->held, &st->p->held_total) == 0;
		}
	}
	return n;
}

static size_t on_answer(char *data, size_t size, size_t nmemb, void *arg)
{
	struct put_state *st = arg;
	size_t n = size * nmemb, room = sizeof(st->answer) - 1 - st->answer_len;

	if (room) {
		size_t take = n < room ? n : room;
		memcpy(st->answer + st->answer_len, data, take);
		st->answer_len += take;
		st->answer[st->answer_len] = '\0';
	}
	return n;                     /* the rest is read and dropped */
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct put_state *st = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	if (st->p->progress && st->p->progress(st->p->progress_arg, (int64_t)ulnow)) {
		st->p->aborted = 1;
		return 1;
	}
	return 0;
}

/* TikTok's error code from an answer body, when it is the JSON envelope. */
static void answer_code(const struct put_state *st, char *out, size_t n)
{
	struct json_object *o = st->answer_len ? json_tokener_parse(st->answer) : NULL;
	struct tiktok_result r;

	if (!o)
		return;
	tiktok_result_init(&r);
	tiktok_parse_error(o, &r);
	if (r.error[0])
		str_copy(out, n, r.error);
	json_object_put(o);
}

int tiktok_put_chunk(CURL *curl, struct tiktok_put *p)
{
	struct put_state st;
	struct curl_slist *hdrs = NULL;
	char h[200], range[120];
	CURLcode cc;

	memset(&st, 0, sizeof(st));
	st.p = p;
	st.offset = p->first;
	st.end = p->last + 1;
	p->http_status = 0;
	p->aborted = 0;
	p->file_error = 0;
	p->error[0] = '\0';
	p->has_range = 0;
	p->held = p->held_total = 0;
	p->bytes_read = 0;
	if (p->first < 0 || p->last < p->first || p->last >= p->total) {
		str_copy(p->error, sizeof(p->error), "invalid chunk range");
		return -1;
	}
	if (!url_https_or_loopback(p->upload_url)) {
		/* a URL stored before the init answer was checked this strictly */
		str_copy(p->error, sizeof(p->error), "the upload URL is not https");
		return -1;
	}

	curl_easy_reset(curl);        /* keeps the connection cache */
	curl_easy_setopt(curl, CURLOPT_URL, p->upload_url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);                  /* PUT */
	curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)(p->last - p->first + 1));
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(curl, CURLOPT_READDATA, &st);
	curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, PUT_BUFFER_BYTES);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &st);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_answer);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &st);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &st);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, PUT_CONNECT_TIMEOUT_SEC);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, PUT_LOW_SPEED_BYTES);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, PUT_LOW_SPEED_SEC);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "LangFlix-Publisher/1");
	snprintf(h, sizeof(h), "Content-Type: %s", p->content_type ? p->content_type : "video/mp4");
	hdrs = curl_slist_append(hdrs, h);
	tiktok_content_range(p->first, p->last, p->total, range, sizeof(range));
	snprintf(h, sizeof(h), "Content-Range: %s", range);
	hdrs = curl_slist_append(hdrs, h);
	/* no 100-continue round trip: the body follows the headers at once */
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);

	cc = curl_easy_perform(curl);
	curl_slist_free_all(hdrs);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
	if (cc != CURLE_OK) {
		p->http_status = 0;
		p->file_error = st.read_error;
		p->has_range = 0;
		str_copy(p->error, sizeof(p->error),
		     st.read_error ? "the video file could not be read completely" : curl_easy_strerror(cc));
		return -1;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &p->http_status);
	if (p->http_status != 201 && p->http_status != 206)
		answer_code(&st, p->error, sizeof(p->error));
	return 0;
}
