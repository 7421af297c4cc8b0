/* Integration tests: POST /webhooks/tiktok through nginx and the app
 * (issue 5). Signed like TikTok signs (lib/tiktok_sig.h, the client secret
 * of the stack's configuration); the jobs and accounts the events act on
 * are inserted straight into the database with a publish_id, and with
 * run_at an hour ahead so the stack's worker leaves them alone.
 *
 * Covered: a good signature, forgeries (no header, wrong secret, body
 * changed after signing), stale and future timestamps, replays (the same
 * delivery again, and TikTok's retry with a fresh signature), each event's
 * effect on a job or an account, and the race between a webhook and the
 * worker's polling through the shared conditional transition. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"
#include "tiktok_connect.h"
#include "emu_test.h"
#include "worker_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "crypto.h"
#include "db.h"
#include "jobs.h"
#include "tiktok_sig.h"
#include "util.h"
#include "webhook.h"

static PGconn *dbc;
static struct tclient *web;
static long long user_id, video_id;
static char run_tag[17];
static int seq;

static char *q1(const char *sql, int n, const char *const *params)
{
	return t_db_value(dbc, sql, n, params);
}

static long long qn(const char *sql, int n, const char *const *params)
{
	char *v = q1(sql, n, params);
	long long x = v ? atoll(v) : -1;

	free(v);
	return x;
}

/* ---- fixtures ---- */

static int setup_all(void **state)
{
	char name[64], path[96];
	char *v;

	(void)state;
	dbc = t_db();
	web = tc_new();
	assert_int_equal(crypto_random_hex(run_tag, 8), 0);
	snprintf(name, sizeof(name), "wh-%s", run_tag);
	v = q1("INSERT INTO users (name, password_hash) VALUES ($1, 'x') RETURNING id", 1,
	       (const char *[]){ name });
	user_id = atoll(v);
	free(v);
	snprintf(path, sizeof(path), "webhook-tests/%s.mp4", run_tag);
	v = q1("INSERT INTO videos (path, size_bytes, mtime, ready) VALUES ($1, 1000, 0, true) RETURNING id",
	       1, (const char *[]){ path });
	video_id = atoll(v);
	free(v);
	return 0;
}

static int teardown_all(void **state)
{
	(void)state;
	tc_free(web);
	PQfinish(dbc);
	return 0;
}

/* A connected account with a fresh open_id; its id. */
static long long make_account(char *open_id, size_t n, const char *username)
{
	char uid[24], *v;
	long long id;

	snprintf(open_id, n, "oid-%s-%d", run_tag, ++seq);
	snprintf(uid, sizeof(uid), "%lld", user_id);
	v = q1("INSERT INTO tiktok_accounts (user_id, open_id, display_name, username) "
	       "VALUES ($1, $2, 'Webhook Tester', nullif($3, '')) RETURNING id", 3,
	       (const char *[]){ uid, open_id, username ? username : "" });
	id = atoll(v);
	free(v);
	return id;
}

/* A job of account in state with a fresh publish_id (copied out); its id. */
static long long make_job(long long account, const char *state, const char *mode,
			  const char *creator_username, char *publish_id, size_t n)
{
	char sub[64];
	int ended = !strcmp(state, "published") || !strcmp(state, "inboxed") ||
		    !strcmp(state, "failed") || !strcmp(state, "cancelled");

	snprintf(publish_id, n, "v_pub_file~v2-%s.%d", run_tag, ++seq);
	snprintf(sub, sizeof(sub), "wh-%s-%d", run_tag, seq);
	return t_job(&(struct job_fixture){
		.submission_id = sub, .user_id = user_id, .video_id = video_id, .account_id = account,
		.mode = mode, .state = state, .privacy_level = "SELF_ONLY", .publish_id = publish_id,
		.creator_username = creator_username, .bytes_total = 1000, .run_in_sec = 3600,
		.finished_ago_sec = ended ? 1 : 0 });
}

