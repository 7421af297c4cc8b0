/* emu.h — the TikTok emulator's shared declarations.
 *
 * One process, many FastCGI threads, one in-memory store (struct emu G)
 * guarded by G.mu. Handlers lock, copy what they need, unlock; nothing
 * slow (body streaming, webhooks, sleeps) happens under the lock. */
#ifndef EMU_H
#define EMU_H

#include <pthread.h>
#include <stdint.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "server.h"

#define EMU_MAX_PROFILES 64
#define EMU_MAX_PRIVACY  4
#define EMU_LOG_CAP      20000  /* calls / violations kept for /_emulator/state */

/* Settings from the config file / TIKTOK_EMU_* environment. */
struct emu_config {
	char *listen;
	int64_t threads;
	char *client_key;
	char *client_name;           /* the app's name, as its TikTok developer record has it */
	char *client_secret;
	char *redirect_uris;          /* comma-separated registered URIs */
	char *public_base_url;        /* builds upload_url and avatar URLs */
	int64_t access_ttl_sec;
	int64_t refresh_ttl_sec;
	int64_t code_ttl_sec;
	int64_t upload_url_ttl_sec;
	int64_t processing_delay_ms;
	char *webhook_url;
	int64_t webhook_retries;
	char *log_level;
	char *profiles_file;
	char *data_dir;
	int64_t unaudited_client;
	int64_t rate_init_per_min;
	int64_t rate_creator_info_per_min;
	int64_t rate_status_per_min;
	int64_t rate_user_info_per_min;
	int64_t rate_window_sec;
	int64_t max_pending_inbox;
	char *fail_reason;
	char *auto_approve_account;
	int64_t post_id_delay_ms;
	int64_t post_id_after_polls;
	int64_t rate_video_per_min;
	char *verified_url_prefixes;  /* PULL_FROM_URL "URL properties" */
	char *verified_domains;
	int64_t pull_allow_http_loopback;
	int64_t pull_max_bytes;
	int64_t pull_timeout_sec;
	int64_t pull_rate_bytes_per_sec;
};

/* What can change at run time (/_emulator/config, /_emulator/faults);
 * reset restores it from the config. */
struct emu_runtime {
	int64_t access_ttl_sec, refresh_ttl_sec, code_ttl_sec, upload_url_ttl_sec;
	int64_t processing_delay_ms;
	int64_t unaudited;
	int64_t rate_init, rate_creator_info, rate_status, rate_user_info, rate_window_sec;
	int64_t max_pending_inbox;
	int64_t post_id_delay_ms;     /* -1: public posts never get their id */
	int64_t post_id_after_polls;
	int64_t rate_video;
	int64_t pull_allow_http_loopback, pull_max_bytes, pull_timeout_sec, pull_rate;
	char verified_prefixes[2048];
	char verified_domains[1024];
	char webhook_url[1024];
	char fail_reason[64];
	char auto_approve[128];
};

struct emu_faults {
	uint64_t seed, rng;
	double rate_5xx, rate_429, rate_drop, rate_truncated;
	double rate_416;             /* chunk PUTs refused with 416 and what is held */
	int64_t slow_ms;
};

struct profile {
	char open_id[64];
	char union_id[64];
	char username[64];
	char display_name[128];
	char bio[256];
	int is_private;
	char privacy[EMU_MAX_PRIVACY][32];
	int n_privacy;
	int comment_disabled, duet_disabled, stitch_disabled;
	int64_t max_duration_sec;
	int64_t daily_post_cap;
	int banned;
	int is_verified;
	char fail_reason[64];         /* processing fails with this reason */
	char refuse_scopes[128];      /* the user unticks these on the consent page */
	int64_t follower_count, following_count, likes_count, video_count;
};

enum token_kind { TOK_ACCESS, TOK_REFRESH };
enum token_death { TOK_ALIVE, TOK_ROTATED, TOK_REVOKED };

struct code {
	char code[96];
	char open_id[64];
	char scopes[256];
	char redirect_uri[600];
	char challenge[72];
	int64_t expires;
	int used;
};

struct token {
	char value[112];
	enum token_kind kind;
	char open_id[64];
	char scopes[256];
	int64_t expires;
	int64_t family;               /* one authorization: all its tokens share it */
	enum token_death death;
};

