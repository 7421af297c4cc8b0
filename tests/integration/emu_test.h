/* emu_test.h — helpers shared by the TikTok emulator's integration tests
 * (tests/integration/test_emulator_*.c). They drive the emulator over HTTP
 * through nginx at LF_EMU_URL, using testlib's client. Static inline, so a
 * test file that does not use one does not warn.
 *
 * Include after cmocka.h and testlib.h. */
#ifndef EMU_TEST_H
#define EMU_TEST_H

#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "crypto.h"
#include "escape.h"

#define EMU_PUBLIC   "5f0c2a8e-1b7d-4c3e-9a61-000000000001"
#define EMU_PRIVATE  "5f0c2a8e-1b7d-4c3e-9a61-000000000002"
#define EMU_CAPPED   "5f0c2a8e-1b7d-4c3e-9a61-000000000003"
#define EMU_BADMEDIA "5f0c2a8e-1b7d-4c3e-9a61-000000000004"
#define EMU_ALL_SCOPES "user.info.basic,user.info.profile,user.info.stats,video.publish,video.upload"

struct emu_ctx {
	struct tclient *c;
	char client_key[260];
	char client_secret[260];
	char redirect_uri[600];
	char base[256];
};

/* A TCP socket bound to 127.0.0.1 on a free port (into *port), listening
 * when backlog > 0 (0: bound only, so connecting to it is refused). */
