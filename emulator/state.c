/* state.c — the emulator's in-memory store: tokens, codes, posts, the
 * call log, protocol violations, rate-limit windows, the fault RNG. */
#include "emu.h"
#include "crypto.h"
#include "log.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct emu G = { .mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static _Atomic int64_t clock_offset_ms;    /* added to the wall clock */
static _Atomic int64_t clock_frozen_ms;    /* 0: running */
/* Display API order and list cursors need distinct instants: two ids that
 * arrive in the same millisecond are a millisecond apart (G.mu). */
static int64_t last_published_ms;

int64_t emu_now_ms(void)
{
	int64_t frozen = clock_frozen_ms;

	return frozen ? frozen : now_ms() + clock_offset_ms;
}

int64_t emu_now(void)
{
	return emu_now_ms() / 1000;
}

void emu_clock_advance(int64_t ms)
{
	clock_offset_ms += ms;
	if (clock_frozen_ms)
		clock_frozen_ms += ms;
}

void emu_clock_freeze(int on)
{
	int64_t at = emu_now_ms();

	if (on && !clock_frozen_ms) {
		clock_frozen_ms = at;
	} else if (!on && clock_frozen_ms) {
		/* carry on from the frozen instant: time never goes back */
		clock_offset_ms = at - now_ms();
		clock_frozen_ms = 0;
	}
}

int64_t emu_clock_offset_ms(void)
{
	return emu_now_ms() - now_ms();
}

int emu_clock_frozen(void)
{
	return clock_frozen_ms != 0;
}

static void clock_reset(void)
{
	clock_frozen_ms = 0;
	clock_offset_ms = 0;
}

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

void runtime_from_config(struct emu_runtime *rt, const struct emu_config *c)
{
	memset(rt, 0, sizeof(*rt));
	rt->access_ttl_sec = c->access_ttl_sec;
	rt->refresh_ttl_sec = c->refresh_ttl_sec;
	rt->code_ttl_sec = c->code_ttl_sec;
	rt->upload_url_ttl_sec = c->upload_url_ttl_sec;
	rt->processing_delay_ms = c->processing_delay_ms;
	rt->unaudited = c->unaudited_client;
	rt->rate_init = c->rate_init_per_min;
	rt->rate_creator_info = c->rate_creator_info_per_min;
	rt->rate_status = c->rate_status_per_min;
	rt->rate_user_info = c->rate_user_info_per_min;
	rt->rate_window_sec = c->rate_window_sec;
	rt->max_pending_inbox = c->max_pending_inbox;
	rt->post_id_delay_ms = c->post_id_delay_ms;
	rt->post_id_after_polls = c->post_id_after_polls;
	rt->rate_video = c->rate_video_per_min;
	rt->pull_allow_http_loopback = c->pull_allow_http_loopback;
	rt->pull_max_bytes = c->pull_max_bytes;
	rt->pull_timeout_sec = c->pull_timeout_sec;
	rt->pull_rate = c->pull_rate_bytes_per_sec;
	copy(rt->verified_prefixes, sizeof(rt->verified_prefixes), c->verified_url_prefixes);
	copy(rt->verified_domains, sizeof(rt->verified_domains), c->verified_domains);
	copy(rt->webhook_url, sizeof(rt->webhook_url), c->webhook_url);
	copy(rt->fail_reason, sizeof(rt->fail_reason), c->fail_reason);
	copy(rt->auto_approve, sizeof(rt->auto_approve), c->auto_approve_account);
}

void post_free(struct post *p)
{
	if (!p)
		return;
	EVP_MD_CTX_free(p->sha);
	free(p->title);
	free(p->video_url);
	if (p->data_path)
		unlink(p->data_path);
	free(p->data_path);
	free(p);
}

static void load_profiles_locked(void)
{
	char err[256];

	if (G.cfg->profiles_file && *G.cfg->profiles_file) {
		if (profiles_load_file(G.cfg->profiles_file, G.profiles, &G.n_profiles, err,
				       sizeof(err)) == 0)
			return;
		log_error("event=profiles_load_failed why=%s", log_quote(err));
	}
	profiles_builtin(G.profiles, &G.n_profiles);
}

void state_init(const struct emu_config *cfg)
{
	G.cfg = cfg;
	runtime_from_config(&G.rt, cfg);
	memset(&G.faults, 0, sizeof(G.faults));
	G.faults.seed = G.faults.rng = 1;
	G.next_family = 1;
	load_profiles_locked();
}