struct post {
	char publish_id[96];
	char upload_id[40];
	char upload_token[40];
	char open_id[64];
	int inbox;
	int64_t video_size, chunk_size, chunk_count;
	int64_t received, chunks_done;
	EVP_MD_CTX *sha;
	char sha256[65];
	char content_type[32];
	char *title;
	char privacy[32];
	int disable_comment, disable_duet, disable_stitch;
	int brand_content, brand_organic, is_aigc;
	int64_t cover_ms;
	char status[32];
	char fail_reason[64];
	char planned_failure[64];     /* decided at init: profile or fault knob */
	char post_id[24];             /* 19 digits once public and moderated */
	int wants_id;                 /* public: an id will arrive (the Display API lists it) */
	int64_t complete_ms;          /* emulator clock: PUBLISH_COMPLETE since */
	int64_t id_polls;             /* status polls that saw PUBLISH_COMPLETE without the id */
	int64_t published_ms;         /* the id's arrival: create_time, list order */
	int64_t removed_ms;           /* no longer public (0: still public) */
	int64_t created, upload_expires;
	double process_due;           /* monotonic; 0 until the last chunk */
	int elsewhere;                /* posted by another tool (/_emulator/posts_elsewhere) */
	int pull;                     /* PULL_FROM_URL: the emulator downloads video_url */
	char *video_url;
	int64_t downloaded;           /* PULL_FROM_URL progress */
	int busy;                     /* a PUT is streaming into it */
	int refs;
	int orphan;                   /* removed by reset while referenced */
	char *data_path;
};

struct logline {
	char kind[48];                /* violation/notice kind, or error code for calls */
	char detail[256];
	char method[8];
	char path[128];
	int status;
	int64_t time_ms;
};

struct delivery {
	int64_t seq;
	char event[48];
	char open_id[64];
	char publish_id[96];
	char content[512];            /* the inner content JSON, as sent */
	int http_status;
	int attempts;
	int64_t time;
};

struct bucket {
	char token[112];
	int kind;
	double *times;
	size_t n, cap;
};

#define VEC(T) struct { T *v; size_t n, cap; }

struct logvec {
	struct logline *v;
	size_t n, cap;
};

struct emu {
	pthread_mutex_t mu;
	pthread_cond_t wake;
	const struct emu_config *cfg;
	struct emu_runtime rt;
	struct emu_faults faults;
	struct profile profiles[EMU_MAX_PROFILES];
	int n_profiles;
	VEC(struct code) codes;
	VEC(struct token) tokens;
	VEC(struct post *) posts;
	struct logvec calls;
	struct logvec violations;
	struct logvec notices;
	VEC(struct delivery) deliveries;
	VEC(struct bucket) buckets;
	int64_t next_family;
	int64_t next_delivery;
	int64_t dropped_calls;
	int stopping;
};

extern struct emu G;

#define VEC_PUSH(vec, item) do { \
	if ((vec).n == (vec).cap) { \
		(vec).cap = (vec).cap ? (vec).cap * 2 : 16; \
		(vec).v = xrealloc((vec).v, (vec).cap * sizeof(*(vec).v)); \
	} \
	(vec).v[(vec).n++] = (item); \
} while (0)

/* Per-request state, in req->ctx. */
struct emu_req {
	const char *error_code;       /* what the call log records */
	int api;                      /* a TikTok API call: faults apply */
};

/* ---- state.c ---- */
void state_init(const struct emu_config *cfg);
void state_reset(void);                     /* locks */
void runtime_from_config(struct emu_runtime *rt, const struct emu_config *cfg);
/* With G.mu held unless noted. */
void violation(struct request *req, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));     /* locks */
void notice(struct request *req, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));     /* locks */
void call_record(struct request *req);      /* locks */
int rate_allow(const char *token, int kind, int64_t limit, int64_t window_sec);
struct token *token_find(const char *value);
struct code *code_find(const char *value);
struct post *post_find(const char *publish_id);
struct post *post_find_upload(const char *upload_id);
void post_release(struct post *p);          /* locks */
void posts_tick(void);                      /* advance processing that is due */
/* A post reaches PUBLISH_COMPLETE (G.mu held): the webhook, then its id
 * at once or later (post_id_delay_ms / post_id_after_polls). */
void post_complete_locked(struct post *p);
/* A status poll of a complete post (G.mu held): counts toward the id. */
void post_polled_locked(struct post *p);
/* The id arrives now (G.mu held): publicly_available webhook. */
void post_id_arrive_locked(struct post *p);
/* FAILED with reason (G.mu held): post.publish.failed webhook. */
void post_fail_locked(struct post *p, const char *reason);
/* Still receiving or downloading its bytes, or processing them. */
int post_in_flight(const struct post *p);
double fault_draw(void);                    /* next deterministic number in [0,1) */
int64_t now_ms(void);
/* The emulator's clock (TikTok's side): codes, tokens, upload URLs, the
 * 24 h caps and the per-minute windows all read it. It is the wall clock
 * plus an offset that /_emulator/clock moves forward, or a frozen instant,
 * so tests see a day pass in a second. What the emulator sends out
 * (webhook create_time and signature t, log ids) keeps the real time, which
 * the receiver checks against its own clock. Lock-free. */
int64_t emu_now(void);                      /* seconds */
int64_t emu_now_ms(void);
void emu_clock_advance(int64_t ms);
void emu_clock_freeze(int on);
int64_t emu_clock_offset_ms(void);
int emu_clock_frozen(void);

/* The webhook outbox (state.c), that webhook.c's thread delivers from. */
struct webhook_event {
	int64_t seq;                 /* its line in G.deliveries */
	char event[48];
	char open_id[64];
	char publish_id[96];
	char *body;                  /* the envelope, as it is signed and sent */
	struct webhook_event *next;
};
/* Queue an event (G.mu held); content is the inner JSON object (owned). */
void webhook_queue_locked(const char *event, const char *open_id, const char *publish_id,
			  struct json_object *content);
