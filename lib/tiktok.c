/* tiktok.c — the TikTok HTTP client: one request core over libcurl, the
 * OAuth calls and user info (tiktok-api.md §1). See tiktok.h. */
#include "tiktok.h"
#include "metrics.h"
#include "crypto.h"
#include "escape.h"
#include "util.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define MAX_RESPONSE (1024 * 1024)   /* TikTok's JSON answers are small */
#define CONNECT_TIMEOUT_SEC 10L
#define DEFAULT_TIMEOUT_SEC 30L

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

/* tiktok_limit_waiting_calls(): written once at start-up, then read only;
 * waiting_now counts the calls in flight. 0 = no limit (the worker). */
static int waiting_max;
static long waiting_deadline_ms;
static atomic_int waiting_now;

void tiktok_limit_waiting_calls(int max_at_once, long deadline_ms)
{
	waiting_max = max_at_once > 0 ? max_at_once : 1;
	waiting_deadline_ms = deadline_ms > 0 ? deadline_ms : 1;
}

/* A place among the calls allowed at once: 1 taken (or no limit), 0 none free. */
static int waiting_enter(void)
{
	if (!waiting_max)
		return 1;
	if (atomic_fetch_add(&waiting_now, 1) < waiting_max)
		return 1;
	atomic_fetch_sub(&waiting_now, 1);
	return 0;
}

static void waiting_leave(void)
{
	if (waiting_max)
		atomic_fetch_sub(&waiting_now, 1);
}

/* The whole call's limit in ms: the client's, cut to the deadline. */
static long call_timeout_ms(long timeout_sec)
{
	long ms = (timeout_sec > 0 ? timeout_sec : DEFAULT_TIMEOUT_SEC) * 1000L;

	return waiting_max && waiting_deadline_ms < ms ? waiting_deadline_ms : ms;
}

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void tiktok_result_init(struct tiktok_result *r)
{
	memset(r, 0, sizeof(*r));
}

void tiktok_result_free(struct tiktok_result *r)
{
	if (r->json)
		json_object_put(r->json);
	r->json = NULL;
}

const char *tiktok_result_describe(const struct tiktok_result *r, char *out, size_t n)
{
	switch (r->outcome) {
	case TT_OK:
		snprintf(out, n, "ok");
		break;
	case TT_NETWORK:
		snprintf(out, n, "TikTok could not be reached (%s)", r->message[0] ? r->message : "network error");
		break;
	case TT_MALFORMED:
		snprintf(out, n, "TikTok sent an answer that could not be read (HTTP %ld)", r->http_status);
		break;
	case TT_API:
		snprintf(out, n, "%s (HTTP %ld)%s%s", r->error[0] ? r->error : "error", r->http_status,
			 r->message[0] ? ": " : "", r->message);
		break;
	}
	return out;
}

/* ---- the core ---- */

struct sink {
	struct buf b;
	int overflow;
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *userdata)
{
	struct sink *s = userdata;
	size_t n = size * nmemb;

	if (s->b.len + n > MAX_RESPONSE) {
		s->overflow = 1;
		return 0;            /* abort the transfer */
	}
	buf_append(&s->b, p, n);
	return n;
}

static const char *string_field(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

void tiktok_parse_error(struct json_object *body, struct tiktok_result *r)
{
	struct json_object *err;

	r->error[0] = r->message[0] = r->log_id[0] = '\0';
	if (!body || !json_object_is_type(body, json_type_object))
		return;
	if (!json_object_object_get_ex(body, "error", &err))
		return;
	if (json_object_is_type(err, json_type_string)) {
		/* the OAuth endpoints' flat shape */
		str_copy(r->error, sizeof(r->error), json_object_get_string(err));
		str_copy(r->message, sizeof(r->message), string_field(body, "error_description"));
		str_copy(r->log_id, sizeof(r->log_id), string_field(body, "log_id"));
	} else if (json_object_is_type(err, json_type_object)) {
		/* the API envelope {"data":..., "error":{"code","message","log_id"}} */
		str_copy(r->error, sizeof(r->error), string_field(err, "code"));
		str_copy(r->message, sizeof(r->message), string_field(err, "message"));
		str_copy(r->log_id, sizeof(r->log_id), string_field(err, "log_id"));
	}
}

/* A JSON value from the whole body, NULL when it is not exactly one. */
static struct json_object *parse_json(const char *s, size_t n)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, s, (int)n);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != n) {
		if (o)
			json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static int empty_body(const struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->data[i] != ' ' && b->data[i] != '\n' && b->data[i] != '\r' && b->data[i] != '\t')
			return 0;
	return 1;
}

