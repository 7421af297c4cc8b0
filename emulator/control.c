/* control.c — the /_emulator/ endpoints (loopback only; main.c checks):
 * inspect what the emulator saw, reset it, inject faults, revoke an
 * account from "the user's side", change settings at run time. */
#include "emu.h"
#include "crypto.h"
#include "log.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct json_object *ctl_body(struct request *req)
{
	struct json_object *o;

	if (req_read_body(req, 1 << 20) != 0) {
		reply_text(req, 400, "text/plain", "body too large\n");
		return NULL;
	}
	if (req->body_len == 0)
		return json_object_new_object();
	o = json_tokener_parse(req->body);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		reply_text(req, 400, "text/plain", "the body must be a JSON object\n");
		return NULL;
	}
	return o;
}

static void ctl_error(struct request *req, const char *fmt, const char *what)
{
	struct json_object *o = json_object_new_object();
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, what);
	json_object_object_add(o, "error", json_object_new_string(msg));
	reply_json(req, 400, o);
}

static struct json_object *lines_json(const struct logvec *v, int calls)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < v->n; i++) {
		const struct logline *l = &v->v[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "method", json_object_new_string(l->method));
		json_object_object_add(o, "path", json_object_new_string(l->path));
		if (calls) {
			json_object_object_add(o, "status", json_object_new_int(l->status));
			json_object_object_add(o, "error", json_object_new_string(l->kind));
		} else {
			json_object_object_add(o, "kind", json_object_new_string(l->kind));
			json_object_object_add(o, "detail", json_object_new_string(l->detail));
		}
		json_object_object_add(o, "time_ms", json_object_new_int64(l->time_ms));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *post_json(const struct post *p)
{
	struct json_object *o = json_object_new_object(), *flags = json_object_new_object();

	json_object_object_add(o, "publish_id", json_object_new_string(p->publish_id));
	json_object_object_add(o, "open_id", json_object_new_string(p->open_id));
	json_object_object_add(o, "mode", json_object_new_string(p->inbox ? "INBOX" : "DIRECT_POST"));
	json_object_object_add(o, "source", json_object_new_string(p->pull ? "PULL_FROM_URL" : "FILE_UPLOAD"));
	if (p->pull) {
		json_object_object_add(o, "video_url", json_object_new_string(p->video_url));
		json_object_object_add(o, "downloaded_bytes", json_object_new_int64(p->downloaded));
	}
	json_object_object_add(o, "video_size", json_object_new_int64(p->video_size));
	json_object_object_add(o, "chunk_size", json_object_new_int64(p->chunk_size));
	json_object_object_add(o, "total_chunk_count", json_object_new_int64(p->chunk_count));
	json_object_object_add(o, "chunks_received", json_object_new_int64(p->chunks_done));
	json_object_object_add(o, "bytes", json_object_new_int64(p->received));
	json_object_object_add(o, "sha256", json_object_new_string(p->sha256));
	json_object_object_add(o, "content_type", json_object_new_string(p->content_type));
	json_object_object_add(o, "title", json_object_new_string(p->title ? p->title : ""));
	json_object_object_add(o, "privacy_level", json_object_new_string(p->privacy));
	json_object_object_add(flags, "disable_comment", json_object_new_boolean(p->disable_comment));
	json_object_object_add(flags, "disable_duet", json_object_new_boolean(p->disable_duet));
	json_object_object_add(flags, "disable_stitch", json_object_new_boolean(p->disable_stitch));
	json_object_object_add(flags, "brand_content_toggle", json_object_new_boolean(p->brand_content));
	json_object_object_add(flags, "brand_organic_toggle", json_object_new_boolean(p->brand_organic));
	json_object_object_add(flags, "is_aigc", json_object_new_boolean(p->is_aigc));
	json_object_object_add(flags, "video_cover_timestamp_ms", json_object_new_int64(p->cover_ms));
	json_object_object_add(o, "flags", flags);
	json_object_object_add(o, "status", json_object_new_string(p->status));
	json_object_object_add(o, "fail_reason", json_object_new_string(p->fail_reason));
	json_object_object_add(o, "post_id", json_object_new_string(p->post_id));
	json_object_object_add(o, "public", json_object_new_boolean(p->wants_id));
	json_object_object_add(o, "id_polls", json_object_new_int64(p->id_polls));
	json_object_object_add(o, "published_ms", json_object_new_int64(p->published_ms));
	json_object_object_add(o, "removed_ms", json_object_new_int64(p->removed_ms));
	json_object_object_add(o, "listed", json_object_new_boolean(video_listed(p)));
	if (p->post_id[0]) {
		/* what the Display API shows now: tests sum these */
		struct video_counts vc;
		struct json_object *d = json_object_new_object();
		video_counts_at(p, emu_now_ms(), &vc);
		json_object_object_add(d, "view_count", json_object_new_int64(vc.view));
		json_object_object_add(d, "like_count", json_object_new_int64(vc.like));
		json_object_object_add(d, "comment_count", json_object_new_int64(vc.comment));
		json_object_object_add(d, "share_count", json_object_new_int64(vc.share));
		json_object_object_add(o, "counts", d);
	}
	json_object_object_add(o, "created", json_object_new_int64(p->created));
	json_object_object_add(o, "elsewhere", json_object_new_boolean(p->elsewhere));
	json_object_object_add(o, "upload_expires", json_object_new_int64(p->upload_expires));
	if (p->data_path)
		json_object_object_add(o, "data_path", json_object_new_string(p->data_path));
	return o;
}

static struct json_object *clock_json(void);

static struct json_object *faults_json(void)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "seed", json_object_new_int64((int64_t)G.faults.seed));
	json_object_object_add(o, "rate_5xx", json_object_new_double(G.faults.rate_5xx));
	json_object_object_add(o, "rate_429", json_object_new_double(G.faults.rate_429));
	json_object_object_add(o, "rate_drop", json_object_new_double(G.faults.rate_drop));
	json_object_object_add(o, "rate_416", json_object_new_double(G.faults.rate_416));
	json_object_object_add(o, "truncated_json", json_object_new_double(G.faults.rate_truncated));
	json_object_object_add(o, "slow_ms", json_object_new_int64(G.faults.slow_ms));
	json_object_object_add(o, "upload_url_ttl_sec", json_object_new_int64(G.rt.upload_url_ttl_sec));
	json_object_object_add(o, "fail_reason", json_object_new_string(G.rt.fail_reason));
	json_object_object_add(o, "processing_delay_ms", json_object_new_int64(G.rt.processing_delay_ms));
	json_object_object_add(o, "unaudited", json_object_new_boolean((int)G.rt.unaudited));
	return o;
}