static void clear_logs(void)
{
	for (size_t i = 0; i < G.buckets.n; i++)
		free(G.buckets.v[i].times);
	G.codes.n = G.tokens.n = G.calls.n = G.violations.n = G.notices.n = 0;
	G.deliveries.n = G.buckets.n = 0;
	G.dropped_calls = 0;
}

void state_reset(void)
{
	pthread_mutex_lock(&G.mu);
	for (size_t i = 0; i < G.posts.n; i++) {
		struct post *p = G.posts.v[i];
		/* a PUT still streaming into it frees it when done */
		if (p->refs > 0)
			p->orphan = 1;
		else
			post_free(p);
	}
	G.posts.n = 0;
	clear_logs();
	clock_reset();
	last_published_ms = 0;
	runtime_from_config(&G.rt, G.cfg);
	memset(&G.faults, 0, sizeof(G.faults));
	G.faults.seed = G.faults.rng = 1;
	load_profiles_locked();
	pthread_mutex_unlock(&G.mu);
}

static void add_line(struct request *req, struct logvec *vec, const char *kind, const char *fmt,
		     va_list ap)
{
	struct logline l;

	memset(&l, 0, sizeof(l));
	copy(l.kind, sizeof(l.kind), kind);
	vsnprintf(l.detail, sizeof(l.detail), fmt, ap);
	if (req) {
		copy(l.method, sizeof(l.method), req->method);
		copy(l.path, sizeof(l.path), req->path);
	}
	l.time_ms = now_ms();
	pthread_mutex_lock(&G.mu);
	if (vec->n < EMU_LOG_CAP)
		VEC_PUSH(*vec, l);
	pthread_mutex_unlock(&G.mu);
}

void violation(struct request *req, const char *kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(req, &G.violations, kind, fmt, ap);
	va_end(ap);
	log_warn("event=protocol_violation kind=%s path=%s", kind, log_quote(req ? req->path : "-"));
}

void notice(struct request *req, const char *kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(req, &G.notices, kind, fmt, ap);
	va_end(ap);
}

void call_record(struct request *req)
{
	struct logline l;
	struct emu_req *er = req->ctx;

	memset(&l, 0, sizeof(l));
	copy(l.method, sizeof(l.method), req->method);
	copy(l.path, sizeof(l.path), req->path);
	copy(l.kind, sizeof(l.kind), er && er->error_code ? er->error_code : "");
	l.status = req->status;
	l.time_ms = now_ms();
	pthread_mutex_lock(&G.mu);
	if (G.calls.n < EMU_LOG_CAP)
		VEC_PUSH(G.calls, l);
	else
		G.dropped_calls++;
	pthread_mutex_unlock(&G.mu);
}

/* Sliding window: at most limit accepted calls per token and kind within
 * the last window_sec seconds. Refused calls do not count. */
int rate_allow(const char *token, int kind, int64_t limit, int64_t window_sec)
{
	struct bucket *b = NULL;
	double now = (double)emu_now_ms() / 1000.0, from = now - (double)window_sec;
	size_t keep = 0;

	for (size_t i = 0; i < G.buckets.n; i++)
		if (G.buckets.v[i].kind == kind && !strcmp(G.buckets.v[i].token, token)) {
			b = &G.buckets.v[i];
			break;
		}
	if (!b) {
		struct bucket nb;
		memset(&nb, 0, sizeof(nb));
		copy(nb.token, sizeof(nb.token), token);
		nb.kind = kind;
		VEC_PUSH(G.buckets, nb);
		b = &G.buckets.v[G.buckets.n - 1];
	}
	for (size_t i = 0; i < b->n; i++)
		if (b->times[i] > from)
			b->times[keep++] = b->times[i];
	b->n = keep;
	if ((int64_t)b->n >= limit)
		return 0;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 8;
		b->times = xrealloc(b->times, b->cap * sizeof(double));
	}
	b->times[b->n++] = now;
	return 1;
}

const struct profile *profile_find(const char *key)
{
	if (!key)
		return NULL;
	for (int i = 0; i < G.n_profiles; i++)
		if (!strcmp(G.profiles[i].open_id, key) || !strcmp(G.profiles[i].username, key))
			return &G.profiles[i];
	return NULL;
}

struct token *token_find(const char *value)
{
	for (size_t i = 0; i < G.tokens.n; i++)
		if (!strcmp(G.tokens.v[i].value, value))
			return &G.tokens.v[i];
	return NULL;
}

struct code *code_find(const char *value)
{
	for (size_t i = 0; i < G.codes.n; i++)
		if (!strcmp(G.codes.v[i].code, value))
			return &G.codes.v[i];
	return NULL;
}

