/* ui.c — what page handlers share, so that no page file depends on
 * another: request values, template-context helpers, the words for a job
 * state, and the user's TikTok accounts as a page shows them. */
#include "accounts.h"
#include "app.h"
#include "log.h"
#include "platform.h"
#include "ratelimit.h"
#include "tiktok.h"
#include "tiktok_creator.h"
#include "tiktok_errors.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

int64_t param_id(struct request *req, const char *name)
{
	const char *s = kv_get(&req->params, name);
	int64_t v;

	if (!s)
		s = kv_get(&req->query, name);
	if (!s || parse_int64(s, 1, INT64_MAX, &v) < 0)
		return -1;
	return v;
}

const char *page_tz(struct request *req)
{
	struct page *pg = page_of(req);

	return pg && pg->user_tz && *pg->user_tz ? pg->user_tz : "UTC";
}

void ctx_add_str(struct json_object *o, const char *key, const char *val)
{
	if (val && *val)
		json_object_object_add(o, key, json_object_new_string(val));
}

int64_t ctx_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

int ctx_flag(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

/* ---- one style for numbers in words ---- */

void ui_size(char *out, size_t n, long long bytes)
{
	if (bytes < 0)
		bytes = 0;
	if (bytes >= 1000LL * 1000 * 1000)
		snprintf(out, n, "%.2f GB", (double)bytes / 1e9);
	else if (bytes >= 1000LL * 1000)
		snprintf(out, n, "%.1f MB", (double)bytes / 1e6);
	else if (bytes >= 1000)
		snprintf(out, n, "%.0f kB", (double)bytes / 1e3);
	else
		snprintf(out, n, "%lld bytes", bytes);
}

void ui_duration(char *out, size_t n, long long ms)
{
	long long s = ms < 0 ? 0 : (ms + 500) / 1000;

	if (s >= 3600)
		snprintf(out, n, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(out, n, "%lld:%02lld", s / 60, s % 60);
}

void ui_count(char *out, size_t n, long long k, const char *one, const char *many)
{
	snprintf(out, n, "%lld %s", k, k == 1 ? one : many);
}

void ctx_add_count(struct json_object *o, const char *key, long long k, const char *one, const char *many)
{
	char text[96];

	ui_count(text, sizeof(text), k, one, many);
	json_object_object_add(o, key, json_object_new_string(text));
}

/* ---- job states ---- */

const char *const job_states[] = { "queued", "uploading", "processing", "published", "inboxed",
				   "failed", "cancelled" };
const size_t job_nstates = ARRAY_LEN(job_states);

const char *job_state_label(const char *s)
{
	static const char *const labels[] = { "Queued", "Uploading", "Processing on TikTok", "Posted",
					      "Sent to TikTok inbox", "Failed", "Cancelled" };
	_Static_assert(ARRAY_LEN(labels) == ARRAY_LEN(job_states), "one label per state");

	for (size_t i = 0; i < ARRAY_LEN(job_states); i++)
		if (!strcmp(s, job_states[i]))
			return labels[i];
	return s;
}

/* ---- a job's timeline in words ----
 * The one table of what the job page says for each kind of event. The
 * stored message is shown when it is already written for the user (the
 * reasons of a failure or a retry, which come from lib/tiktok_errors.c);
 * the kinds whose stored message carries internals (worker, byte counts,
 * TikTok's raw states) get a sentence of their own here. "chunk" events
 * are not listed one by one: the page folds them into one line. */
static const struct {
	const char *kind, *label, *sentence;   /* sentence NULL: the stored message */
} event_words[] = {
	{ "queued",          "Queued",             NULL },
	{ "claimed",         "Started",            "LangFlix started on the upload." },
	{ "token_refreshed", "Access renewed",     "LangFlix renewed its access to the TikTok account." },
	{ "creator_info",    "Account checked",    "TikTok confirmed that the account can post." },
	{ "init",            "Upload started",     "TikTok accepted the upload and is ready for the file." },
	{ "chunk",           "Sending",            NULL },
	{ "pull_fetch",      "TikTok fetched it",  "TikTok started fetching the video from this site." },
	{ "upload_complete", "File sent",          "The whole file reached TikTok." },
	{ "resumed",         "Resumed",            "The upload continued where it had stopped." },
	{ "reinit",          "Started over",       NULL },
	{ "status",          "TikTok processing",  NULL },   /* job_event_text: TikTok's state in words */
	{ "retry",           "Waiting",            NULL },
	{ "published",       "Posted",             NULL },
	{ "inboxed",         "Sent to the inbox",  NULL },
	{ "public",          "Public",             NULL },
	{ "not_public",      "No longer public",   NULL },
	{ "failed",          "Failed",             NULL },
	{ "cancelled",       "Cancelled",          NULL },
};

const char *job_event_label(const char *kind)
{
	for (size_t i = 0; i < ARRAY_LEN(event_words); i++)
		if (!strcmp(kind, event_words[i].kind))
			return event_words[i].label;
	return "Update";
}

/* TikTok's publish states (tiktok-api.md §2.6) in words. */
const char *tiktok_status_words(const char *status)
{
	static const struct { const char *status, *words; } map[] = {
		{ "PROCESSING_UPLOAD",   "TikTok is receiving and checking the video." },
		{ "PROCESSING_DOWNLOAD", "TikTok is fetching the video from this site." },
		{ "SEND_TO_USER_INBOX",  "TikTok put the video in the account's inbox." },
		{ "PUBLISH_COMPLETE",    "TikTok finished the post." },
		{ "FAILED",              "TikTok could not process the video." },
	};

	for (size_t i = 0; status && i < ARRAY_LEN(map); i++)
		if (!strcmp(status, map[i].status))
			return map[i].words;
	return "TikTok is processing the video.";
}

void job_event_text(const char *kind, const char *message, struct buf *out)
{
	static const char status_prefix[] = "TikTok status: ";

	if (!strcmp(kind, "status")) {
		char st[64] = "";
		if (message && !strncmp(message, status_prefix, sizeof(status_prefix) - 1))
			sscanf(message + sizeof(status_prefix) - 1, "%63[A-Z_]", st);
		buf_puts(out, tiktok_status_words(st));
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(event_words); i++)
		if (!strcmp(kind, event_words[i].kind) && event_words[i].sentence) {
			buf_puts(out, event_words[i].sentence);
			return;
		}
	buf_puts(out, message ? message : "");
}

/* ---- the user's TikTok accounts ---- */

/* reconsent_soon_in: seconds until reconsent_soon turns true (negative
 * once it has), so a page kept rendered expires then (page_cache.c); a
 * duration, not an instant, so the app's clock need not agree with the
 * database's */
#define RECONSENT_FROM "(refresh_expires_at - interval '7 days')"
static const struct db_stmt q_accounts = { "accounts_of_user",
	"SELECT id, platform, open_id, display_name, username, avatar_url, status, status_reason, scopes,"
	"       " UI_TIME("refresh_expires_at", "$3") " AS reconsent_by,"
	"       " UI_TIME("created_at", "$3") " AS connected_at,"
	"       at_risk_reason, coalesce(" RECONSENT_FROM " < now(), false) AS reconsent_soon,"
	"       floor(extract(epoch FROM " RECONSENT_FROM " - now()))::bigint AS reconsent_soon_in "
	"FROM tiktok_accounts WHERE user_id = $1 AND status <> 'disconnected' "
	"AND ($2 = '' OR status = $2) ORDER BY id" };

/* What an account granted, in words (tiktok.h's scope bits). */
static const struct { unsigned bit; const char *words; } scope_words[] = {
	{ TT_SCOPE_USER_INFO_BASIC, "See the account's name and picture" },
	{ TT_SCOPE_USER_INFO_PROFILE, "See the account's profile" },
	{ TT_SCOPE_USER_INFO_STATS, "See the account's follower numbers" },
	{ TT_SCOPE_VIDEO_PUBLISH, "Post videos directly" },
	{ TT_SCOPE_VIDEO_UPLOAD, "Send videos to the TikTok inbox as drafts" },
	{ TT_SCOPE_VIDEO_LIST, "See the account's videos" },
};

/* How the file reaches TikTok, in words (no API names on the page). */
const char *job_source_label(const char *source)
{
	if (source && !strcmp(source, "PULL_FROM_URL"))
		return "TikTok fetches the file from this site";
	return "LangFlix sends the file to TikTok";
}

/* Only web URLs reach an <img src>. */
static int web_url(const char *s)
{
	return s && (!strncmp(s, "https://", 8) || !strncmp(s, "http://", 7));
}

static struct json_object *account_json(const PGresult *r, int i)
{
	struct json_object *o = json_object_new_object();
	const char *name = db_get(r, i, "display_name"), *status = db_get_text(r, i, "status");
	unsigned scopes = tiktok_scopes_parse(db_get(r, i, "scopes"));
	int connected = !strcmp(status, "connected");

	json_object_object_add(o, "id", json_object_new_int64(db_get_int(r, i, "id")));
	ctx_add_str(o, "platform", db_get(r, i, "platform"));
	ctx_add_str(o, "name", name && *name ? name : db_get(r, i, "open_id"));
	ctx_add_str(o, "username", db_get(r, i, "username"));
	if (web_url(db_get(r, i, "avatar_url")))
		ctx_add_str(o, "avatar_url", db_get(r, i, "avatar_url"));
	ctx_add_str(o, "status", status);
	json_object_object_add(o, "connected", json_object_new_boolean(connected));
	json_object_object_add(o, "needs_reconnect", json_object_new_boolean(!connected));
	ctx_add_str(o, "status_reason", db_get(r, i, "status_reason"));
	ctx_add_str(o, "note", tiktok_scopes_note(scopes));
	ctx_add_str(o, "results_note", tiktok_scopes_results_note(scopes));
	json_object_object_add(o, "can_direct", json_object_new_boolean(!!(scopes & TT_SCOPE_VIDEO_PUBLISH)));
	json_object_object_add(o, "can_inbox", json_object_new_boolean(!!(scopes & TT_SCOPE_VIDEO_UPLOAD)));
	{
		/* the state in words: never a plain "Connected" for an account
		 * that cannot post */
		int direct = !!(scopes & TT_SCOPE_VIDEO_PUBLISH), inbox = !!(scopes & TT_SCOPE_VIDEO_UPLOAD);
		int can_post = connected && (direct || inbox);
		struct json_object *perms = json_object_new_array();

		ctx_add_str(o, "state_text", !connected ? "Needs reconnect"
			    : !can_post ? "Connected — cannot post: permission missing"
			    : direct ? "Connected" : "Connected — drafts only");
		ctx_add_str(o, "badge", !connected || !can_post ? "bad" : direct ? "good" : "warn");
		ctx_add_str(o, "can_do", !connected ? "Cannot post until it is connected again."
			    : !can_post ? "Cannot post: TikTok was not allowed to take videos from this site."
			    : direct && inbox ? "Posts directly, or sends drafts to the TikTok inbox."
			    : direct ? "Posts directly (sending drafts was not allowed)."
			    : "Sends drafts to the TikTok inbox only: direct posting was not allowed.");
		json_object_object_add(o, "can_post", json_object_new_boolean(can_post));
		json_object_object_add(o, "offer_reconnect", json_object_new_boolean(!connected || !can_post || !direct || !inbox ||
									  !(scopes & TT_SCOPE_VIDEO_LIST)));
		for (size_t k = 0; k < ARRAY_LEN(scope_words); k++)
			if (scopes & scope_words[k].bit)
				json_object_array_add(perms, json_object_new_string(scope_words[k].words));
		json_object_object_add(o, "has_permissions", json_object_new_boolean(json_object_array_length(perms) > 0));
		json_object_object_add(o, "permissions", perms);
		ctx_add_str(o, "reconsent_by", db_get(r, i, "reconsent_by"));
		ctx_add_str(o, "connected_at", db_get(r, i, "connected_at"));
	}
	/* connection health (issue 11): at risk before its next slot, re-consent soon */
	ctx_add_str(o, "at_risk", db_get(r, i, "at_risk_reason"));
	json_object_object_add(o, "reconsent_soon", json_object_new_boolean(db_get_bool(r, i, "reconsent_soon")));
	return o;
}

struct db_call accounts_call(struct request *req, int only_connected)
{
	struct db_param *p = arena_alloc(&req->arena, 3 * sizeof(*p));

	p[0] = DB_INT(page_of(req)->user_id);
	p[1] = DB_TEXT(only_connected ? "connected" : "");
	p[2] = DB_TEXT(page_tz(req));
	return (struct db_call){ .st = &q_accounts, .n = 3, .p = p };
}

struct json_object *accounts_from_result(PGresult *r, int *count)
{
	struct json_object *arr;
	int n;

	arr = json_object_new_array();
	n = PQntuples(r);
	for (int i = 0; i < n; i++)
		json_object_array_add(arr, account_json(r, i));
	PQclear(r);
	*count = n;
	return arr;
}

struct json_object *accounts_for_page(struct request *req, int only_connected, int *count)
{
	struct db_call c = accounts_call(req, only_connected);
	PGresult *r = db_query(page_of(req)->db, c.st, c.n, c.p);

	return r ? accounts_from_result(r, count) : NULL;
}

/* A creator_info failure in words (not "cannot post": that is its own
 * case). What a code means is the table's (lib/tiktok_errors.c). */
static void creator_problem(const struct platform *pf, struct creator_check *c,
			    const struct tiktok_result *res)
{
	enum tt_action a = pf->classify(res, NULL);

	if (res->outcome == TT_API && (a == TTA_REFRESH || a == TTA_RECONNECT)) {
		c->reconnect = 1;
		snprintf(c->problem, sizeof(c->problem), "%s",
			 tiktok_creator_state(TTC_NEEDS_RECONNECT)->sentence);
	} else if (res->slow) {
		c->tiktok_slow = 1;
		snprintf(c->problem, sizeof(c->problem),
			 "TikTok is slow to answer right now, so this page stopped waiting for it after "
			 "%.1f seconds. Nothing was sent. Try again in a moment.",
			 (double)app.cfg.tiktok_page_timeout_ms / 1000.0);
	} else if (res->outcome == TT_API && a == TTA_RATE_LIMIT) {
		snprintf(c->problem, sizeof(c->problem), "%s",
			 tiktok_creator_state(TTC_CHECKS_LIMITED)->sentence);
	} else {
		snprintf(c->problem, sizeof(c->problem),
			 "TikTok could not be asked about this account just now (%s). "
			 "Nothing was sent. Reload this page in a moment.",
			 res->outcome == TT_NETWORK ? "no answer" :
			 res->outcome == TT_MALFORMED ? "an answer we could not read" : "an error on TikTok's side");
	}
}

/* ---- creator_info for a page ---- */

int creator_check(struct request *req, const char *platform, int64_t account_id,
		  struct creator_check *c)
{
	struct page *pg = page_of(req);
	const struct platform *pf = platform_for(platform);
	struct tiktok_client client;
	struct tiktok_result res;
	struct buf token = BUF_INIT;
	int rc, wait = 0;

	memset(c, 0, sizeof(*c));
	if (!pf) {
		platform_refusal(platform, c->problem, sizeof(c->problem));
		return 0;
	}
	rc = accounts_access_token(pg->db, &app.cfg, account_id, &token);
	if (rc == ACC_RECONNECT || rc == ACC_NOT_FOUND) {
		c->reconnect = 1;
		snprintf(c->problem, sizeof(c->problem),
			 "This TikTok account has to be connected again before it can post "
			 "(TikTok no longer accepts its sign-in).");
		goto out;
	}
	if (rc != ACC_OK) {
		snprintf(c->problem, sizeof(c->problem),
			 "TikTok could not be reached to renew this account's access. Reload this page in a moment.");
		goto out;
	}
	/* the same window as the worker's (configurable so tests can shorten it) */
	rc = ratelimit_take_kind(pg->db, account_id, RL_CREATOR_INFO,
				 (int)app.cfg.tiktok_rate_window_sec, &wait);
	if (rc < 0) {
		accounts_wipe(&token);
		return -1;
	}
	if (rc == 0) {
		c->retry_after = wait > 0 ? wait : 1;
		snprintf(c->problem, sizeof(c->problem),
			 "This page asked TikTok about this account %d times in the last minute, TikTok's limit. "
			 "Wait %d seconds, then reload the page.", ratelimit_limit(RL_CREATOR_INFO)->limit,
			 c->retry_after);
		goto out;
	}
	pf->client(&app.cfg, &client);
	tiktok_result_init(&res);
	rc = pf->creator_info(&client, buf_cstr(&token), &c->creator, &res);
	log_info("event=creator_info account_id=%lld http=%ld code=%s log_id=%s", (long long)account_id,
		 res.http_status, log_quote(res.error), log_quote(res.log_id));
	if (rc == TT_CREATOR_OK) {
		c->have_creator = 1;
	} else if (rc == TT_CREATOR_CANNOT_POST) {
		c->cannot_post = 1;
		c->cannot_post_text = tiktok_cannot_post_text(res.error);
	} else {
		creator_problem(pf, c, &res);
	}
	tiktok_result_free(&res);
out:
	accounts_wipe(&token);
	return 0;
}

void ui_search_term_clean(char *q)
{
	for (; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = ' ';
}

const char *ui_search_pattern(struct request *req, const char *q)
{
	struct buf b = BUF_INIT;
	const char *out;

	if (!q || !*q || strlen(q) > UI_SEARCH_MAX)
		return "";
	buf_putc(&b, '%');
	for (; *q; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, (unsigned char)*q < 0x20 || *q == 0x7f ? ' ' : *q);
	}
	buf_putc(&b, '%');
	out = arena_strdup(&req->arena, buf_cstr(&b));
	buf_free(&b);
	return out;
}
