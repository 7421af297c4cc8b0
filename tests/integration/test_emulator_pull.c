/* The TikTok emulator's PULL_FROM_URL (tiktok-api.md §2.5, §2.6, §2.7):
 * init with source PULL_FROM_URL and video_url, no upload step; the
 * emulator fetches the URL like TikTok from its own thread (https, or http
 * to loopback for tests; no redirects; verified URL prefixes and domains,
 * else 403 url_ownership_unverified; download failures and files that are
 * too large end FAILED video_pull_failed), shows PROCESSING_DOWNLOAD with
 * downloaded_bytes meanwhile, records the SHA-256 of what it fetched, and
 * keeps answering other requests while downloads run. A small HTTP server
 * in this file plays the client's media host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"
#include "emu_test.h"
#include "util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>


/* ---- the media host: GET /ok/N.mp4 (N deterministic bytes), /ok/redirect.mp4
 * (302), /ok/missing.mp4 (404), /ok/stall.mp4 (1000 bytes, one every 200 ms),
 * /other/N.mp4 (as /ok/, but under no verified prefix) ---- */
static struct {
	int fd, port;
	pthread_t tid;
	_Atomic int stop;
	_Atomic int open_conns;
} M;

static void send_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		c += w;
		n -= (size_t)w;
	}
}

static void serve_file(int c, size_t n)
{
	unsigned char *data = emu_bytes(n, 7);
	char h[160];

	snprintf(h, sizeof(h), "HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: %zu\r\n"
		 "Connection: close\r\n\r\n", n);
	send_all(c, h, strlen(h));
	send_all(c, data, n);
	free(data);
}

static void serve_stall(int c)
{
	static const char h[] = "HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: 1000\r\n"
				"Connection: close\r\n\r\n";
	char zeros[100] = { 0 };

	send_all(c, h, sizeof(h) - 1);
	send_all(c, zeros, sizeof(zeros));
	for (int i = 0; i < 900 && !M.stop; i++) {
		usleep(200000);
		if (send(c, "x", 1, MSG_NOSIGNAL) != 1)
			return;   /* the emulator hung up */
	}
}