struct post *post_find(const char *publish_id)
{
	for (size_t i = 0; i < G.posts.n; i++)
		if (!strcmp(G.posts.v[i]->publish_id, publish_id))
			return G.posts.v[i];
	return NULL;
}

struct post *post_find_upload(const char *upload_id)
{
	for (size_t i = 0; i < G.posts.n; i++)
		if (!strcmp(G.posts.v[i]->upload_id, upload_id))
			return G.posts.v[i];
	return NULL;
}

void post_release(struct post *p)
{
	pthread_mutex_lock(&G.mu);
	p->refs--;
	if (p->refs == 0 && p->orphan)
		post_free(p);
	pthread_mutex_unlock(&G.mu);
}

static const char *publish_type(const struct post *p)
{
	/* the docs name only INBOX_SHARE; DIRECT_POST is what validators accept */
	return p->inbox ? "INBOX_SHARE" : "DIRECT_POST";
}

static void random_post_id(char out[24])
{
	unsigned char r[8];
	uint64_t v;

	crypto_random(r, sizeof(r));
	memcpy(&v, r, sizeof(v));
	/* 19 digits starting with 7, like TikTok's video ids; fits int64 */
	snprintf(out, 24, "7%018llu", (unsigned long long)(v % 1000000000000000000ULL));
}

int post_in_flight(const struct post *p)
{
	return !strcmp(p->status, "PROCESSING_UPLOAD") || !strcmp(p->status, "PROCESSING_DOWNLOAD");
}

void post_fail_locked(struct post *p, const char *reason)
{
	struct json_object *c = json_object_new_object();

	copy(p->status, sizeof(p->status), "FAILED");
	copy(p->fail_reason, sizeof(p->fail_reason), reason);
	p->process_due = 0;
	json_object_object_add(c, "publish_id", json_object_new_string(p->publish_id));
	json_object_object_add(c, "reason", json_object_new_string(reason));
	json_object_object_add(c, "publish_type", json_object_new_string(publish_type(p)));
	webhook_queue_locked("post.publish.failed", p->open_id, p->publish_id, c);
}

static void finish_processing(struct post *p)
{
	struct json_object *c;

	if (p->planned_failure[0]) {
		post_fail_locked(p, p->planned_failure);
		return;
	}
	if (p->inbox) {
		copy(p->status, sizeof(p->status), "SEND_TO_USER_INBOX");
		c = json_object_new_object();
		json_object_object_add(c, "publish_id", json_object_new_string(p->publish_id));
		json_object_object_add(c, "publish_type", json_object_new_string("INBOX_SHARE"));
		webhook_queue_locked("post.publish.inbox_delivered", p->open_id, p->publish_id, c);
		return;
	}
	post_complete_locked(p);
}

void post_id_arrive_locked(struct post *p)
{
	struct json_object *c;
	int64_t at = emu_now_ms();

	if (p->post_id[0])
		return;
	if (at <= last_published_ms)
		at = last_published_ms + 1;
	last_published_ms = at;
	random_post_id(p->post_id);
	p->published_ms = at;
	c = json_object_new_object();
	json_object_object_add(c, "publish_id", json_object_new_string(p->publish_id));
	/* a JSON integer (int64), never a double; receivers may also get strings */
	json_object_object_add(c, "post_id", json_object_new_int64(strtoll(p->post_id, NULL, 10)));
	json_object_object_add(c, "publish_type", json_object_new_string(publish_type(p)));
	/* TikTok sends an app the events of its own posts only */
	if (p->elsewhere)
		json_object_put(c);
	else
		webhook_queue_locked("post.publish.publicly_available", p->open_id, p->publish_id, c);
	log_info("event=post_public publish_id=%s post_id=%s", log_quote(p->publish_id), p->post_id);
}

/* Moderation done? Only public posts get an id, after post_id_delay_ms on
 * the emulator's clock (-1: never) and once post_id_after_polls status
 * polls have seen PUBLISH_COMPLETE with an empty list. */
static void maybe_id_locked(struct post *p)
{
	if (!p->wants_id || p->post_id[0] || p->removed_ms || strcmp(p->status, "PUBLISH_COMPLETE") != 0)
		return;
	if (G.rt.post_id_delay_ms < 0 || p->id_polls < G.rt.post_id_after_polls)
		return;
	if (emu_now_ms() >= p->complete_ms + G.rt.post_id_delay_ms)
		post_id_arrive_locked(p);
}