void tiktok_api_url(const struct tiktok_client *c, const char *endpoint, struct buf *out)
{
	size_t n = strlen(c->api_base);

	buf_append(out, c->api_base, n && c->api_base[n - 1] == '/' ? n - 1 : n);
	buf_printf(out, "/v2/%s/", endpoint);
}

/* The metrics' word for how a call ended: ok, network, malformed or
 * TikTok's error code. */
static const char *metric_code(const struct tiktok_result *res)
{
	switch (res->outcome) {
	case TT_OK: return "ok";
	case TT_NETWORK: return "network";
	case TT_MALFORMED: return "malformed";
	default: return res->error[0] ? res->error : "unknown";
	}
}

/* The request's address, limits and answer sink. */
static void call_options(CURL *curl, const struct tiktok_client *c, const char *endpoint,
			 const char *query, long limit_ms, struct buf *url, struct sink *sink)
{
	tiktok_api_url(c, endpoint, url);
	if (query)
		buf_printf(url, "?%s", query);
	curl_easy_setopt(curl, CURLOPT_URL, buf_cstr(url));
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);           /* threads: no SIGALRM */
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
			 limit_ms < CONNECT_TIMEOUT_SEC * 1000L ? limit_ms : CONNECT_TIMEOUT_SEC * 1000L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, limit_ms);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);     /* an API answer, never a redirect */
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "LangFlix-Publisher/1");
}

/* The method, headers (h is scratch, wiped by the caller) and body; the
 * header list to free. */
static struct curl_slist *call_request(CURL *curl, const char *method, const char *bearer,
				       const char *content_type, const char *body, struct buf *h)
{
	struct curl_slist *hdrs = curl_slist_append(NULL, "Accept: application/json");

	if (bearer) {
		buf_printf(h, "Authorization: Bearer %s", bearer);
		hdrs = curl_slist_append(hdrs, buf_cstr(h));
		OPENSSL_cleanse(h->data, h->len);
	}
	if (body) {
		buf_reset(h);
		buf_printf(h, "Content-Type: %s", content_type ? content_type : "application/json");
		hdrs = curl_slist_append(hdrs, buf_cstr(h));
		hdrs = curl_slist_append(hdrs, "Cache-Control: no-cache");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	else if (!strcmp(method, "POST") && !body)
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	return hdrs;
}

/* What the transfer's end (cc) and the answer in sink mean, into out. 0
 * when TikTok answered (OK or an API error), -1 otherwise. */
static int call_answer(CURLcode cc, struct sink *sink, struct tiktok_result *out)
{
	if (cc != CURLE_OK && !sink->overflow) {
		out->outcome = TT_NETWORK;
		out->http_status = 0;
		out->slow = waiting_max && cc == CURLE_OPERATION_TIMEDOUT;
		str_copy(out->message, sizeof(out->message), curl_easy_strerror(cc));
		return -1;
	}
	if (sink->overflow) {
		out->outcome = TT_MALFORMED;
		return -1;
	}
	if (empty_body(&sink->b))
		out->json = json_object_new_object();   /* revoke may answer with nothing */
	else
		out->json = parse_json(sink->b.data, sink->b.len);
	if (!out->json) {
		/* a gateway's error page (5xx, not JSON) means TikTok was not
		 * reached; anything else that is not JSON is a broken answer */
		out->outcome = out->http_status >= 500 ? TT_NETWORK : TT_MALFORMED;
		if (out->outcome == TT_NETWORK)
			snprintf(out->message, sizeof(out->message), "HTTP %ld without a TikTok answer",
				 out->http_status);
		return -1;
	}
	tiktok_parse_error(out->json, out);
	if (out->http_status < 200 || out->http_status >= 300 ||
	    (out->error[0] && strcmp(out->error, "ok") != 0)) {
		out->outcome = TT_API;
		if (!out->error[0])
			snprintf(out->error, sizeof(out->error), "http_%ld", out->http_status);
	} else {
		out->outcome = TT_OK;
	}
	return 0;
}

int tiktok_call(const struct tiktok_client *c, const char *method, const char *endpoint,
		const char *query, const char *bearer, const char *content_type, const char *body,
		struct tiktok_result *out)
{
	struct sink sink = { BUF_INIT, 0 };
	struct curl_slist *hdrs;
	struct buf h = BUF_INIT, url = BUF_INIT;
	long limit_ms = call_timeout_ms(c->timeout_sec);
	CURL *curl;
	CURLcode cc;
	int rc;

	tiktok_result_free(out);
	tiktok_result_init(out);
	if (!waiting_enter()) {
		out->outcome = TT_NETWORK;
		out->slow = 1;
		str_copy(out->message, sizeof(out->message), "too many calls are waiting for TikTok already");
		return -1;
	}
	pthread_once(&curl_once, curl_init_once);
	curl = curl_easy_init();
	if (!curl) {
		waiting_leave();
		out->outcome = TT_NETWORK;
		str_copy(out->message, sizeof(out->message), "could not start an HTTP client");
		return -1;
	}
	call_options(curl, c, endpoint, query, limit_ms, &url, &sink);
	hdrs = call_request(curl, method, bearer, content_type, body, &h);

	cc = curl_easy_perform(curl);
	waiting_leave();
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->http_status);
	rc = call_answer(cc, &sink, out);

	if (h.data)
		OPENSSL_cleanse(h.data, h.cap);
	buf_free(&h);
	for (struct curl_slist *l = hdrs; l; l = l->next)
		OPENSSL_cleanse(l->data, strlen(l->data));   /* the Bearer line */
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(curl);
	if (sink.b.data)
		OPENSSL_cleanse(sink.b.data, sink.b.cap);   /* token answers pass through here */
	buf_free(&sink.b);
	buf_free(&url);
	metrics_api_call(endpoint, metric_code(out));   /* calls by endpoint and code */
	return rc;
}