static char *job_field(long long job, const char *column)
{
	char sql[160], id[24];

	snprintf(sql, sizeof(sql), "SELECT %s FROM upload_jobs WHERE id = $1", column);
	snprintf(id, sizeof(id), "%lld", job);
	return q1(sql, 1, (const char *[]){ id });
}

static void assert_job(long long job, const char *column, const char *want)
{
	char *v = job_field(job, column);

	if (!want)
		assert_null(v);
	else {
		assert_non_null(v);
		assert_string_equal(v, want);
	}
	free(v);
}

static long long events_of(long long job, const char *kind)
{
	char id[24];

	snprintf(id, sizeof(id), "%lld", job);
	return qn("SELECT count(*) FROM job_events WHERE job_id = $1 AND kind = $2", 2,
		  (const char *[]){ id, kind });
}

static long long stored_with_body(const char *body)
{
	char sha[65];

	crypto_sha256_hex(body, strlen(body), sha);
	return qn("SELECT count(*) FROM webhook_events WHERE body_sha256 = $1", 1, (const char *[]){ sha });
}

/* ---- deliveries ---- */

/* The envelope; content is the inner object's JSON, escaped here as a string. */
static char *envelope(const char *event, const char *open_id, const char *content)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "{\"client_key\":\"%s\",\"event\":\"%s\",\"create_time\":%lld,"
		   "\"user_openid\":\"%s\",\"content\":\"", tconn_config()->tiktok_client_key, event,
		   (long long)now_unix(), open_id);
	for (const char *p = content; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *p);
	}
	buf_puts(&b, "\"}");
	return buf_detach(&b);
}

/* POST body with a signature header made with secret at time t (no header
 * when secret is NULL). The HTTP status; the answer's body into out. */
static long deliver_as(const char *body, const char *secret, int64_t t, struct tresp *out)
{
	char sig[160], hdr[200];
	const char *headers[3] = { "Content-Type: application/json", NULL, NULL };

	if (secret) {
		tiktok_signature_header(secret, t, body, strlen(body), sig, sizeof(sig));
		snprintf(hdr, sizeof(hdr), "TikTok-Signature: %s", sig);
		headers[1] = hdr;
	}
	tresp_init(out);
	assert_int_equal(tc_request(web, "POST", "/webhooks/tiktok", headers, body, strlen(body), out), 0);
	return out->status;
}

/* A good delivery now; asserts 200 and the result word. */
static void deliver(const char *body, const char *want_result)
{
	struct tresp r;
	char want[64];

	assert_int_equal(deliver_as(body, tconn_config()->tiktok_client_secret, now_unix(), &r), 200);
	snprintf(want, sizeof(want), "\"result\":\"%s\"", want_result);
	if (!strstr(r.body.data, want))
		fail_msg("wanted %s, got %s", want, r.body.data);
	tresp_free(&r);
}

static char *publish_content(const char *publish_id, const char *extra)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "{\"publish_id\":\"%s\",\"publish_type\":\"DIRECT_POST\"%s}", publish_id,
		   extra ? extra : "");
	return buf_detach(&b);
}

static char *publish_event(const char *event, const char *open_id, const char *publish_id,
			   const char *extra)
{
	char *c = publish_content(publish_id, extra), *b = envelope(event, open_id, c);

	free(c);
	return b;
}

/* ---- signatures ---- */

