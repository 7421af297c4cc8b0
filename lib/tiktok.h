/* tiktok.h — the TikTok HTTP client (libcurl + json-c), shared by the app
 * and the worker. tiktok-api.md §1 (OAuth v2, user info).
 *
 * One small core, tiktok_call(), makes one request with timeouts and parses
 * the JSON answer into a struct tiktok_result (HTTP status, error code,
 * message, log_id, the parsed body). Above it, one function per call family.
 * The parsers are pure functions, so the unit tests feed them TikTok's
 * documented answers directly.
 *
 * Nothing here logs a token, a code or the client secret; the callers log
 * event names and TikTok's log_id only. Token buffers are wiped by
 * tiktok_token_clear() when no longer needed. */
#ifndef LF_TIKTOK_H
#define LF_TIKTOK_H

#include <json-c/json.h>
#include <stdint.h>

#include "buf.h"

/* What the caller knows about the TikTok app (from configuration). */
struct tiktok_client {
	const char *api_base;        /* https://open.tiktokapis.com (no trailing slash needed) */
	const char *client_key;
	const char *client_secret;
	const char *redirect_uri;    /* exactly the registered one; from config only */
	long timeout_sec;            /* total per request; 0 means 30 */
};

/* How a call ended. */
enum tiktok_outcome {
	TT_OK = 0,
	TT_NETWORK,                  /* no answer from TikTok: DNS, connect, timeout, reset,
				      * or a gateway's 5xx error page instead of JSON */
	TT_MALFORMED,                /* an answer that is not the JSON TikTok sends */
	TT_API,                      /* TikTok answered with an error (error below) */
};

struct tiktok_result {
	enum tiktok_outcome outcome;
	long http_status;            /* 0 when no answer arrived */
	char error[64];              /* "ok", an OAuth error ("invalid_grant"), an API code */
	char message[256];           /* error_description / error.message (TikTok's words) */
	char log_id[128];            /* TikTok's log_id: safe to log, quote it to TikTok */
	struct json_object *json;    /* the parsed body (owned), NULL when none */
	int slow;                    /* TT_NETWORK because TikTok was too slow for a waiting
				      * page: the deadline passed, or the calls allowed at once
				      * were all waiting already (tiktok_limit_waiting_calls) */
};

void tiktok_result_init(struct tiktok_result *r);
void tiktok_result_free(struct tiktok_result *r);
/* One line for logs and error pages: "invalid_grant (HTTP 400): Refresh
 * token is invalid or expired." — TikTok's words, never a secret. */
const char *tiktok_result_describe(const struct tiktok_result *r, char *out, size_t n);

/* The URL of the API endpoint named as in TikTok's paths, without the
 * version and the slashes ("post/publish/status/fetch"):
 * api_base/v2/post/publish/status/fetch/ */
void tiktok_api_url(const struct tiktok_client *c, const char *endpoint, struct buf *out);

/* The core: one request to an endpoint of c->api_base (named as for
 * tiktok_api_url; the same name labels the call in the metrics). method
 * "GET"/"POST"; query NULL or "a=b" (already encoded); bearer NULL or an
 * access token; content_type NULL when there is no body. Fills *out
 * (outcome, status, parsed JSON, error fields via tiktok_parse_error).
 * Returns 0 when a JSON answer arrived (whatever its status), -1 when not
 * (TT_NETWORK or TT_MALFORMED); http_status is kept either way. Connect
 * timeout 10 s, total c->timeout_sec. */
int tiktok_call(const struct tiktok_client *c, const char *method, const char *endpoint,
		const char *query, const char *bearer, const char *content_type, const char *body,
		struct tiktok_result *out);

/* Calls made while a person waits for a page (the app's request threads).
 * Called once at start-up, before any call: from then on every
 * tiktok_call() of the process ends after deadline_ms at the latest, and
 * at most max_at_once of them wait on TikTok together; one more answers
 * at once without calling (TT_NETWORK, slow = 1). So a slow TikTok holds at
 * most max_at_once request threads, each for deadline_ms, and the others
 * keep serving pages. The worker does not call this: its calls keep the
 * timeouts its clients ask for. */
void tiktok_limit_waiting_calls(int max_at_once, long deadline_ms);

/* ---- OAuth (tiktok-api.md §1.2–1.7) ---- */

/* video.list: the Display API's counts for the results page (§2.10) */
#define TIKTOK_SCOPES_REQUESTED "user.info.basic,video.publish,video.upload,video.list"

enum {
	TT_SCOPE_USER_INFO_BASIC   = 1 << 0,
	TT_SCOPE_USER_INFO_PROFILE = 1 << 1,
	TT_SCOPE_USER_INFO_STATS   = 1 << 2,
	TT_SCOPE_VIDEO_PUBLISH     = 1 << 3,
	TT_SCOPE_VIDEO_UPLOAD      = 1 << 4,
	TT_SCOPE_VIDEO_LIST        = 1 << 5,
};

