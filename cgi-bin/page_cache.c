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
 * render would give for this request, with its own id. */
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
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct pc_entry **buckets;
static size_t nbuckets, nentries;
static struct pc_entry *lru_head, *lru_tail;

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

int page_cache_copy(struct request *req, const char *session_hash, const char *version,
		    struct page_kept *kept)
{
	char *key = request_key(req, session_hash);
	uint64_t h;
	struct pc_entry *e;
	size_t at = 0, idlen = strlen(req->id);

	if (!key)
		return 0;
	h = key_hash(key);
	pthread_mutex_lock(&lock);
	e = find(key, h);
	if (!e || !usable(e, version, (int64_t)time(NULL))) {
		pthread_mutex_unlock(&lock);
		return 0;
	}
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
	pthread_mutex_unlock(&lock);
	return 1;
}

void page_cache_answer(struct request *req, struct page_kept *kept)
{
	struct buf spent = req->out;

	req->out = kept->body;
	kept->body = spent;
	buf_reset(&kept->body);
	req->status = 200;
	req_header(req, "Content-Type: %s", kept->content_type);
	req_header(req, "X-Page-Cache: hit");
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
	e->hnext = buckets[e->hash % nbuckets];
	buckets[e->hash % nbuckets] = e;
	lru_push_front(e);
	nentries++;
	pthread_mutex_unlock(&lock);
}