static void signed_delivery_is_applied(void **state)
{
	char oid[64], pub[96], *body;
	long long acc, job;
	struct tresp r;

	(void)state;
	acc = make_account(oid, sizeof(oid), NULL);
	job = make_job(acc, "processing", "direct", "lf_creator", pub, sizeof(pub));
	body = publish_event("post.publish.complete", oid, pub, NULL);
	assert_int_equal(deliver_as(body, tconn_config()->tiktok_client_secret, now_unix(), &r), 200);
	assert_non_null(strstr(r.body.data, "\"result\":\"applied\""));
	assert_non_null(tresp_header(&r, "Content-Type"));
	tresp_free(&r);
	assert_job(job, "state", "published");
	assert_job(job, "tiktok_status", "PUBLISH_COMPLETE");
	/* no public id yet: the profile */
	assert_job(job, "post_url", "https://www.tiktok.com/@lf_creator");
	assert_job(job, "finished_at IS NOT NULL", "t");
	assert_int_equal(events_of(job, "published"), 1);
	assert_int_equal(stored_with_body(body), 1);
	{
		char sha[65], jid[24];
		char *v;
		crypto_sha256_hex(body, strlen(body), sha);
		snprintf(jid, sizeof(jid), "%lld", job);
		v = q1("SELECT result || ' ' || job_id || ' ' || event || ' ' || publish_id || ' ' || "
		       "(body->>'user_openid') FROM webhook_events WHERE body_sha256 = $1", 1,
		       (const char *[]){ sha });
		assert_non_null(v);
		assert_non_null(strstr(v, "applied "));
		assert_non_null(strstr(v, jid));
		assert_non_null(strstr(v, "post.publish.complete"));
		assert_non_null(strstr(v, oid));
		free(v);
	}
	free(body);
}

static void forgeries_are_refused_and_change_nothing(void **state)
{
	char oid[64], pub[96], *body, *tampered, *p;
	long long acc, job;
	struct tresp r;
	const char *headers[3];

	(void)state;
	acc = make_account(oid, sizeof(oid), NULL);
	job = make_job(acc, "processing", "direct", "lf_creator", pub, sizeof(pub));
	body = publish_event("post.publish.failed", oid, pub, ",\"reason\":\"internal\"");

	/* no signature */
	assert_int_equal(deliver_as(body, NULL, 0, &r), 400);
	tresp_free(&r);
	/* signed with another secret */
	assert_int_equal(deliver_as(body, "not-the-client-secret", now_unix(), &r), 401);
	tresp_free(&r);
	/* headers that are not t=<seconds>,s=<64 hex digits>: malformed, 400 */
	headers[0] = "Content-Type: application/json";
	headers[2] = NULL;
	{
		static const char *const malformed[] = {
			"TikTok-Signature: s=00,t=",
			"TikTok-Signature: t=,s=" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			"TikTok-Signature: t=17e8,s=" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			"TikTok-Signature: t=-5,s=" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			"TikTok-Signature: t=1700000000,s=0123",
			"TikTok-Signature: t=1700000000,s=" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
		};
		for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
			headers[1] = malformed[i];
			tresp_init(&r);
			assert_int_equal(tc_request(web, "POST", "/webhooks/tiktok", headers, body, strlen(body), &r), 0);
			if (r.status != 400)
				fail_msg("%s: %ld, wanted 400", malformed[i], r.status);
			tresp_free(&r);
		}
		/* well formed, but not TikTok's signature: forged, 401 */
		headers[1] = "TikTok-Signature: t=1700000000,s="
			     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
		tresp_init(&r);
		assert_int_equal(tc_request(web, "POST", "/webhooks/tiktok", headers, body, strlen(body), &r), 0);
		assert_int_equal(r.status, 401);
		tresp_free(&r);
	}
	/* signed correctly, then the body changed (another publish_id) */
	tampered = xstrdup(body);
	p = strstr(tampered, "internal");
	memcpy(p, "INTERNAL", 8);
	{
		char sig[160], hdr[200];
		tiktok_signature_header(tconn_config()->tiktok_client_secret, now_unix(), body, strlen(body),
					sig, sizeof(sig));
		snprintf(hdr, sizeof(hdr), "TikTok-Signature: %s", sig);
		headers[1] = hdr;
		tresp_init(&r);
		assert_int_equal(tc_request(web, "POST", "/webhooks/tiktok", headers, tampered,
					    strlen(tampered), &r), 0);
		assert_int_equal(r.status, 401);
		tresp_free(&r);
	}
	/* a GET is not a delivery */
	tresp_init(&r);
	assert_int_equal(tc_get(web, "/webhooks/tiktok", &r), 0);
	assert_int_equal(r.status, 405);
	tresp_free(&r);

	assert_job(job, "state", "processing");
	assert_int_equal(events_of(job, "failed"), 0);
	assert_int_equal(stored_with_body(body), 0);
	assert_int_equal(stored_with_body(tampered), 0);
	free(tampered);
	free(body);
}