static void *serve_conn(void *arg)
{
	int c = (int)(intptr_t)arg;
	char req[4096], path[256] = "";
	size_t len = 0;
	ssize_t n;

	while (len < sizeof(req) - 1 && (n = recv(c, req + len, sizeof(req) - 1 - len, 0)) > 0) {
		len += (size_t)n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	if (len)
		sscanf(req, "GET %255s", path);
	if (!strcmp(path, "/ok/redirect.mp4")) {
		static const char r[] = "HTTP/1.1 302 Found\r\nLocation: /ok/1000.mp4\r\nContent-Length: 0\r\n"
					"Connection: close\r\n\r\n";
		send_all(c, r, sizeof(r) - 1);
	} else if (!strcmp(path, "/ok/stall.mp4")) {
		serve_stall(c);
	} else if ((!strncmp(path, "/ok/", 4) || !strncmp(path, "/other/", 7)) && strtoul(strchr(path + 1, '/') + 1, NULL, 10) > 0) {
		serve_file(c, strtoul(strchr(path + 1, '/') + 1, NULL, 10));
	} else {
		static const char r[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		send_all(c, r, sizeof(r) - 1);
	}
	close(c);
	M.open_conns--;
	return NULL;
}

static void *accept_loop(void *arg)
{
	(void)arg;
	while (!M.stop) {
		pthread_t t;
		int c = accept(M.fd, NULL, NULL);
		if (c < 0)
			break;
		M.open_conns++;
		if (pthread_create(&t, NULL, serve_conn, (void *)(intptr_t)c) == 0)
			pthread_detach(t);
		else {
			close(c);
			M.open_conns--;
		}
	}
	return NULL;
}

static void media_start(void)
{
	M.stop = 0;
	M.fd = emu_loopback_socket(64, &M.port);
	assert_int_equal(pthread_create(&M.tid, NULL, accept_loop, NULL), 0);
}

static void media_stop(void)
{
	M.stop = 1;
	shutdown(M.fd, SHUT_RDWR);
	close(M.fd);
	pthread_join(M.tid, NULL);
	for (int i = 0; i < 100 && M.open_conns > 0; i++)
		usleep(20000);
}

static int setup(void **state)
{
	char cfg[300];

	media_start();
	emu_setup(state);
	snprintf(cfg, sizeof(cfg), "{\"verified_url_prefixes\":\"http://127.0.0.1:%d/ok/\",\"processing_delay_ms\":0,"
		 "\"rate_init_per_min\":1000,\"rate_status_per_min\":100000}", M.port);
	emu_ctl(&E, "/_emulator/config", cfg);
	return 0;
}

static int teardown(void **state)
{
	emu_teardown(state);
	media_stop();
	return 0;
}

static const char *media_url(const char *path)
{
	static char url[4][200];
	static int next;
	char *u = url[next++ % 4];

	snprintf(u, 200, "http://127.0.0.1:%d%s", M.port, path);
	return u;
}

/* A PULL_FROM_URL init (direct unless inbox); the status, the publish_id
 * into pid, the envelope kept in *out when out != NULL. */
static long pull_init(const char *tok, int inbox, const char *url, char *pid, struct json_object **out)
{
	struct buf b = BUF_INIT;
	long st;
	struct json_object *o;

	if (inbox)
		buf_printf(&b, "{\"source_info\":{\"source\":\"PULL_FROM_URL\",\"video_url\":\"%s\"}}", url);
	else
		buf_printf(&b, "{\"post_info\":{\"title\":\"pulled\",\"privacy_level\":\"PUBLIC_TO_EVERYONE\","
			       "\"disable_duet\":false,\"disable_comment\":false,\"disable_stitch\":false,"
			       "\"brand_content_toggle\":false,\"brand_organic_toggle\":false},"
			       "\"source_info\":{\"source\":\"PULL_FROM_URL\",\"video_url\":\"%s\"}}", url);
	o = emu_api(&E, inbox ? "/v2/post/publish/inbox/video/init/" : "/v2/post/publish/video/init/", tok, b.data, &st);
	if (st == 200 && pid)
		snprintf(pid, 96, "%s", emu_str(o, "data.publish_id"));
	buf_free(&b);
	if (out)
		*out = o;
	else
		json_object_put(o);
	return st;
}

/* Poll until the post leaves PROCESSING_DOWNLOAD (or 20 s). */
static struct json_object *wait_pulled(const char *tok, const char *pid)
{
	for (int i = 0; i < 400; i++) {
		long st;
		struct json_object *o = emu_status(&E, tok, pid, &st);
		assert_int_equal(st, 200);
		if (strcmp(emu_str(o, "data.status"), "PROCESSING_DOWNLOAD") != 0)
			return o;
		json_object_put(o);
		usleep(50000);
	}
	fail_msg("publish %s never left PROCESSING_DOWNLOAD", pid);
	return NULL;
}

static int kinds(const char *list, const char *kind)
{
	struct json_object *s = emu_state(&E), *v = emu_get(s, list);
	int n = 0;

	for (size_t i = 0; v && i < json_object_array_length(v); i++)
		n += !strcmp(emu_str(json_object_array_get_idx(v, i), "kind"), kind);
	json_object_put(s);
	return n;
}

static void pull_fetches_hashes_and_publishes(void **state)
{
	const size_t size = 1500000;
	unsigned char *data = emu_bytes(size, 7);
	char tok[200], pid[96], draft[96], sha[65];
	struct json_object *o, *s, *p;

	(void)state;
	crypto_sha256_hex(data, size, sha);
	free(data);
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	assert_int_equal(pull_init(tok, 0, media_url("/ok/1500000.mp4"), pid, &o), 200);
	assert_string_equal(emu_str(o, "error.code"), "ok");
	assert_true(!strncmp(pid, "v_pub_url~", 10));
	assert_null(emu_get(o, "data.upload_url"));       /* no upload step */
	json_object_put(o);
	o = wait_pulled(tok, pid);
	assert_string_equal(emu_str(o, "data.status"), "PUBLISH_COMPLETE");
	assert_int_equal(json_object_get_int64(emu_get(o, "data.downloaded_bytes")), (int64_t)size);
	assert_null(emu_get(o, "data.uploaded_bytes"));
	assert_int_equal(json_object_array_length(emu_get(o, "data.publicaly_available_post_id")), 1);
	json_object_put(o);
	s = emu_state(&E);
	p = emu_state_post(s, pid);
	assert_string_equal(emu_str(p, "source"), "PULL_FROM_URL");
	assert_string_equal(emu_str(p, "sha256"), sha);       /* the bytes, checked like an upload's */
	assert_int_equal(json_object_get_int64(emu_get(p, "video_size")), (int64_t)size);
	assert_string_equal(emu_str(p, "video_url"), media_url("/ok/1500000.mp4"));
	json_object_put(s);
	/* an inbox draft from a URL */
	assert_int_equal(pull_init(tok, 1, media_url("/ok/2000.mp4"), draft, NULL), 200);
	assert_true(!strncmp(draft, "v_inbox_url~", 12));
	o = wait_pulled(tok, draft);
	assert_string_equal(emu_str(o, "data.status"), "SEND_TO_USER_INBOX");
	json_object_put(o);
	emu_assert_no_violations(&E);
}

static void downloads_show_progress_and_block_no_request(void **state)
{
	enum { N = 10 };
	char tok[200], pid[N][96];
	int saw_progress = 0, done = 0;
	double worst = 0, began = now_mono();

	(void)state;
	/* 600,000 bytes at 200,000 B/s: 3 s each, ten at once (more than the
	 * emulator's request threads) */
	emu_ctl(&E, "/_emulator/config", "{\"pull_rate_bytes_per_sec\":200000}");
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	for (int i = 0; i < N; i++) {
		double t0 = now_mono(), dt;
		/* init answers at once: the download is not the request's */
		assert_int_equal(pull_init(tok, 0, media_url("/ok/600000.mp4"), pid[i], NULL), 200);
		dt = now_mono() - t0;
		worst = dt > worst ? dt : worst;
	}
	for (int round = 0; round < 200 && done < N; round++) {
		done = 0;
		for (int i = 0; i < N; i++) {
			long st;
			double t0 = now_mono(), dt;
			struct json_object *o = emu_status(&E, tok, pid[i], &st);
			dt = now_mono() - t0;
			worst = dt > worst ? dt : worst;
			assert_int_equal(st, 200);
			if (!strcmp(emu_str(o, "data.status"), "PROCESSING_DOWNLOAD")) {
				int64_t got = json_object_get_int64(emu_get(o, "data.downloaded_bytes"));
				saw_progress |= got > 0 && got < 600000;
			} else {
				assert_string_equal(emu_str(o, "data.status"), "PUBLISH_COMPLETE");
				done++;
			}
			json_object_put(o);
		}
		usleep(100000);
	}
	assert_int_equal(done, N);
	assert_true(saw_progress);
	/* at TikTok's pace (here 200,000 B/s), not loopback's */
	if (now_mono() - began < 2.5)
		fail_msg("600,000 bytes at 200,000 B/s took only %.2f s", now_mono() - began);
	/* no answer waited on a download (each takes 3 s) */
	if (worst > 0.5)
		fail_msg("an init or status call took %.3f s while downloads ran", worst);
}

static void url_must_be_https_and_verified(void **state)
{
	char tok[200], pid[96], cfg[200];
	struct json_object *o;

	(void)state;
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	/* not under the verified prefix */
	assert_int_equal(pull_init(tok, 0, media_url("/other/1000.mp4"), NULL, &o), 403);
	assert_string_equal(emu_str(o, "error.code"), "url_ownership_unverified");
	json_object_put(o);
	assert_int_equal(pull_init(tok, 1, "https://example.com/v.mp4", NULL, &o), 403);
	assert_string_equal(emu_str(o, "error.code"), "url_ownership_unverified");
	json_object_put(o);
	assert_int_equal(kinds("violations", "url_ownership_unverified"), 2);
	/* https is required (http only to loopback, for tests) */
	assert_int_equal(pull_init(tok, 0, "http://example.com/v.mp4", NULL, &o), 400);
	assert_string_equal(emu_str(o, "error.code"), "invalid_params");
	json_object_put(o);
	assert_int_equal(pull_init(tok, 0, "ftp://127.0.0.1/v.mp4", NULL, NULL), 400);
	assert_int_equal(pull_init(tok, 0, "", NULL, NULL), 400);
	o = emu_api(&E, "/v2/post/publish/inbox/video/init/", tok, "{\"source_info\":{\"source\":\"PULL_FROM_URL\"}}",
		    &(long){ 0 });
	assert_string_equal(emu_str(o, "error.code"), "invalid_params");
	json_object_put(o);
	assert_int_equal(kinds("violations", "invalid_video_url"), 4);
	/* a verified domain covers its host (localhost here: loopback only) */
	snprintf(cfg, sizeof(cfg), "{\"verified_domains\":\"localhost\"}");
	emu_ctl(&E, "/_emulator/config", cfg);
	{
		char url[200];
		snprintf(url, sizeof(url), "http://localhost:%d/other/1000.mp4", M.port);
		assert_int_equal(pull_init(tok, 0, url, pid, NULL), 200);
		o = wait_pulled(tok, pid);
		assert_string_equal(emu_str(o, "data.status"), "PUBLISH_COMPLETE");
		json_object_put(o);
	}
	/* with plain http to loopback switched off, even a verified URL is refused */
	emu_ctl(&E, "/_emulator/config", "{\"pull_allow_http_loopback\":0}");
	assert_int_equal(pull_init(tok, 0, media_url("/ok/1000.mp4"), NULL, NULL), 400);
}

/* Init a pull, wait for its end, expect FAILED video_pull_failed. */
static void expect_pull_failed(const char *tok, const char *url)
{
	char pid[96];
	struct json_object *o;

	assert_int_equal(pull_init(tok, 0, url, pid, NULL), 200);
	o = wait_pulled(tok, pid);
	assert_string_equal(emu_str(o, "data.status"), "FAILED");
	assert_string_equal(emu_str(o, "data.fail_reason"), "video_pull_failed");
	json_object_put(o);
}

static void download_failures_end_in_video_pull_failed(void **state)
{
	char tok[200], closed[200];
	struct json_object *s, *w;
	int failed_hooks = 0, fd;

	(void)state;
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	expect_pull_failed(tok, media_url("/ok/redirect.mp4"));        /* no redirects */
	assert_int_equal(kinds("violations", "pull_redirect"), 1);
	expect_pull_failed(tok, media_url("/ok/missing.mp4"));         /* 404 */
	/* nobody listens there */
	{
		char cfg[300];
		int port;
		fd = emu_loopback_socket(0, &port);
		snprintf(closed, sizeof(closed), "http://127.0.0.1:%d/ok/1000.mp4", port);
		snprintf(cfg, sizeof(cfg), "{\"verified_url_prefixes\":\"http://127.0.0.1:%d/ok/,http://127.0.0.1:%d/ok/\"}",
			 M.port, port);
		emu_ctl(&E, "/_emulator/config", cfg);
	}
	expect_pull_failed(tok, closed);   /* bound but not listening: refused */
	close(fd);
	/* too large */
	emu_ctl(&E, "/_emulator/config", "{\"pull_max_bytes\":4000}");
	expect_pull_failed(tok, media_url("/ok/5000.mp4"));
	assert_int_equal(kinds("notices", "pull_too_large"), 1);
	assert_int_equal(kinds("notices", "pull_failed"), 2);
	/* each failure was announced */
	s = emu_state(&E);
	w = emu_get(s, "webhooks");
	for (size_t i = 0; i < json_object_array_length(w); i++) {
		struct json_object *x = json_object_array_get_idx(w, i);
		if (!strcmp(emu_str(x, "event"), "post.publish.failed")) {
			t_contains(emu_str(x, "content"), "\"reason\":\"video_pull_failed\"");
			failed_hooks++;
		}
	}
	json_object_put(s);
	assert_int_equal(failed_hooks, 4);
	/* a 404 or a dead host is not the protocol's fault; a redirect is */
	assert_int_equal(kinds("violations", "pull_redirect"), 1);
}

static void cancel_stops_an_ongoing_download(void **state)
{
	char tok[200], pid[96], up[256], filed[96], body[200];
	struct json_object *o;
	long st;

	(void)state;
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	assert_int_equal(pull_init(tok, 0, media_url("/ok/stall.mp4"), pid, NULL), 200);
	for (int i = 0; i < 100; i++) {
		o = emu_status(&E, tok, pid, &st);
		if (json_object_get_int64(emu_get(o, "data.downloaded_bytes")) >= 100) {
			json_object_put(o);
			break;
		}
		json_object_put(o);
		usleep(50000);
	}
	snprintf(body, sizeof(body), "{\"publish_id\":\"%s\"}", pid);
	o = emu_api(&E, "/v2/post/publish/cancel/", tok, body, &st);
	assert_int_equal(st, 200);
	assert_string_equal(emu_str(o, "error.code"), "ok");
	json_object_put(o);
	o = emu_status(&E, tok, pid, &st);
	assert_string_equal(emu_str(o, "data.status"), "FAILED");
	assert_string_equal(emu_str(o, "data.fail_reason"), "publish_cancelled");
	json_object_put(o);
	/* once is enough; a FILE_UPLOAD post cannot be cancelled */
	o = emu_api(&E, "/v2/post/publish/cancel/", tok, body, &st);
	assert_int_equal(st, 400);
	assert_string_equal(emu_str(o, "error.code"), "publish_not_cancellable");
	json_object_put(o);
	assert_int_equal(emu_init(&E, tok, 0, "SELF_ONLY", 1000, 1000, 1, filed, up), 200);
	snprintf(body, sizeof(body), "{\"publish_id\":\"%s\"}", filed);
	o = emu_api(&E, "/v2/post/publish/cancel/", tok, body, &st);
	assert_string_equal(emu_str(o, "error.code"), "publish_not_cancellable");
	json_object_put(o);
	/* the emulator hung up on the media host */
	for (int i = 0; i < 100 && M.open_conns > 0; i++)
		usleep(50000);
	assert_int_equal(M.open_conns, 0);
	/* a reset in the middle of a download is safe too */
	assert_int_equal(pull_init(tok, 0, media_url("/ok/stall.mp4"), pid, NULL), 200);
	usleep(300000);
	emu_ctl(&E, "/_emulator/reset", "{}");
	for (int i = 0; i < 100 && M.open_conns > 0; i++)
		usleep(50000);
	assert_int_equal(M.open_conns, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(pull_fetches_hashes_and_publishes, setup, teardown),
		cmocka_unit_test_setup_teardown(downloads_show_progress_and_block_no_request, setup, teardown),
		cmocka_unit_test_setup_teardown(url_must_be_https_and_verified, setup, teardown),
		cmocka_unit_test_setup_teardown(download_failures_end_in_video_pull_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(cancel_stops_an_ongoing_download, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