/* GET /_emulator/state */
int handle_ctl_state(struct request *req)
{
	struct json_object *root = json_object_new_object(), *posts = json_object_new_array();
	struct json_object *hooks = json_object_new_array(), *tok = json_object_new_object();
	int64_t alive = 0, now = emu_now();

	pthread_mutex_lock(&G.mu);
	posts_tick();
	json_object_object_add(root, "calls", lines_json(&G.calls, 1));
	for (size_t i = 0; i < G.posts.n; i++)
		json_object_array_add(posts, post_json(G.posts.v[i]));
	json_object_object_add(root, "posts", posts);
	json_object_object_add(root, "violations", lines_json(&G.violations, 0));
	json_object_object_add(root, "notices", lines_json(&G.notices, 0));
	for (size_t i = 0; i < G.deliveries.n; i++) {
		const struct delivery *d = &G.deliveries.v[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "seq", json_object_new_int64(d->seq));
		json_object_object_add(o, "event", json_object_new_string(d->event));
		json_object_object_add(o, "open_id", json_object_new_string(d->open_id));
		json_object_object_add(o, "publish_id", json_object_new_string(d->publish_id));
		json_object_object_add(o, "content", json_object_new_string(d->content));
		json_object_object_add(o, "http_status", json_object_new_int(d->http_status));
		json_object_object_add(o, "attempts", json_object_new_int(d->attempts));
		json_object_object_add(o, "time", json_object_new_int64(d->time));
		json_object_array_add(hooks, o);
	}
	json_object_object_add(root, "webhooks", hooks);
	for (size_t i = 0; i < G.tokens.n; i++)
		if (G.tokens.v[i].death == TOK_ALIVE && G.tokens.v[i].expires > now)
			alive++;
	json_object_object_add(tok, "issued", json_object_new_int64((int64_t)G.tokens.n));
	json_object_object_add(tok, "alive", json_object_new_int64(alive));
	json_object_object_add(root, "tokens", tok);
	json_object_object_add(root, "faults", faults_json());
	json_object_object_add(root, "dropped_calls", json_object_new_int64(G.dropped_calls));
	json_object_object_add(root, "clock", clock_json());
	pthread_mutex_unlock(&G.mu);
	reply_json(req, 200, root);
	return 0;
}