/* ---- scopes and PKCE ---- */

static const struct {
	const char *name;
	unsigned bit;
} scope_names[] = {
	{ "user.info.basic", TT_SCOPE_USER_INFO_BASIC },
	{ "user.info.profile", TT_SCOPE_USER_INFO_PROFILE },
	{ "user.info.stats", TT_SCOPE_USER_INFO_STATS },
	{ "video.publish", TT_SCOPE_VIDEO_PUBLISH },
	{ "video.upload", TT_SCOPE_VIDEO_UPLOAD },
	{ "video.list", TT_SCOPE_VIDEO_LIST },
};

unsigned tiktok_scopes_parse(const char *list)
{
	unsigned bits = 0;

	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		while (len && *p == ' ') {
			p++;
			len--;
		}
		while (len && p[len - 1] == ' ')
			len--;
		for (size_t i = 0; i < ARRAY_LEN(scope_names); i++)
			if (strlen(scope_names[i].name) == len && !strncmp(p, scope_names[i].name, len))
				bits |= scope_names[i].bit;
		p = e ? e + 1 : NULL;
	}
	return bits;
}

const char *tiktok_scopes_results_note(unsigned scopes)
{
	if (scopes & TT_SCOPE_VIDEO_LIST)
		return "";
	return "This account did not allow LangFlix to read its videos' counts (video.list), so "
	       "its posts show no views, likes, comments or shares, and LangFlix does not ask "
	       "TikTok for them. Reconnect it and allow reading your videos to see them.";
}

const char *tiktok_scopes_note(unsigned scopes)
{
	int publish = !!(scopes & TT_SCOPE_VIDEO_PUBLISH), upload = !!(scopes & TT_SCOPE_VIDEO_UPLOAD);

	if (!(scopes & TT_SCOPE_USER_INFO_BASIC) && !publish && !upload)
		return "This account did not grant any permission this site needs: it cannot post. "
		       "Reconnect it and allow all requested permissions.";
	if (!publish && !upload)
		return "This account did not allow posting (video.publish) or sending drafts "
		       "(video.upload): it cannot be used to upload. Reconnect it and allow both.";
	if (!publish)
		return "This account did not allow direct posting (video.publish): videos can only "
		       "be sent to its TikTok inbox as drafts. Reconnect it to allow direct posting.";
	if (!upload)
		return "This account did not allow sending drafts (video.upload): videos can only "
		       "be posted directly. Reconnect it to allow drafts.";
	return "";
}

