/* webhook.c — TikTok webhook events: parsing (pure) and their effect on
 * jobs and accounts. See webhook.h. */
#include "webhook.h"

#include "accounts.h"
#include "crypto.h"
#include "jobs.h"
#include "log.h"
#include "platform.h"
#include "tiktok.h"
#include "tiktok_errors.h"
#include "util.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- parsing ---- */

static const struct {
	const char *name;
	enum webhook_kind kind;
} kinds[] = {
	{ "post.publish.complete", WH_PUBLISH_COMPLETE },
	{ "post.publish.failed", WH_PUBLISH_FAILED },
	{ "post.publish.inbox_delivered", WH_INBOX_DELIVERED },
	{ "post.publish.publicly_available", WH_PUBLICLY_AVAILABLE },
	/* TikTok's own spelling; the event name must match exactly */
	{ "post.publish.no_longer_publicaly_available", WH_NO_LONGER_PUBLIC },
	{ "authorization.removed", WH_AUTH_REMOVED },
};

enum webhook_kind webhook_kind_of(const char *event)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (event && !strcmp(event, kinds[i].name))
			return kinds[i].kind;
	return WH_UNKNOWN;
}

static void set_err(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
}

/* Exactly one JSON value in s (surrounding whitespace allowed). */
static struct json_object *parse_whole(const char *s, size_t n)
{
	struct json_tokener *tok;
	struct json_object *o;
	size_t end;

	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || n > (size_t)1 << 30 || memchr(s, '\0', n))
		return NULL;
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, s, (int)n);
	end = json_tokener_get_parse_end(tok);
	if (!o || json_tokener_get_error(tok) != json_tokener_success || end != n) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* A post id sent as a JSON number or as a string of digits (both occur). */
static int take_post_id(struct json_object *o, char *dst, size_t n)
{
	struct json_object *v;
	const char *s;

	dst[0] = '\0';
	if (!json_object_object_get_ex(o, "post_id", &v) || !v)
		return -1;
	if (json_object_is_type(v, json_type_int)) {
		/* json-c keeps integers beyond int64 as uint64; both print exactly */
		s = json_object_get_string(v);
	} else if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
	} else {
		return -1;  /* a double has lost digits already */
	}
	if (!str_all_digits(s) || strlen(s) >= n)
		return -1;
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

/* The content member: a string holding a JSON object (the documented
 * shape), or an object. A new reference, or NULL. */
static struct json_object *content_of(struct json_object *env)
{
	struct json_object *c;

	if (!json_object_object_get_ex(env, "content", &c) || !c)
		return NULL;
	if (json_object_is_type(c, json_type_object))
		return json_object_get(c);
	if (json_object_is_type(c, json_type_string)) {
		struct json_object *inner = parse_whole(json_object_get_string(c),
							(size_t)json_object_get_string_len(c));
		if (inner && json_object_is_type(inner, json_type_object))
			return inner;
		json_object_put(inner);
	}
	return NULL;
}

static int parse_content(struct json_object *c, struct webhook_event *out, char *err, size_t errlen)
{
	struct json_object *v;

	if (out->kind == WH_AUTH_REMOVED) {
		out->auth_reason = -1;
		if (json_object_object_get_ex(c, "reason", &v) && v &&
		    json_object_is_type(v, json_type_int)) {
			int64_t r = json_object_get_int64(v);
			out->auth_reason = r >= 0 && r <= 1000 ? (int)r : -1;
		}
		return 0;
	}
	if (out->kind == WH_UNKNOWN)
		return 0;
	/* post.publish.*: publish_id is what the event is about */
	if (tiktok_json_string(c, "publish_id", out->publish_id, sizeof(out->publish_id), 1) < 0) {
		set_err(err, errlen, "content has no publish_id string");
		return -1;
	}
	if (tiktok_json_string(c, "publish_type", out->publish_type, sizeof(out->publish_type), 0) < 0) {
		set_err(err, errlen, "content.publish_type is not a short string");
		return -1;
	}
	if (out->kind == WH_PUBLISH_FAILED &&
	    tiktok_json_string(c, "reason", out->reason, sizeof(out->reason), 0) < 0) {
		set_err(err, errlen, "content.reason is not a short string");
		return -1;
	}
	if ((out->kind == WH_PUBLICLY_AVAILABLE || out->kind == WH_NO_LONGER_PUBLIC) &&
	    take_post_id(c, out->post_id, sizeof(out->post_id)) < 0) {
		set_err(err, errlen, "content has no numeric post_id");
		return -1;
	}
	return 0;
}

