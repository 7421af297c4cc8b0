/* The TikTok emulator's upload URL and processing (tiktok-api.md §2.4,
 * §2.7): chunks in order with 206/201 and Content-Range, the SHA-256 of
 * what arrived, 416/400/403/404, then PUBLISH_COMPLETE, SEND_TO_USER_INBOX
 * or FAILED. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"
#include "emu_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>


static const struct emu_preset preset = { "/_emulator/faults",
	"{\"processing_delay_ms\":200}" };

/* Upload size bytes with the plan; every chunk checked. */
static void upload_all(const char *up, const unsigned char *data, long long size, long long chunk,
		       long long count)
{
	char range[128], want[128];

	for (long long i = 0; i < count; i++) {
		long long first = i * chunk, last = i == count - 1 ? size - 1 : first + chunk - 1;
		long st = emu_put(&E, up, "video/mp4", first, last, size, data + first,
				  (size_t)(last - first + 1), range, sizeof(range));
		assert_int_equal(st, i == count - 1 ? 201 : 206);
		snprintf(want, sizeof(want), "bytes 0-%lld/%lld", last, size);
		assert_string_equal(range, want);
	}
}

static void doc_example_uploads_in_five_chunks_and_publishes(void **state)
{
	const long long size = 50000123, chunk = 10000000;
	unsigned char *data = emu_bytes((size_t)size, 1);
	char tok[200], pid[96], up[256], sha[65];
	struct json_object *o, *s, *p, *ids;

	(void)state;
	crypto_sha256_hex(data, (size_t)size, sha);
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	assert_int_equal(emu_init(&E, tok, 0, "PUBLIC_TO_EVERYONE", size, chunk, 5, pid, up), 200);
	upload_all(up, data, size, chunk, 5);

	o = emu_wait_status(&E, tok, pid);
	assert_string_equal(emu_str(o, "data.status"), "PUBLISH_COMPLETE");
	assert_int_equal(json_object_get_int64(emu_get(o, "data.uploaded_bytes")), size);
	ids = emu_get(o, "data.publicaly_available_post_id");
	assert_int_equal(json_object_array_length(ids), 1);
	/* a 19-digit id, as a JSON integer */
	assert_true(json_object_is_type(json_object_array_get_idx(ids, 0), json_type_int));
	assert_int_equal(strlen(json_object_get_string(json_object_array_get_idx(ids, 0))), 19);
	assert_null(emu_get(o, "data.fail_reason"));
	json_object_put(o);

	s = emu_state(&E);
	p = emu_state_post(s, pid);
	assert_string_equal(emu_str(p, "sha256"), sha);
	assert_int_equal(json_object_get_int64(emu_get(p, "bytes")), size);
	assert_int_equal(json_object_get_int(emu_get(p, "chunks_received")), 5);
	assert_string_equal(emu_str(p, "mode"), "DIRECT_POST");
	assert_string_equal(emu_str(p, "privacy_level"), "PUBLIC_TO_EVERYONE");
	assert_string_equal(emu_str(p, "title"), "a title #test");
	assert_string_equal(emu_str(p, "content_type"), "video/mp4");
	json_object_put(s);
	emu_assert_no_violations(&E);
	free(data);
}