/* POST /_emulator/reset — everything, runtime settings and faults too. */
int handle_ctl_reset(struct request *req)
{
	struct json_object *o = json_object_new_object();

	state_reset();
	log_info("event=emulator_reset");
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	reply_json(req, 200, o);
	return 0;
}

/* A number in [lo, hi] (bools count as 0/1). 1 when present and valid,
 * 0 when absent, -1 when invalid. */
static int num(struct json_object *o, const char *k, double lo, double hi, double *out)
{
	struct json_object *v;
	double d;

	if (!json_object_object_get_ex(o, k, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double) &&
	    !json_object_is_type(v, json_type_boolean))
		return -1;
	d = json_object_get_double(v);
	if (isnan(d) || d < lo || d > hi)
		return -1;
	*out = d;
	return 1;
}

static int str(struct json_object *o, const char *k, char *dst, size_t n)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string) || (size_t)json_object_get_string_len(v) >= n)
		return -1;
	snprintf(dst, n, "%s", json_object_get_string(v));
	return 1;
}

/* POST /_emulator/faults */
int handle_ctl_faults(struct request *req)
{
	static const char *const known[] = { "seed", "rate_5xx", "rate_429", "rate_drop", "truncated_json",
					      "slow_ms", "upload_url_ttl_sec", "fail_reason",
					      "processing_delay_ms", "unaudited", "rate_416" };
	struct json_object *b = ctl_body(req), *reply;
	struct emu_faults f;
	struct emu_runtime rt;
	double d = 0;
	int bad = 0, r;

	if (!b)
		return 0;
	json_object_object_foreach(b, key, val) {
		int ok = 0;
		(void)val;
		for (size_t i = 0; i < ARRAY_LEN(known); i++)
			ok |= !strcmp(key, known[i]);
		if (!ok) {
			ctl_error(req, "unknown fault knob %s", key);
			json_object_put(b);
			return 0;
		}
	}
	pthread_mutex_lock(&G.mu);
	f = G.faults;
	rt = G.rt;
	bad |= num(b, "rate_5xx", 0, 1, &f.rate_5xx) < 0;
	bad |= num(b, "rate_429", 0, 1, &f.rate_429) < 0;
	bad |= num(b, "rate_drop", 0, 1, &f.rate_drop) < 0;
	bad |= num(b, "rate_416", 0, 1, &f.rate_416) < 0;
	bad |= num(b, "truncated_json", 0, 1, &f.rate_truncated) < 0;
	if ((r = num(b, "seed", 0, 9007199254740992.0, &d)) == 1)
		f.seed = f.rng = (uint64_t)d;
	bad |= r < 0;
	if ((r = num(b, "slow_ms", 0, 600000, &d)) == 1)
		f.slow_ms = (int64_t)d;
	bad |= r < 0;
	if ((r = num(b, "upload_url_ttl_sec", 0, 86400, &d)) == 1)
		rt.upload_url_ttl_sec = (int64_t)d;
	bad |= r < 0;
	if ((r = num(b, "processing_delay_ms", 0, 3600000, &d)) == 1)
		rt.processing_delay_ms = (int64_t)d;
	bad |= r < 0;
	if ((r = num(b, "unaudited", 0, 1, &d)) == 1)
		rt.unaudited = d != 0;
	bad |= r < 0;
	bad |= str(b, "fail_reason", rt.fail_reason, sizeof(rt.fail_reason)) < 0;
	if (!bad) {
		G.faults = f;
		G.rt = rt;
	}
	reply = faults_json();
	pthread_mutex_unlock(&G.mu);
	json_object_put(b);
	if (bad) {
		json_object_put(reply);
		ctl_error(req, "%s", "a fault value is out of range (rates are 0..1)");
		return 0;
	}
	log_info("event=faults_set");
	reply_json(req, 200, reply);
	return 0;
}

/* POST /_emulator/revoke {open_id, reason?} — the user disconnects the app
 * in TikTok: tokens die and authorization.removed is sent. */
