/* server.c — threaded FastCGI server: the connections, the FastCGI
 * records (FastCGI 1.0: BEGIN_REQUEST, PARAMS, STDIN in; STDOUT and
 * END_REQUEST out), request parsing and response writing.
 *
 * Threads share one epoll set: the listening socket and every idle
 * connection the web server keeps open (FCGI_KEEP_CONN), each armed
 * one-shot, so exactly one thread takes a ready socket, serves the request
 * on it and arms it again. A kept connection that waits for its next
 * request holds no thread. */
#include "server.h"
#include "crypto.h"
#include "log.h"
#include "netaddr.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fastcgi.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;
static int listen_fd = -1;
static int epoll_fd = -1;
static int wake_pipe[2] = { -1, -1 };
static unsigned long accepted;   /* connections, for server_connections_accepted */

struct thread_arg {
	const struct server_opts *opts;
	int index;
	pthread_t tid;
};

/* The largest record: header, 65,535 content bytes, 255 padding. The input
 * buffer holds two, so one read usually brings a whole request. */
#define REC_MAX (FCGI_HEADER_LEN + FCGI_MAX_LENGTH + 255)
#define IN_CAP (2 * REC_MAX)
#define PARAMS_MAX (1 << 20)          /* nginx sends a few KiB */
#define STREAM_FLUSH (64 << 10)       /* streamed output leaves in pieces of this */
/* Unread body skipped after the answer, to keep the connection or close it
 * cleanly. Above nginx's client_max_body_size (2m in the site's rules):
 * closing with a refused body still unread makes the close a reset, and
 * nginx, still sending that body, then loses the answer (a 502 instead of
 * the 413 the handler wrote). */
#define DRAIN_MAX (8 << 20)

/* One thread's connection state: the socket it serves now and the buffers
 * it reuses from request to request. */
struct server_conn {
	int fd;
	int keep;                    /* FCGI_KEEP_CONN: the web server reuses it */
	int broken;                  /* I/O or protocol error: close after this request */
	unsigned id;                 /* the current request's id, 0 between requests */
	unsigned char *in;           /* read, not yet taken: in[off, len) */
	size_t off, len;
	const unsigned char *stdin_p; /* the current STDIN record's unread bytes */
	size_t stdin_left;
	int stdin_eof;
	struct buf params;           /* PARAMS content of the current request */
	struct kv *env;              /* the parameters (strings in the request arena) */
	size_t nenv, env_cap;
	struct buf head;             /* Status line and headers of a whole answer */
	struct buf stream;           /* streamed output not yet written */
	struct iovec *iov;
	size_t iov_cap;
	unsigned char (*hdr)[16];    /* record headers (END_REQUEST: header + body) */
	size_t hdr_cap;
};

struct record {
	int type;
	unsigned id;
	const unsigned char *p;      /* content, valid until the next read_record */
	size_t n;
};

/* ---- reading records ----------------------------------------------------- */