static void stale_and_future_timestamps_are_refused(void **state)
{
	char oid[64], pub[96], *body;
	long long acc, job;
	struct tresp r;

	(void)state;
	acc = make_account(oid, sizeof(oid), NULL);
	job = make_job(acc, "processing", "direct", NULL, pub, sizeof(pub));
	body = publish_event("post.publish.complete", oid, pub, NULL);
	assert_int_equal(deliver_as(body, tconn_config()->tiktok_client_secret, now_unix() - 301, &r), 401);
	assert_non_null(strstr(r.body.data, "stale"));
	tresp_free(&r);
	assert_int_equal(deliver_as(body, tconn_config()->tiktok_client_secret, now_unix() + 400, &r), 401);
	tresp_free(&r);
	assert_job(job, "state", "processing");
	assert_int_equal(stored_with_body(body), 0);
	/* inside the tolerance it is accepted (clock skew of a minute) */
	assert_int_equal(deliver_as(body, tconn_config()->tiktok_client_secret, now_unix() - 60, &r), 200);
	tresp_free(&r);
	assert_job(job, "state", "published");
	free(body);
}

static void replays_change_nothing(void **state)
{
	char oid[64], pub[96], sig[160], hdr[200], *body;
	const char *headers[3] = { "Content-Type: application/json", NULL, NULL };
	long long acc, job;
	struct tresp r;

	(void)state;
	acc = make_account(oid, sizeof(oid), NULL);
	job = make_job(acc, "processing", "direct", NULL, pub, sizeof(pub));
	body = publish_event("post.publish.failed", oid, pub, ",\"reason\":\"internal\"");
	tiktok_signature_header(tconn_config()->tiktok_client_secret, now_unix(), body, strlen(body), sig,
				sizeof(sig));
	snprintf(hdr, sizeof(hdr), "TikTok-Signature: %s", sig);
	headers[1] = hdr;
	/* the same request three times (a captured request replayed, or TikTok
	 * retrying after a lost answer): applied once */
	for (int i = 0; i < 3; i++) {
		tresp_init(&r);
		assert_int_equal(tc_request(web, "POST", "/webhooks/tiktok", headers, body, strlen(body), &r), 0);
		assert_int_equal(r.status, 200);
		assert_non_null(strstr(r.body.data, i == 0 ? "\"applied\"" : "\"duplicate\""));
		tresp_free(&r);
	}
	/* TikTok's retry carries a fresh t and signature over the same body */
	deliver(body, "duplicate");
	assert_job(job, "state", "failed");
	assert_int_equal(events_of(job, "failed"), 1);
	assert_int_equal(stored_with_body(body), 1);
	free(body);
}

static void malformed_but_signed_is_refused(void **state)
{
	struct tresp r;
	const char *bodies[] = {
		"not json at all",
		"{\"event\":\"post.publish.complete\",\"content\":\"{}\"}",
		"{\"event\":\"post.publish.publicly_available\",\"content\":\"{\\\"publish_id\\\":\\\"x\\\",\\\"post_id\\\":1.5}\"}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		assert_int_equal(deliver_as(bodies[i], tconn_config()->tiktok_client_secret, now_unix(), &r), 400);
		tresp_free(&r);
		assert_int_equal(stored_with_body(bodies[i]), 0);
	}
}

static void oversized_bodies_are_refused(void **state)
{
	struct tresp r;
	size_t n = 70 * 1024;
	char *big = xmalloc(n + 1);

	(void)state;
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	assert_int_equal(deliver_as(big, tconn_config()->tiktok_client_secret, now_unix(), &r), 413);
	tresp_free(&r);
	free(big);
}

/* ---- each event ---- */