int handle_ctl_revoke(struct request *req)
{
	struct json_object *b = ctl_body(req), *o, *c;
	char open_id[64] = "";
	double reason = 1;
	int killed;

	if (!b)
		return 0;
	if (str(b, "open_id", open_id, sizeof(open_id)) != 1 || num(b, "reason", 0, 5, &reason) < 0) {
		json_object_put(b);
		ctl_error(req, "%s", "open_id (string) is required; reason is 0..5");
		return 0;
	}
	json_object_put(b);
	pthread_mutex_lock(&G.mu);
	killed = revoke_account_locked(open_id);
	c = json_object_new_object();
	json_object_object_add(c, "reason", json_object_new_int((int)reason));
	webhook_queue_locked("authorization.removed", open_id, "", c);
	pthread_mutex_unlock(&G.mu);
	o = json_object_new_object();
	json_object_object_add(o, "revoked_tokens", json_object_new_int(killed));
	reply_json(req, 200, o);
	return 0;
}

/* The run-time integer settings: /_emulator/config reads and writes them
 * by name (booleans are 0/1 in, true/false out). */
struct int_knob {
	const char *name;
	size_t off;
	double lo, hi;
	int is_bool;
};

#define RT(f) offsetof(struct emu_runtime, f)
static const struct int_knob int_knobs[] = {
	{ "access_ttl_sec", RT(access_ttl_sec), 1, 31536000, 0 },
	{ "refresh_ttl_sec", RT(refresh_ttl_sec), 1, 31536000, 0 },
	{ "code_ttl_sec", RT(code_ttl_sec), 1, 3600, 0 },
	{ "upload_url_ttl_sec", RT(upload_url_ttl_sec), 0, 86400, 0 },
	{ "processing_delay_ms", RT(processing_delay_ms), 0, 3600000, 0 },
	{ "unaudited_client", RT(unaudited), 0, 1, 1 },
	{ "rate_init_per_min", RT(rate_init), 1, 1000000, 0 },
	{ "rate_creator_info_per_min", RT(rate_creator_info), 1, 1000000, 0 },
	{ "rate_status_per_min", RT(rate_status), 1, 1000000, 0 },
	{ "rate_user_info_per_min", RT(rate_user_info), 1, 1000000, 0 },
	{ "rate_window_sec", RT(rate_window_sec), 1, 3600, 0 },
	{ "max_pending_inbox", RT(max_pending_inbox), 0, 1000, 0 },
	{ "post_id_delay_ms", RT(post_id_delay_ms), -1, 864000000, 0 },
	{ "post_id_after_polls", RT(post_id_after_polls), 0, 1000000, 0 },
	{ "rate_video_per_min", RT(rate_video), 1, 1000000, 0 },
	{ "pull_allow_http_loopback", RT(pull_allow_http_loopback), 0, 1, 1 },
	{ "pull_max_bytes", RT(pull_max_bytes), 1, 4000000000.0, 0 },
	{ "pull_timeout_sec", RT(pull_timeout_sec), 1, 86400, 0 },
	{ "pull_rate_bytes_per_sec", RT(pull_rate), 0, 10000000000.0, 0 },
};

/* GET /_emulator/config — what a test needs to talk to the emulator. */
int handle_ctl_config_get(struct request *req)
{
	struct json_object *o = json_object_new_object(), *uris = json_object_new_array(), *pr;
	const char *p = G.cfg->redirect_uris;

	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *one = xstrndup(p, n), *s = one, *end;
		while (*s == ' ')
			s++;
		end = s + strlen(s);
		while (end > s && end[-1] == ' ')
			*--end = '\0';
		json_object_array_add(uris, json_object_new_string(s));
		free(one);
		p = e ? e + 1 : NULL;
	}
	json_object_object_add(o, "client_key", json_object_new_string(G.cfg->client_key));
	json_object_object_add(o, "client_secret", json_object_new_string(G.cfg->client_secret));
	json_object_object_add(o, "redirect_uris", uris);
	json_object_object_add(o, "public_base_url", json_object_new_string(G.cfg->public_base_url));
	pthread_mutex_lock(&G.mu);
	for (size_t i = 0; i < ARRAY_LEN(int_knobs); i++) {
		int64_t v = *(const int64_t *)((const char *)&G.rt + int_knobs[i].off);
		json_object_object_add(o, int_knobs[i].name, int_knobs[i].is_bool ? json_object_new_boolean(v != 0) :
								       json_object_new_int64(v));
	}
	json_object_object_add(o, "verified_url_prefixes", json_object_new_string(G.rt.verified_prefixes));
	json_object_object_add(o, "verified_domains", json_object_new_string(G.rt.verified_domains));
	json_object_object_add(o, "webhook_url", json_object_new_string(G.rt.webhook_url));
	json_object_object_add(o, "fail_reason", json_object_new_string(G.rt.fail_reason));
	json_object_object_add(o, "auto_approve_account", json_object_new_string(G.rt.auto_approve));
	pr = json_object_new_array();
	for (int i = 0; i < G.n_profiles; i++)
		json_object_array_add(pr, profile_to_json(&G.profiles[i]));
	pthread_mutex_unlock(&G.mu);
	json_object_object_add(o, "profiles", pr);
	reply_json(req, 200, o);
	return 0;
}