static void single_chunk_non_public_and_inbox(void **state)
{
	unsigned char *data = emu_bytes(3000000, 2);
	char tok[200], pid[96], up[256], range[128];
	struct json_object *o;

	(void)state;
	emu_token(&E, "max.private", EMU_ALL_SCOPES, tok, sizeof(tok));
	/* non-public direct post: complete, but no public post id */
	assert_int_equal(emu_init(&E, tok, 0, "FOLLOWER_OF_CREATOR", 3000000, 3000000, 1, pid, up), 200);
	assert_int_equal(emu_put(&E, up, "video/quicktime", 0, 2999999, 3000000, data, 3000000, range,
				 sizeof(range)), 201);
	assert_string_equal(range, "bytes 0-2999999/3000000");
	o = emu_wait_status(&E, tok, pid);
	assert_string_equal(emu_str(o, "data.status"), "PUBLISH_COMPLETE");
	assert_int_equal(json_object_array_length(emu_get(o, "data.publicaly_available_post_id")), 0);
	json_object_put(o);

	/* inbox: SEND_TO_USER_INBOX; the user finishing it → PUBLISH_COMPLETE */
	assert_int_equal(emu_init(&E, tok, 1, NULL, 3000000, 3000000, 1, pid, up), 200);
	assert_int_equal(emu_put(&E, up, "video/webm", 0, 2999999, 3000000, data, 3000000, NULL, 0), 201);
	o = emu_wait_status(&E, tok, pid);
	assert_string_equal(emu_str(o, "data.status"), "SEND_TO_USER_INBOX");
	json_object_put(o);
	{
		char body[200];
		snprintf(body, sizeof(body), "{\"publish_id\":\"%s\"}", pid);
		emu_ctl(&E, "/_emulator/inbox/publish", body);
	}
	o = emu_status(&E, tok, pid, &(long){ 0 });
	assert_string_equal(emu_str(o, "data.status"), "PUBLISH_COMPLETE");
	assert_int_equal(json_object_array_length(emu_get(o, "data.publicaly_available_post_id")), 1);
	json_object_put(o);
	emu_assert_no_violations(&E);
	free(data);
}

static void wrong_ranges_get_416_with_what_is_held(void **state)
{
	const long long size = 12000000, chunk = 6000000;
	unsigned char *data = emu_bytes((size_t)size, 3);
	char tok[200], pid[96], up[256], range[128], sha[65];
	struct json_object *s;

	(void)state;
	crypto_sha256_hex(data, (size_t)size, sha);
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	assert_int_equal(emu_init(&E, tok, 0, "SELF_ONLY", size, chunk, 2, pid, up), 200);
	/* the second chunk first: nothing held yet */
	assert_int_equal(emu_put(&E, up, "video/mp4", 6000000, 11999999, size, data + 6000000, 6000000,
				 range, sizeof(range)), 416);
	assert_string_equal(range, "bytes */12000000");
	/* a chunk of the wrong size */
	assert_int_equal(emu_put(&E, up, "video/mp4", 0, 4999999, size, data, 5000000, range, sizeof(range)), 416);
	/* a wrong total */
	assert_int_equal(emu_put(&E, up, "video/mp4", 0, 5999999, size + 1, data, 6000000, range, sizeof(range)), 416);
	assert_int_equal(emu_put(&E, up, "video/mp4", 0, 5999999, size, data, 6000000, range, sizeof(range)), 206);
	/* the first chunk again */
	assert_int_equal(emu_put(&E, up, "video/mp4", 0, 5999999, size, data, 6000000, range, sizeof(range)), 416);
	assert_string_equal(range, "bytes 0-5999999/12000000");
	assert_int_equal(emu_violations(&E, "wrong_range"), 4);
	/* the refused chunks did not disturb the hash */
	assert_int_equal(emu_put(&E, up, "video/mp4", 6000000, 11999999, size, data + 6000000, 6000000,
				 range, sizeof(range)), 201);
	s = emu_state(&E);
	assert_string_equal(emu_str(emu_state_post(s, pid), "sha256"), sha);
	json_object_put(s);
	/* after completion, any PUT is out of range */
	assert_int_equal(emu_put(&E, up, "video/mp4", 6000000, 11999999, size, data + 6000000, 6000000,
				 range, sizeof(range)), 416);
	free(data);
}

