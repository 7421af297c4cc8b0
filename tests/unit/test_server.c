/* Unit tests: the FastCGI transport (lib/server.c), spoken to directly on
 * its socket and through a real nginx with the site's own rules
 * (scripts/stack.sh site-rules and app-upstream):
 *   - an answer larger than one 64 KiB record arrives whole and byte-exact,
 *     in one piece or streamed;
 *   - one kept connection carries a sequence of requests, including one
 *     whose body the handler never read;
 *   - a kept connection that waits for its next request holds no thread;
 *   - nginx's pool reuses connections (far fewer accepted than requests). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>
#include <fastcgi.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "http.h"
#include "server.h"
#include "util.h"

#define THREADS 2

static char dir[48], sock_path[96];
static pthread_t server_tid;
static pid_t nginx_pid = -1;
static int nginx_port;

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + i / 251);
}

static size_t query_bytes(struct request *req)
{
	const char *v = kv_get(&req->query, "bytes");

	return v ? (size_t)strtoul(v, NULL, 10) : 0;
}

/* /big?bytes=N (whole), /stream?bytes=N (req_write_raw in 10,000-byte
 * pieces), /echo (the body back), /ignore-body (never reads it) */
static void handle(struct request *req)
{
	size_t n = query_bytes(req);

	req->status = 200;
	req_header(req, "Content-Type: application/octet-stream");
	if (!strcmp(req->path, "/big")) {
		buf_grow(&req->out, n);
		for (size_t i = 0; i < n; i++)
			req->out.data[i] = (char)pattern(i);
		req->out.len = n;
	} else if (!strcmp(req->path, "/stream")) {
		char piece[10000];
		for (size_t off = 0; off < n; off += sizeof(piece)) {
			size_t k = n - off < sizeof(piece) ? n - off : sizeof(piece);
			for (size_t i = 0; i < k; i++)
				piece[i] = (char)pattern(off + i);
			if (req_write_raw(req, piece, k) < 0)
				return;
		}
	} else if (!strcmp(req->path, "/echo")) {
		if (req_read_body(req, 1 << 20) == 0)
			buf_append(&req->out, req->body, req->body_len);
	} else {
		buf_puts(&req->out, "ignored");
	}
}

static void *server_main(void *p)
{
	static struct server_opts o;

	(void)p;
	o.listen = sock_path;
	o.threads = THREADS;
	o.handle = handle;
	server_run(&o);
	return NULL;
}

static int connect_app(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

/* ---- a FastCGI client ---- */

static void put_record(struct buf *b, int type, size_t len)
{
	unsigned char h[8] = { FCGI_VERSION_1, (unsigned char)type, 0, 1,
			       (unsigned char)(len >> 8), (unsigned char)len, 0, 0 };
	buf_append(b, h, sizeof(h));
}

static void put_param(struct buf *p, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);

	buf_putc(p, (char)nl);
	if (vl < 128) {
		buf_putc(p, (char)vl);
	} else {
		unsigned char l[4] = { (unsigned char)(0x80 | vl >> 24), (unsigned char)(vl >> 16),
				       (unsigned char)(vl >> 8), (unsigned char)vl };
		buf_append(p, l, 4);
	}
	buf_puts(p, name);
	buf_puts(p, value);
}

