/* The TikTok emulator's fault knobs (deterministic with a seed) and its
 * webhooks (tiktok-api.md §4), received by a tiny HTTP listener in this
 * test and verified with lib/tiktok_sig. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"
#include "emu_test.h"
#include "tiktok_sig.h"
#include "util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>


/* The statuses of n creator_info calls. */
static void statuses(const char *tok, long *out, int n)
{
	for (int i = 0; i < n; i++) {
		struct tresp r;
		char auth[300];
		const char *h[] = { auth, "Content-Type: application/json", NULL };
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
		assert_int_equal(tc_request(E.c, "POST", "/v2/post/publish/creator_info/query/", h, "{}", 2, &r), 0);
		out[i] = r.status;
		if (r.status == 500) {
			struct json_object *o = emu_parse(&r);
			assert_string_equal(emu_str(o, "error.code"), "internal_error");
			json_object_put(o);
		}
		tresp_free(&r);
	}
}

static void rate_5xx_is_deterministic_with_a_seed(void **state)
{
	char tok[200];
	long a[24], b[24], c[24];
	int fails = 0;

	(void)state;
	emu_ctl(&E, "/_emulator/config", "{\"rate_creator_info_per_min\":1000}");
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	emu_ctl(&E, "/_emulator/faults", "{\"seed\":42,\"rate_5xx\":0.5}");
	statuses(tok, a, 24);
	emu_ctl(&E, "/_emulator/faults", "{\"seed\":42,\"rate_5xx\":0.5}");
	statuses(tok, b, 24);
	emu_ctl(&E, "/_emulator/faults", "{\"seed\":43,\"rate_5xx\":0.5}");
	statuses(tok, c, 24);
	for (int i = 0; i < 24; i++) {
		assert_true(a[i] == 200 || a[i] == 500);
		assert_int_equal(a[i], b[i]);
		fails += a[i] == 500;
	}
	/* a rate of 0.5 gives some of each, and another seed another sequence */
	assert_true(fails > 2 && fails < 22);
	assert_memory_not_equal(a, c, sizeof(a));
	/* rate 0 / 1 */
	emu_ctl(&E, "/_emulator/faults", "{\"rate_5xx\":1}");
	statuses(tok, a, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(a[i], 500);
	emu_ctl(&E, "/_emulator/faults", "{\"rate_5xx\":0}");
	statuses(tok, a, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(a[i], 200);
	/* injected faults are not the client's fault */
	emu_assert_no_violations(&E);
}

static void other_fault_knobs(void **state)
{
	char tok[200];
	long st[2];
	struct tresp r;
	struct json_object *o;
	double t0;
	char auth[300];
	const char *h[] = { auth, "Content-Type: application/json", NULL };

	(void)state;
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
	/* 429 */
	emu_ctl(&E, "/_emulator/faults", "{\"rate_429\":1}");
	o = emu_api(&E, "/v2/post/publish/creator_info/query/", tok, "{}", &st[0]);
	assert_int_equal(st[0], 429);
	assert_string_equal(emu_str(o, "error.code"), "rate_limit_exceeded");
	json_object_put(o);
	/* a dropped answer: nginx reports 502 with its own (non-JSON) page */
	emu_ctl(&E, "/_emulator/faults", "{\"rate_429\":0,\"rate_drop\":1}");
	assert_int_equal(tc_request(E.c, "POST", "/v2/post/publish/creator_info/query/", h, "{}", 2, &r), 0);
	assert_int_equal(r.status, 502);
	assert_null(json_tokener_parse(r.body.data));
	tresp_free(&r);
	/* truncated JSON: 200, but the body does not parse */
	emu_ctl(&E, "/_emulator/faults", "{\"rate_drop\":0,\"truncated_json\":1}");
	assert_int_equal(tc_request(E.c, "POST", "/v2/post/publish/creator_info/query/", h, "{}", 2, &r), 0);
	assert_int_equal(r.status, 200);
	assert_true(r.body.len > 10);
	o = json_tokener_parse(r.body.data);
	assert_null(o);
	tresp_free(&r);
	/* slow answers */
	emu_ctl(&E, "/_emulator/faults", "{\"truncated_json\":0,\"slow_ms\":400}");
	t0 = now_mono();
	o = emu_api(&E, "/v2/post/publish/creator_info/query/", tok, "{}", &st[0]);
	assert_int_equal(st[0], 200);
	assert_true(now_mono() - t0 >= 0.39);
	json_object_put(o);
	/* the control endpoints themselves are never faulted */
	emu_ctl(&E, "/_emulator/faults", "{\"slow_ms\":0,\"rate_5xx\":1}");
	assert_int_equal(tc_get(E.c, "/_emulator/state", &r), 0);
	assert_int_equal(r.status, 200);
	tresp_free(&r);
	/* bad knobs are refused */
	{
		static const char *const jh[] = { "Content-Type: application/json", NULL };
		assert_int_equal(tc_request(E.c, "POST", "/_emulator/faults", jh, "{\"rate_5xx\":2}", 14, &r), 0);
		assert_int_equal(r.status, 400);
		tresp_free(&r);
		assert_int_equal(tc_request(E.c, "POST", "/_emulator/faults", jh, "{\"nope\":1}", 10, &r), 0);
		assert_int_equal(r.status, 400);
		tresp_free(&r);
	}
	/* reset clears faults */
	emu_ctl(&E, "/_emulator/reset", "{}");
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	o = emu_api(&E, "/v2/post/publish/creator_info/query/", tok, "{}", &st[0]);
	assert_int_equal(st[0], 200);
	json_object_put(o);
}

static void state_lists_calls(void **state)
{
	char tok[200];
	struct json_object *s, *calls, *last;
	long st;
	struct json_object *o;

	(void)state;
	emu_token(&E, "lena.public", "user.info.basic", tok, sizeof(tok));
	o = emu_api(&E, "/v2/post/publish/creator_info/query/", tok, "{}", &st);
	json_object_put(o);
	s = emu_state(&E);
	calls = emu_get(s, "calls");
	assert_true(json_object_array_length(calls) >= 3);
	last = json_object_array_get_idx(calls, json_object_array_length(calls) - 1);
	assert_string_equal(emu_str(last, "method"), "POST");
	assert_string_equal(emu_str(last, "path"), "/v2/post/publish/creator_info/query/");
	assert_int_equal(json_object_get_int(emu_get(last, "status")), 401);
	assert_string_equal(emu_str(last, "error"), "scope_not_authorized");
	assert_true(json_object_get_int64(emu_get(last, "time_ms")) > 0);
	json_object_put(s);
}

/* ---- a webhook receiver ---- */

struct hook {
	char sig[200];
	char *body;
};

static struct {
	int fd, port;
	pthread_t tid;
	pthread_mutex_t mu;
	struct hook got[32];
	int n;
	int stop;
} R = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void serve_one(int c)
{
	char buf[65536];
	size_t len = 0;
	char *hdr_end = NULL, *cl, *sig;
	long clen = 0;
	struct hook h;

	while (len < sizeof(buf) - 1) {
		ssize_t n = recv(c, buf + len, sizeof(buf) - 1 - len, 0);
		if (n <= 0)
			return;
		len += (size_t)n;
		buf[len] = '\0';
		hdr_end = strstr(buf, "\r\n\r\n");
		if (hdr_end) {
			cl = strcasestr(buf, "\r\nContent-Length:");
			clen = cl ? strtol(cl + 17, NULL, 10) : 0;
			if ((long)(len - (size_t)(hdr_end + 4 - buf)) >= clen)
				break;
		}
	}
	if (!hdr_end)
		return;
	memset(&h, 0, sizeof(h));
	sig = strcasestr(buf, "\r\nTikTok-Signature:");
	if (sig) {
		sig += 19;
		while (*sig == ' ')
			sig++;
		snprintf(h.sig, sizeof(h.sig), "%.*s", (int)strcspn(sig, "\r"), sig);
	}
	h.body = strndup(hdr_end + 4, (size_t)clen);
	pthread_mutex_lock(&R.mu);
	if (R.n < 32)
		R.got[R.n++] = h;
	else
		free(h.body);
	pthread_mutex_unlock(&R.mu);
	(void)!send(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 57, 0);
}

static void *receiver(void *arg)
{
	(void)arg;
	while (!R.stop) {
		int c = accept(R.fd, NULL, NULL);
		if (c < 0)
			break;
		serve_one(c);
		close(c);
	}
	return NULL;
}

static void receiver_start(void)
{
	R.fd = emu_loopback_socket(16, &R.port);
	R.n = 0;
	R.stop = 0;
	assert_int_equal(pthread_create(&R.tid, NULL, receiver, NULL), 0);
}

static void receiver_stop(void)
{
	R.stop = 1;
	shutdown(R.fd, SHUT_RDWR);
	close(R.fd);
	pthread_join(R.tid, NULL);
	for (int i = 0; i < R.n; i++)
		free(R.got[i].body);
	R.n = 0;
}

/* Wait for the event name; returns its index or fails after 10 s. */
static int wait_event(const char *event)
{
	char needle[80];

	snprintf(needle, sizeof(needle), "\"event\":\"%s\"", event);
	for (int t = 0; t < 200; t++) {
		pthread_mutex_lock(&R.mu);
		for (int i = 0; i < R.n; i++)
			if (strstr(R.got[i].body, needle)) {
				pthread_mutex_unlock(&R.mu);
				return i;
			}
		pthread_mutex_unlock(&R.mu);
		usleep(50000);
	}
	fail_msg("no %s webhook arrived", event);
	return -1;
}

/* Check signature and envelope; returns the parsed inner content. */
static struct json_object *check_hook(int i, const char *event, const char *open_id)
{
	struct hook *h = &R.got[i];
	struct json_object *env = json_tokener_parse(h->body), *content;

	assert_int_equal(tiktok_signature_verify(h->sig, E.client_secret, h->body, strlen(h->body),
						 now_unix(), 300), 0);
	assert_int_equal(tiktok_signature_verify(h->sig, "wrong", h->body, strlen(h->body), now_unix(), 300), -1);
	assert_non_null(env);
	assert_string_equal(emu_str(env, "client_key"), E.client_key);
	assert_string_equal(emu_str(env, "event"), event);
	assert_string_equal(emu_str(env, "user_openid"), open_id);
	assert_true(json_object_get_int64(emu_get(env, "create_time")) > 1700000000);
	/* content is a string holding JSON */
	assert_true(json_object_is_type(emu_get(env, "content"), json_type_string));
	content = json_tokener_parse(emu_str(env, "content"));
	assert_non_null(content);
	json_object_put(env);
	return content;
}

static void webhooks_are_signed_and_shaped(void **state)
{
	unsigned char *data = emu_bytes(2000, 9);
	char tok[200], pid[96], up[256], cfg[200];
	struct json_object *c;
	int i;

	(void)state;
	receiver_start();
	snprintf(cfg, sizeof(cfg), "{\"webhook_url\":\"http://127.0.0.1:%d/hook\",\"processing_delay_ms\":0}", R.port);
	emu_ctl(&E, "/_emulator/config", cfg);

	/* a public direct post: complete, then publicly_available */
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	assert_int_equal(emu_init(&E, tok, 0, "PUBLIC_TO_EVERYONE", 2000, 2000, 1, pid, up), 200);
	assert_int_equal(emu_put(&E, up, "video/mp4", 0, 1999, 2000, data, 2000, NULL, 0), 201);
	i = wait_event("post.publish.complete");
	c = check_hook(i, "post.publish.complete", EMU_PUBLIC);
	assert_string_equal(emu_str(c, "publish_id"), pid);
	assert_string_equal(emu_str(c, "publish_type"), "DIRECT_POST");
	json_object_put(c);
	i = wait_event("post.publish.publicly_available");
	c = check_hook(i, "post.publish.publicly_available", EMU_PUBLIC);
	assert_int_equal(strlen(emu_str(c, "post_id")), 19);
	json_object_put(c);

	/* an inbox draft */
	assert_int_equal(emu_init(&E, tok, 1, NULL, 2000, 2000, 1, pid, up), 200);
	assert_int_equal(emu_put(&E, up, "video/mp4", 0, 1999, 2000, data, 2000, NULL, 0), 201);
	i = wait_event("post.publish.inbox_delivered");
	c = check_hook(i, "post.publish.inbox_delivered", EMU_PUBLIC);
	assert_string_equal(emu_str(c, "publish_type"), "INBOX_SHARE");
	json_object_put(c);

	/* a failure */
	emu_ctl(&E, "/_emulator/faults", "{\"fail_reason\":\"frame_rate_check_failed\"}");
	assert_int_equal(emu_init(&E, tok, 0, "SELF_ONLY", 2000, 2000, 1, pid, up), 200);
	assert_int_equal(emu_put(&E, up, "video/mp4", 0, 1999, 2000, data, 2000, NULL, 0), 201);
	i = wait_event("post.publish.failed");
	c = check_hook(i, "post.publish.failed", EMU_PUBLIC);
	assert_string_equal(emu_str(c, "reason"), "frame_rate_check_failed");
	assert_string_equal(emu_str(c, "publish_id"), pid);
	json_object_put(c);

	/* the user removes the app in TikTok */
	emu_ctl(&E, "/_emulator/revoke", "{\"open_id\":\"" EMU_PUBLIC "\",\"reason\":1}");
	i = wait_event("authorization.removed");
	c = check_hook(i, "authorization.removed", EMU_PUBLIC);
	assert_int_equal(json_object_get_int(emu_get(c, "reason")), 1);
	json_object_put(c);
	{
		long st;
		struct json_object *o = emu_api(&E, "/v2/post/publish/creator_info/query/", tok, "{}", &st);
		assert_int_equal(st, 401);
		json_object_put(o);
	}
	/* deliveries are listed in the state */
	{
		struct json_object *s = emu_state(&E), *hooks = emu_get(s, "webhooks");
		assert_true(json_object_array_length(hooks) >= 5);
		assert_int_equal(json_object_get_int(emu_get(json_object_array_get_idx(hooks, 0), "http_status")), 200);
		json_object_put(s);
	}
	receiver_stop();
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		EMU_TEST(rate_5xx_is_deterministic_with_a_seed),
		EMU_TEST(other_fault_knobs),
		EMU_TEST(state_lists_calls),
		EMU_TEST(webhooks_are_signed_and_shaped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