/* POST /_emulator/config — change settings (and profiles) until reset. */
int handle_ctl_config_set(struct request *req)
{
	struct json_object *b = ctl_body(req);
	struct emu_runtime rt;
	struct profile *prof = NULL;
	int nprof = -1;
	char err[256];

	if (!b)
		return 0;
	pthread_mutex_lock(&G.mu);
	rt = G.rt;
	pthread_mutex_unlock(&G.mu);
	json_object_object_foreach(b, key, val) {
		size_t i;
		double d;
		int r = 0;
		for (i = 0; i < ARRAY_LEN(int_knobs); i++)
			if (!strcmp(key, int_knobs[i].name))
				break;
		if (i < ARRAY_LEN(int_knobs)) {
			if (num(b, key, int_knobs[i].lo, int_knobs[i].hi, &d) != 1)
				goto bad;
			*(int64_t *)((char *)&rt + int_knobs[i].off) = (int64_t)d;
		} else if (!strcmp(key, "webhook_url")) {
			r = str(b, key, rt.webhook_url, sizeof(rt.webhook_url));
		} else if (!strcmp(key, "fail_reason")) {
			r = str(b, key, rt.fail_reason, sizeof(rt.fail_reason));
		} else if (!strcmp(key, "verified_url_prefixes")) {
			r = str(b, key, rt.verified_prefixes, sizeof(rt.verified_prefixes));
		} else if (!strcmp(key, "verified_domains")) {
			r = str(b, key, rt.verified_domains, sizeof(rt.verified_domains));
		} else if (!strcmp(key, "auto_approve_account")) {
			r = str(b, key, rt.auto_approve, sizeof(rt.auto_approve));
		} else if (!strcmp(key, "profiles")) {
			prof = xcalloc(EMU_MAX_PROFILES, sizeof(*prof));
			if (profiles_from_json(val, prof, &nprof, err, sizeof(err)) < 0) {
				free(prof);
				json_object_put(b);
				ctl_error(req, "profiles: %s", err);
				return 0;
			}
		} else {
			goto bad;
		}
		if (r < 0)
			goto bad;
		continue;
bad:
		/* key lives inside b: report before letting go of it */
		ctl_error(req, "unknown key or bad value: %s", key);
		free(prof);
		json_object_put(b);
		return 0;
	}
	pthread_mutex_lock(&G.mu);
	G.rt = rt;
	if (prof && nprof > 0) {
		memcpy(G.profiles, prof, sizeof(*prof) * (size_t)nprof);
		G.n_profiles = nprof;
	}
	pthread_mutex_unlock(&G.mu);
	free(prof);
	json_object_put(b);
	log_info("event=config_set");
	return handle_ctl_config_get(req);
}

/* POST /_emulator/inbox/publish {publish_id, privacy_level?} — the user
 * finishes a draft in the TikTok app. */
int handle_ctl_inbox_publish(struct request *req)
{
	struct json_object *b = ctl_body(req), *o;
	char id[96] = "", privacy[32] = "PUBLIC_TO_EVERYONE";
	struct post *p;
	int ok = 0;

	if (!b)
		return 0;
	if (str(b, "publish_id", id, sizeof(id)) != 1 || str(b, "privacy_level", privacy, sizeof(privacy)) < 0) {
		json_object_put(b);
		ctl_error(req, "%s", "publish_id (string) is required");
		return 0;
	}
	json_object_put(b);
	pthread_mutex_lock(&G.mu);
	posts_tick();
	p = post_find(id);
	if (p && p->inbox && !strcmp(p->status, "SEND_TO_USER_INBOX")) {
		ok = 1;
		snprintf(p->privacy, sizeof(p->privacy), "%s", privacy);
		/* the same road as a direct post: complete webhook, then the id
		 * (now or after the moderation delay) if public */
		post_complete_locked(p);
	}
	o = ok ? post_json(p) : NULL;
	pthread_mutex_unlock(&G.mu);
	if (!ok) {
		ctl_error(req, "%s", "no inbox draft in SEND_TO_USER_INBOX with that publish_id");
		return 0;
	}
	reply_json(req, 200, o);
	return 0;
}