int webhook_parse(const char *body, size_t len, struct webhook_event *out, char *err, size_t errlen)
{
	struct json_object *env = NULL, *content = NULL, *v;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->auth_reason = -1;
	set_err(err, errlen, "");
	if (!body || !(env = parse_whole(body, len)) || !json_object_is_type(env, json_type_object)) {
		set_err(err, errlen, "the body is not a JSON object");
		goto out;
	}
	if (tiktok_json_string(env, "event", out->event, sizeof(out->event), 1) < 0) {
		set_err(err, errlen, "no event name");
		goto out;
	}
	if (tiktok_json_string(env, "client_key", out->client_key, sizeof(out->client_key), 0) < 0 ||
	    tiktok_json_string(env, "user_openid", out->user_openid, sizeof(out->user_openid), 0) < 0) {
		set_err(err, errlen, "client_key or user_openid is not a short string");
		goto out;
	}
	if (json_object_object_get_ex(env, "create_time", &v) && v) {
		if (!json_object_is_type(v, json_type_int)) {
			set_err(err, errlen, "create_time is not an integer");
			goto out;
		}
		out->create_time = json_object_get_int64(v);
	}
	out->kind = webhook_kind_of(out->event);
	if (out->kind == WH_AUTH_REMOVED && !out->user_openid[0]) {
		set_err(err, errlen, "authorization.removed without user_openid");
		goto out;
	}
	content = content_of(env);
	if (!content) {
		if (out->kind == WH_UNKNOWN) {   /* not ours: keep it, act on nothing */
			rc = 0;
			goto out;
		}
		set_err(err, errlen, "content is not a JSON object (or a string holding one)");
		goto out;
	}
	rc = parse_content(content, out, err, errlen);
out:
	json_object_put(content);
	json_object_put(env);
	return rc;
}

const char *webhook_auth_reason_text(int reason)
{
	switch (reason) {
	case 1: return "the account holder disconnected LangFlix in TikTok";
	case 2: return "the TikTok account was deleted";
	case 3: return "the account holder's age changed";
	case 4: return "the TikTok account was banned";
	case 5: return "the app's access was revoked by the developer";
	default: return "TikTok gave no reason";
	}
}

/* ---- the database side ---- */

static struct db_stmt q_store = { "webhook_store",
	"INSERT INTO webhook_events (body_sha256, event, user_openid, publish_id, create_time, body) "
	"VALUES ($1, $2, nullif($3, ''), nullif($4, ''), $5::bigint, $6::jsonb) "
	"ON CONFLICT (body_sha256) DO NOTHING RETURNING id" };
static struct db_stmt q_result = { "webhook_result",
	"UPDATE webhook_events SET result = $2, job_id = $3::bigint, account_id = $4::bigint "
	"WHERE id = $1" };
static struct db_stmt q_job_by_publish = { "webhook_job_by_publish",
	"SELECT id AS job_id FROM upload_jobs WHERE publish_id = $1 ORDER BY id DESC LIMIT 1" };
static struct db_stmt q_accounts_by_openid = { "webhook_accounts_by_openid",
	"SELECT id, coalesce(nullif(display_name, ''), nullif(username, ''), open_id) AS name, "
	"       status = 'connected' AS connected "
	"FROM tiktok_accounts WHERE open_id = $1 AND platform = $2 ORDER BY id FOR UPDATE" };
/* The event changed nothing: is there a job with that publish (already
 * in that state, or finished otherwise) or none at all? */
static int classify_miss(struct db *db, const char *publish_id, int64_t *job_id,
			 const char **result)
{
	PGresult *r = db_query(db, &q_job_by_publish, DB_PARAMS(DB_TEXT(publish_id)));

	if (!r)
		return -1;
	*result = PQntuples(r) > 0 ? WH_RESULT_UNCHANGED : WH_RESULT_UNMATCHED;
	if (PQntuples(r) > 0)
		*job_id = db_get_int(r, 0, "job_id");
	PQclear(r);
	return 0;
}

/* A change of a job: *result applied, or why nothing changed. */
static int job_result(struct db *db, int rc, const char *publish_id, int64_t *job_id,
		      const char **result)
{
	if (rc < 0)
		return -1;
	if (rc == 0)
		return classify_miss(db, publish_id, job_id, result);
	*result = WH_RESULT_APPLIED;
	return 0;
}

/* The one end of a job (lib/jobs.h), reported by TikTok's webhook. */
static int finish_result(struct db *db, const struct webhook_event *ev, const struct job_outcome *o,
			 int64_t *job_id, const char **result)
{
	return job_result(db, jobs_finish(db, NULL, ev->publish_id, o, job_id), ev->publish_id, job_id,
			  result);
}

static int apply_failed(struct db *db, const struct webhook_event *ev, int64_t *job_id,
			const char **result)
{
	const char *why = tiktok_fail_reason_text(ev->reason, NULL);
	struct job_outcome o = { .end = JOB_FAILED, .tiktok_status = "FAILED", .reason = why,
				 .auth_removed = !strcmp(ev->reason, "auth_removed") };

	return finish_result(db, ev, &o, job_id, result);
}