static inline int emu_loopback_socket(int backlog, int *port)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	if (backlog > 0)
		assert_int_equal(listen(fd, backlog), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static inline struct json_object *emu_parse(const struct tresp *r)
{
	struct json_object *o = json_tokener_parse(r->body.data);

	if (!o)
		fail_msg("not JSON (HTTP %ld): %.300s", r->status, r->body.data);
	return o;
}

/* obj.a.b... as a string ("" when absent). */
static inline const char *emu_str(struct json_object *o, const char *path)
{
	char key[128];
	const char *p = path;

	while (o && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		if (!json_object_object_get_ex(o, key, &o))
			return "";
		p = dot ? dot + 1 : p + n;
	}
	return o ? json_object_get_string(o) : "";
}

static inline struct json_object *emu_get(struct json_object *o, const char *path)
{
	char key[128];
	const char *p = path;

	while (o && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		p = dot ? dot + 1 : p + n;
	}
	return o;
}

static inline void emu_ctl(struct emu_ctx *e, const char *path, const char *json)
{
	static const char *const h[] = { "Content-Type: application/json", NULL };
	struct tresp r;

	assert_int_equal(tc_request(e->c, "POST", path, h, json, strlen(json), &r), 0);
	if (r.status != 200)
		fail_msg("%s %s -> %ld %s", path, json, r.status, r.body.data);
	tresp_free(&r);
}

static inline void emu_open(struct emu_ctx *e)
{
	struct tresp r;
	struct json_object *o;

	memset(e, 0, sizeof(*e));
	snprintf(e->base, sizeof(e->base), "%s", t_env("LF_EMU_URL"));
	e->c = tc_new_base(e->base);
	emu_ctl(e, "/_emulator/reset", "{}");
	/* the stack points webhooks at the app: keep these tests to themselves */
	emu_ctl(e, "/_emulator/config", "{\"webhook_url\":\"\"}");
	assert_int_equal(tc_get(e->c, "/_emulator/config", &r), 0);
	assert_int_equal(r.status, 200);
	o = emu_parse(&r);
	snprintf(e->client_key, sizeof(e->client_key), "%s", emu_str(o, "client_key"));
	snprintf(e->client_secret, sizeof(e->client_secret), "%s", emu_str(o, "client_secret"));
	snprintf(e->redirect_uri, sizeof(e->redirect_uri), "%s",
		 json_object_get_string(json_object_array_get_idx(emu_get(o, "redirect_uris"), 0)));
	json_object_put(o);
	tresp_free(&r);
}

static inline void emu_close(struct emu_ctx *e)
{
	emu_ctl(e, "/_emulator/reset", "{}");
	tc_free(e->c);
}

/* The emulator tests' fixture: E, opened before each test (emu_open) and
 * reset and closed after it. EMU_TEST(f) is test f with it; with
 * EMU_TEST_SET(f, &preset) the emulator also takes preset.json at
 * preset.path (its settings or faults for every test of a file) first. */
struct emu_preset {
	const char *path, *json;
};

static struct emu_ctx E __attribute__((unused));

static inline int emu_setup(void **state)
{
	const struct emu_preset *p = *state;

	emu_open(&E);
	if (p)
		emu_ctl(&E, p->path, p->json);
	return 0;
}

static inline int emu_teardown(void **state)
{
	(void)state;
	emu_close(&E);
	return 0;
}

#define EMU_TEST(f) cmocka_unit_test_setup_teardown(f, emu_setup, emu_teardown)
#define EMU_TEST_SET(f, preset) \
	cmocka_unit_test_prestate_setup_teardown(f, emu_setup, emu_teardown, (void *)(preset))

static inline struct json_object *emu_state(struct emu_ctx *e)
{
	struct tresp r;
	struct json_object *o;

	assert_int_equal(tc_get(e->c, "/_emulator/state", &r), 0);
	assert_int_equal(r.status, 200);
	o = emu_parse(&r);
	tresp_free(&r);
	return o;
}

/* How many violations of kind (NULL: any) the emulator recorded. */
static inline int emu_violations(struct emu_ctx *e, const char *kind)
{
	struct json_object *s = emu_state(e), *v = emu_get(s, "violations");
	int n = 0;

	for (size_t i = 0; v && i < json_object_array_length(v); i++)
		if (!kind || !strcmp(emu_str(json_object_array_get_idx(v, i), "kind"), kind))
			n++;
	json_object_put(s);
	return n;
}

static inline void emu_assert_no_violations(struct emu_ctx *e)
{
	struct json_object *s = emu_state(e), *v = emu_get(s, "violations");

	if (v && json_object_array_length(v) > 0)
		fail_msg("unexpected violations: %s", json_object_to_json_string(v));
	json_object_put(s);
}

/* Append k=urlencoded(v) to a form. */
static inline void emu_form(struct buf *b, const char *k, const char *v)
{
	if (b->len)
		buf_putc(b, '&');
	buf_puts(b, k);
	buf_putc(b, '=');
	url_encode(b, v);
}

/* The value of query parameter k in a Location, URL-decoded (malloc'd), or NULL. */
static inline char *emu_query_param(const char *location, const char *k)
{
	const char *q = strchr(location, '?');
	size_t kl = strlen(k);

	while (q && *q) {
		q++;
		if (!strncmp(q, k, kl) && q[kl] == '=') {
			const char *v = q + kl + 1, *end = strchr(v, '&');
			char *out = strndup(v, end ? (size_t)(end - v) : strlen(v));
			long n = url_decode(out, strlen(out), 1);
			assert_true(n >= 0);
			out[n] = '\0';
			return out;
		}
		q = strchr(q, '&');
	}
	return NULL;
}

/* The authorize request's query (client, scopes, redirect, state, PKCE). */
static inline void emu_authz_fields(struct emu_ctx *e, struct buf *b, const char *scopes,
				    const char *challenge)
{
	emu_form(b, "client_key", e->client_key);
	emu_form(b, "response_type", "code");
	emu_form(b, "scope", scopes);
	emu_form(b, "redirect_uri", e->redirect_uri);
	emu_form(b, "state", "st-123");
	if (challenge) {
		emu_form(b, "code_challenge", challenge);
		emu_form(b, "code_challenge_method", "S256");
	}
}

/* Post the consent form: returns the redirect Location (malloc'd). */
static inline char *emu_decide(struct emu_ctx *e, const char *account, const char *scopes,
			       const char *challenge, const char *decision, const char *grant)
{
	struct buf b = BUF_INIT;
	struct tresp r;
	char *loc;

	emu_authz_fields(e, &b, scopes, challenge);
	emu_form(&b, "emulator_account", account);
	emu_form(&b, "decision", decision);
	if (grant)
		emu_form(&b, "grant_scopes", grant);
	assert_int_equal(tc_post_form(e->c, "/v2/auth/authorize/decide", b.data, &r), 0);
	if (r.status != 302)
		fail_msg("decide -> %ld %.300s", r.status, r.body.data);
	loc = strdup(tresp_header(&r, "Location"));
	tresp_free(&r);
	buf_free(&b);
	return loc;
}

/* Authorize account and return the decoded code (malloc'd). */
static inline char *emu_code(struct emu_ctx *e, const char *account, const char *scopes,
			     const char *challenge)
{
	char *loc = emu_decide(e, account, scopes, challenge, "authorize", NULL);
	char *code = emu_query_param(loc, "code");

	assert_non_null(code);
	free(loc);
	return code;
}

/* POST the token endpoint with a form; returns the parsed JSON. */
static inline struct json_object *emu_token_call(struct emu_ctx *e, const char *form, long *status)
{
	struct tresp r;
	struct json_object *o;

	assert_int_equal(tc_post_form(e->c, "/v2/oauth/token/", form, &r), 0);
	*status = r.status;
	o = emu_parse(&r);
	tresp_free(&r);
	return o;
}

static inline struct json_object *emu_exchange(struct emu_ctx *e, const char *code,
					       const char *verifier, long *status)
{
	struct buf b = BUF_INIT;
	struct json_object *o;

	emu_form(&b, "client_key", e->client_key);
	emu_form(&b, "client_secret", e->client_secret);
	emu_form(&b, "code", code);
	emu_form(&b, "grant_type", "authorization_code");
	emu_form(&b, "redirect_uri", e->redirect_uri);
	if (verifier)
		emu_form(&b, "code_verifier", verifier);
	o = emu_token_call(e, b.data, status);
	buf_free(&b);
	return o;
}

/* A fresh access token for account with scopes (into out). */
static inline void emu_token(struct emu_ctx *e, const char *account, const char *scopes, char *out,
			     size_t n)
{
	char *code = emu_code(e, account, scopes, NULL);
	long status;
	struct json_object *o = emu_exchange(e, code, NULL, &status);

	assert_int_equal(status, 200);
	snprintf(out, n, "%s", emu_str(o, "access_token"));
	assert_true(strncmp(out, "act.", 4) == 0);
	json_object_put(o);
	free(code);
}

/* A posting API call: Bearer + JSON. Returns the parsed envelope; the
 * status goes to *status, the response stays in r when r != NULL. */
static inline struct json_object *emu_api(struct emu_ctx *e, const char *path, const char *token,
					  const char *json, long *status)
{
	char auth[300];
	const char *h[] = { auth, "Content-Type: application/json; charset=UTF-8", NULL };
	struct tresp r;
	struct json_object *o;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	assert_int_equal(tc_request(e->c, "POST", path, h, json, json ? strlen(json) : 0, &r), 0);
	*status = r.status;
	o = emu_parse(&r);
	tresp_free(&r);
	return o;
}

/* The JSON body of a Direct Post init. */
static inline void emu_init_body(struct buf *b, const char *privacy, const char *title, long long size,
				 long long chunk, long long count)
{
	buf_printf(b, "{\"post_info\":{\"title\":\"%s\",\"privacy_level\":\"%s\",\"disable_duet\":false,"
		      "\"disable_comment\":false,\"disable_stitch\":false,\"brand_content_toggle\":false,"
		      "\"brand_organic_toggle\":false},\"source_info\":{\"source\":\"FILE_UPLOAD\","
		      "\"video_size\":%lld,\"chunk_size\":%lld,\"total_chunk_count\":%lld}}",
		   title, privacy, size, chunk, count);
}

/* Init a Direct Post (or inbox when inbox != 0); the publish_id and the
 * upload path (the upload_url without the base) are copied out. */
static inline long emu_init(struct emu_ctx *e, const char *token, int inbox, const char *privacy,
			    long long size, long long chunk, long long count, char *publish_id,
			    char *upload_path)
{
	struct buf b = BUF_INIT;
	long status;
	struct json_object *o;
	const char *url;

	if (inbox)
		buf_printf(&b, "{\"source_info\":{\"source\":\"FILE_UPLOAD\",\"video_size\":%lld,"
			       "\"chunk_size\":%lld,\"total_chunk_count\":%lld}}", size, chunk, count);
	else
		emu_init_body(&b, privacy, "a title #test", size, chunk, count);
	o = emu_api(e, inbox ? "/v2/post/publish/inbox/video/init/" : "/v2/post/publish/video/init/",
		    token, b.data, &status);
	if (status == 200) {
		assert_string_equal(emu_str(o, "error.code"), "ok");
		snprintf(publish_id, 96, "%s", emu_str(o, "data.publish_id"));
		url = emu_str(o, "data.upload_url");
		assert_true(strncmp(url, e->base, strlen(e->base)) == 0);
		snprintf(upload_path, 256, "%s", url + strlen(e->base));
	}
	json_object_put(o);
	buf_free(&b);
	return status;
}

/* PUT one chunk; returns the status, Content-Range copied to range. */
static inline long emu_put(struct emu_ctx *e, const char *upload_path, const char *ctype,
			   long long first, long long last, long long total, const void *data, size_t len,
			   char *range, size_t rangelen)
{
	char ct[80], cr[120];
	const char *h[] = { ct, cr, NULL };
	struct tresp r;
	const char *got;
	long status;

	snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
	snprintf(cr, sizeof(cr), "Content-Range: bytes %lld-%lld/%lld", first, last, total);
	assert_int_equal(tc_request(e->c, "PUT", upload_path, h, data, len, &r), 0);
	status = r.status;
	got = tresp_header(&r, "Content-Range");
	if (range)
		snprintf(range, rangelen, "%s", got ? got : "");
	tresp_free(&r);
	return status;
}

/* Deterministic test bytes. */
static inline unsigned char *emu_bytes(size_t n, unsigned seed)
{
	unsigned char *p = malloc(n);
	uint32_t x = seed * 2654435761u + 1;

	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)x;
	}
	return p;
}

