/* The token life of a connected account (lib/accounts.c) against the
 * emulator: an access token near its end is refreshed under the row lock
 * and the rotated pair is stored; a refresh token past its end, or one
 * TikTok no longer accepts, asks for a reconnect with a reason in words;
 * disconnecting an account that needs a reconnect still revokes its
 * working access token, forgets the tokens and fails its queued jobs.
 * Refresh and revoke go through the account's platform: an account of a
 * test platform with the same remote id as a TikTok account is its own
 * row, refreshed and revoked by that platform and never by TikTok. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "buf.h"
#include "db.h"
#include "platform.h"
#include "tiktok.h"
#include "tiktok_connect.h"

#define WT_PUBLIC "5f0c2a8e-1b7d-4c3e-9a61-000000000001"   /* the emulator's lena.public */
#define SCOPES    "user.info.basic,video.publish,video.upload"

static PGconn *pg;
static struct db lib_db;

/* A second platform, in this process only: what accounts.c asked of it. */
static struct {
	int refresh, revoke;
	char refreshed_with[64], revoked[64];
} fake_seen;

static void fake_client(const struct config *cfg, struct tiktok_client *out)
{
	(void)cfg;
	memset(out, 0, sizeof(*out));
	out->api_base = "http://127.0.0.1:9/fake";   /* never called: nothing listens */
}

static int fake_refresh(const struct tiktok_client *c, const char *rt, struct tiktok_token *out,
			struct tiktok_result *res)
{
	(void)c;
	fake_seen.refresh++;
	snprintf(fake_seen.refreshed_with, sizeof(fake_seen.refreshed_with), "%s", rt);
	if (!strcmp(rt, "fake-dead-refresh")) {
		res->outcome = TT_API;
		return -1;
	}
	snprintf(out->access_token, sizeof(out->access_token), "fake-access-%d", fake_seen.refresh + 1);
	snprintf(out->refresh_token, sizeof(out->refresh_token), "fake-refresh-%d", fake_seen.refresh + 1);
	out->expires_in = 86400;
	out->refresh_expires_in = 86400 * 30;
	return 0;
}

static int fake_grant_dead(const struct tiktok_result *res)
{
	return res->outcome == TT_API;
}

static int fake_revoke(const struct tiktok_client *c, const char *at, struct tiktok_result *res)
{
	(void)c, (void)res;
	fake_seen.revoke++;
	snprintf(fake_seen.revoked, sizeof(fake_seen.revoked), "%s", at);
	return 0;
}

static const struct platform fake = {
	.name = "fakeplatform", .label = "Fakeplatform", .client = fake_client,
	.refresh = fake_refresh, .grant_dead = fake_grant_dead, .revoke = fake_revoke,
};

static int setup(void **state)
{
	(void)state;
	pg = t_db();
	db_init(&lib_db, tconn_config()->database_url);
	return platform_register(&fake);
}

static int teardown(void **state)
{
	(void)state;
	db_close(&lib_db);
	PQfinish(pg);
	return 0;
}

/* accounts_access_token's answer; the token (if any) in *token (malloc'd). */
static int access_token(long long account_id, char **token)
{
	struct buf tok = BUF_INIT;
	int rc = accounts_access_token(&lib_db, tconn_config(), account_id, &tok);

	*token = strdup(buf_cstr(&tok));
	accounts_wipe(&tok);
	return rc;
}

static char *account_value(long long id, const char *expr)
{
	char *sql = t_printf("SELECT %s FROM tiktok_accounts WHERE id = $1", expr);
	char *sid = t_printf("%lld", id);
	char *v = t_db_value(pg, sql, 1, (const char *[]){ sid });

	free(sql);
	free(sid);
	return v;
}

static void account_sql(long long id, const char *set)
{
	char *sql = t_printf("UPDATE tiktok_accounts SET %s WHERE id = %lld", set, id);

	free(t_db_value(pg, sql, 0, NULL));
	free(sql);
}

static void account_is(long long id, const char *expr, const char *want)
{
	char *v = account_value(id, expr);

	if (!v || strcmp(v, want) != 0)
		fail_msg("%s of account %lld is \"%s\", not \"%s\"", expr, id, v ? v : "(no row)", want);
	free(v);
}