static void malformed_puts_get_400(void **state)
{
	unsigned char *data = emu_bytes(2000, 4);
	char tok[200], pid[96], up[256];
	const char *no_range[] = { "Content-Type: video/mp4", NULL };
	const char *no_type[] = { "Content-Type:", "Content-Range: bytes 0-1999/2000", NULL };
	const char *bad_len[] = { "Content-Type: video/mp4", "Content-Range: bytes 0-1999/2000", NULL };
	struct tresp r;

	(void)state;
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	assert_int_equal(emu_init(&E, tok, 0, "SELF_ONLY", 2000, 2000, 1, pid, up), 200);
	assert_int_equal(emu_put(&E, up, "application/octet-stream", 0, 1999, 2000, data, 2000, NULL, 0), 400);
	assert_int_equal(emu_violations(&E, "wrong_content_type"), 1);
	assert_int_equal(tc_request(E.c, "PUT", up, no_range, data, 2000, &r), 0);
	assert_int_equal(r.status, 400);
	tresp_free(&r);
	assert_int_equal(emu_violations(&E, "bad_content_range"), 1);
	assert_int_equal(tc_request(E.c, "PUT", up, no_type, data, 2000, &r), 0);
	assert_int_equal(r.status, 400);
	tresp_free(&r);
	/* Content-Length (1999 bytes sent) does not match the range */
	assert_int_equal(tc_request(E.c, "PUT", up, bad_len, data, 1999, &r), 0);
	assert_int_equal(r.status, 400);
	tresp_free(&r);
	assert_int_equal(emu_violations(&E, "content_length_mismatch"), 1);
	/* the upload is untouched and still takes the right chunk */
	assert_int_equal(emu_put(&E, up, "video/mp4", 0, 1999, 2000, data, 2000, NULL, 0), 201);
	free(data);
}

static void unknown_expired_and_truncated_urls(void **state)
{
	unsigned char *data = emu_bytes(2000, 5);
	char tok[200], pid[96], up[256], cut[256];

	(void)state;
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	assert_int_equal(emu_put(&E, "/upload/0123456789abcdef0123456789abcdef?upload_token=x", "video/mp4", 0,
				 1999, 2000, data, 2000, NULL, 0), 404);
	/* the whole URL must be used, query string included */
	assert_int_equal(emu_init(&E, tok, 0, "SELF_ONLY", 2000, 2000, 1, pid, up), 200);
	snprintf(cut, sizeof(cut), "%.*s", (int)(strchr(up, '?') - up), up);
	assert_int_equal(emu_put(&E, cut, "video/mp4", 0, 1999, 2000, data, 2000, NULL, 0), 403);
	assert_int_equal(emu_violations(&E, "upload_url_query_dropped"), 1);
	/* an upload URL that expires early */
	emu_ctl(&E, "/_emulator/faults", "{\"upload_url_ttl_sec\":1}");
	assert_int_equal(emu_init(&E, tok, 0, "SELF_ONLY", 2000, 2000, 1, pid, up), 200);
	sleep(2);
	assert_int_equal(emu_put(&E, up, "video/mp4", 0, 1999, 2000, data, 2000, NULL, 0), 403);
	free(data);
}

