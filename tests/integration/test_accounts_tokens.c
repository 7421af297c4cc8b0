/* The token life of a connected account (lib/accounts.c) against the
 * emulator: an access token near its end is refreshed under the row lock
 * and the rotated pair is stored; a refresh token past its end, or one
 * TikTok no longer accepts, asks for a reconnect with a reason in words;
 * disconnecting an account that needs a reconnect still revokes its
 * working access token, forgets the tokens and fails its queued jobs. */
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
#include "tiktok.h"
#include "tiktok_connect.h"

#define WT_PUBLIC "5f0c2a8e-1b7d-4c3e-9a61-000000000001"   /* the emulator's lena.public */
#define SCOPES    "user.info.basic,video.publish,video.upload"

static PGconn *pg;
static struct db lib_db;

static int setup(void **state)
{
	(void)state;
	pg = t_db();
	db_init(&lib_db, tconn_config()->database_url);
	return 0;
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
	struct tiktok_client c;
	struct tiktok_result res;
	char *token;

	(void)state;
	tconn_connect(WT_PUBLIC, SCOPES, &tc);
	assert_int_equal(access_token(tc.account_id, &token), ACC_OK);
	/* the user revokes the grant at TikTok: its refresh token dies with it */
	accounts_client(tconn_config(), &c);
	tiktok_result_init(&res);
	assert_int_equal(tiktok_revoke(&c, token, &res), 0);
	tiktok_result_free(&res);
	free(token);
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
	job = t_db_value(pg, "WITH v AS (INSERT INTO videos (path, size_bytes, mtime)"
			     "           VALUES ('accounts-tokens/' || md5(random()::text) || '.mp4', 1, 0)"
			     "           RETURNING id)"
			     " INSERT INTO upload_jobs (submission_id, user_id, video_id, account_id, state, run_at)"
			     " SELECT md5(random()::text), $1, v.id, $2, 'queued', now() + interval '1 hour'"
			     " FROM v RETURNING id",
			 2, (const char *[]){ uid, sid });
	assert_non_null(job);
	/* another user cannot disconnect it */
	assert_int_equal(accounts_disconnect(&lib_db, tconn_config(), tc.user_id + 100000, tc.account_id,
					     &revoked), ACC_NOT_FOUND);
	account_is(tc.account_id, "status", "needs_reconnect");

	assert_int_equal(accounts_disconnect(&lib_db, tconn_config(), tc.user_id, tc.account_id, &revoked),
			 ACC_OK);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(token_near_its_end_is_refreshed_and_the_new_pair_stored),
		cmocka_unit_test(refresh_token_past_its_end_asks_for_a_reconnect),
		cmocka_unit_test(refresh_token_tiktok_refuses_asks_for_a_reconnect),
		cmocka_unit_test(disconnect_of_an_account_needing_reconnect_revokes_and_fails_its_jobs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
