/* server.h — a threaded FastCGI server and the request it hands to handlers.
 *
 * Both FastCGI programs (the app in cgi-bin/ and the TikTok emulator in
 * emulator/) run on this: N threads share one epoll set holding the
 * listening socket and the web server's idle kept-alive connections; a
 * thread takes whichever is ready, serves the request(s) that arrived on it
 * and hands the connection back, so an idle connection holds no thread.
 * Each thread owns its per-thread state (a database connection, say) and
 * one request arena that is reset after every request.
 *
 * The FastCGI records are read and written here (server.c), not by libfcgi:
 * a request arrives in one or a few reads, an answer leaves in one writev of
 * STDOUT records of at most 65,535 bytes and the END_REQUEST record.
 *
 * A handler fills req->status, adds headers with req_header() and writes
 * the body into req->out; server.c sends it all when the handler returns.
 * Large bodies can be read (req_read) or written (req_write_raw) streaming. */
#ifndef LF_SERVER_H
#define LF_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include "arena.h"
#include "buf.h"
#include "http.h"

struct server_conn;

struct request {
	struct server_conn *conn;    /* the FastCGI connection it arrived on (server.c) */
	struct arena arena;
	char id[17];                 /* request id for logs and error pages */

	/* what arrived */
	const char *method;
	const char *path;            /* without the query string */
	const char *query_string;
	const char *content_type;
	const char *remote_addr;     /* the client's (see trusted_proxies) */
	const char *remote_user;     /* REMOTE_USER from nginx, if any */
	int https;
	long long content_length;    /* -1 when absent */
	struct kvlist query;
	struct kvlist cookies;
	struct kvlist params;        /* path parameters from the route pattern */
	struct kvlist form;          /* filled by req_parse_form() */
	char *body;                  /* filled by req_read_body() */
	size_t body_len;

	/* what goes back */
	int status;
	struct buf headers;          /* "Name: value\r\n" lines */
	struct buf out;              /* body */
	int sent;                    /* headers already written (streaming) */

	/* owned by the program */
	void *thread_ctx;            /* per-thread state from thread_init */
	void *ctx;                   /* per-request state, program-defined */
	const struct route *route;
	double started;
};

/* Read a CGI parameter (HTTP_USER_AGENT, ...). NULL when absent. */
const char *req_param(struct request *req, const char *name);
/* A request header by its HTTP name ("Content-Range"). NULL when absent. */
const char *req_get_header(struct request *req, const char *name);
void req_header(struct request *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Drop every header `name` added so far (case-insensitive), e.g. to put
 * another Cache-Control in place of the one every answer starts with. */
void req_header_unset(struct request *req, const char *name);
/* Read the whole body up to max bytes: 0 ok, 413 when larger, -1 on I/O error. */
int req_read_body(struct request *req, size_t max);
/* Read the body (max bytes) and parse it as application/x-www-form-urlencoded.
 * Returns 0, 413 (too large), 415 (other content type) or 400 (malformed). */
int req_parse_form(struct request *req, size_t max);
/* Stream the body: returns bytes read (0 at the end), -1 on error. */
long req_read(struct request *req, void *dst, size_t n);
/* Start a streamed answer: status and headers, then the body in pieces with
 * req_write_raw (they leave in records as about 64 KiB gather, and the rest
 * when the handler returns). */
void req_send_headers(struct request *req);
int req_write_raw(struct request *req, const void *p, size_t n);

/* Routing: one table per program. */
struct route {
	const char *method;          /* "GET", "POST", ... */
	const char *pattern;         /* "/videos/{id}/tiktok" */
	int (*handler)(struct request *req);
	unsigned flags;              /* program-defined (login, CSRF, ...) */
	const char *name;            /* for logs and metrics */
};

/* Find the route for the request: 0 and *out set; 404 when no pattern
 * matches the path; 405 when one does but not with this method (the
 * Allow header is added). Path parameters land in req->params. */
int router_match(const struct route *routes, size_t n, struct request *req,
		 const struct route **out);

struct server_opts {
	const char *listen;          /* unix socket path, ":port"/"host:port", or "" for an inherited
	                              * socket: fd 3 under systemd socket activation (LISTEN_FDS),
	                              * else fd 0 (spawn-fcgi) */
	int threads;
	int backlog;
	/* addresses/networks (lib/netaddr.h) of TLS-terminating proxies in front
	 * of nginx whose X-Forwarded-Proto and X-Forwarded-For count; NULL or
	 * "" = none */
	const char *trusted_proxies;
	void *(*thread_init)(int index);      /* returns thread_ctx; NULL is fine */
	void (*thread_fini)(void *thread_ctx);
	void (*handle)(struct request *req);  /* must set status and body */
	/* called after the response is sent, for access logs and metrics */
	void (*after)(struct request *req, double seconds);
};

/* Runs until SIGTERM/SIGINT, then lets in-flight requests finish. 0 or -1. */
int server_run(const struct server_opts *opts);
/* Ask the server to stop (async-signal-safe). */
void server_stop(void);
/* Connections accepted since the start (the web server's pool of kept
 * connections makes this far smaller than the requests served). */
unsigned long server_connections_accepted(void);

#endif