/* Make at least need bytes readable at in + off: 1, 0 at end of file, -1 on error. */
static int conn_fill(struct server_conn *c, size_t need)
{
	if (c->len - c->off >= need)
		return 1;
	if (IN_CAP - c->off < need) {
		memmove(c->in, c->in + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	while (c->len - c->off < need) {
		ssize_t r = read(c->fd, c->in + c->len, IN_CAP - c->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? 0 : -1;
		c->len += (size_t)r;
	}
	return 1;
}

/* The next whole record: 1; 0 when the peer closed between records; -1 on
 * an error or a malformed record. */
static int read_record(struct server_conn *c, struct record *r)
{
	const unsigned char *h;
	size_t clen, pad;
	int rc = conn_fill(c, FCGI_HEADER_LEN);

	if (rc <= 0)
		return rc == 0 && c->off == c->len ? 0 : -1;
	h = c->in + c->off;
	if (h[0] != FCGI_VERSION_1)
		return -1;
	clen = (size_t)h[4] << 8 | h[5];
	pad = h[6];
	if (conn_fill(c, FCGI_HEADER_LEN + clen + pad) <= 0)
		return -1;
	h = c->in + c->off;
	r->type = h[1];
	r->id = (unsigned)h[2] << 8 | h[3];
	r->p = h + FCGI_HEADER_LEN;
	r->n = clen;
	c->off += FCGI_HEADER_LEN + clen + pad;
	if (c->off == c->len)
		c->off = c->len = 0;    /* the content stays in place until the next read */
	return 1;
}

/* ---- writing records ----------------------------------------------------- */

static void put_header(unsigned char *h, int type, unsigned id, size_t len)
{
	h[0] = FCGI_VERSION_1;
	h[1] = (unsigned char)type;
	h[2] = (unsigned char)(id >> 8);
	h[3] = (unsigned char)id;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = 0;
	h[7] = 0;
}

static int write_all(int fd, struct iovec *iov, size_t n)
{
	while (n > 0) {
		int batch = n > IOV_MAX ? IOV_MAX : (int)n;
		ssize_t w = writev(fd, iov, batch);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* parts as STDOUT records of at most 65,535 bytes; with end, then the empty
 * STDOUT record and END_REQUEST: all in one writev (a few for a very large
 * answer). 0, or -1 when the web server is gone. */
static int send_stdout(struct server_conn *c, const struct iovec *parts, size_t nparts, int end)
{
	size_t total = 0, nrec, niov = 0, nhdr = 0, pi = 0, po = 0;

	for (size_t i = 0; i < nparts; i++)
		total += parts[i].iov_len;
	nrec = (total + FCGI_MAX_LENGTH - 1) / FCGI_MAX_LENGTH;
	if (c->hdr_cap < nrec + 2) {
		c->hdr_cap = nrec + 2;
		c->hdr = xrealloc(c->hdr, c->hdr_cap * sizeof(*c->hdr));
	}
	if (c->iov_cap < 2 * nrec + nparts + 2) {
		c->iov_cap = 2 * nrec + nparts + 2;
		c->iov = xrealloc(c->iov, c->iov_cap * sizeof(*c->iov));
	}
	while (total > 0) {
		size_t rec = total < FCGI_MAX_LENGTH ? total : FCGI_MAX_LENGTH;
		put_header(c->hdr[nhdr], FCGI_STDOUT, c->id, rec);
		c->iov[niov++] = (struct iovec){ c->hdr[nhdr++], FCGI_HEADER_LEN };
		total -= rec;
		while (rec > 0) {
			size_t take = parts[pi].iov_len - po;
			if (take == 0) {
				pi++;
				po = 0;
				continue;
			}
			if (take > rec)
				take = rec;
			c->iov[niov++] = (struct iovec){ (char *)parts[pi].iov_base + po, take };
			po += take;
			rec -= take;
		}
	}
	if (end) {
		put_header(c->hdr[nhdr], FCGI_STDOUT, c->id, 0);
		c->iov[niov++] = (struct iovec){ c->hdr[nhdr++], FCGI_HEADER_LEN };
		put_header(c->hdr[nhdr], FCGI_END_REQUEST, c->id, 8);
		memset(c->hdr[nhdr] + 8, 0, 8);   /* appStatus 0, FCGI_REQUEST_COMPLETE */
		c->iov[niov++] = (struct iovec){ c->hdr[nhdr++], 16 };
	}
	if (niov == 0 || c->broken)
		return c->broken ? -1 : 0;
	if (write_all(c->fd, c->iov, niov) < 0) {
		c->broken = 1;
		return -1;
	}
	return 0;
}

/* An answer outside any request: END_REQUEST with a protocol status, or a
 * management record's reply. */
static void send_record(struct server_conn *c, int type, unsigned id, const void *body, size_t n)
{
	unsigned char rec[FCGI_HEADER_LEN + 16];
	struct iovec iov = { rec, FCGI_HEADER_LEN + n };

	put_header(rec, type, id, n);
	memcpy(rec + FCGI_HEADER_LEN, body, n);
	if (write_all(c->fd, &iov, 1) < 0)
		c->broken = 1;
}

static void end_request(struct server_conn *c, unsigned id, int protocol_status)
{
	unsigned char body[8] = { 0, 0, 0, 0, (unsigned char)protocol_status, 0, 0, 0 };

	send_record(c, FCGI_END_REQUEST, id, body, sizeof(body));
}

/* Records with request id 0. nginx sends none; FCGI_GET_VALUES gets an
 * empty answer (the web server then assumes the defaults), others
 * FCGI_UNKNOWN_TYPE. */
static void management_record(struct server_conn *c, const struct record *r)
{
	unsigned char body[8] = { (unsigned char)r->type, 0, 0, 0, 0, 0, 0, 0 };

	if (r->type == FCGI_GET_VALUES)
		send_record(c, FCGI_GET_VALUES_RESULT, 0, "", 0);
	else
		send_record(c, FCGI_UNKNOWN_TYPE, 0, body, sizeof(body));
}

/* ---- a request's parameters and body ------------------------------------- */

static int param_len(const unsigned char **p, const unsigned char *end, size_t *out)
{
	if (*p >= end)
		return -1;
	if (!(**p & 0x80)) {
		*out = *(*p)++;
		return 0;
	}
	if (end - *p < 4)
		return -1;
	*out = ((size_t)((*p)[0] & 0x7f) << 24) | ((size_t)(*p)[1] << 16) | ((size_t)(*p)[2] << 8) | (*p)[3];
	*p += 4;
	return 0;
}

static int parse_params(struct server_conn *c, struct request *req)
{
	const unsigned char *p = (const unsigned char *)c->params.data, *end = p + c->params.len;

	c->nenv = 0;
	while (p < end) {
		size_t nl, vl;
		if (param_len(&p, end, &nl) < 0 || param_len(&p, end, &vl) < 0 ||
		    nl > (size_t)(end - p) || vl > (size_t)(end - p) - nl)
			return -1;
		if (c->nenv == c->env_cap) {
			c->env_cap = c->env_cap ? 2 * c->env_cap : 64;
			c->env = xrealloc(c->env, c->env_cap * sizeof(*c->env));
		}
		c->env[c->nenv].key = arena_strndup(&req->arena, (const char *)p, nl);
		c->env[c->nenv].val = arena_strndup(&req->arena, (const char *)p + nl, vl);
		c->nenv++;
		p += nl + vl;
	}
	return 0;
}

/* Read up to the end of the next request's PARAMS: 1 when a request is
 * ready, 0 when the web server closed the connection between requests, -1
 * on an error. */
static int read_request(struct server_conn *c, struct request *req)
{
	struct record r;
	int rc;

	c->id = 0;
	c->params.len = 0;
	c->nenv = 0;
	c->stdin_left = 0;
	c->stdin_eof = 0;
	for (;;) {
		rc = read_record(c, &r);
		if (rc <= 0)
			return rc;
		if (r.id == FCGI_NULL_REQUEST_ID) {
			management_record(c, &r);
			continue;
		}
		if (r.type == FCGI_BEGIN_REQUEST) {
			int role;
			if (r.n != 8)
				return -1;
			if (c->id) {
				end_request(c, r.id, FCGI_CANT_MPX_CONN);
				continue;
			}
			role = r.p[0] << 8 | r.p[1];
			c->keep = r.p[2] & FCGI_KEEP_CONN;
			if (role != FCGI_RESPONDER) {
				end_request(c, r.id, FCGI_UNKNOWN_ROLE);
				continue;
			}
			c->id = r.id;
			continue;
		}
		if (r.id != c->id)
			continue;     /* of a request refused above */
		if (r.type == FCGI_ABORT_REQUEST) {
			end_request(c, c->id, FCGI_REQUEST_COMPLETE);
			c->id = 0;
			c->params.len = 0;
			continue;
		}
		if (r.type != FCGI_PARAMS)
			return -1;    /* STDIN before the end of PARAMS */
		if (r.n == 0)
			break;
		if (c->params.len + r.n > PARAMS_MAX)
			return -1;
		buf_append(&c->params, r.p, r.n);
	}
	return parse_params(c, req) < 0 ? -1 : 1;
}

const char *req_param(struct request *req, const char *name)
{
	struct server_conn *c = req->conn;

	for (size_t i = 0; i < c->nenv; i++)
		if (!strcmp(c->env[i].key, name))
			return c->env[i].val;
	return NULL;
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
	struct server_conn *c = req->conn;
	size_t got = 0;
	struct record r;

	if (n > 1 << 30)
		n = 1 << 30;
	while (got < n) {
		if (c->stdin_left) {
			size_t take = c->stdin_left < n - got ? c->stdin_left : n - got;
			memcpy((char *)dst + got, c->stdin_p, take);
			c->stdin_p += take;
			c->stdin_left -= take;
			got += take;
			continue;
		}
		if (c->stdin_eof)
			break;
		if (c->broken || read_record(c, &r) <= 0) {
			c->broken = 1;
			return -1;
		}
		if (r.id == FCGI_NULL_REQUEST_ID) {
			management_record(c, &r);
		} else if (r.id != c->id) {
			continue;
		} else if (r.type == FCGI_STDIN) {
			c->stdin_p = r.p;
			c->stdin_left = r.n;
			c->stdin_eof = r.n == 0;
		} else if (r.type == FCGI_ABORT_REQUEST) {
			c->broken = 1;   /* the web server gave up on this request */
			return -1;
		} else if (r.type != FCGI_DATA) {
			c->broken = 1;
			return -1;
		}
	}
	return (long)got;
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

/* Status line and headers, ending with the empty line. */
static void put_head(struct request *req, struct buf *b)
{
	buf_printf(b, "Status: %d %s\r\n", req->status, status_text(req->status));
	buf_append(b, req->headers.data ? req->headers.data : "", req->headers.len);
	buf_puts(b, "\r\n");
}

void req_send_headers(struct request *req)
{
	if (req->sent)
		return;
	req->sent = 1;
	buf_reset(&req->conn->stream);
	put_head(req, &req->conn->stream);
}

int req_write_raw(struct request *req, const void *p, size_t n)
{
	struct server_conn *c = req->conn;
	struct iovec parts[2];
	int rc;

	req_send_headers(req);
	if (c->stream.len + n < STREAM_FLUSH) {
		buf_append(&c->stream, p, n);
		return c->broken ? -1 : 0;
	}
	parts[0] = (struct iovec){ c->stream.data, c->stream.len };
	parts[1] = (struct iovec){ (void *)p, n };
	rc = send_stdout(c, parts, 2, 0);
	c->stream.len = 0;
	return rc;
}

/* The whole answer in one writev: head and body as STDOUT records, then
 * END_REQUEST. A streamed answer sends what is left of it. */
static void send_response(struct request *req)
{
	struct server_conn *c = req->conn;
	int body = req->out.len && strcmp(req->method, "HEAD") != 0;
	struct iovec parts[2];

	if (!req->sent) {
		req_header(req, "Content-Length: %zu", req->out.len);
		buf_reset(&c->head);
		put_head(req, &c->head);
		parts[0] = (struct iovec){ c->head.data, c->head.len };
	} else {
		parts[0] = (struct iovec){ c->stream.data, c->stream.len };
	}
	parts[1] = (struct iovec){ req->out.data, body ? req->out.len : 0 };
	send_stdout(c, parts, 2, 1);
	buf_reset(&c->stream);
}

/* What the handler left unread of the body, so that the connection can
 * carry the next request, or close cleanly; past DRAIN_MAX it is closed as
 * it is. */
static void drain_stdin(struct request *req)
{
	struct server_conn *c = req->conn;
	char tmp[8192];
	size_t drained = 0;
	long got;

	while (!c->stdin_eof && !c->broken) {
		if (drained > DRAIN_MAX) {
			c->broken = 1;
			break;
		}
		got = req_read(req, tmp, sizeof(tmp));
		if (got <= 0)
			break;
		drained += (size_t)got;
	}
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
	struct server_conn *conn = req->conn;

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
	req->conn = conn;
}

static void serve_one(struct request *req, const struct server_opts *o)
{
	double t0;

	t0 = now_mono();
	req->started = t0;
	if (crypto_random_hex(req->id, 8) < 0)
		snprintf(req->id, sizeof(req->id), "%016lx", (unsigned long)random());
	log_set_request_id(req->id);
	parse_request(req, o);
	o->handle(req);
	send_response(req);
	if (o->after)
		o->after(req, now_mono() - t0);
	log_set_request_id(NULL);
	/* also before a close: bytes left unread would make it a reset, and
	 * the web server could lose the answer (cgi-fcgi sends its STDIN end
	 * only after reading the answer) */
	drain_stdin(req);
}

/* Serve the requests that arrive on c->fd: 1 when the web server keeps the
 * connection open for more, 0 when it is to be closed. */
static int serve_connection(struct request *req, const struct server_opts *o)
{
	struct server_conn *c = req->conn;

	c->off = c->len = 0;
	c->broken = 0;
	c->keep = 0;
	do {
		reset_request(req);
		if (read_request(c, req) <= 0)
			return 0;
		serve_one(req, o);
		/* more bytes already here: the next request, on this thread */
	} while (c->keep && !c->broken && c->off < c->len && !stopping);
	reset_request(req);
	return c->keep && !c->broken && c->off == c->len;
}

static int arm(int fd, int op)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT, .data.fd = fd };

	return epoll_ctl(epoll_fd, op, fd, &ev);
}

/* Every connection waiting in the listen queue: the first to serve now, the
 * others into the epoll set, each in its own place in the ready list. Taken
 * one per wake-up, a queue of new connections would wait behind every kept
 * connection's turn, and p99 would grow with the pool. -1 when none. */
static int accept_waiting(void)
{
	int first = -1, fd;

	for (int i = 0; i < 256; i++) {
		fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				usleep(10000);
			break;
		}
		__atomic_add_fetch(&accepted, 1, __ATOMIC_RELAXED);
		if (first < 0)
			first = fd;
		else if (arm(fd, EPOLL_CTL_ADD) < 0)
			close(fd);
	}
	arm(listen_fd, EPOLL_CTL_MOD);
	return first;
}

static void *thread_main(void *p)
{
	struct thread_arg *ta = p;
	const struct server_opts *o = ta->opts;
	struct request *req = xcalloc(1, sizeof(*req));
	struct server_conn *c = xcalloc(1, sizeof(*c));

	c->in = xmalloc(IN_CAP);
	c->fd = -1;
	req->conn = c;
	arena_init(&req->arena);
	buf_init(&req->headers);
	buf_init(&req->out);
	req->thread_ctx = o->thread_init ? o->thread_init(ta->index) : NULL;
	while (!stopping) {
		struct epoll_event ev;
		int n = epoll_wait(epoll_fd, &ev, 1, -1), fd, kept;

		if (n < 0 && errno != EINTR) {
			log_error("event=epoll_wait_failed err=%s", strerror(errno));
			break;
		}
		if (n <= 0)
			continue;
		if (ev.data.fd == wake_pipe[0])
			break;
		kept = ev.data.fd != listen_fd;
		if (kept) {
			fd = ev.data.fd;
		} else {
			fd = accept_waiting();
			if (fd < 0)
				continue;
		}
		c->fd = fd;
		if (serve_connection(req, o) && arm(fd, kept ? EPOLL_CTL_MOD : EPOLL_CTL_ADD) == 0)
			continue;
		close(fd);   /* also leaves the epoll set */
	}
	if (o->thread_fini)
		o->thread_fini(req->thread_ctx);
	arena_free(&req->arena);
	buf_free(&req->headers);
	buf_free(&req->out);
	buf_free(&c->params);
	buf_free(&c->head);
	buf_free(&c->stream);
	free(c->env);
	free(c->iov);
	free(c->hdr);
	free(c->in);
	free(c);
	free(req);
	return NULL;
}

unsigned long server_connections_accepted(void)
{
	return __atomic_load_n(&accepted, __ATOMIC_RELAXED);
}

static void on_signal(int sig)
{
	(void)sig;
	server_stop();
}

void server_stop(void)
{
	int saved = errno;

	stopping = 1;
	/* level-triggered and never read: every thread's epoll_wait returns */
	if (wake_pipe[1] >= 0 && write(wake_pipe[1], "x", 1) < 0) {
		/* full already: the threads are waking */
	}
	errno = saved;
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
	{
		int fl = fcntl(listen_fd, F_GETFL);
		struct epoll_event wake = { .events = EPOLLIN, .data.fd = -1 };

		/* non-blocking: a connection gone before accept() must not hold
		 * the thread that was woken for it (and with it, every accept) */
		if (fl < 0 || fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
		    (epoll_fd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
		    pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
			log_error("event=listen_setup_failed err=%s", strerror(errno));
			return -1;
		}
		wake.data.fd = wake_pipe[0];
		if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_pipe[0], &wake) < 0 ||
		    arm(listen_fd, EPOLL_CTL_ADD) < 0) {
			log_error("event=listen_setup_failed err=%s", strerror(errno));
			return -1;
		}
	}
	if (stopping)
		server_stop();   /* a signal before the pipe existed */
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
	close(epoll_fd);
	close(wake_pipe[0]);
	close(wake_pipe[1]);
	epoll_fd = wake_pipe[0] = wake_pipe[1] = -1;
	close(listen_fd);
	listen_fd = -1;
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