static void failed_sets_the_reason_in_plain_words(void **state)
{
	char oid[64], pub[96], *body, *reason;
	long long acc, job;

	(void)state;
	acc = make_account(oid, sizeof(oid), NULL);
	job = make_job(acc, "processing", "direct", NULL, pub, sizeof(pub));
	body = publish_event("post.publish.failed", oid, pub, ",\"reason\":\"spam_risk_too_many_posts\"");
	deliver(body, "applied");
	assert_job(job, "state", "failed");
	assert_job(job, "tiktok_status", "FAILED");
	reason = job_field(job, "fail_reason");
	assert_non_null(reason);
	assert_non_null(strstr(reason, "daily limit"));
	free(reason);
	assert_int_equal(events_of(job, "failed"), 1);
	free(body);

	/* auth_removed as a failure reason: the account needs a reconnect too */
	job = make_job(acc, "processing", "direct", NULL, pub, sizeof(pub));
	body = publish_event("post.publish.failed", oid, pub, ",\"reason\":\"auth_removed\"");
	deliver(body, "applied");
	assert_job(job, "state", "failed");
	{
		char aid[24];
		char *st;
		snprintf(aid, sizeof(aid), "%lld", acc);
		st = q1("SELECT status FROM tiktok_accounts WHERE id = $1", 1, (const char *[]){ aid });
		assert_string_equal(st, "needs_reconnect");
		free(st);
	}
	free(body);
}

static void inbox_delivered_then_posted_from_the_draft(void **state)
{
	char oid[64], pub[96], *body, *c, *env;
	long long acc, job;

	(void)state;
	acc = make_account(oid, sizeof(oid), NULL);
	job = make_job(acc, "processing", "inbox", "lf_inbox", pub, sizeof(pub));
	body = publish_event("post.publish.inbox_delivered", oid, pub, NULL);
	deliver(body, "applied");
	assert_job(job, "state", "inboxed");
	assert_job(job, "tiktok_status", "SEND_TO_USER_INBOX");
	assert_int_equal(events_of(job, "inboxed"), 1);
	free(body);
	/* the user posts the draft in the TikTok app: complete, INBOX_SHARE */
	c = xstrdup("");
	{
		struct buf b = BUF_INIT;
		buf_printf(&b, "{\"publish_id\":\"%s\",\"publish_type\":\"INBOX_SHARE\"}", pub);
		free(c);
		c = buf_detach(&b);
	}
	env = envelope("post.publish.complete", oid, c);
	deliver(env, "applied");
	assert_job(job, "state", "published");
	assert_job(job, "post_url", "https://www.tiktok.com/@lf_inbox");
	assert_int_equal(events_of(job, "published"), 1);
	free(env);
	free(c);
}

static void publicly_available_gives_the_post_url(void **state)
{
	char oid[64], pub[96], *body;
	long long acc, job, job2;

	(void)state;
	acc = make_account(oid, sizeof(oid), "acct_name");
	/* the creator_username the worker stored wins over the account's */
	job = make_job(acc, "published", "direct", "creator_name", pub, sizeof(pub));
	body = publish_event("post.publish.publicly_available", oid, pub, ",\"post_id\":7312345678901234567");
	deliver(body, "applied");
	assert_job(job, "state", "published");
	assert_job(job, "post_id", "7312345678901234567");
	assert_job(job, "post_url", "https://www.tiktok.com/@creator_name/video/7312345678901234567");
	assert_int_equal(events_of(job, "public"), 1);
	free(body);
	/* the same post id as a string, in another delivery: nothing new */
	body = publish_event("post.publish.publicly_available", oid, pub,
			     ",\"post_id\":\"7312345678901234567\",\"x\":1");
	deliver(body, "unchanged");
	assert_int_equal(events_of(job, "public"), 1);
	free(body);

	/* without a creator_username, the account's username; a processing
	 * job goes straight to published */
	job2 = make_job(acc, "processing", "direct", NULL, pub, sizeof(pub));
	body = publish_event("post.publish.publicly_available", oid, pub, ",\"post_id\":\"99\"");
	deliver(body, "applied");
	assert_job(job2, "state", "published");
	assert_job(job2, "post_url", "https://www.tiktok.com/@acct_name/video/99");
	free(body);
}