static int write_full(int fd, const void *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return -1;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_full(int fd, void *p, size_t n)
{
	while (n > 0) {
		struct pollfd pf = { fd, POLLIN, 0 };
		ssize_t r;
		if (poll(&pf, 1, 5000) != 1)
			return -1;  /* no answer in 5 s */
		r = read(fd, p, n);
		if (r <= 0)
			return -1;
		p = (char *)p + r;
		n -= (size_t)r;
	}
	return 0;
}

/* One request on fd; the body goes in STDIN records of up to 60,000 bytes. */
static void send_request(int fd, int keep, const char *uri, const char *body, size_t body_len)
{
	struct buf b = BUF_INIT, params = BUF_INIT;
	unsigned char begin[8] = { 0, FCGI_RESPONDER, keep ? FCGI_KEEP_CONN : 0, 0, 0, 0, 0, 0 };
	const char *q = strchr(uri, '?');
	char *path = strndup(uri, q ? (size_t)(q - uri) : strlen(uri)), len[32];

	snprintf(len, sizeof(len), "%zu", body_len);
	put_param(&params, "REQUEST_METHOD", body ? "POST" : "GET");
	put_param(&params, "DOCUMENT_URI", path);
	put_param(&params, "QUERY_STRING", q ? q + 1 : "");
	put_param(&params, "CONTENT_LENGTH", len);
	put_param(&params, "REMOTE_ADDR", "127.0.0.1");
	put_record(&b, FCGI_BEGIN_REQUEST, 8);
	buf_append(&b, begin, 8);
	put_record(&b, FCGI_PARAMS, params.len);
	buf_append(&b, params.data, params.len);
	put_record(&b, FCGI_PARAMS, 0);
	for (size_t off = 0; body && off < body_len; off += 60000) {
		size_t k = body_len - off < 60000 ? body_len - off : 60000;
		put_record(&b, FCGI_STDIN, k);
		buf_append(&b, body + off, k);
	}
	put_record(&b, FCGI_STDIN, 0);
	assert_int_equal(write_full(fd, b.data, b.len), 0);
	buf_free(&b);
	buf_free(&params);
	free(path);
}

/* The STDOUT of one answer, up to its END_REQUEST; -1 when it never ends. */
static int read_answer(int fd, struct buf *out)
{
	unsigned char h[8], content[65535 + 255];

	buf_reset(out);
	for (;;) {
		size_t n, pad;
		if (read_full(fd, h, 8) < 0)
			return -1;
		n = (size_t)h[4] << 8 | h[5];
		pad = h[6];
		if (read_full(fd, content, n + pad) < 0)
			return -1;
		if (h[1] == FCGI_END_REQUEST)
			return n == 8 && content[4] == FCGI_REQUEST_COMPLETE ? 0 : -1;
		if (h[1] == FCGI_STDOUT)
			buf_append(out, content, n);
	}
}

/* The body after the headers; asserts that the status is 200. */
static const unsigned char *answer_body(struct buf *a, size_t *len)
{
	const char *end = memmem(a->data, a->len, "\r\n\r\n", 4);

	assert_non_null(end);
	assert_memory_equal(a->data, "Status: 200 OK\r\n", 16);
	*len = a->len - (size_t)(end + 4 - a->data);
	return (const unsigned char *)end + 4;
}

static void assert_pattern(const unsigned char *p, size_t len, size_t want)
{
	assert_int_equal(len, want);
	for (size_t i = 0; i < len; i++)
		if (p[i] != pattern(i))
			fail_msg("byte %zu differs", i);
}

static int setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/lf-server-test.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/app.sock", dir);
	if (pthread_create(&server_tid, NULL, server_main, NULL) != 0)
		return -1;
	for (int i = 0; i < 500; i++) {
		int fd = connect_app();
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		usleep(10000);
	}
	return -1;
}

