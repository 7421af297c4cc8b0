/* The TikTok emulator after the post (tiktok-api.md §1.9, §2.7, §2.10, §4.3):
 * the video.list scope (granted on the consent page, refused by some users),
 * publicaly_available_post_id that arrives after a delay or some status
 * polls (or never) with its publicly_available webhook, 19-digit ids as
 * int64 or strings, the Display API's query and list with counts that grow
 * with the post's age, its per-endpoint rate limit, removed posts, and
 * drafts the user posts later. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"
#include "emu_test.h"

#define SCOPES_LIST EMU_ALL_SCOPES ",video.list"
#define ALL_FIELDS "id,create_time,cover_image_url,share_url,video_description,duration,height,width," \
		   "title,embed_html,embed_link,like_count,comment_count,share_count,view_count"


static const struct emu_preset preset = { "/_emulator/config",
	"{\"processing_delay_ms\":0,\"rate_init_per_min\":1000,"
	"\"rate_status_per_min\":1000,\"access_ttl_sec\":31536000}" };

/* Init, upload 1000 bytes, return the publish_id (in pid). */
static void post_uploaded(const char *tok, int inbox, const char *privacy, char *pid)
{
	unsigned char *data = emu_bytes(1000, 5);
	char up[256];

	assert_int_equal(emu_init(&E, tok, inbox, privacy, 1000, 1000, 1, pid, up), 200);
	assert_int_equal(emu_put(&E, up, "video/mp4", 0, 999, 1000, data, 1000, NULL, 0), 201);
	free(data);
}

/* One status poll: the raw body (caller frees) and the parsed envelope. */
static struct json_object *poll_raw(const char *tok, const char *pid, char **raw)
{
	char auth[300], body[200];
	const char *h[] = { auth, "Content-Type: application/json; charset=UTF-8", NULL };
	struct tresp r;
	struct json_object *o;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
	snprintf(body, sizeof(body), "{\"publish_id\":\"%s\"}", pid);
	assert_int_equal(tc_request(E.c, "POST", "/v2/post/publish/status/fetch/", h, body, strlen(body), &r), 0);
	assert_int_equal(r.status, 200);
	o = emu_parse(&r);
	*raw = strdup(r.body.data);
	tresp_free(&r);
	return o;
}

/* printf into one of a few rotating static buffers (no frees in the tests). */
static const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static const char *fmt(const char *f, ...)
{
	static char bufs[4][512];
	static int next;
	char *b = bufs[next++ % 4];
	va_list ap;

	va_start(ap, f);
	vsnprintf(b, 512, f, ap);
	va_end(ap);
	return b;
}

static size_t ids_len(struct json_object *o)
{
	return json_object_array_length(emu_get(o, "data.publicaly_available_post_id"));
}

/* The state's webhook of event for publish_id (copied), or "" if none. */
static char *hook_content(const char *event, const char *pid)
{
	struct json_object *s = emu_state(&E), *w = emu_get(s, "webhooks");
	char *out = strdup("");

	for (size_t i = 0; w && i < json_object_array_length(w); i++) {
		struct json_object *x = json_object_array_get_idx(w, i);
		if (!strcmp(emu_str(x, "event"), event) && !strcmp(emu_str(x, "publish_id"), pid)) {
			free(out);
			out = strdup(emu_str(x, "content"));
		}
	}
	json_object_put(s);
	return out;
}

static int hook_count(const char *event)
{
	struct json_object *s = emu_state(&E), *w = emu_get(s, "webhooks");
	int n = 0;

	for (size_t i = 0; w && i < json_object_array_length(w); i++)
		n += !strcmp(emu_str(json_object_array_get_idx(w, i), "event"), event);
	json_object_put(s);
	return n;
}

static void the_id_is_a_19_digit_integer(const char *raw, const char *post_id)
{
	char needle[64];

	assert_int_equal(strlen(post_id), 19);
	assert_true(post_id[0] >= '1' && post_id[0] <= '9');
	/* a bare JSON integer, not a string and not an exponent */
	snprintf(needle, sizeof(needle), "[%s]", post_id);
	t_contains(raw, needle);
}