static void token_near_its_end_is_refreshed_and_the_new_pair_stored(void **state)
{
	struct tconn tc;
	char *first, *second, *again, *sealed_before, *sealed_after;

	(void)state;
	tconn_connect(WT_PUBLIC, SCOPES, &tc);
	assert_int_equal(access_token(tc.account_id, &first), ACC_OK);
	assert_true(first[0] != '\0');
	/* five minutes left: inside the refresh margin (ten minutes) */
	account_sql(tc.account_id, "access_expires_at = now() + interval '5 minutes'");
	sealed_before = account_value(tc.account_id, "access_token_sealed || refresh_token_sealed");
	assert_int_equal(access_token(tc.account_id, &second), ACC_OK);
	assert_string_not_equal(first, second);
	sealed_after = account_value(tc.account_id, "access_token_sealed || refresh_token_sealed");
	assert_string_not_equal(sealed_before, sealed_after);
	account_is(tc.account_id, "(access_expires_at > now() + interval '1 hour')::text", "true");
	account_is(tc.account_id, "(refresh_expires_at > now())::text", "true");
	account_is(tc.account_id, "status", "connected");
	/* fresh again: the stored token comes back, no second refresh */
	assert_int_equal(access_token(tc.account_id, &again), ACC_OK);
	assert_string_equal(again, second);
	free(first);
	free(second);
	free(again);
	free(sealed_before);
	free(sealed_after);
}

static void refresh_token_past_its_end_asks_for_a_reconnect(void **state)
{
	struct tconn tc;
	char *token, *sealed_before, *sealed_after;

	(void)state;
	tconn_connect(WT_PUBLIC, SCOPES, &tc);
	account_sql(tc.account_id, "access_expires_at = now() - interval '1 minute',"
				   " refresh_expires_at = now() - interval '1 minute'");
	sealed_before = account_value(tc.account_id, "refresh_token_sealed");
	assert_int_equal(access_token(tc.account_id, &token), ACC_RECONNECT);
	assert_string_equal(token, "");
	account_is(tc.account_id, "status", "needs_reconnect");
	account_is(tc.account_id, "status_reason LIKE '%expired. Reconnect it.'", "t");
	/* nothing was spent: the refresh token is untouched */
	sealed_after = account_value(tc.account_id, "refresh_token_sealed");
	assert_string_equal(sealed_before, sealed_after);
	free(token);
	/* and it stays that way: no token for an account that needs a reconnect */
	assert_int_equal(access_token(tc.account_id, &token), ACC_RECONNECT);
	free(token);
	free(sealed_before);
	free(sealed_after);
}

