/* server.c — threaded FastCGI accept loop, request parsing and response
 * writing. Each thread: FCGX_Accept_r → parse → handler → send → reset. */
#include "server.h"
#include "crypto.h"
#include "log.h"
#include "netaddr.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;
static int listen_fd = -1;

struct thread_arg {
	const struct server_opts *opts;
	int index;
	pthread_t tid;
};

const char *req_param(struct request *req, const char *name)
{
	return FCGX_GetParam(name, req->fx.envp);
}

const char *req_get_header(struct request *req, const char *name)
{
	char key[128] = "HTTP_";
	size_t o = 5;

	for (; *name && o + 1 < sizeof(key); name++)
		key[o++] = *name == '-' ? '_' : (char)toupper((unsigned char)*name);
	key[o] = '\0';
	if (!strcmp(key, "HTTP_CONTENT_TYPE"))
		return req_param(req, "CONTENT_TYPE");
	if (!strcmp(key, "HTTP_CONTENT_LENGTH"))
		return req_param(req, "CONTENT_LENGTH");
	return req_param(req, key);
}

void req_header(struct request *req, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&req->headers, fmt, ap);
	va_end(ap);
	buf_puts(&req->headers, "\r\n");
}

void req_header_unset(struct request *req, const char *name)
{
	size_t n = strlen(name), i = 0;
	struct buf *h = &req->headers;

	while (i < h->len) {
		char *line = h->data + i, *end = memmem(line, h->len - i, "\r\n", 2);
		size_t len = end ? (size_t)(end - line) + 2 : h->len - i;
		if (len > n && line[n] == ':' && strncasecmp(line, name, n) == 0) {
			memmove(line, line + len, h->len - i - len);
			h->len -= len;
			h->data[h->len] = '\0';
		} else {
			i += len;
		}
	}
}

long req_read(struct request *req, void *dst, size_t n)
{
	int got = FCGX_GetStr(dst, (int)(n > 1 << 30 ? 1 << 30 : n), req->fx.in);

	if (got < 0)
		return -1;
	if (got == 0 && FCGX_GetError(req->fx.in))
		return -1;
	return got;
}

int req_read_body(struct request *req, size_t max)
{
	struct buf b = BUF_INIT;
	char tmp[8192];
	long got;

	if (req->body)
		return 0;
	if (req->content_length > 0 && (unsigned long long)req->content_length > max)
		return 413;
	while ((got = req_read(req, tmp, sizeof(tmp))) > 0) {
		if (b.len + (size_t)got > max) {
			buf_free(&b);
			return 413;
		}
		buf_append(&b, tmp, (size_t)got);
	}
	if (got < 0) {
		buf_free(&b);
		return -1;
	}
	req->body = arena_strndup(&req->arena, buf_cstr(&b), b.len);
	req->body_len = b.len;
	buf_free(&b);
	return 0;
}