static void processing_failures(void **state)
{
	unsigned char *data = emu_bytes(2000, 6);
	char tok[200], bad[200], pid[96], up[256];
	struct json_object *o;

	(void)state;
	/* the profile whose media checks fail */
	emu_token(&E, "bad.framerate", EMU_ALL_SCOPES, bad, sizeof(bad));
	assert_int_equal(emu_init(&E, bad, 0, "SELF_ONLY", 2000, 2000, 1, pid, up), 200);
	assert_int_equal(emu_put(&E, up, "video/mp4", 0, 1999, 2000, data, 2000, NULL, 0), 201);
	o = emu_wait_status(&E, bad, pid);
	assert_string_equal(emu_str(o, "data.status"), "FAILED");
	assert_string_equal(emu_str(o, "data.fail_reason"), "frame_rate_check_failed");
	json_object_put(o);
	/* the fault knob, for any account */
	emu_ctl(&E, "/_emulator/faults", "{\"fail_reason\":\"picture_size_check_failed\"}");
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	assert_int_equal(emu_init(&E, tok, 0, "PUBLIC_TO_EVERYONE", 2000, 2000, 1, pid, up), 200);
	assert_int_equal(emu_put(&E, up, "video/mp4", 0, 1999, 2000, data, 2000, NULL, 0), 201);
	o = emu_wait_status(&E, tok, pid);
	assert_string_equal(emu_str(o, "data.status"), "FAILED");
	assert_string_equal(emu_str(o, "data.fail_reason"), "picture_size_check_failed");
	assert_int_equal(json_object_array_length(emu_get(o, "data.publicaly_available_post_id")), 0);
	json_object_put(o);
	/* the user revokes while an upload is in flight: auth_removed */
	emu_ctl(&E, "/_emulator/faults", "{\"fail_reason\":\"\"}");
	emu_token(&E, "max.private", EMU_ALL_SCOPES, tok, sizeof(tok));
	assert_int_equal(emu_init(&E, tok, 0, "SELF_ONLY", 2000, 2000, 1, pid, up), 200);
	emu_ctl(&E, "/_emulator/revoke", "{\"open_id\":\"" EMU_PRIVATE "\"}");
	{
		struct json_object *s = emu_state(&E);
		struct json_object *p = emu_state_post(s, pid);
		assert_string_equal(emu_str(p, "status"), "FAILED");
		assert_string_equal(emu_str(p, "fail_reason"), "auth_removed");
		json_object_put(s);
	}
	/* its upload URL is dead */
	assert_int_equal(emu_put(&E, up, "video/mp4", 0, 1999, 2000, data, 2000, NULL, 0), 403);
	free(data);
}

/* A raw connection to the emulator's nginx, for a PUT sent in two halves. */
static int connect_emu(void)
{
	struct sockaddr_in a;
	const char *colon = strrchr(E.base, ':');
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0 && colon);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)atoi(colon + 1));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = send(fd, c, n, 0);
		assert_true(w > 0);
		c += w;
		n -= (size_t)w;
	}
}

static void parallel_put_is_refused(void **state)
{
	const long long size = 12000000, chunk = 6000000;
	unsigned char *data = emu_bytes((size_t)size, 7);
	char tok[200], pid[96], up[256], head[512], resp[512] = "";
	int fd;
	ssize_t got;

	(void)state;
	emu_token(&E, "lena.public", EMU_ALL_SCOPES, tok, sizeof(tok));
	assert_int_equal(emu_init(&E, tok, 0, "SELF_ONLY", size, chunk, 2, pid, up), 200);
	/* chunk 1, first half only: the emulator is now streaming it */
	fd = connect_emu();
	snprintf(head, sizeof(head), "PUT %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: video/mp4\r\n"
		 "Content-Length: 6000000\r\nContent-Range: bytes 0-5999999/12000000\r\nConnection: close\r\n\r\n", up);
	send_all(fd, head, strlen(head));
	send_all(fd, data, 3000000);
	usleep(500000);
	/* a second PUT meanwhile: chunks are sequential */
	assert_int_equal(emu_put(&E, up, "video/mp4", 0, 5999999, size, data, 6000000, NULL, 0), 416);
	assert_int_equal(emu_violations(&E, "parallel_put"), 1);
	/* the first one completes normally */
	send_all(fd, data + 3000000, 3000000);
	got = recv(fd, resp, sizeof(resp) - 1, MSG_WAITALL);
	assert_true(got > 12);
	assert_true(strncmp(resp, "HTTP/1.1 206", 12) == 0);
	close(fd);
	assert_int_equal(emu_put(&E, up, "video/mp4", 6000000, 11999999, size, data + 6000000, 6000000, NULL, 0), 201);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		EMU_TEST_SET(doc_example_uploads_in_five_chunks_and_publishes, &preset),
		EMU_TEST_SET(single_chunk_non_public_and_inbox, &preset),
		EMU_TEST_SET(wrong_ranges_get_416_with_what_is_held, &preset),
		EMU_TEST_SET(malformed_puts_get_400, &preset),
		EMU_TEST_SET(unknown_expired_and_truncated_urls, &preset),
		EMU_TEST_SET(processing_failures, &preset),
		EMU_TEST_SET(parallel_put_is_refused, &preset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