void tiktok_pkce_challenge(const char *verifier, char out[65])
{
	crypto_sha256_hex(verifier, strlen(verifier), out);
}

/* sep is '?' or '&' before the next parameter, 0 when none is needed. */
static void add_param(struct buf *b, char *sep, const char *key, const char *val)
{
	if (*sep)
		buf_putc(b, *sep);
	*sep = '&';
	buf_puts(b, key);
	buf_putc(b, '=');
	url_encode(b, val);
}

void tiktok_authorize_url(const char *auth_url, const struct tiktok_client *c, const char *state,
			  const char *challenge, struct buf *out)
{
	size_t n = strlen(auth_url);
	char sep = strchr(auth_url, '?') ? '&' : '?';

	if (n && (auth_url[n - 1] == '?' || auth_url[n - 1] == '&'))
		sep = 0;
	buf_puts(out, auth_url);
	add_param(out, &sep, "client_key", c->client_key);
	add_param(out, &sep, "scope", TIKTOK_SCOPES_REQUESTED);
	add_param(out, &sep, "response_type", "code");
	add_param(out, &sep, "redirect_uri", c->redirect_uri);
	add_param(out, &sep, "state", state);
	if (challenge) {
		add_param(out, &sep, "code_challenge", challenge);
		add_param(out, &sep, "code_challenge_method", "S256");
	}
}

/* ---- tokens ---- */

void tiktok_token_clear(struct tiktok_token *t)
{
	OPENSSL_cleanse(t, sizeof(*t));
}