static void refresh_token_tiktok_refuses_asks_for_a_reconnect(void **state)
{
	struct tconn tc;
	struct tclient *emu = tc_new_base(t_env("LF_EMU_URL"));
	struct tresp r;
	char *token, *body;

	(void)state;
	tconn_connect(WT_PUBLIC, SCOPES, &tc);
	assert_int_equal(access_token(tc.account_id, &token), ACC_OK);
	free(token);
	/* The grant dies at TikTok: both of the account's tokens stop working.
	 * Silently, through the emulator's control, and not by a revoke: a
	 * revoke also sends authorization.removed, whose webhook could mark the
	 * account (in its own words) before the refresh below is refused, and
	 * this test is about the refusal. */
	body = t_printf("{\"open_id\":\"%s\",\"kind\":\"both\"}", tc.open_id);
	tresp_init(&r);
	assert_int_equal(tc_request(emu, "POST", "/_emulator/expire_tokens",
				    (const char *const[]){ "Content-Type: application/json", NULL },
				    body, strlen(body), &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(buf_cstr(&r.body), "\"expired_tokens\"");
	tresp_free(&r);
	free(body);
	tc_free(emu);
	account_sql(tc.account_id, "access_expires_at = now() - interval '1 minute'");
	assert_int_equal(access_token(tc.account_id, &token), ACC_RECONNECT);
	account_is(tc.account_id, "status", "needs_reconnect");
	account_is(tc.account_id, "status_reason LIKE 'TikTok no longer accepts%'", "t");
	free(token);
}

static void disconnect_of_an_account_needing_reconnect_revokes_and_fails_its_jobs(void **state)
{
	struct tconn tc;
	char *token, *sid, *uid, *job;
	int revoked = -1;

	(void)state;
	tconn_connect(WT_PUBLIC, SCOPES, &tc);
	assert_int_equal(access_token(tc.account_id, &token), ACC_OK);
	free(token);
	/* e.g. the worker saw scope_not_authorized: the access token still works */
	assert_int_equal(accounts_mark_reconnect(&lib_db, tc.account_id, "Test: scopes changed."), 0);
	sid = t_printf("%lld", tc.account_id);
	uid = t_printf("%lld", tc.user_id);
	/* queued, due only in an hour: the stack's worker leaves it alone */
	{
		char *vid = t_db_value(pg, "INSERT INTO videos (path, size_bytes, mtime)"
				       " VALUES ('accounts-tokens/' || md5(random()::text) || '.mp4', 1, 0)"
				       " RETURNING id", 0, NULL);
		job = t_printf("%lld", t_job(&(struct job_fixture){ .user_id = tc.user_id,
				.video_id = atoll(vid), .account_id = tc.account_id, .run_in_sec = 3600 }));
		free(vid);
	}
	assert_non_null(job);
	/* another user cannot disconnect it */
	{
		struct buf name = BUF_INIT, tok = BUF_INIT;
		const struct platform *pf = NULL;

		assert_int_equal(accounts_forget(&lib_db, tconn_config(), tc.user_id + 100000, tc.account_id,
						 &name, &tok, &pf), ACC_NOT_FOUND);
		account_is(tc.account_id, "status", "needs_reconnect");
		/* the page's three steps (lib/accounts.h): forget, fail the queued jobs, revoke */
		assert_int_equal(accounts_forget(&lib_db, tconn_config(), tc.user_id, tc.account_id, &name,
						 &tok, &pf), ACC_OK);
		assert_ptr_equal(pf, platform_for("tiktok"));
		assert_int_equal(jobs_fail_queued(&lib_db, tc.account_id, "The TikTok account was "
						  "disconnected before this upload started."), 1);
		revoked = accounts_revoke(tconn_config(), pf, tc.account_id, &tok);
		buf_free(&name);
	}
	assert_int_equal(revoked, 1);
	account_is(tc.account_id, "status", "disconnected");
	account_is(tc.account_id, "(access_token_sealed IS NULL AND refresh_token_sealed IS NULL)::text",
		   "true");
	assert_int_equal(t_db_num(pg, "SELECT count(*) FROM upload_jobs WHERE id = $1 AND state = 'failed'"
				      " AND fail_reason LIKE '%was disconnected before this upload started%'",
				  1, (const char *[]){ job }), 1);
	assert_int_equal(t_db_num(pg, "SELECT count(*) FROM job_events WHERE job_id = $1 AND kind = 'failed'",
				  1, (const char *[]){ job }), 1);
	assert_int_equal(access_token(tc.account_id, &token), ACC_RECONNECT);
	free(token);
	free(job);
	free(sid);
	free(uid);
}

/* The fake platform's account of tc's user with tc's open_id (the same
 * remote id as the TikTok account), its tokens refresh_token and
 * "fake-access-1". */
static int64_t store_fake(const struct tconn *tc, const char *refresh_token)
{
	struct tiktok_token tok;
	struct tiktok_user user;
	int64_t id = 0;

	memset(&tok, 0, sizeof(tok));
	memset(&user, 0, sizeof(user));
	snprintf(tok.open_id, sizeof(tok.open_id), "%s", tc->open_id);
	snprintf(tok.access_token, sizeof(tok.access_token), "fake-access-1");
	snprintf(tok.refresh_token, sizeof(tok.refresh_token), "%s", refresh_token);
	tok.expires_in = 86400;
	tok.refresh_expires_in = 86400 * 30;
	snprintf(user.display_name, sizeof(user.display_name), "Fake creator");
	assert_int_equal(accounts_store_for(&lib_db, tconn_config(), platform_for("fakeplatform"),
					    tc->user_id, &tok, &user, SCOPES, &id), 0);
	return id;
}

static void an_account_of_another_platform_is_its_own_row_refreshed_and_revoked_by_it(void **state)
{
	struct tconn tc;
	char *tt_token, *token, *tt_name;
	int64_t fid;

	(void)state;
	memset(&fake_seen, 0, sizeof(fake_seen));
	tconn_connect(WT_PUBLIC, SCOPES, &tc);
	assert_int_equal(access_token(tc.account_id, &tt_token), ACC_OK);
	tt_name = account_value(tc.account_id, "display_name");
	/* the same remote id on the other platform: a row of its own */
	fid = store_fake(&tc, "fake-refresh-1");
	assert_true(fid > 0);
	assert_true(fid != tc.account_id);
	account_is(fid, "platform", "fakeplatform");
	account_is(fid, "open_id", tc.open_id);
	account_is(tc.account_id, "platform", "tiktok");
	account_is(tc.account_id, "display_name", tt_name);
	account_is(tc.account_id, "status", "connected");
	/* connecting it again updates its own row */
	assert_int_equal(store_fake(&tc, "fake-refresh-1"), fid);
	/* the TikTok account's tokens are its own still */
	assert_int_equal(access_token(tc.account_id, &token), ACC_OK);
	assert_string_equal(token, tt_token);
	free(token);

	/* near its end, the fake account refreshes through its platform */
	account_sql(fid, "access_expires_at = now() + interval '5 minutes'");
	assert_int_equal(access_token(fid, &token), ACC_OK);
	assert_string_equal(token, "fake-access-2");
	assert_int_equal(fake_seen.refresh, 1);
	assert_string_equal(fake_seen.refreshed_with, "fake-refresh-1");
	free(token);
	/* the TikTok account near its end refreshes at TikTok, not at the fake */
	account_sql(tc.account_id, "access_expires_at = now() + interval '5 minutes'");
	assert_int_equal(access_token(tc.account_id, &token), ACC_OK);
	assert_string_not_equal(token, tt_token);
	assert_int_equal(fake_seen.refresh, 1);
	free(token);

	/* disconnecting it revokes at its platform, with its token */
	{
		struct buf name = BUF_INIT, tok = BUF_INIT;
		const struct platform *pf = NULL;

		assert_int_equal(accounts_forget(&lib_db, tconn_config(), tc.user_id, fid, &name, &tok, &pf),
				 ACC_OK);
		assert_ptr_equal(pf, &fake);
		assert_string_equal(buf_cstr(&name), "Fake creator");
		assert_int_equal(accounts_revoke(tconn_config(), pf, fid, &tok), 1);
		buf_free(&name);
	}
	assert_int_equal(fake_seen.revoke, 1);
	assert_string_equal(fake_seen.revoked, "fake-access-2");
	account_is(fid, "status", "disconnected");
	account_is(tc.account_id, "status", "connected");
	free(tt_token);
	free(tt_name);
}

static void a_grant_another_platform_refuses_asks_for_a_reconnect_in_its_name(void **state)
{
	struct tconn tc;
	char *token;
	int64_t fid;

	(void)state;
	memset(&fake_seen, 0, sizeof(fake_seen));
	tconn_connect(WT_PUBLIC, SCOPES, &tc);
	fid = store_fake(&tc, "fake-dead-refresh");
	account_sql(fid, "access_expires_at = now() - interval '1 minute'");
	assert_int_equal(access_token(fid, &token), ACC_RECONNECT);
	assert_int_equal(fake_seen.refresh, 1);
	account_is(fid, "status", "needs_reconnect");
	account_is(fid, "status_reason LIKE 'Fakeplatform no longer accepts this account''s "
		   "authorization%'", "t");
	account_is(tc.account_id, "status", "connected");
	free(token);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(token_near_its_end_is_refreshed_and_the_new_pair_stored),
		cmocka_unit_test(refresh_token_past_its_end_asks_for_a_reconnect),
		cmocka_unit_test(refresh_token_tiktok_refuses_asks_for_a_reconnect),
		cmocka_unit_test(disconnect_of_an_account_needing_reconnect_revokes_and_fails_its_jobs),
		cmocka_unit_test(an_account_of_another_platform_is_its_own_row_refreshed_and_revoked_by_it),
		cmocka_unit_test(a_grant_another_platform_refuses_asks_for_a_reconnect_in_its_name),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