int req_parse_form(struct request *req, size_t max)
{
	const char *ct = req->content_type ? req->content_type : "";
	int rc;

	if (strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
		return 415;
	rc = req_read_body(req, max);
	if (rc == 413)
		return 413;
	if (rc < 0)
		return 400;
	if (memchr(req->body, '\0', req->body_len))
		return 400;
	if (http_parse_urlencoded(&req->arena, req->body, req->body_len, &req->form) < 0)
		return 400;
	return 0;
}

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

void req_send_headers(struct request *req)
{
	if (req->sent)
		return;
	req->sent = 1;
	FCGX_FPrintF(req->fx.out, "Status: %d %s\r\n", req->status, status_text(req->status));
	FCGX_PutStr(req->headers.data ? req->headers.data : "", (int)req->headers.len, req->fx.out);
	FCGX_PutStr("\r\n", 2, req->fx.out);
}

int req_write_raw(struct request *req, const void *p, size_t n)
{
	req_send_headers(req);
	return FCGX_PutStr(p, (int)n, req->fx.out) == (int)n ? 0 : -1;
}

static void send_response(struct request *req)
{
	if (!req->sent)
		req_header(req, "Content-Length: %zu", req->out.len);
	req_send_headers(req);
	if (req->out.len && strcmp(req->method, "HEAD") != 0)
		FCGX_PutStr(req->out.data, (int)req->out.len, req->fx.out);
}

/* The last address in X-Forwarded-For: the one the trusted proxy itself
 * appended (earlier ones are the client's claims). NULL when none. */
static const char *forwarded_for(struct request *req)
{
	const char *xff = req_param(req, "HTTP_X_FORWARDED_FOR"), *last;
	size_t n;
	char *addr;

	if (!xff)
		return NULL;
	last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	last += strspn(last, " \t");
	n = strcspn(last, " \t");
	addr = arena_strndup(&req->arena, last, n);
	return netaddr_is_address(addr) ? addr : NULL;
}

/* HTTPS, and the client's address, as the request arrived at the edge:
 * nginx's HTTPS parameter when nginx terminates TLS itself; behind a
 * TLS-terminating proxy in front of nginx, X-Forwarded-Proto and
 * X-Forwarded-For, but only when the peer nginx saw is one of the
 * trusted_proxies (anyone else can send those headers). */
static void edge_of(struct request *req, const char *trusted_proxies)
{
	const char *https = req_param(req, "HTTPS"), *proto, *client;

	req->https = https && (!strcasecmp(https, "on") || !strcmp(https, "1"));
	if (!trusted_proxies || !*trusted_proxies ||
	    !netaddr_in_list(trusted_proxies, req->remote_addr))
		return;
	proto = req_param(req, "HTTP_X_FORWARDED_PROTO");
	if (proto && !strcasecmp(proto, "https"))
		req->https = 1;
	client = forwarded_for(req);
	if (client)
		req->remote_addr = client;
}

static void parse_request(struct request *req, const struct server_opts *o)
{
	const char *uri, *q, *cl;
	int64_t v;

	req->method = req_param(req, "REQUEST_METHOD");
	if (!req->method)
		req->method = "GET";
	/* DOCUMENT_URI is nginx's normalised path; REQUEST_URI is the raw one */
	uri = req_param(req, "DOCUMENT_URI");
	if (!uri) {
		uri = req_param(req, "REQUEST_URI");
		if (!uri)
			uri = "/";
		q = strchr(uri, '?');
		uri = q ? arena_strndup(&req->arena, uri, (size_t)(q - uri)) : uri;
	}
	req->path = uri;
	req->query_string = req_param(req, "QUERY_STRING");
	if (!req->query_string)
		req->query_string = "";
	req->content_type = req_param(req, "CONTENT_TYPE");
	req->remote_addr = req_param(req, "REMOTE_ADDR");
	if (!req->remote_addr)
		req->remote_addr = "-";
	req->remote_user = req_param(req, "REMOTE_USER");
	edge_of(req, o->trusted_proxies);
	cl = req_param(req, "CONTENT_LENGTH");
	req->content_length = cl && *cl && parse_int64(cl, 0, INT64_MAX, &v) == 0 ? v : -1;
	/* a malformed query string is treated as empty; handlers see no fields */
	if (http_parse_urlencoded(&req->arena, req->query_string, strlen(req->query_string),
				  &req->query) < 0)
		req->query.n = 0;
	if (http_parse_cookies(&req->arena, req_param(req, "HTTP_COOKIE"), &req->cookies) < 0)
		req->cookies.n = 0;
}

static void reset_request(struct request *req)
{
	void *tctx = req->thread_ctx;

	arena_reset(&req->arena);
	buf_reset(&req->headers);
	buf_reset(&req->out);
	req->method = req->path = req->query_string = req->content_type = NULL;
	req->remote_addr = req->remote_user = NULL;
	req->query.n = req->cookies.n = req->params.n = req->form.n = 0;
	req->body = NULL;
	req->body_len = 0;
	req->status = 200;
	req->sent = 0;
	req->ctx = NULL;
	req->route = NULL;
	req->thread_ctx = tctx;
}

static void *thread_main(void *p)
{
	struct thread_arg *ta = p;
	const struct server_opts *o = ta->opts;
	struct request *req = xcalloc(1, sizeof(*req));

	arena_init(&req->arena);
	buf_init(&req->headers);
	buf_init(&req->out);
	req->thread_ctx = o->thread_init ? o->thread_init(ta->index) : NULL;
	FCGX_InitRequest(&req->fx, listen_fd, 0);
	for (;;) {
		double t0;
		if (stopping)
			break;
		if (FCGX_Accept_r(&req->fx) < 0)
			break;
		reset_request(req);
		t0 = now_mono();
		req->started = t0;
		if (crypto_random_hex(req->id, 8) < 0)
			snprintf(req->id, sizeof(req->id), "%016lx", (unsigned long)random());
		log_set_request_id(req->id);
		parse_request(req, o);
		o->handle(req);
		send_response(req);
		/* before Finish: the request's strings live in libfcgi's params */
		if (o->after)
			o->after(req, now_mono() - t0);
		FCGX_Finish_r(&req->fx);
		log_set_request_id(NULL);
	}
	if (o->thread_fini)
		o->thread_fini(req->thread_ctx);
	FCGX_Free(&req->fx, 0);
	arena_free(&req->arena);
	buf_free(&req->headers);
	buf_free(&req->out);
	free(req);
	return NULL;
}

static void on_signal(int sig)
{
	(void)sig;
	server_stop();
}

void server_stop(void)
{
	stopping = 1;
	/* wake threads blocked in accept(); FCGX_ShutdownPending makes the
	 * library stop accepting new connections */
	FCGX_ShutdownPending();
	if (listen_fd >= 0)
		shutdown(listen_fd, SHUT_RDWR);
}

/* systemd socket activation passes the socket as fd 3 (SD_LISTEN_FDS_START)
 * with LISTEN_PID = our pid and LISTEN_FDS = 1; spawn-fcgi and inetd-style
 * activation (systemd's StandardInput=socket) pass it as fd 0. */
static int inherited_listener(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int64_t p, n;

	if (pid && fds && parse_int64(pid, 1, INT64_MAX, &p) == 0 && p == (int64_t)getpid() &&
	    parse_int64(fds, 1, 64, &n) == 0) {
		if (n != 1)
			log_warn("event=listen_fds_extra count=%lld using=3", (long long)n);
		unsetenv("LISTEN_PID");     /* not for child processes */
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
		return 3;
	}
	return 0;
}

static int open_listener(const char *listen, int backlog)
{
	int fd;

	if (!listen || !*listen)
		return inherited_listener();
	if (listen[0] == '/' || listen[0] == '.') {
		unlink(listen); /* a stale socket from a previous run */
		fd = FCGX_OpenSocket(listen, backlog);
		if (fd >= 0)
			chmod(listen, 0660);
	} else {
		fd = FCGX_OpenSocket(listen, backlog);
	}
	return fd;
}

int server_run(const struct server_opts *o)
{
	struct sigaction sa;
	struct thread_arg *threads;

	if (FCGX_Init() != 0) {
		log_error("event=fcgi_init_failed");
		return -1;
	}
	listen_fd = open_listener(o->listen, o->backlog > 0 ? o->backlog : 256);
	if (listen_fd < 0) {
		log_error("event=listen_failed listen=%s err=%s", log_quote(o->listen), strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_info("event=server_start listen=%s threads=%d",
		 log_quote(o->listen && *o->listen ? o->listen : listen_fd == 3 ? "systemd-fd3" : "fd0"),
		 o->threads);
	threads = xcalloc((size_t)o->threads, sizeof(*threads));
	for (int i = 0; i < o->threads; i++) {
		threads[i].opts = o;
		threads[i].index = i;
		if (pthread_create(&threads[i].tid, NULL, thread_main, &threads[i]) != 0) {
			log_error("event=thread_create_failed");
			return -1;
		}
	}
	for (int i = 0; i < o->threads; i++)
		pthread_join(threads[i].tid, NULL);
	free(threads);
	if (o->listen && (o->listen[0] == '/' || o->listen[0] == '.'))
		unlink(o->listen);
	log_info("event=server_stop");
	return 0;
}

int router_match(const struct route *routes, size_t n, struct request *req,
		 const struct route **out)
{
	struct buf allow = BUF_INIT;
	int path_matched = 0;

	for (size_t i = 0; i < n; i++) {
		if (!http_match_path(&req->arena, routes[i].pattern, req->path, &req->params))
			continue;
		if (!strcmp(routes[i].method, req->method) ||
		    (!strcmp(routes[i].method, "GET") && !strcmp(req->method, "HEAD"))) {
			*out = &routes[i];
			buf_free(&allow);
			return 0;
		}
		path_matched = 1;
		if (!strstr(buf_cstr(&allow), routes[i].method)) {
			if (allow.len)
				buf_puts(&allow, ", ");
			buf_puts(&allow, routes[i].method);
		}
	}
	req->params.n = 0;
	if (path_matched) {
		req_header(req, "Allow: %s", buf_cstr(&allow));
		buf_free(&allow);
		return 405;
	}
	buf_free(&allow);
	return 404;
}
