/* ui.c — what page handlers share, so that no page file depends on
 * another: request values, template-context helpers, the words for a job
 * state, and the user's TikTok accounts as a page shows them. */
#include "app.h"
#include "tiktok.h"
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

static const struct db_stmt q_accounts = { "accounts_of_user",
	"SELECT id, open_id, display_name, username, avatar_url, status, status_reason, scopes "
	"FROM tiktok_accounts WHERE user_id = $1 AND status <> 'disconnected' "
	"AND ($2 = '' OR status = $2) ORDER BY id" };

/* Only web URLs reach an <img src>. */
const char *job_source_label(const char *source)
{
	if (source && !strcmp(source, "PULL_FROM_URL"))
		return "TikTok fetches the file from this site (PULL_FROM_URL)";
	return "LangFlix uploads the file to TikTok (FILE_UPLOAD)";
}

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
	return o;
}

struct json_object *accounts_for_page(struct request *req, int only_connected, int *count)
{
	struct page *pg = page_of(req);
	struct json_object *arr;
	PGresult *r;
	int n;

	r = db_query(pg->db, &q_accounts, DB_PARAMS(DB_INT(pg->user_id),
						    DB_TEXT(only_connected ? "connected" : "")));
	if (!r)
		return NULL;
	arr = json_object_new_array();
	n = PQntuples(r);
	for (int i = 0; i < n; i++)
		json_object_array_add(arr, account_json(r, i));
	PQclear(r);
	*count = n;
	return arr;
}
