/* page_cache.c — rendered answers kept while exact (app.h says the rules).
 *
 * One table for the process behind one mutex: the threads share what they
 * rendered, and a hit holds the lock only to copy the body. Entries are
 * found by (session hash, path and query string) in a chained hash table
 * and kept in least-recently-used order; an entry of another version or
 * past its expiry is a miss, and the fresh render takes its place.
 *
 * The body is stored in pieces around the request id it was rendered with
 * (the footer names the request), so a hit is byte for byte the page a
 * render would give for this request, with its own id.
 *
 * An entry is trusted when the database is known to have told of every
 * change to it since it was read (page_listen.c): then a request is
 * answered with no statement (page_cache_serve_heard). Notifications are
 * numbered as they are heard; each one marks its user's slot (one of
 * HEARD_SLOTS, by user id: users that share a slot only distrust each
 * other more often) or, for everyone's pages, all slots at once. Trust is
 * given only when nothing was heard for the entry's user between the first
 * statement of the request that read it and the moment it is given, holds
 * until something is, and ends by itself when a time the entry's
 * statements named comes (the session's expiry, a lease running out:
 * holds_ms). An entry not trusted is used as before, after its version was
 * checked in the database. */
#include "app.h"
#include "util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct pc_entry {
	struct pc_entry *hnext;          /* hash chain */
	struct pc_entry *prev, *next;    /* LRU list: head is the most recent */
	char *key;                       /* session hash "\n" path "?" query string */
	uint64_t hash;
	char *version;                   /* what the answer showed (the caller's words) */
	const char *content_type;        /* a static string */
	int64_t expires;                 /* unix seconds; 0: none */
	char *body;                      /* without the request ids */
	size_t len;
	size_t *cuts;                    /* where the request id goes, ascending */
	size_t ncuts;
	int64_t user_id;                 /* the session's user */
	int trusted;                     /* may be answered with no statement */
	uint64_t trusted_at;             /* ... while nothing was heard for its user since */
	double trust_until;              /* ... and until then (now_mono() seconds) */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct pc_entry **buckets;
static size_t nbuckets, nentries;
static struct pc_entry *lru_head, *lru_tail;
#define HEARD_SLOTS 1024
static uint64_t heard_seq;                  /* notifications heard (and reconnections) */
static uint64_t heard_all;                  /* the last for everyone's pages */
static uint64_t heard_user[HEARD_SLOTS];    /* the last for a slot's users */

static uint64_t key_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;     /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static int enabled(void)
{
	return app.cfg.page_cache_entries > 0;
}

/* The entry's key for this request in the session whose hash is given,
 * or NULL when there is none to keep or look for. */
static char *request_key(struct request *req, const char *session_hash)
{
	if (!enabled() || !session_hash)
		return NULL;
	return arena_printf(&req->arena, "%s\n%s?%s", session_hash, req->path,
			    req->query_string ? req->query_string : "");
}