/* POST /_emulator/expire_tokens {open_id?, kind?: access|refresh|both} —
 * make live tokens expired now, to drive a client's refresh path. */
int handle_ctl_expire_tokens(struct request *req)
{
	struct json_object *b = ctl_body(req), *o;
	char open_id[64] = "", kind[16] = "access";
	int n = 0;
	int64_t past = emu_now() - 1;

	if (!b)
		return 0;
	if (str(b, "open_id", open_id, sizeof(open_id)) < 0 || str(b, "kind", kind, sizeof(kind)) < 0 ||
	    (strcmp(kind, "access") && strcmp(kind, "refresh") && strcmp(kind, "both"))) {
		json_object_put(b);
		ctl_error(req, "%s", "open_id is a string; kind is access, refresh or both");
		return 0;
	}
	json_object_put(b);
	pthread_mutex_lock(&G.mu);
	for (size_t i = 0; i < G.tokens.n; i++) {
		struct token *t = &G.tokens.v[i];
		int match_kind = !strcmp(kind, "both") || (t->kind == TOK_ACCESS) == !strcmp(kind, "access");
		if ((!open_id[0] || !strcmp(t->open_id, open_id)) && match_kind && t->expires > past) {
			t->expires = past;
			n++;
		}
	}
	pthread_mutex_unlock(&G.mu);
	o = json_object_new_object();
	json_object_object_add(o, "expired_tokens", json_object_new_int(n));
	reply_json(req, 200, o);
	return 0;
}

static struct json_object *clock_json(void)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "now_ms", json_object_new_int64(emu_now_ms()));
	json_object_object_add(o, "offset_ms", json_object_new_int64(emu_clock_offset_ms()));
	json_object_object_add(o, "frozen", json_object_new_boolean(emu_clock_frozen()));
	return o;
}

/* GET /_emulator/clock */
int handle_ctl_clock_get(struct request *req)
{
	reply_json(req, 200, clock_json());
	return 0;
}

/* POST /_emulator/clock {advance_sec?, advance_ms?, freeze?} — move
 * TikTok's clock forward (never back: a window or an expiry that has passed
 * stays passed) and/or stop it, so counts and windows hold still while a
 * test compares them. Reset puts it back on the wall clock. */
int handle_ctl_clock_set(struct request *req)
{
	struct json_object *b = ctl_body(req);
	double sec = 0, ms = 0, freeze = 0;
	int rs, rm, rf;

	if (!b)
		return 0;
	rs = num(b, "advance_sec", 0, 10.0 * 366 * 86400, &sec);
	rm = num(b, "advance_ms", 0, 10.0 * 366 * 86400 * 1000, &ms);
	rf = num(b, "freeze", 0, 1, &freeze);
	json_object_object_foreach(b, key, val) {
		(void)val;
		if (strcmp(key, "advance_sec") && strcmp(key, "advance_ms") && strcmp(key, "freeze"))
			rs = -1;
	}
	json_object_put(b);
	if (rs < 0 || rm < 0 || rf < 0) {
		ctl_error(req, "%s", "advance_sec / advance_ms are 0..10 years (time only moves forward); "
			  "freeze is a boolean; nothing else");
		return 0;
	}
	if (rf == 1)
		emu_clock_freeze(freeze != 0);
	emu_clock_advance((int64_t)(sec * 1000) + (int64_t)ms);
	log_info("event=clock_set offset_ms=%lld frozen=%d", (long long)emu_clock_offset_ms(), emu_clock_frozen());
	reply_json(req, 200, clock_json());
	return 0;
}

/* POST /_emulator/posts_elsewhere {open_id, count} — the creator posts
 * through other tools: TikTok's daily cap is shared by all of them. */