void post_complete_locked(struct post *p)
{
	struct json_object *c = json_object_new_object();

	copy(p->status, sizeof(p->status), "PUBLISH_COMPLETE");
	p->complete_ms = emu_now_ms();
	p->id_polls = 0;
	/* only public posts get a post id (and the publicly_available event) */
	p->wants_id = !strcmp(p->privacy, "PUBLIC_TO_EVERYONE");
	json_object_object_add(c, "publish_id", json_object_new_string(p->publish_id));
	json_object_object_add(c, "publish_type", json_object_new_string(publish_type(p)));
	webhook_queue_locked("post.publish.complete", p->open_id, p->publish_id, c);
	maybe_id_locked(p);
}

void post_polled_locked(struct post *p)
{
	/* this poll answers with what is there now; the next one may differ */
	if (p->wants_id && !p->post_id[0] && !strcmp(p->status, "PUBLISH_COMPLETE"))
		p->id_polls++;
}

void posts_tick(void)
{
	double now = now_mono();

	for (size_t i = 0; i < G.posts.n; i++) {
		struct post *p = G.posts.v[i];
		maybe_id_locked(p);
		if (p->process_due > 0 && now >= p->process_due && post_in_flight(p)) {
			p->process_due = 0;
			finish_processing(p);
			log_info("event=post_processed publish_id=%s status=%s", log_quote(p->publish_id),
				 p->status);
		}
	}
}

/* splitmix64: tiny, good enough, and fully determined by the seed. */
double fault_draw(void)
{
	uint64_t z = (G.faults.rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0;
}

/* ---- the webhook outbox: events wait here for webhook.c's thread ---- */

static struct webhook_event *head, *tail;   /* guarded by G.mu */

/* Every event is listed at once (http_status 0, attempts 0) and updated
 * when its delivery ends (G.mu held). */
static void record(struct webhook_event *e, const char *content)
{
	struct delivery d;

	memset(&d, 0, sizeof(d));
	d.seq = e->seq = ++G.next_delivery;
	snprintf(d.event, sizeof(d.event), "%s", e->event);
	snprintf(d.open_id, sizeof(d.open_id), "%s", e->open_id);
	snprintf(d.publish_id, sizeof(d.publish_id), "%s", e->publish_id);
	snprintf(d.content, sizeof(d.content), "%s", content);
	d.time = now_unix();
	if (G.deliveries.n < EMU_LOG_CAP)
		VEC_PUSH(G.deliveries, d);
}

void webhook_result_locked(const struct webhook_event *e, int http_status, int attempts)
{
	/* a reset in between removed the line: nothing to update */
	for (size_t i = 0; i < G.deliveries.n; i++)
		if (G.deliveries.v[i].seq == e->seq) {
			G.deliveries.v[i].http_status = http_status;
			G.deliveries.v[i].attempts = attempts;
			return;
		}
}

void webhook_queue_locked(const char *event, const char *open_id, const char *publish_id,
			  struct json_object *content)
{
	struct json_object *env = json_object_new_object();
	struct webhook_event *e = xcalloc(1, sizeof(*e));
	const int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *inner = json_object_to_json_string_ext(content, flags);

	snprintf(e->event, sizeof(e->event), "%s", event);
	snprintf(e->open_id, sizeof(e->open_id), "%s", open_id);
	snprintf(e->publish_id, sizeof(e->publish_id), "%s", publish_id ? publish_id : "");
	json_object_object_add(env, "client_key", json_object_new_string(G.cfg->client_key));
	json_object_object_add(env, "event", json_object_new_string(event));
	json_object_object_add(env, "create_time", json_object_new_int64(now_unix()));
	json_object_object_add(env, "user_openid", json_object_new_string(open_id));
	/* content is a string holding JSON: receivers parse it twice */
	json_object_object_add(env, "content",
			       json_object_new_string(inner));
	e->body = xstrdup(json_object_to_json_string_ext(env, flags));
	json_object_put(env);
	record(e, inner);
	json_object_put(content);
	if (!G.rt.webhook_url[0]) {
		/* no receiver configured: the event still shows in /_emulator/state */
		webhook_event_free(e);
		return;
	}
	if (tail)
		tail->next = e;
	else
		head = e;
	tail = e;
	pthread_cond_signal(&G.wake);
}

struct webhook_event *webhook_next_locked(void)
{
	struct webhook_event *e = head;

	if (e) {
		head = e->next;
		if (!head)
			tail = NULL;
		e->next = NULL;
	}
	return e;
}

void webhook_event_free(struct webhook_event *e)
{
	if (!e)
		return;
	free(e->body);
	free(e);
}