int tiktok_json_string(struct json_object *o, const char *key, char *dst, size_t n, int required)
{
	const char *s = string_field(o, key);
	struct json_object *v;

	dst[0] = '\0';
	if (!s) {
		if (json_object_object_get_ex(o, key, &v) && v != NULL)
			return -1;
		return required ? -1 : 0;
	}
	if (strlen(s) >= n || (required && !*s))
		return -1;
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

/* A lifetime in seconds: a positive integer below ten years. */
static int take_seconds(struct json_object *o, const char *key, int64_t *out)
{
	struct json_object *v;
	int64_t s;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return -1;
	s = json_object_get_int64(v);
	if (s <= 0 || s > 10LL * 366 * 86400)
		return -1;
	*out = s;
	return 0;
}

int tiktok_parse_token(struct json_object *body, struct tiktok_token *t)
{
	memset(t, 0, sizeof(*t));
	if (!body || !json_object_is_type(body, json_type_object))
		return -1;
	if (tiktok_json_string(body, "access_token", t->access_token, sizeof(t->access_token), 1) < 0 ||
	    tiktok_json_string(body, "refresh_token", t->refresh_token, sizeof(t->refresh_token), 1) < 0 ||
	    tiktok_json_string(body, "open_id", t->open_id, sizeof(t->open_id), 1) < 0 ||
	    tiktok_json_string(body, "scope", t->scope, sizeof(t->scope), 0) < 0 ||
	    take_seconds(body, "expires_in", &t->expires_in) < 0 ||
	    take_seconds(body, "refresh_expires_in", &t->refresh_expires_in) < 0) {
		tiktok_token_clear(t);
		return -1;
	}
	return 0;
}

static void form_add(struct buf *b, const char *key, const char *val)
{
	if (b->len)
		buf_putc(b, '&');
	buf_puts(b, key);
	buf_putc(b, '=');
	url_encode(b, val);
}

/* POST a form to an OAuth endpoint; the body holds the client secret and a
 * code or token, so it is wiped after the call. */
static int oauth_post(const struct tiktok_client *c, const char *endpoint, struct buf *form,
		      struct tiktok_result *res)
{
	int rc;

	rc = tiktok_call(c, "POST", endpoint, NULL, NULL, "application/x-www-form-urlencoded",
			 buf_cstr(form), res);
	if (form->data)
		OPENSSL_cleanse(form->data, form->cap);
	buf_free(form);
	return rc;
}

/* The token endpoint's answer: flat tokens, or an error (detected by the
 * error field or by a missing access_token, tiktok-api.md §1.4). */
static int token_answer(struct tiktok_result *res, struct tiktok_token *out)
{
	if (res->outcome != TT_OK)
		return -1;
	if (tiktok_parse_token(res->json, out) < 0) {
		res->outcome = TT_MALFORMED;
		return -1;
	}
	return 0;
}

int tiktok_exchange_code(const struct tiktok_client *c, const char *code, const char *verifier,
			 struct tiktok_token *out, struct tiktok_result *res)
{
	struct buf form = BUF_INIT;

	memset(out, 0, sizeof(*out));
	form_add(&form, "client_key", c->client_key);
	form_add(&form, "client_secret", c->client_secret);
	form_add(&form, "code", code);
	form_add(&form, "grant_type", "authorization_code");
	form_add(&form, "redirect_uri", c->redirect_uri);
	if (verifier)
		form_add(&form, "code_verifier", verifier);
	if (oauth_post(c, "oauth/token", &form, res) < 0)
		return -1;
	return token_answer(res, out);
}

int tiktok_refresh(const struct tiktok_client *c, const char *refresh_token,
		   struct tiktok_token *out, struct tiktok_result *res)
{
	struct buf form = BUF_INIT;
	int rc;

	memset(out, 0, sizeof(*out));
	form_add(&form, "client_key", c->client_key);
	form_add(&form, "client_secret", c->client_secret);
	form_add(&form, "grant_type", "refresh_token");
	form_add(&form, "refresh_token", refresh_token);
	rc = oauth_post(c, "oauth/token", &form, res);
	metrics_token_refresh(res->outcome == TT_OK);
	if (rc < 0)
		return -1;
	return token_answer(res, out);
}

int tiktok_revoke(const struct tiktok_client *c, const char *access_token,
		  struct tiktok_result *res)
{
	struct buf form = BUF_INIT;

	form_add(&form, "client_key", c->client_key);
	form_add(&form, "client_secret", c->client_secret);
	form_add(&form, "token", access_token);
	if (oauth_post(c, "oauth/revoke", &form, res) < 0)
		return -1;
	return res->outcome == TT_OK ? 0 : -1;
}

int tiktok_grant_dead(const struct tiktok_result *res)
{
	return res->outcome == TT_API && !strcmp(res->error, "invalid_grant");
}

/* ---- user info ---- */

const char *tiktok_user_fields(unsigned scopes)
{
	if (scopes & TT_SCOPE_USER_INFO_PROFILE)
		return "open_id,union_id,avatar_url,display_name,username";
	return "open_id,union_id,avatar_url,display_name";
}

int tiktok_parse_user(struct json_object *body, struct tiktok_user *u)
{
	struct json_object *data, *user;
	struct tiktok_result r;

	memset(u, 0, sizeof(*u));
	if (!body || !json_object_is_type(body, json_type_object))
		return -1;
	tiktok_result_init(&r);
	tiktok_parse_error(body, &r);
	if (r.error[0] && strcmp(r.error, "ok") != 0)
		return -1;
	if (!json_object_object_get_ex(body, "data", &data) || !json_object_is_type(data, json_type_object) ||
	    !json_object_object_get_ex(data, "user", &user) || !json_object_is_type(user, json_type_object))
		return -1;
	if (tiktok_json_string(user, "open_id", u->open_id, sizeof(u->open_id), 1) < 0 ||
	    tiktok_json_string(user, "union_id", u->union_id, sizeof(u->union_id), 0) < 0 ||
	    tiktok_json_string(user, "display_name", u->display_name, sizeof(u->display_name), 0) < 0 ||
	    tiktok_json_string(user, "username", u->username, sizeof(u->username), 0) < 0 ||
	    tiktok_json_string(user, "avatar_url", u->avatar_url, sizeof(u->avatar_url), 0) < 0)
		return -1;
	return 0;
}

int tiktok_user_info(const struct tiktok_client *c, const char *access_token, const char *fields,
		     struct tiktok_user *out, struct tiktok_result *res)
{
	struct buf query = BUF_INIT;
	int rc;

	memset(out, 0, sizeof(*out));
	buf_puts(&query, "fields=");
	url_encode(&query, fields);
	rc = tiktok_call(c, "GET", "user/info", buf_cstr(&query), access_token, NULL, NULL, res);
	buf_free(&query);
	if (rc < 0 || res->outcome != TT_OK)
		return -1;
	if (tiktok_parse_user(res->json, out) < 0) {
		res->outcome = TT_MALFORMED;
		return -1;
	}
	return 0;
}