int handle_ctl_posts_elsewhere(struct request *req)
{
	struct json_object *b = ctl_body(req), *o;
	char open_id[64] = "";
	double count = 1;

	if (!b)
		return 0;
	if (str(b, "open_id", open_id, sizeof(open_id)) != 1 || num(b, "count", 1, 100, &count) < 0) {
		json_object_put(b);
		ctl_error(req, "%s", "open_id (string) is required; count is 1..100");
		return 0;
	}
	json_object_put(b);
	pthread_mutex_lock(&G.mu);
	if (!profile_find(open_id)) {
		pthread_mutex_unlock(&G.mu);
		ctl_error(req, "%s", "no such profile");
		return 0;
	}
	posts_elsewhere_locked(open_id, (int)count);
	pthread_mutex_unlock(&G.mu);
	o = json_object_new_object();
	json_object_object_add(o, "added", json_object_new_int((int)count));
	reply_json(req, 200, o);
	return 0;
}

/* The post named by {publish_id} or {post_id} (G.mu held), or NULL. */
static struct post *ctl_post(const char *publish_id, const char *post_id)
{
	if (publish_id[0])
		return post_find(publish_id);
	for (size_t i = 0; post_id[0] && i < G.posts.n; i++)
		if (!strcmp(G.posts.v[i]->post_id, post_id))
			return G.posts.v[i];
	return NULL;
}

static int ctl_post_ids(struct request *req, char *publish_id, char *post_id)
{
	struct json_object *b = ctl_body(req);
	int a, p;

	if (!b)
		return -1;
	a = str(b, "publish_id", publish_id, 96);
	p = str(b, "post_id", post_id, 24);
	json_object_put(b);
	if (a < 0 || p < 0 || (a != 1 && p != 1)) {
		ctl_error(req, "%s", "publish_id or post_id (a string) is required");
		return -1;
	}
	return 0;
}

/* POST /_emulator/post/remove {publish_id | post_id} — TikTok takes the
 * post out of public view (moderation, copyright): it leaves the Display
 * API and post.publish.no_longer_publicaly_available is sent. */
int handle_ctl_post_remove(struct request *req)
{
	char publish_id[96] = "", post_id[24] = "";
	struct json_object *c, *o = NULL;
	struct post *p;

	if (ctl_post_ids(req, publish_id, post_id) < 0)
		return 0;
	pthread_mutex_lock(&G.mu);
	posts_tick();
	p = ctl_post(publish_id, post_id);
	if (p && video_listed(p)) {
		p->removed_ms = emu_now_ms();
		c = json_object_new_object();
		json_object_object_add(c, "publish_id", json_object_new_string(p->publish_id));
		json_object_object_add(c, "post_id", json_object_new_int64(strtoll(p->post_id, NULL, 10)));
		json_object_object_add(c, "publish_type", json_object_new_string(p->inbox ? "INBOX_SHARE" : "DIRECT_POST"));
		/* TikTok's spelling, "publicaly" */
		if (p->elsewhere)
			json_object_put(c);
		else
			webhook_queue_locked("post.publish.no_longer_publicaly_available", p->open_id, p->publish_id, c);
		o = post_json(p);
	}
	pthread_mutex_unlock(&G.mu);
	if (!o) {
		ctl_error(req, "%s", "no public post with that publish_id or post_id");
		return 0;
	}
	reply_json(req, 200, o);
	return 0;
}

/* POST /_emulator/post/publicize {publish_id} — moderation ends now: a
 * complete public post without its id gets it (whatever post_id_delay_ms
 * and post_id_after_polls say), with the publicly_available webhook. */
int handle_ctl_post_publicize(struct request *req)
{
	char publish_id[96] = "", post_id[24] = "";
	struct json_object *o = NULL;
	struct post *p;

	if (ctl_post_ids(req, publish_id, post_id) < 0)
		return 0;
	pthread_mutex_lock(&G.mu);
	posts_tick();
	p = ctl_post(publish_id, "");
	if (p && p->wants_id && !p->post_id[0] && !strcmp(p->status, "PUBLISH_COMPLETE")) {
		post_id_arrive_locked(p);
		o = post_json(p);
	}
	pthread_mutex_unlock(&G.mu);
	if (!o) {
		ctl_error(req, "%s", "no complete public post waiting for its id with that publish_id");
		return 0;
	}
	reply_json(req, 200, o);
	return 0;
}