static void video_list_scope_is_granted_or_refused(void **state)
{
	char tok[200], *loc, *scopes, *code;
	long st;
	struct json_object *o;
	struct tresp r;
	struct buf q = BUF_INIT;

	(void)state;
	/* the consent page offers it */
	emu_authz_fields(&E, &q, "user.info.basic,video.list", NULL);
	assert_int_equal(tc_get(E.c, fmt("/v2/auth/authorize/?%s", q.data), &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, "value=\"video.list\"");
	tresp_free(&r);
	buf_free(&q);
	/* without video.list the Display API says scope_not_authorized */
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	o = emu_api(&E, "/v2/video/list/?fields=id", tok, "{}", &st);
	assert_int_equal(st, 401);
	assert_string_equal(emu_str(o, "error.code"), "scope_not_authorized");
	json_object_put(o);
	assert_int_equal(emu_violations(&E, "scope_not_authorized"), 1);
	/* a user who unticks it: the redirect and the token name what was granted */
	emu_ctl(&E, "/_emulator/config", "{\"profiles\":[{\"open_id\":\"oid-shy\",\"username\":\"shy\","
		"\"refuse_scopes\":[\"video.list\"]}]}");
	{
		/* the profiles GET /_emulator/config lists can be posted back as they are */
		struct json_object *conf, *body = json_object_new_object();
		const char *js;
		assert_int_equal(tc_get(E.c, "/_emulator/config", &r), 0);
		conf = emu_parse(&r);
		tresp_free(&r);
		json_object_object_add(body, "profiles", json_object_get(emu_get(conf, "profiles")));
		js = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
		t_contains(js, "\"refuse_scopes\":[\"video.list\"]");
		emu_ctl(&E, "/_emulator/config", js);
		json_object_put(body);
		json_object_put(conf);
	}
	loc = emu_decide(&E, "shy", SCOPES_LIST, NULL, "authorize", NULL);
	scopes = emu_query_param(loc, "scopes");
	code = emu_query_param(loc, "code");
	assert_string_equal(scopes, EMU_ALL_SCOPES);
	o = emu_exchange(&E, code, NULL, &st);
	assert_int_equal(st, 200);
	assert_string_equal(emu_str(o, "scope"), EMU_ALL_SCOPES);
	json_object_put(o);
	free(loc);
	free(scopes);
	free(code);
	/* asking for nothing but what the user refuses: access_denied */
	loc = emu_decide(&E, "shy", "video.list", NULL, "authorize", NULL);
	t_contains(loc, "error=access_denied");
	free(loc);
	/* a user who grants it: the Display API answers */
	emu_ctl(&E, "/_emulator/reset", "{}");
	emu_ctl(&E, "/_emulator/config", "{\"webhook_url\":\"\"}");
	emu_token(&E, "lena.public", SCOPES_LIST, tok, sizeof(tok));
	o = emu_api(&E, "/v2/video/list/?fields=id", tok, "{}", &st);
	assert_int_equal(st, 200);
	assert_string_equal(emu_str(o, "error.code"), "ok");
	assert_int_equal(json_object_array_length(emu_get(o, "data.videos")), 0);
	assert_string_equal(emu_str(o, "data.has_more"), "false");
	json_object_put(o);
}

static void post_id_arrives_after_three_polls(void **state)
{
	char tok[200], pid[96], *raw, *content, post_id[24];
	struct json_object *o;
	int polls = 0;

	(void)state;
	emu_ctl(&E, "/_emulator/config", "{\"post_id_after_polls\":3}");
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	post_uploaded(tok, 0, "PUBLIC_TO_EVERYONE", pid);
	/* the first three polls that see PUBLISH_COMPLETE get [] */
	for (;;) {
		o = poll_raw(tok, pid, &raw);
		if (!strcmp(emu_str(o, "data.status"), "PUBLISH_COMPLETE")) {
			polls++;
			if (ids_len(o) > 0)
				break;
			assert_true(polls <= 3);
		}
		assert_true(polls < 10);
		json_object_put(o);
		free(raw);
		usleep(polls ? 0 : 20000);
	}
	assert_int_equal(polls, 4);
	snprintf(post_id, sizeof(post_id), "%s",
		 json_object_get_string(json_object_array_get_idx(emu_get(o, "data.publicaly_available_post_id"), 0)));
	the_id_is_a_19_digit_integer(raw, post_id);
	json_object_put(o);
	free(raw);
	/* the webhook came with it, post_id an int64 in the content */
	content = hook_content("post.publish.publicly_available", pid);
	t_contains(content, fmt("\"post_id\":%s,", post_id));
	free(content);
	assert_int_equal(hook_count("post.publish.complete"), 1);
	assert_int_equal(hook_count("post.publish.publicly_available"), 1);
}

static void post_id_after_a_delay_or_never(void **state)
{
	char tok[200], pid[96], priv[96], never[96], *raw, body[200];
	struct json_object *o, *s;

	(void)state;
	emu_ctl(&E, "/_emulator/config", "{\"post_id_delay_ms\":600000}");
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	post_uploaded(tok, 0, "PUBLIC_TO_EVERYONE", pid);
	post_uploaded(tok, 0, "SELF_ONLY", priv);
	o = emu_wait_status(&E, tok, pid);
	assert_string_equal(emu_str(o, "data.status"), "PUBLISH_COMPLETE");
	assert_int_equal(ids_len(o), 0);
	json_object_put(o);
	/* ten minutes of moderation on the emulator's clock */
	emu_ctl(&E, "/_emulator/clock", "{\"advance_sec\":590}");
	o = poll_raw(tok, pid, &raw);
	assert_int_equal(ids_len(o), 0);
	json_object_put(o);
	free(raw);
	emu_ctl(&E, "/_emulator/clock", "{\"advance_sec\":11}");
	/* the background tick delivers it without a poll */
	for (int i = 0; i < 100 && hook_count("post.publish.publicly_available") == 0; i++)
		usleep(20000);
	assert_int_equal(hook_count("post.publish.publicly_available"), 1);
	o = poll_raw(tok, pid, &raw);
	assert_int_equal(ids_len(o), 1);
	json_object_put(o);
	free(raw);
	/* a private post never gets one */
	o = poll_raw(tok, priv, &raw);
	assert_string_equal(emu_str(o, "data.status"), "PUBLISH_COMPLETE");
	assert_int_equal(ids_len(o), 0);
	json_object_put(o);
	free(raw);
	/* never: days pass, nothing; the control ends moderation by hand */
	emu_ctl(&E, "/_emulator/config", "{\"post_id_delay_ms\":-1}");
	post_uploaded(tok, 0, "PUBLIC_TO_EVERYONE", never);
	o = emu_wait_status(&E, tok, never);
	json_object_put(o);
	emu_ctl(&E, "/_emulator/clock", "{\"advance_sec\":864000}");
	o = poll_raw(tok, never, &raw);
	assert_int_equal(ids_len(o), 0);
	json_object_put(o);
	free(raw);
	s = emu_state(&E);
	assert_string_equal(emu_str(emu_state_post(s, never), "post_id"), "");
	json_object_put(s);
	snprintf(body, sizeof(body), "{\"publish_id\":\"%s\"}", never);
	emu_ctl(&E, "/_emulator/post/publicize", body);
	o = poll_raw(tok, never, &raw);
	assert_int_equal(ids_len(o), 1);
	json_object_put(o);
	free(raw);
	assert_int_equal(hook_count("post.publish.publicly_available"), 2);
}

/* lena.public with room for many posts a day (the posts made with other
 * tools count toward the cap too), and max.private. */
static void roomy_profiles(void)
{
	emu_ctl(&E, "/_emulator/config", "{\"profiles\":[{\"open_id\":\"" EMU_PUBLIC "\",\"username\":\"lena.public\","
		"\"daily_post_cap\":100},{\"open_id\":\"" EMU_PRIVATE "\",\"username\":\"max.private\",\"private\":true}]}");
}

static struct json_object *display(const char *tok, const char *path, const char *body, long want)
{
	long st;
	struct json_object *o = emu_api(&E, path, tok, body, &st);

	if (st != want)
		fail_msg("%s %s -> %ld %s", path, body, st, json_object_to_json_string(o));
	return o;
}

/* Sum of one count over the state's listed posts of open_id. */
static long long state_sum(const char *open_id, const char *count)
{
	struct json_object *s = emu_state(&E), *posts = emu_get(s, "posts");
	long long sum = 0;
	char path[64];

	snprintf(path, sizeof(path), "counts.%s", count);
	for (size_t i = 0; i < json_object_array_length(posts); i++) {
		struct json_object *p = json_object_array_get_idx(posts, i);
		if (!strcmp(emu_str(p, "open_id"), open_id) && !strcmp(emu_str(p, "listed"), "true"))
			sum += json_object_get_int64(emu_get(p, path));
	}
	json_object_put(s);
	return sum;
}

static long long videos_sum(struct json_object *o, const char *count)
{
	struct json_object *v = emu_get(o, "data.videos");
	long long sum = 0;

	for (size_t i = 0; i < json_object_array_length(v); i++)
		sum += json_object_get_int64(emu_get(json_object_array_get_idx(v, i), count));
	return sum;
}

static void display_list_pages_newest_first(void **state)
{
	char tok[200], pid[3][96];
	struct json_object *o, *v, *first;
	long long cursor, prev = -1;
	int seen = 0;

	(void)state;
	roomy_profiles();
	emu_token(&E, "lena.public", SCOPES_LIST, tok, sizeof(tok));
	/* 22 public posts made with other tools, then 3 of ours */
	emu_ctl(&E, "/_emulator/posts_elsewhere", "{\"open_id\":\"" EMU_PUBLIC "\",\"count\":22}");
	for (int i = 0; i < 3; i++) {
		post_uploaded(tok, 0, "PUBLIC_TO_EVERYONE", pid[i]);
		json_object_put(emu_wait_status(&E, tok, pid[i]));
	}
	o = display(tok, "/v2/video/list/?fields=id,create_time,title", "{\"max_count\":20}", 200);
	v = emu_get(o, "data.videos");
	assert_int_equal(json_object_array_length(v), 20);
	assert_string_equal(emu_str(o, "data.has_more"), "true");
	/* newest first: our last upload heads the list, with its caption */
	first = json_object_array_get_idx(v, 0);
	assert_string_equal(emu_str(first, "title"), "a title #test");
	assert_null(emu_get(first, "view_count"));          /* only the fields asked for */
	assert_true(json_object_is_type(emu_get(first, "id"), json_type_string));
	assert_int_equal(strlen(emu_str(first, "id")), 19);
	cursor = json_object_get_int64(emu_get(o, "data.cursor"));
	for (size_t i = 0; i < 20; i++) {
		long long t = json_object_get_int64(emu_get(json_object_array_get_idx(v, i), "create_time"));
		assert_true(prev < 0 || t <= prev);
		prev = t;
	}
	seen += 20;
	json_object_put(o);
	o = display(tok, "/v2/video/list/?fields=id", fmt("{\"max_count\":20,\"cursor\":%lld}", cursor), 200);
	assert_int_equal(json_object_array_length(emu_get(o, "data.videos")), 5);
	assert_string_equal(emu_str(o, "data.has_more"), "false");
	seen += 5;
	json_object_put(o);
	assert_int_equal(seen, 25);
	/* the default page size is 10 and an empty body is fine */
	o = display(tok, "/v2/video/list/?fields=id", "", 200);
	assert_int_equal(json_object_array_length(emu_get(o, "data.videos")), 10);
	json_object_put(o);
	/* bad pages */
	json_object_put(display(tok, "/v2/video/list/?fields=id", "{\"max_count\":0}", 400));
	json_object_put(display(tok, "/v2/video/list/?fields=id", "{\"max_count\":21}", 400));
	json_object_put(display(tok, "/v2/video/list/?fields=id", "{\"cursor\":\"x\"}", 400));
	json_object_put(display(tok, "/v2/video/list/?fields=id,plays", "{}", 400));
	json_object_put(display(tok, "/v2/video/list/", "{}", 400));
	assert_int_equal(emu_violations(&E, "unknown_field"), 1);
	assert_int_equal(emu_violations(&E, "missing_parameter"), 1);
}

static void display_query_counts_grow_and_match_the_state(void **state)
{
	char tok[200], other[200], pid[96], theirs[96];
	struct json_object *o, *s, *posts;
	struct buf ids = BUF_INIT, body = BUF_INIT;
	long long views1, views2;
	int n = 0;

	(void)state;
	roomy_profiles();
	emu_token(&E, "lena.public", SCOPES_LIST, tok, sizeof(tok));
	emu_token(&E, "max.private", SCOPES_LIST, other, sizeof(other));
	emu_ctl(&E, "/_emulator/posts_elsewhere", "{\"open_id\":\"" EMU_PUBLIC "\",\"count\":18}");
	post_uploaded(tok, 0, "PUBLIC_TO_EVERYONE", pid);
	json_object_put(emu_wait_status(&E, tok, pid));
	post_uploaded(other, 0, "FOLLOWER_OF_CREATOR", theirs);
	json_object_put(emu_wait_status(&E, other, theirs));
	emu_ctl(&E, "/_emulator/clock", "{\"advance_sec\":7200,\"freeze\":true}");
	/* all 19 of lena's ids, one unknown id: 20 */
	s = emu_state(&E);
	posts = emu_get(s, "posts");
	for (size_t i = 0; i < json_object_array_length(posts); i++) {
		struct json_object *p = json_object_array_get_idx(posts, i);
		if (!strcmp(emu_str(p, "open_id"), EMU_PUBLIC)) {
			buf_printf(&ids, "%s\"%s\"", ids.len ? "," : "", emu_str(p, "post_id"));
			n++;
		}
	}
	json_object_put(s);
	assert_int_equal(n, 19);
	buf_printf(&body, "{\"filters\":{\"video_ids\":[%s,\"7000000000000000001\"]}}", ids.data);
	o = display(tok, "/v2/video/query/?fields=" ALL_FIELDS, body.data, 200);
	assert_int_equal(json_object_array_length(emu_get(o, "data.videos")), 19);
	views1 = videos_sum(o, "view_count");
	assert_true(views1 > 0);
	/* the sums the test computes from the emulator's own state are the API's */
	assert_int_equal(views1, state_sum(EMU_PUBLIC, "view_count"));
	assert_int_equal(videos_sum(o, "like_count"), state_sum(EMU_PUBLIC, "like_count"));
	assert_int_equal(videos_sum(o, "comment_count"), state_sum(EMU_PUBLIC, "comment_count"));
	assert_int_equal(videos_sum(o, "share_count"), state_sum(EMU_PUBLIC, "share_count"));
	{
		struct json_object *v = json_object_array_get_idx(emu_get(o, "data.videos"), 0);
		t_contains(emu_str(v, "share_url"), "https://www.tiktok.com/@lena.public/video/");
		t_contains(emu_str(v, "cover_image_url"), "x-expires=");
		assert_int_equal(json_object_get_int(emu_get(v, "width")), 1080);
	}
	json_object_put(o);
	/* frozen: the same again; a day later, more */
	o = display(tok, "/v2/video/query/?fields=id,view_count", body.data, 200);
	assert_int_equal(videos_sum(o, "view_count"), views1);
	json_object_put(o);
	emu_ctl(&E, "/_emulator/clock", "{\"advance_sec\":86400}");
	o = display(tok, "/v2/video/query/?fields=id,view_count", body.data, 200);
	views2 = videos_sum(o, "view_count");
	assert_true(views2 > views1);
	assert_int_equal(views2, state_sum(EMU_PUBLIC, "view_count"));
	json_object_put(o);
	/* another user's private post and an unknown id are simply missing */
	o = display(tok, "/v2/video/query/?fields=id", "{\"filters\":{\"video_ids\":[\"7000000000000000001\"]}}", 200);
	assert_int_equal(json_object_array_length(emu_get(o, "data.videos")), 0);
	json_object_put(o);
	/* 21 ids, no ids, numbers instead of strings: invalid_params */
	buf_reset(&body);
	buf_printf(&body, "{\"filters\":{\"video_ids\":[%s,\"1\",\"2\"]}}", ids.data);
	o = display(tok, "/v2/video/query/?fields=id", body.data, 400);
	assert_string_equal(emu_str(o, "error.code"), "invalid_params");
	json_object_put(o);
	assert_int_equal(emu_violations(&E, "too_many_video_ids"), 1);
	json_object_put(display(tok, "/v2/video/query/?fields=id", "{\"filters\":{\"video_ids\":[]}}", 400));
	json_object_put(display(tok, "/v2/video/query/?fields=id", "{\"filters\":{\"video_ids\":[7000000000000000001]}}", 400));
	json_object_put(display(tok, "/v2/video/query/?fields=id", "{}", 400));
	buf_free(&ids);
	buf_free(&body);
}

static void removed_post_leaves_the_display_api(void **state)
{
	char tok[200], pid[96], post_id[24], body[200], *content;
	struct json_object *o, *s;

	(void)state;
	emu_token(&E, "lena.public", SCOPES_LIST, tok, sizeof(tok));
	post_uploaded(tok, 0, "PUBLIC_TO_EVERYONE", pid);
	json_object_put(emu_wait_status(&E, tok, pid));
	s = emu_state(&E);
	snprintf(post_id, sizeof(post_id), "%s", emu_str(emu_state_post(s, pid), "post_id"));
	json_object_put(s);
	snprintf(body, sizeof(body), "{\"filters\":{\"video_ids\":[\"%s\"]}}", post_id);
	o = display(tok, "/v2/video/query/?fields=id", body, 200);
	assert_int_equal(json_object_array_length(emu_get(o, "data.videos")), 1);
	json_object_put(o);
	emu_ctl(&E, "/_emulator/post/remove", fmt("{\"post_id\":\"%s\"}", post_id));
	o = display(tok, "/v2/video/query/?fields=id", body, 200);
	assert_int_equal(json_object_array_length(emu_get(o, "data.videos")), 0);
	json_object_put(o);
	o = display(tok, "/v2/video/list/?fields=id", "{}", 200);
	assert_int_equal(json_object_array_length(emu_get(o, "data.videos")), 0);
	json_object_put(o);
	/* TikTok's spelling, post_id an integer */
	content = hook_content("post.publish.no_longer_publicaly_available", pid);
	t_contains(content, fmt("\"post_id\":%s,", post_id));
	t_contains(content, "\"publish_type\":\"DIRECT_POST\"");
	free(content);
	/* twice is an error of the control, not a second event */
	{
		struct tresp r;
		const char *b = fmt("{\"publish_id\":\"%s\"}", pid);
		assert_int_equal(tc_request(E.c, "POST", "/_emulator/post/remove",
					    (const char *[]){ "Content-Type: application/json", NULL }, b, strlen(b), &r), 0);
		assert_int_equal(r.status, 400);
		tresp_free(&r);
	}
	assert_int_equal(hook_count("post.publish.no_longer_publicaly_available"), 1);
	emu_assert_no_violations(&E);
}

static void draft_posted_later_joins_the_display_api(void **state)
{
	char tok[200], pid[96], body[200], *raw;
	struct json_object *o;

	(void)state;
	emu_token(&E, "lena.public", SCOPES_LIST, tok, sizeof(tok));
	post_uploaded(tok, 1, NULL, pid);
	o = emu_wait_status(&E, tok, pid);
	assert_string_equal(emu_str(o, "data.status"), "SEND_TO_USER_INBOX");
	json_object_put(o);
	assert_int_equal(hook_count("post.publish.inbox_delivered"), 1);
	o = display(tok, "/v2/video/list/?fields=id", "{}", 200);
	assert_int_equal(json_object_array_length(emu_get(o, "data.videos")), 0);
	json_object_put(o);
	/* the user finishes it in the TikTok app */
	snprintf(body, sizeof(body), "{\"publish_id\":\"%s\",\"privacy_level\":\"PUBLIC_TO_EVERYONE\"}", pid);
	emu_ctl(&E, "/_emulator/inbox/publish", body);
	o = poll_raw(tok, pid, &raw);
	assert_string_equal(emu_str(o, "data.status"), "PUBLISH_COMPLETE");
	assert_int_equal(ids_len(o), 1);
	json_object_put(o);
	free(raw);
	raw = hook_content("post.publish.complete", pid);
	t_contains(raw, "\"publish_type\":\"INBOX_SHARE\"");
	free(raw);
	raw = hook_content("post.publish.publicly_available", pid);
	t_contains(raw, "\"publish_type\":\"INBOX_SHARE\"");
	free(raw);
	o = display(tok, "/v2/video/list/?fields=id,view_count", "{}", 200);
	assert_int_equal(json_object_array_length(emu_get(o, "data.videos")), 1);
	json_object_put(o);
	emu_assert_no_violations(&E);
}

static void display_rate_limit_per_endpoint(void **state)
{
	char tok[200];
	struct tresp r;
	struct json_object *o;

	(void)state;
	assert_int_equal(tc_get(E.c, "/_emulator/config", &r), 0);
	o = emu_parse(&r);
	assert_int_equal(json_object_get_int(emu_get(o, "rate_video_per_min")), 600);   /* the documented figure */
	json_object_put(o);
	tresp_free(&r);
	emu_ctl(&E, "/_emulator/config", "{\"rate_video_per_min\":3}");
	emu_token(&E, "lena.public", SCOPES_LIST, tok, sizeof(tok));
	for (int i = 0; i < 3; i++)
		json_object_put(display(tok, "/v2/video/list/?fields=id", "{}", 200));
	o = display(tok, "/v2/video/list/?fields=id", "{}", 429);
	assert_string_equal(emu_str(o, "error.code"), "rate_limit_exceeded");
	json_object_put(o);
	/* query has its own window */
	json_object_put(display(tok, "/v2/video/query/?fields=id", "{\"filters\":{\"video_ids\":[\"1\"]}}", 200));
	emu_ctl(&E, "/_emulator/clock", "{\"advance_sec\":61}");
	json_object_put(display(tok, "/v2/video/list/?fields=id", "{}", 200));
	assert_int_equal(emu_violations(&E, "rate_limit_exceeded"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		EMU_TEST_SET(video_list_scope_is_granted_or_refused, &preset),
		EMU_TEST_SET(post_id_arrives_after_three_polls, &preset),
		EMU_TEST_SET(post_id_after_a_delay_or_never, &preset),
		EMU_TEST_SET(display_list_pages_newest_first, &preset),
		EMU_TEST_SET(display_query_counts_grow_and_match_the_state, &preset),
		EMU_TEST_SET(removed_post_leaves_the_display_api, &preset),
		EMU_TEST_SET(draft_posted_later_joins_the_display_api, &preset),
		EMU_TEST_SET(display_rate_limit_per_endpoint, &preset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