static void lru_unlink(struct pc_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		lru_head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		lru_tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_push_front(struct pc_entry *e)
{
	e->prev = NULL;
	e->next = lru_head;
	if (lru_head)
		lru_head->prev = e;
	lru_head = e;
	if (!lru_tail)
		lru_tail = e;
}

static struct pc_entry *find(const char *key, uint64_t h)
{
	for (struct pc_entry *e = buckets ? buckets[h % nbuckets] : NULL; e; e = e->hnext)
		if (e->hash == h && !strcmp(e->key, key))
			return e;
	return NULL;
}

static void entry_free(struct pc_entry *e)
{
	free(e->key);
	free(e->version);
	free(e->body);
	free(e->cuts);
	free(e);
}

/* Take e out of the table and the list, and free it. */
static void drop(struct pc_entry *e)
{
	struct pc_entry **p = &buckets[e->hash % nbuckets];

	while (*p != e)
		p = &(*p)->hnext;
	*p = e->hnext;
	lru_unlink(e);
	nentries--;
	entry_free(e);
}

static int usable(const struct pc_entry *e, const char *version, int64_t now)
{
	return (!version || !strcmp(e->version, version)) && (e->expires == 0 || now < e->expires);
}

/* The number of the last notification heard for user_id's pages (the
 * lock held). */
static uint64_t last_heard(int64_t user_id)
{
	uint64_t u = heard_user[(uint64_t)user_id % HEARD_SLOTS];

	return u > heard_all ? u : heard_all;
}

/* Trust for what this request read, when nothing was heard for its user
 * since its first statement (the lock held). */
static void trust(struct pc_entry *e, const struct page *pg)
{
	if (last_heard(pg->user_id) <= pg->heard_seq && pg->holds_ms > 0) {
		e->trusted = 1;
		e->trusted_at = heard_seq;
		e->trust_until = pg->read_at + (double)pg->holds_ms / 1000.0;
	}
}

static int trusted_now(const struct pc_entry *e)
{
	return e->trusted && last_heard(e->user_id) <= e->trusted_at && now_mono() < e->trust_until &&
	       usable(e, NULL, (int64_t)time(NULL));
}

/* The entry's answer for this request into kept (the lock held). */
static void copy_out(struct request *req, struct pc_entry *e, struct page_kept *kept)
{
	size_t at = 0, idlen = strlen(req->id);

	lru_unlink(e);
	lru_push_front(e);
	buf_reset(&kept->body);
	for (size_t i = 0; i < e->ncuts; i++) {
		buf_append(&kept->body, e->body + at, e->cuts[i] - at);
		buf_append(&kept->body, req->id, idlen);
		at = e->cuts[i];
	}
	buf_append(&kept->body, e->body + at, e->len - at);
	kept->version = arena_strdup(&req->arena, e->version);
	kept->content_type = e->content_type;
	kept->heard = 0;
}

int page_cache_copy(struct request *req, const char *session_hash, const char *version,
		    struct page_kept *kept)
{
	char *key = request_key(req, session_hash);
	uint64_t h;
	struct pc_entry *e;

	if (!key)
		return 0;
	h = key_hash(key);
	pthread_mutex_lock(&lock);
	e = find(key, h);
	if (!e || !usable(e, version, (int64_t)time(NULL))) {
		pthread_mutex_unlock(&lock);
		return 0;
	}
	copy_out(req, e, kept);
	if (version)
		trust(e, page_of(req));    /* the caller's version is the database's */
	pthread_mutex_unlock(&lock);
	return 1;
}

void page_cache_trust(struct request *req, const char *session_hash, const char *version)
{
	char *key = request_key(req, session_hash);
	struct pc_entry *e;

	if (!key)
		return;
	pthread_mutex_lock(&lock);
	e = find(key, key_hash(key));
	if (e && !strcmp(e->version, version))
		trust(e, page_of(req));
	pthread_mutex_unlock(&lock);
}

int page_cache_serve_heard(struct request *req)
{
	char *key = request_key(req, session_cookie_hash(req));
	struct page_kept kept = { .body = BUF_INIT };
	struct pc_entry *e;
	uint64_t h;
	int hit;

	if (!key)
		return 0;
	h = key_hash(key);
	pthread_mutex_lock(&lock);
	e = find(key, h);
	hit = e && trusted_now(e);
	pthread_mutex_unlock(&lock);
	/* every change committed before this request came in is heard by now
	 * (page_listen.c), so a trusted entry is the database's answer */
	if (!hit || !page_listen_sync())
		return 0;
	pthread_mutex_lock(&lock);
	e = find(key, h);
	hit = e && trusted_now(e);
	if (hit) {
		copy_out(req, e, &kept);
		kept.heard = 1;
	}
	pthread_mutex_unlock(&lock);
	if (hit)
		page_cache_answer(req, &kept);
	buf_free(&kept.body);
	return hit;
}

uint64_t page_cache_heard_seq(void)
{
	uint64_t n;

	pthread_mutex_lock(&lock);
	n = heard_seq;
	pthread_mutex_unlock(&lock);
	return n;
}

void page_cache_heard(int64_t user_id)
{
	pthread_mutex_lock(&lock);
	heard_seq++;
	if (user_id == 0)
		heard_all = heard_seq;
	else
		heard_user[(uint64_t)user_id % HEARD_SLOTS] = heard_seq;
	pthread_mutex_unlock(&lock);
}

void page_cache_answer(struct request *req, struct page_kept *kept)
{
	struct buf spent = req->out;

	req->out = kept->body;
	kept->body = spent;
	buf_reset(&kept->body);
	req->status = 200;
	req_header(req, "Content-Type: %s", kept->content_type);
	req_header(req, "X-Page-Cache: %s", kept->heard ? "heard" : "hit");
}

int page_cache_serve(struct request *req, const char *version)
{
	struct page_kept kept = { .body = BUF_INIT };
	int hit = version && page_cache_copy(req, page_of(req)->session_hash, version, &kept);

	if (hit)
		page_cache_answer(req, &kept);
	buf_free(&kept.body);
	return hit;
}

/* The body without its request ids, and where they were. */
static void split_body(struct request *req, struct pc_entry *e)
{
	const char *s = buf_cstr(&req->out), *end = s + req->out.len, *p = s;
	size_t idlen = strlen(req->id), cap = 0;
	struct buf b = BUF_INIT;

	while (idlen > 0 && (p = memmem(p, (size_t)(end - p), req->id, idlen)) != NULL) {
		buf_append(&b, s, (size_t)(p - s));
		if (e->ncuts == cap) {
			cap = cap ? cap * 2 : 4;
			e->cuts = xrealloc(e->cuts, cap * sizeof(*e->cuts));
		}
		e->cuts[e->ncuts++] = b.len;
		p += idlen;
		s = p;
	}
	buf_append(&b, s, (size_t)(end - s));
	e->len = b.len;
	e->body = buf_detach(&b);
}

void page_cache_store(struct request *req, const char *content_type, const char *version,
		      int64_t expires)
{
	struct page *pg = page_of(req);
	char *key = pg->user_id && version ? request_key(req, pg->session_hash) : NULL;
	struct pc_entry *e, *old;

	if (!key)
		return;
	req_header(req, "X-Page-Cache: miss");
	if (req->status != 200 || (expires != 0 && expires <= (int64_t)time(NULL)))
		return;
	e = xcalloc(1, sizeof(*e));
	e->key = xstrdup(key);
	e->hash = key_hash(key);
	e->version = xstrdup(version);
	e->content_type = content_type;
	e->expires = expires;
	e->user_id = pg->user_id;
	split_body(req, e);     /* outside the lock: the copy is the slow part */
	pthread_mutex_lock(&lock);
	if (!buckets) {
		nbuckets = (size_t)app.cfg.page_cache_entries * 2 + 1;
		buckets = xcalloc(nbuckets, sizeof(*buckets));
	}
	/* The last render wins. An older one may replace a newer: that is a
	 * miss later, never a wrong answer, since a hit needs the version the
	 * database has then. */
	old = find(e->key, e->hash);
	if (old)
		drop(old);
	while (nentries >= (size_t)app.cfg.page_cache_entries && lru_tail)
		drop(lru_tail);
	trust(e, pg);
	e->hnext = buckets[e->hash % nbuckets];
	buckets[e->hash % nbuckets] = e;
	lru_push_front(e);
	nentries++;
	pthread_mutex_unlock(&lock);
}