/* Status fetch data for publish_id (parsed envelope). */
static inline struct json_object *emu_status(struct emu_ctx *e, const char *token, const char *publish_id,
					     long *status)
{
	char body[200];

	snprintf(body, sizeof(body), "{\"publish_id\":\"%s\"}", publish_id);
	return emu_api(e, "/v2/post/publish/status/fetch/", token, body, status);
}

/* Poll until the status leaves PROCESSING_UPLOAD (or 10 s). */
static inline struct json_object *emu_wait_status(struct emu_ctx *e, const char *token, const char *publish_id)
{
	for (int i = 0; i < 200; i++) {
		long st;
		struct json_object *o = emu_status(e, token, publish_id, &st);
		assert_int_equal(st, 200);
		if (strcmp(emu_str(o, "data.status"), "PROCESSING_UPLOAD") != 0)
			return o;
		json_object_put(o);
		usleep(50000);
	}
	fail_msg("publish %s never left PROCESSING_UPLOAD", publish_id);
	return NULL;
}

/* The post in /_emulator/state with publish_id (caller puts the state). */
static inline struct json_object *emu_state_post(struct json_object *state, const char *publish_id)
{
	struct json_object *posts = emu_get(state, "posts");

	for (size_t i = 0; posts && i < json_object_array_length(posts); i++) {
		struct json_object *p = json_object_array_get_idx(posts, i);
		if (!strcmp(emu_str(p, "publish_id"), publish_id))
			return p;
	}
	fail_msg("no post %s in the emulator state", publish_id);
	return NULL;
}

#endif