/* A comma-separated scope list ("user.info.basic,video.upload") as bits;
 * unknown names are ignored, spaces around items tolerated. */
unsigned tiktok_scopes_parse(const char *list);
/* A plain-language note of what an account with these scopes cannot do,
 * "" when it can do everything this site needs. */
const char *tiktok_scopes_note(unsigned scopes);
/* The same for results: a note when the account cannot show its clips'
 * counts (no video.list), "" when it can. */
const char *tiktok_scopes_results_note(unsigned scopes);

/* PKCE: TikTok's challenge is the lowercase hex SHA-256 of the verifier
 * (not RFC 7636 base64url; tiktok-api.md §1.2). */
void tiktok_pkce_challenge(const char *verifier, char out[65]);

/* The authorize URL: auth_url + client_key, scope, response_type=code,
 * redirect_uri, state, and code_challenge(+method) when challenge is not NULL. */
void tiktok_authorize_url(const char *auth_url, const struct tiktok_client *c, const char *state,
			  const char *challenge, struct buf *out);

/* The token endpoint's success answer. */
struct tiktok_token {
	char access_token[512];
	char refresh_token[512];
	char open_id[128];
	char scope[256];
	int64_t expires_in;          /* seconds from now */
	int64_t refresh_expires_in;  /* seconds from now */
};
void tiktok_token_clear(struct tiktok_token *t);   /* wipes the secrets */

/* Pure parsers, on the body TikTok sent. */
/* Flat OAuth error {"error","error_description","log_id"} or the API
 * envelope {"error":{"code","message","log_id"}} into r->error/message/log_id. */
void tiktok_parse_error(struct json_object *body, struct tiktok_result *r);
/* The string field key of object o into dst[n]: 0, or -1 when it has
 * another type, does not fit, or is required and absent, null or empty
 * (dst is "" whenever it is not taken). */
int tiktok_json_string(struct json_object *o, const char *key, char *dst, size_t n, int required);
/* 0 when body is a complete token answer, -1 when a field is missing,
 * has the wrong type or does not fit (then nothing in *t is meaningful). */
int tiktok_parse_token(struct json_object *body, struct tiktok_token *t);

/* POST /v2/oauth/token/ with grant_type=authorization_code. code is the
 * URL-decoded code; verifier NULL without PKCE. 0, or -1 with res saying why. */
int tiktok_exchange_code(const struct tiktok_client *c, const char *code, const char *verifier,
			 struct tiktok_token *out, struct tiktok_result *res);
/* POST /v2/oauth/token/ with grant_type=refresh_token. The answer carries a
 * NEW refresh token (rotation): the caller must persist it. */
int tiktok_refresh(const struct tiktok_client *c, const char *refresh_token,
		   struct tiktok_token *out, struct tiktok_result *res);
/* POST /v2/oauth/revoke/ with the access token. */
int tiktok_revoke(const struct tiktok_client *c, const char *access_token,
		  struct tiktok_result *res);
/* True when res says the refresh token (or code) is dead for good:
 * re-consent is the only way forward. */
int tiktok_grant_dead(const struct tiktok_result *res);

/* ---- user info (§1.8) ---- */

struct tiktok_user {
	char open_id[128];
	char union_id[128];
	char display_name[256];
	char username[128];          /* "" unless user.info.profile was granted */
	char avatar_url[1024];
};

/* The fields to ask for given the granted scopes (username needs
 * user.info.profile, which this site does not request). */
const char *tiktok_user_fields(unsigned scopes);
/* {"data":{"user":{...}},"error":{"code":"ok",...}} → 0, else -1. */
int tiktok_parse_user(struct json_object *body, struct tiktok_user *u);
/* GET /v2/user/info/?fields=... */
int tiktok_user_info(const struct tiktok_client *c, const char *access_token, const char *fields,
		     struct tiktok_user *out, struct tiktok_result *res);

/* ---- Content Posting API (§2): the posting issue adds these here ----
 *   tiktok_creator_info()   POST /v2/post/publish/creator_info/query/
 *   tiktok_video_init()     POST /v2/post/publish/video/init/ (Direct Post)
 *   tiktok_inbox_init()     POST /v2/post/publish/inbox/video/init/
 *   tiktok_upload_chunk()   PUT upload_url (Content-Range), streamed
 *   tiktok_status_fetch()   POST /v2/post/publish/status/fetch/
 *   tiktok_cancel()         POST /v2/post/publish/cancel/
 * each on tiktok_call() (JSON bodies, Bearer token, the {data,error}
 * envelope parsed by tiktok_parse_error). */

#endif