static int apply_complete(struct db *db, const struct webhook_event *ev, int64_t *job_id,
			  const char **result)
{
	struct job_outcome o = { .end = JOB_PUBLISHED, .tiktok_status = "PUBLISH_COMPLETE",
				 .from_inbox = !strcmp(ev->publish_type, "INBOX_SHARE") };

	return finish_result(db, ev, &o, job_id, result);
}

static int apply_auth_removed(struct db *db, const struct webhook_event *ev, int64_t *account_id,
			      const char **result)
{
	/* TikTok's webhook: another platform's account with the same remote id is not its */
	PGresult *r = db_query(db, &q_accounts_by_openid,
			       DB_PARAMS(DB_TEXT(ev->user_openid), DB_TEXT(platform_tiktok.name)));
	const char *why = webhook_auth_reason_text(ev->auth_reason);
	int n, changed = 0;

	if (!r)
		return -1;
	n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		int64_t id = db_get_int(r, i, "id");
		const char *name = db_get_text(r, i, "name");
		struct buf acc = BUF_INIT, job = BUF_INIT;
		int failed;

		*account_id = id;
		if (!db_get_bool(r, i, "connected"))
			continue;   /* already disconnected or waiting for a reconnect */
		buf_printf(&acc, "TikTok withdrew LangFlix's access to %s (%s). Connect the account "
			   "again to post with it.", name, why);
		buf_printf(&job, "TikTok withdrew LangFlix's access to the account %s (%s) before this "
			   "upload started. Connect the account again, then post the video anew.",
			   name, why);
		failed = accounts_mark_reconnect(db, id, buf_cstr(&acc)) < 0 ? -1
			: jobs_fail_queued(db, id, buf_cstr(&job));
		buf_free(&acc);
		buf_free(&job);
		if (failed < 0) {
			PQclear(r);
			return -1;
		}
		log_info("event=webhook_authorization_removed account_id=%lld reason=%d jobs_failed=%d",
			 (long long)id, ev->auth_reason, failed);
		changed = 1;
	}
	PQclear(r);
	*result = changed ? WH_RESULT_APPLIED : n > 0 ? WH_RESULT_UNCHANGED : WH_RESULT_UNMATCHED;
	return 0;
}

static int apply(struct db *db, const struct webhook_event *ev, int64_t *job_id,
		 int64_t *account_id, const char **result)
{
	switch (ev->kind) {
	case WH_PUBLISH_COMPLETE:
		return apply_complete(db, ev, job_id, result);
	case WH_PUBLISH_FAILED:
		return apply_failed(db, ev, job_id, result);
	case WH_INBOX_DELIVERED:
		return finish_result(db, ev, &(struct job_outcome){ .end = JOB_INBOXED,
				     .tiktok_status = "SEND_TO_USER_INBOX" }, job_id, result);
	case WH_PUBLICLY_AVAILABLE:
		return job_result(db, jobs_public(db, ev->publish_id, ev->post_id, job_id),
				  ev->publish_id, job_id, result);
	case WH_NO_LONGER_PUBLIC:
		return job_result(db, jobs_not_public(db, ev->publish_id, job_id), ev->publish_id,
				  job_id, result);
	case WH_AUTH_REMOVED:
		return apply_auth_removed(db, ev, account_id, result);
	case WH_UNKNOWN:
		break;
	}
	*result = WH_RESULT_IGNORED;
	return 0;
}

int webhook_store_apply(struct db *db, const char *body, size_t len,
			const struct webhook_event *ev, const char **result)
{
	char sha[65];
	char *text = NULL;
	int64_t id, job_id = 0, account_id = 0;
	PGresult *r;

	*result = WH_RESULT_IGNORED;
	crypto_sha256_hex(body, len, sha);
	text = xstrndup(body, len);
	if (db_begin(db) < 0) {
		free(text);
		return -1;
	}
	r = db_query(db, &q_store,
		     DB_PARAMS(DB_TEXT(sha), DB_TEXT(ev->event), DB_TEXT(ev->user_openid),
			       DB_TEXT(ev->publish_id), ev->create_time ? DB_INT(ev->create_time) : DB_NULL,
			       DB_TEXT(text)));
	free(text);
	if (!r)
		goto fail;
	if (PQntuples(r) == 0) {
		/* TikTok's retry of a delivery already stored: nothing to do */
		PQclear(r);
		*result = WH_RESULT_DUPLICATE;
		return db_commit(db);
	}
	id = db_get_int(r, 0, "id");
	PQclear(r);
	if (apply(db, ev, &job_id, &account_id, result) < 0)
		goto fail;
	if (db_command(db, &q_result,
		       DB_PARAMS(DB_INT(id), DB_TEXT(*result), job_id ? DB_INT(job_id) : DB_NULL,
				 account_id ? DB_INT(account_id) : DB_NULL)) < 0)
		goto fail;
	return db_commit(db);
fail:
	db_rollback(db);
	return -1;
}