struct webhook_event *webhook_next_locked(void);   /* NULL when none waits */
/* The delivery's end, on its line in G.deliveries (G.mu held). */
void webhook_result_locked(const struct webhook_event *e, int http_status, int attempts);
void webhook_event_free(struct webhook_event *e);
void post_free(struct post *p);
/* The profile with this open_id or username (G.mu held), or NULL. */
const struct profile *profile_find(const char *open_id_or_username);

/* ---- profiles.c ---- */
void profiles_builtin(struct profile *out, int *n);
int profiles_load_file(const char *path, struct profile *out, int *n, char *err, size_t errlen);
int profiles_from_json(struct json_object *arr, struct profile *out, int *n, char *err, size_t errlen);
struct json_object *profile_to_json(const struct profile *p);

/* ---- avatar.c ---- */
void avatar_url(const struct profile *p, const char *suffix, char *out, size_t n);
int handle_avatar(struct request *req);

/* ---- reply.c ---- */
void make_log_id(char out[64]);
void reply_json(struct request *req, int status, struct json_object *obj);
/* {data, error{code,message,log_id}}; data may be NULL ({}). Takes ownership. */
void reply_envelope(struct request *req, int status, struct json_object *data, const char *code,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void reply_oauth_error(struct request *req, int status, const char *error, const char *desc);
void reply_text(struct request *req, int status, const char *ctype, const char *text);
/* JSON body of a posting call: content type checked, parsed strictly.
 * NULL after replying 400 (and recording the violation). */
struct json_object *read_json_body(struct request *req, int empty_ok);
int is_loopback(struct request *req);
struct emu_req *ereq(struct request *req);

/* ---- oauth.c ---- */
int handle_authorize(struct request *req);
int handle_authorize_decide(struct request *req);
int handle_token(struct request *req);
int handle_revoke(struct request *req);
int handle_user_info(struct request *req);
int scope_has(const char *scopes, const char *scope);
/* Bearer check: copies the live token into out and returns 0, or replies
 * 401 and returns -1. scope_b may be NULL (either scope suffices). */
int bearer_auth(struct request *req, const char *scope_a, const char *scope_b, struct token *out);
/* Kill every token of open_id (G.mu held); fails in-flight posts. */
int revoke_account_locked(const char *open_id);

/* ---- posting.c ---- */
/* Per-token sliding windows, one per kind (rate_allow's buckets). */
enum { RL_CREATOR_INFO = 1, RL_INIT = 2, RL_STATUS = 3, RL_USER_INFO = 4, RL_VIDEO_QUERY = 5,
       RL_VIDEO_LIST = 6 };
/* 0, or replies 429 rate_limit_exceeded (and records it) and returns -1. */
int rate_limited(struct request *req, const struct token *tok, int kind);
int handle_creator_info(struct request *req);
int handle_video_init(struct request *req);
int handle_inbox_init(struct request *req);
int handle_status_fetch(struct request *req);
int handle_cancel(struct request *req);
int utf16_length(const char *s, size_t n);  /* -1 on invalid UTF-8 */
void posts_elsewhere_locked(const char *open_id, int count);

/* ---- upload.c ---- */
int handle_upload_put(struct request *req);

/* ---- control.c ---- */
int handle_ctl_state(struct request *req);
int handle_ctl_reset(struct request *req);
int handle_ctl_faults(struct request *req);
int handle_ctl_revoke(struct request *req);
int handle_ctl_config_get(struct request *req);
int handle_ctl_config_set(struct request *req);
int handle_ctl_inbox_publish(struct request *req);
int handle_ctl_expire_tokens(struct request *req);
int handle_ctl_clock_get(struct request *req);
int handle_ctl_post_remove(struct request *req);
int handle_ctl_post_publicize(struct request *req);
int handle_ctl_clock_set(struct request *req);
int handle_ctl_posts_elsewhere(struct request *req);

/* ---- display.c ---- */
/* The counts TikTok shows for a public post at emulator time at_ms: they
 * grow with the post's age at rates drawn from its id, so they are the
 * same for the same id and age (tests recompute them from the state). */
struct video_counts {
	int64_t view, like, comment, share;
};
void video_counts_at(const struct post *p, int64_t at_ms, struct video_counts *out);
/* Listed by the Display API: public, has its id, not removed. */
int video_listed(const struct post *p);
int handle_video_query(struct request *req);
int handle_video_list(struct request *req);

/* ---- pull.c ---- */
/* Start downloading p->video_url in a thread of its own (the request
 * threads never wait on it). The caller has taken a reference on p for
 * the download, which releases it when done. G.mu not held. */
void pull_start(struct post *p);
/* At shutdown, after G.stopping is set: wait for the downloads to stop. */
void pull_stop(void);

/* ---- webhook.c ---- */
void webhook_start(void);
void webhook_stop(void);

#endif