static void no_longer_public_is_marked_once(void **state)
{
	char oid[64], pub[96], *body;
	long long acc, job;

	(void)state;
	acc = make_account(oid, sizeof(oid), NULL);
	job = make_job(acc, "published", "direct", "someone", pub, sizeof(pub));
	body = publish_event("post.publish.no_longer_publicaly_available", oid, pub, ",\"post_id\":\"5\"");
	deliver(body, "applied");
	assert_job(job, "state", "published");
	assert_job(job, "no_longer_public_at IS NOT NULL", "t");
	assert_int_equal(events_of(job, "not_public"), 1);
	free(body);
	body = publish_event("post.publish.no_longer_publicaly_available", oid, pub,
			     ",\"post_id\":\"5\",\"again\":true");
	deliver(body, "unchanged");
	assert_int_equal(events_of(job, "not_public"), 1);
	free(body);
	/* public again: the mark is cleared */
	body = publish_event("post.publish.publicly_available", oid, pub, ",\"post_id\":\"5\"");
	deliver(body, "applied");
	assert_job(job, "no_longer_public_at IS NULL", "t");
	free(body);
}

static void authorization_removed_needs_a_reconnect(void **state)
{
	char oid[64], pub[96], pub2[96], aid[24], *body, *v;
	long long acc, queued, processing;

	(void)state;
	acc = make_account(oid, sizeof(oid), NULL);
	queued = make_job(acc, "queued", "direct", NULL, pub, sizeof(pub));
	processing = make_job(acc, "processing", "direct", NULL, pub2, sizeof(pub2));
	body = envelope("authorization.removed", oid, "{\"reason\":1}");
	deliver(body, "applied");
	snprintf(aid, sizeof(aid), "%lld", acc);
	v = q1("SELECT status || ': ' || status_reason FROM tiktok_accounts WHERE id = $1", 1,
	       (const char *[]){ aid });
	assert_non_null(strstr(v, "needs_reconnect: "));
	assert_non_null(strstr(v, "disconnected LangFlix in TikTok"));
	free(v);
	assert_job(queued, "state", "failed");
	v = job_field(queued, "fail_reason");
	assert_non_null(strstr(v, "Connect the account again"));
	free(v);
	assert_int_equal(events_of(queued, "failed"), 1);
	/* a publish already at TikTok is left to the worker's polling */
	assert_job(processing, "state", "processing");
	free(body);
	/* a second removal (another delivery) changes nothing */
	body = envelope("authorization.removed", oid, "{\"reason\":5}");
	deliver(body, "unchanged");
	free(body);
	/* an open_id nobody connected */
	body = envelope("authorization.removed", "oid-nobody-knows", "{\"reason\":1}");
	deliver(body, "unmatched");
	free(body);
}

/* TikTok's removal is about TikTok's account only: another platform's
 * account of the same user with the same remote id stays connected. */
static void authorization_removed_leaves_another_platforms_account_alone(void **state)
{
	char oid[64], uid[24], aid[24], *other, *body;

	(void)state;
	snprintf(aid, sizeof(aid), "%lld", make_account(oid, sizeof(oid), NULL));
	snprintf(uid, sizeof(uid), "%lld", user_id);
	other = q1("INSERT INTO tiktok_accounts (user_id, platform, open_id, display_name) "
		   "VALUES ($1, 'otherplatform', $2, 'Other Tester') RETURNING id", 2,
		   (const char *[]){ uid, oid });
	assert_non_null(other);
	body = envelope("authorization.removed", oid, "{\"reason\":1}");
	deliver(body, "applied");
	free(body);
	assert_int_equal(qn("SELECT count(*) FROM tiktok_accounts WHERE id = $1 AND status = "
			    "'needs_reconnect'", 1, (const char *[]){ aid }), 1);
	assert_int_equal(qn("SELECT count(*) FROM tiktok_accounts WHERE id = $1 AND status = 'connected'"
			    " AND status_reason IS NULL", 1, (const char *[]){ other }), 1);
	free(other);
}