static int teardown(void **state)
{
	char cmd[160];

	(void)state;
	if (nginx_pid > 0) {
		kill(nginx_pid, SIGTERM);
		waitpid(nginx_pid, NULL, 0);
	}
	server_stop();
	pthread_join(server_tid, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void large_answer_whole(void **state)
{
	struct buf a = BUF_INIT;
	const unsigned char *body;
	size_t len;
	int fd = connect_app();

	(void)state;
	assert_true(fd >= 0);
	/* three records and a part: 200,000 = 3 * 65,535 + 3,395 */
	send_request(fd, 0, "/big?bytes=200000", NULL, 0);
	assert_int_equal(read_answer(fd, &a), 0);
	assert_non_null(memmem(a.data, 200, "Content-Length: 200000\r\n", 24));
	body = answer_body(&a, &len);
	assert_pattern(body, len, 200000);
	/* no FCGI_KEEP_CONN: the app closes the connection after the answer */
	{
		char c;
		struct pollfd pf = { fd, POLLIN, 0 };
		assert_int_equal(poll(&pf, 1, 5000), 1);
		assert_int_equal(read(fd, &c, 1), 0);
	}
	close(fd);
	buf_free(&a);
}

static void streamed_answer_whole(void **state)
{
	struct buf a = BUF_INIT;
	const unsigned char *body;
	size_t len;
	int fd = connect_app();

	(void)state;
	assert_true(fd >= 0);
	send_request(fd, 0, "/stream?bytes=150001", NULL, 0);
	assert_int_equal(read_answer(fd, &a), 0);
	body = answer_body(&a, &len);
	assert_pattern(body, len, 150001);
	close(fd);
	buf_free(&a);
}

static void kept_connection_carries_a_sequence(void **state)
{
	struct buf a = BUF_INIT;
	const unsigned char *body;
	size_t len, big = 300000;
	char *unread = malloc(big);
	int fd = connect_app();

	(void)state;
	assert_true(fd >= 0);
	memset(unread, 'u', big);
	for (int round = 0; round < 3; round++) {
		send_request(fd, 1, "/big?bytes=70000", NULL, 0);
		assert_int_equal(read_answer(fd, &a), 0);
		body = answer_body(&a, &len);
		assert_pattern(body, len, 70000);

		send_request(fd, 1, "/echo", "hello, transport", 16);
		assert_int_equal(read_answer(fd, &a), 0);
		body = answer_body(&a, &len);
		assert_int_equal(len, 16);
		assert_memory_equal(body, "hello, transport", 16);

		/* a body the handler never reads is skipped, not taken for the
		 * next request */
		send_request(fd, 1, "/ignore-body", unread, big);
		assert_int_equal(read_answer(fd, &a), 0);
		body = answer_body(&a, &len);
		assert_int_equal(len, 7);
		assert_memory_equal(body, "ignored", 7);
	}
	close(fd);
	free(unread);
	buf_free(&a);
}

static void idle_kept_connections_hold_no_thread(void **state)
{
	struct buf a = BUF_INIT;
	int idle[THREADS + 2], fd;
	const unsigned char *body;
	size_t len;

	(void)state;
	/* more idle kept connections than threads: with a thread per
	 * connection, the request below would wait for ever */
	for (int i = 0; i < THREADS + 2; i++) {
		idle[i] = connect_app();
		assert_true(idle[i] >= 0);
		send_request(idle[i], 1, "/big?bytes=10", NULL, 0);
		assert_int_equal(read_answer(idle[i], &a), 0);
	}
	fd = connect_app();
	assert_true(fd >= 0);
	send_request(fd, 0, "/big?bytes=1000", NULL, 0);
	assert_int_equal(read_answer(fd, &a), 0);
	body = answer_body(&a, &len);
	assert_pattern(body, len, 1000);
	close(fd);
	/* and each idle one still answers its next request */
	for (int i = 0; i < THREADS + 2; i++) {
		send_request(idle[i], 1, "/big?bytes=5", NULL, 0);
		assert_int_equal(read_answer(idle[i], &a), 0);
		body = answer_body(&a, &len);
		assert_pattern(body, len, 5);
		close(idle[i]);
	}
	buf_free(&a);
}

/* ---- through nginx ---- */

/* A loopback port nothing listens on now, as the kernel picks one (a fixed
 * port from the pid could be another program's, and nginx then does not
 * start). */
static int free_loopback_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int start_nginx(void)
{
	char cmd[2048], conf[160], url[64];
	FILE *f;

	if (system("command -v nginx >/dev/null 2>&1") != 0)
		return -1;
	snprintf(conf, sizeof(conf), "%s/nginx.conf", dir);
	nginx_port = free_loopback_port();
	if (nginx_port < 0)
		return -1;
	f = fopen(conf, "w");
	if (!f)
		return -1;
	/* root's nginx workers run as nobody, who may not use root's socket */
	if (geteuid() == 0)
		fputs("user root;\n", f);
	fprintf(f, "worker_processes 1;\npid %s/nginx.pid;\nerror_log %s/nginx-error.log;\n"
		   "events { worker_connections 64; }\nhttp {\n"
		   "    access_log off;\n    client_body_temp_path %s/cb;\n    fastcgi_temp_path %s/fc;\n",
		dir, dir, dir, dir);
	fclose(f);
	/* the site's own rules, pointed at the upstream with its pool */
	snprintf(cmd, sizeof(cmd),
		 "scripts/stack.sh app-upstream '%s' >>'%s' && "
		 "printf '    server {\\n        listen 127.0.0.1:%d;\\n' >>'%s' && "
		 "scripts/stack.sh site-rules '%s' '%s' '%s' | "
		 "sed 's|fastcgi_pass unix:%s;|fastcgi_pass langflix_app;|' >>'%s' && "
		 "printf '    }\\n}\\n' >>'%s'",
		 sock_path, conf, nginx_port, conf, dir, dir, sock_path, sock_path, conf, conf);
	if (system(cmd) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "grep -q 'fastcgi_pass langflix_app;' '%s'", conf);
	if (system(cmd) != 0)
		return -1;
	nginx_pid = fork();
	if (nginx_pid == 0) {
		execlp("nginx", "nginx", "-p", dir, "-c", conf, "-e", "/dev/null", "-g", "daemon off;",
		       (char *)NULL);
		_exit(127);
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/big?bytes=1", nginx_port);
	for (int i = 0; i < 300; i++) {
		CURL *c = curl_easy_init();
		long code = 0;
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		if (curl_easy_perform(c) == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_cleanup(c);
		if (code == 200)
			return 0;
		usleep(20000);
	}
	return -1;
}

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
	buf_append(ud, p, size * n);
	return size * n;
}

static void through_nginx(void **state)
{
	struct buf body = BUF_INIT;
	char url[96];
	unsigned long before;
	CURL *c;

	(void)state;
	if (start_nginx() < 0) {
		if (system("command -v nginx >/dev/null 2>&1") != 0)
			skip();
		fail_msg("nginx with the site rules did not start (see %s)", dir);
	}
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	before = server_connections_accepted();
	/* larger than nginx's buffers (8 x 32k) too: 400,000 bytes */
	for (int i = 0; i < 20; i++) {
		size_t n = i % 2 ? 400000 : 75039;
		long code = 0;
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/%s?bytes=%zu", nginx_port,
			 i % 4 == 3 ? "stream" : "big", n);
		buf_reset(&body);
		curl_easy_setopt(c, CURLOPT_URL, url);
		assert_int_equal(curl_easy_perform(c), CURLE_OK);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (code != 200) {
			char cmd[128];
			snprintf(cmd, sizeof(cmd), "tail -n 5 '%s/nginx-error.log'", dir);
			if (system(cmd) != 0)
				print_message("no nginx error log\n");
		}
		assert_int_equal(code, 200);
		assert_pattern((const unsigned char *)body.data, body.len, n);
	}
	/* one request after the other: the pool's one connection carried them */
	assert_true(server_connections_accepted() - before <= 2);
	curl_easy_cleanup(c);
	buf_free(&body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(large_answer_whole),
		cmocka_unit_test(streamed_answer_whole),
		cmocka_unit_test(kept_connection_carries_a_sequence),
		cmocka_unit_test(idle_kept_connections_hold_no_thread),
		cmocka_unit_test(through_nginx),
	};

	return cmocka_run_group_tests_name("server", tests, setup, teardown);
}