static void unknown_and_unmatched_events_are_stored_and_answered(void **state)
{
	char *body;

	(void)state;
	body = envelope("video.publish.completed", "oid-x", "{\"share_id\":\"s\"}");
	deliver(body, "ignored");
	assert_int_equal(stored_with_body(body), 1);
	free(body);
	body = publish_event("post.publish.complete", "oid-x", "v_pub_file~nobody", NULL);
	deliver(body, "unmatched");
	free(body);
}

/* ---- webhook versus polling ---- */

static void connect_lib_db(struct db *db)
{
	db_init(db, t_env("LF_DB_URL"));
	assert_int_equal(db_ensure(db), 0);
}

static void webhook_first_then_poll_changes_nothing(void **state)
{
	char oid[64], pub[96], *body;
	long long acc, job;
	int64_t jid = 0;
	struct db db;

	(void)state;
	connect_lib_db(&db);
	acc = make_account(oid, sizeof(oid), NULL);
	job = make_job(acc, "processing", "direct", "racer", pub, sizeof(pub));
	body = publish_event("post.publish.complete", oid, pub, NULL);
	deliver(body, "applied");
	/* the worker's poll result arrives late (say TikTok's status said
	 * FAILED in a stale read): the same conditional transition refuses */
	assert_int_equal(jobs_finish(&db, NULL, pub, &(struct job_outcome){ .end = JOB_FAILED,
				     .tiktok_status = "FAILED", .reason = "late poll" }, &jid), 0);
	assert_int_equal(jobs_finish(&db, NULL, pub, &(struct job_outcome){ .end = JOB_PUBLISHED,
				     .tiktok_status = "PUBLISH_COMPLETE", .post_id = "1" }, &jid), 0);
	assert_job(job, "state", "published");
	assert_job(job, "fail_reason", NULL);
	assert_job(job, "post_id", NULL);
	assert_int_equal(events_of(job, "published"), 1);
	assert_int_equal(events_of(job, "failed"), 0);
	free(body);
	db_close(&db);
}

static void poll_first_then_webhook_changes_nothing(void **state)
{
	char oid[64], pub[96], *body;
	long long acc, job;
	int64_t jid = 0;
	struct db db;

	(void)state;
	connect_lib_db(&db);
	acc = make_account(oid, sizeof(oid), NULL);
	job = make_job(acc, "processing", "direct", "racer", pub, sizeof(pub));
	assert_int_equal(jobs_finish(&db, NULL, pub, &(struct job_outcome){ .end = JOB_PUBLISHED,
				     .tiktok_status = "PUBLISH_COMPLETE" }, &jid), 1);
	assert_int_equal(jid, job);
	body = publish_event("post.publish.failed", oid, pub, ",\"reason\":\"internal\"");
	deliver(body, "unchanged");
	free(body);
	body = publish_event("post.publish.complete", oid, pub, NULL);
	deliver(body, "unchanged");
	free(body);
	assert_job(job, "state", "published");
	assert_int_equal(events_of(job, "published"), 1);
	assert_int_equal(events_of(job, "failed"), 0);
	db_close(&db);
}

/* A worker holds the lease while it polls; the webhook finishes the job
 * meanwhile. The webhook clears the lease, so the worker's own guarded
 * writes (WHERE id AND locked_by = me) find nothing and it stops. */
static void webhook_during_a_worker_lease_takes_the_lease_away(void **state)
{
	char oid[64], pub[96], *body;
	long long acc, job;
	struct job_claim claim;

	(void)state;
	acc = make_account(oid, sizeof(oid), NULL);
	job = make_job(acc, "processing", "direct", NULL, pub, sizeof(pub));
	t_job_set(&(struct job_fixture){ .job_id = job, .locked_by = "testhost:1:0", .lock_sec = 60 });
	body = publish_event("post.publish.complete", oid, pub, NULL);
	deliver(body, "applied");
	assert_job(job, "locked_by", NULL);
	/* the worker's own writes, guarded by its claim, find nothing now */
	claim = (struct job_claim){ .db = t_jobs_db(), .id = job, .worker_id = "testhost:1:0",
				    .lease_sec = 60 };
	assert_int_equal(jobs_finish(t_jobs_db(), &claim, NULL, &(struct job_outcome){
		.end = JOB_FAILED, .reason = "a late poll" }, NULL), 0);
	assert_int_equal(jobs_progress(&claim, 10), -1);
	assert_int_equal(jobs_release(&claim, 0, 1), -1);
	assert_job(job, "state", "published");
	free(body);
}

/* The real thing: the stack's worker uploads and polls while the emulator
 * sends its signed webhooks to the app, both reporting the same end.
 * Whatever arrives first, the job ends published once, with the post's
 * address, and every delivery was stored. */
static void worker_and_webhooks_report_the_same_end(void **state)
{
	struct emu_ctx emu;
	struct tconn acc;
	struct wt_job j = { .privacy = "PUBLIC_TO_EVERYONE", .title = "webhook race", .bytes_total = 200000 };
	char rel[256], cfg[512], jid[24], *v, *pub;
	long long job;

	(void)state;
	emu_open(&emu);
	snprintf(cfg, sizeof(cfg), "{\"webhook_url\":\"%s/webhooks/tiktok\",\"processing_delay_ms\":200}",
		 t_env("LF_BASE_URL"));
	emu_ctl(&emu, "/_emulator/config", cfg);
	tconn_connect("5f0c2a8e-1b7d-4c3e-9a61-000000000001", "user.info.basic,video.publish,video.upload",
		      &acc);
	wt_file(j.bytes_total, rel, sizeof(rel));
	job = wt_enqueue(dbc, &acc, wt_video(dbc, rel, j.bytes_total, 10000), &j);
	wt_assert_state(dbc, job, "published", 120);
	pub = wt_col(dbc, job, "publish_id");
	/* the emulator sends complete and publicly_available; wait for both */
	for (int i = 0; i < 100 &&
	     qn("SELECT count(*) FROM webhook_events WHERE publish_id = $1", 1, (const char *[]){ pub }) < 2; i++)
		usleep(100 * 1000);
	assert_int_equal(qn("SELECT count(*) FROM webhook_events WHERE publish_id = $1 AND event IN "
			    "('post.publish.complete', 'post.publish.publicly_available')", 1,
			    (const char *[]){ pub }), 2);
	usleep(1500 * 1000);   /* a poll that was under way has ended by now */
	assert_job(job, "state", "published");
	v = wt_col(dbc, job, "post_url");
	assert_non_null(strstr(v, "https://www.tiktok.com/@lena.public/video/"));
	free(v);
	snprintf(jid, sizeof(jid), "%lld", job);
	if (events_of(job, "published") != 1) {
		char *t = wt_timeline(dbc, job);
		fail_msg("the job was reported published %lld times:\n%s", events_of(job, "published"), t);
	}
	free(pub);
	wt_file_remove(rel);
	emu_ctl(&emu, "/_emulator/reset", "{}");
	emu_close(&emu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(signed_delivery_is_applied),
		cmocka_unit_test(forgeries_are_refused_and_change_nothing),
		cmocka_unit_test(stale_and_future_timestamps_are_refused),
		cmocka_unit_test(replays_change_nothing),
		cmocka_unit_test(malformed_but_signed_is_refused),
		cmocka_unit_test(oversized_bodies_are_refused),
		cmocka_unit_test(failed_sets_the_reason_in_plain_words),
		cmocka_unit_test(inbox_delivered_then_posted_from_the_draft),
		cmocka_unit_test(publicly_available_gives_the_post_url),
		cmocka_unit_test(no_longer_public_is_marked_once),
		cmocka_unit_test(authorization_removed_needs_a_reconnect),
		cmocka_unit_test(authorization_removed_leaves_another_platforms_account_alone),
		cmocka_unit_test(unknown_and_unmatched_events_are_stored_and_answered),
		cmocka_unit_test(webhook_first_then_poll_changes_nothing),
		cmocka_unit_test(poll_first_then_webhook_changes_nothing),
		cmocka_unit_test(webhook_during_a_worker_lease_takes_the_lease_away),
		cmocka_unit_test(worker_and_webhooks_report_the_same_end),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
