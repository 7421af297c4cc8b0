/* The admin command's own parts against the stack (cli/main.c,
 * cli/cmd_user.c, cli/cmd_config.c, cli/cmd_rekey.c, accounts_rekey):
 * usage and unknown commands, a configuration that does not load, the
 * effective configuration with its secrets masked, adding users and
 * changing passwords (and every refusal), re-sealing every TikTok
 * token under a new key and back, and retrying and cancelling a job
 * (cli_job_arg, cli_job_failed: the words of every refusal). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accounts.h"
#include "buf.h"
#include "crypto.h"
#include "db.h"
#include "tiktok_connect.h"

#define WT_PUBLIC "5f0c2a8e-1b7d-4c3e-9a61-000000000001"   /* the emulator's lena.public */
#define KEY_B "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"

/* `[ENV] langflix ARGS` with stdin from the shell word INPUT (NULL: none);
 * stdout and stderr in *out (the previous text freed). The exit status. */
static int cli(char **out, const char *env, const char *input, const char *args)
{
	free(*out);
	return t_sh_output(out, "%s%s%s %s '%s/langflix' -c '%s' %s", input ? "printf '%s\\n' " : "",
			   input ? input : "", input ? " |" : "", env ? env : "", t_env("LF_BIN"),
			   t_env("LF_CONFIG"), args);
}

static void usage_and_unknown_commands(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(t_sh_output(&out, "'%s/langflix'", t_env("LF_BIN")), 2);
	t_contains(out, "usage: langflix [-c CONFIG] COMMAND");
	free(out);
	assert_int_equal(t_sh_output(&out, "'%s/langflix' --help", t_env("LF_BIN")), 0);
	t_contains(out, "rekey");
	assert_int_equal(cli(&out, NULL, NULL, "frobnicate"), 2);
	t_contains(out, "unknown command 'frobnicate'");
	free(out);
	assert_int_equal(t_sh_output(&out, "'%s/langflix' -c /nonexistent/langflix.conf config",
				     t_env("LF_BIN")), 1);
	t_contains(out, "langflix: ");
	t_contains(out, "/nonexistent/langflix.conf");
	free(out);
}

/* The first line of FILE under LF_VAR (the stack keeps its keys there). */
static char *var_line(const char *name, int n)
{
	char *cmd = t_printf("sed -n %dp '%s/%s'", n, t_env("LF_VAR"), name);
	char *out = NULL;

	assert_int_equal(t_sh_output(&out, "%s", cmd), 0);
	out[strcspn(out, "\n")] = '\0';
	assert_true(strlen(out) >= 16);
	free(cmd);
	return out;
}

static void config_masks_the_secrets(void **state)
{
	char *out = NULL, *key = var_line("secret.key", 1), *client_secret = var_line("tiktok-client", 2);

	(void)state;
	assert_int_equal(cli(&out, NULL, NULL, "config"), 0);
	t_contains(out, "database_url");
	t_contains(out, t_env("LF_MEDIA"));
	t_contains(out, "(secret)");
	t_lacks(out, key);
	t_lacks(out, client_secret);
	free(out);
	free(key);
	free(client_secret);
}

static char *stored_hash(PGconn *db, const char *name)
{
	return t_db_value(db, "SELECT password_hash FROM users WHERE name = $1", 1, (const char *[]){ name });
}

static void users_are_added_and_their_passwords_changed(void **state)
{
	PGconn *db = t_db();
	char name[64], *out = NULL, *args, *hash;

	(void)state;
	snprintf(name, sizeof(name), "cli-admin-%d", (int)getpid());
	args = t_printf("user add %s", name);
	assert_int_equal(cli(&out, NULL, "'first-password'", args), 0);
	t_contains(out, "added");
	hash = stored_hash(db, name);
	assert_non_null(hash);
	assert_int_equal(password_verify("first-password", hash), 1);
	free(hash);
	/* the same name again: refused, the first password stays */
	assert_int_equal(cli(&out, NULL, "'other-password'", args), 1);
	t_contains(out, "already exists");
	hash = stored_hash(db, name);
	assert_int_equal(password_verify("first-password", hash), 1);
	free(hash);
	free(args);

	args = t_printf("user passwd %s", name);
	assert_int_equal(cli(&out, NULL, "'second-password'", args), 0);
	t_contains(out, "password of");
	hash = stored_hash(db, name);
	assert_int_equal(password_verify("second-password", hash), 1);
	assert_int_equal(password_verify("first-password", hash), 0);
	free(hash);
	/* too short: refused before anything is written */
	assert_int_equal(cli(&out, NULL, "'short'", args), 1);
	t_contains(out, "8 to 1024 characters");
	hash = stored_hash(db, name);
	assert_int_equal(password_verify("second-password", hash), 1);
	free(hash);
	free(args);

	assert_int_equal(cli(&out, NULL, "'long-enough-pw'", "user passwd nobody-has-this-name"), 1);
	t_contains(out, "no user nobody-has-this-name");
	assert_null(stored_hash(db, "nobody-has-this-name"));
	PQfinish(db);
	free(out);
}

static void bad_user_commands_change_nothing(void **state)
{
	PGconn *db = t_db();
	long long users = t_db_num(db, "SELECT count(*) FROM users", 0, NULL);
	char *out = NULL;

	(void)state;
	assert_int_equal(cli(&out, NULL, "'long-enough-pw'", "user add"), 2);
	t_contains(out, "usage: langflix user add NAME");
	assert_int_equal(cli(&out, NULL, "'long-enough-pw'", "user remove someone"), 2);
	assert_int_equal(cli(&out, NULL, "'long-enough-pw'", "user add 'bad name!'"), 2);
	t_contains(out, "user names are 1-64 letters");
	assert_int_equal(cli(&out, NULL, "'long-enough-pw'",
			     "user add aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaX"), 2);
	assert_int_equal(cli(&out, NULL, NULL, "user add nopassword </dev/null"), 1);
	t_contains(out, "8 to 1024 characters");
	assert_int_equal(cli(&out, "LANGFLIX_DATABASE_URL='host=/nonexistent dbname=none'", "'long-enough-pw'",
			     "user add nodatabase"), 1);
	t_contains(out, "cannot connect to the database");
	assert_int_equal(t_db_num(db, "SELECT count(*) FROM users", 0, NULL), users);
	PQfinish(db);
	free(out);
}

/* The sealed tokens of every account, in one string, to compare. */
static char *all_sealed(PGconn *db)
{
	return t_db_value(db, "SELECT coalesce(string_agg(coalesce(access_token_sealed, '') || '/' ||"
			      " coalesce(refresh_token_sealed, ''), ',' ORDER BY id), '')"
			      " FROM tiktok_accounts", 0, NULL);
}

/* The app's way in: 1 when the account's access token opens with the
 * stack's configured key. */
static int token_opens(long long account_id)
{
	struct db d;
	struct buf tok = BUF_INIT;
	int rc;

	db_init(&d, tconn_config()->database_url);
	rc = accounts_access_token(&d, tconn_config(), account_id, &tok);
	accounts_wipe(&tok);
	db_close(&d);
	return rc == ACC_OK;
}

static void rekey_reseals_every_token_and_back(void **state)
{
	PGconn *db = t_db();
	struct tconn tc;
	char *out = NULL, *key = var_line("secret.key", 1), *stdin_key = t_printf("'%s'", key);
	char *env_b = t_printf("LANGFLIX_SECRET_KEY=%s", KEY_B), *before, *after;

	(void)state;
	tconn_connect(WT_PUBLIC, "user.info.basic,video.publish,video.upload", &tc);
	assert_true(token_opens(tc.account_id));
	before = all_sealed(db);
	assert_int_equal(cli(&out, NULL, "'" KEY_B "'", "rekey"), 0);
	t_contains(out, "re-sealed the tokens of");
	after = all_sealed(db);
	assert_string_not_equal(before, after);
	assert_false(token_opens(tc.account_id));      /* the stack's key no longer opens it */
	/* all or nothing: with the stack's key as the current one, no token opens */
	assert_int_equal(cli(&out, NULL, "'" KEY_B "'", "rekey"), 1);
	t_contains(out, "do not open with the current secret_key; nothing was changed");
	free(before);
	before = all_sealed(db);
	assert_string_equal(before, after);
	/* back under the stack's key, with KEY_B as the current one */
	assert_int_equal(cli(&out, env_b, stdin_key, "rekey"), 0);
	assert_true(token_opens(tc.account_id));
	free(before);
	free(after);
	free(env_b);
	free(stdin_key);
	free(key);
	PQfinish(db);
	free(out);
}

static void rekey_refusals(void **state)
{
	char *out = NULL, *key = var_line("secret.key", 1), *same = t_printf("'%s'", key);

	(void)state;
	assert_int_equal(cli(&out, NULL, "'" KEY_B "'", "rekey extra"), 2);
	t_contains(out, "usage: langflix rekey");
	assert_int_equal(cli(&out, NULL, "'not-a-key'", "rekey"), 1);
	t_contains(out, "64 hex digits or 44 base64 characters");
	assert_int_equal(cli(&out, NULL, same, "rekey"), 1);
	t_contains(out, "the new key is the current key");
	assert_int_equal(cli(&out, "LANGFLIX_SECRET_KEY=junk", "'" KEY_B "'", "rekey"), 1);
	t_contains(out, "environment LANGFLIX_SECRET_KEY");
	/* a configuration without secret_key: nothing to re-seal from */
	free(out);
	assert_int_equal(t_sh_output(&out, "grep -v '^secret_key' '%s' >'%s/nokey.conf' && printf '%%s\\n' '"
				     KEY_B "' | '%s/langflix' -c '%s/nokey.conf' rekey", t_env("LF_CONFIG"),
				     t_env("LF_VAR"), t_env("LF_BIN"), t_env("LF_VAR")), 1);
	t_contains(out, "secret_key is not set");
	assert_int_equal(cli(&out, "LANGFLIX_DATABASE_URL='host=/nonexistent dbname=none'", "'" KEY_B "'",
			     "rekey"), 1);
	t_contains(out, "cannot connect to the database");
	free(same);
	free(key);
	free(out);
}

/* The jobs of user uid and their events, in one number, to see that
 * nothing changed. */
static long long job_rows(PGconn *db, long long uid)
{
	char *v = t_printf("%lld", uid);
	long long n = t_db_num(db, "SELECT (SELECT count(*) FROM upload_jobs WHERE user_id = $1::bigint) * 1000000"
			       " + (SELECT count(*) FROM job_events e JOIN upload_jobs j ON j.id = e.job_id"
			       " WHERE j.user_id = $1::bigint)", 1, (const char *[]){ v });

	free(v);
	return n;
}

/* A failed and a queued job of a new user's account, due in a day (the
 * stack's worker leaves them alone: no claim, no health check). */
static long long two_jobs(PGconn *db, long long *failed, long long *queued)
{
	char *name = t_printf("cli-jobs-%d", (int)getpid()), *path = t_printf("cli/%s.mp4", name);
	char *uid = t_db_value(db, "INSERT INTO users (name, password_hash) VALUES ($1, 'x') RETURNING id", 1,
			       (const char *[]){ name });
	char *vid = t_db_value(db, "INSERT INTO videos (path, size_bytes, mtime, ready) VALUES ($1, 10, 0, true)"
			       " RETURNING id", 1, (const char *[]){ path });
	char *aid = t_db_value(db, "INSERT INTO tiktok_accounts (user_id, open_id, display_name, scopes)"
			       " VALUES ($1, $2, 'CLI Jobs', 'user.info.basic,video.publish') RETURNING id", 2,
			       (const char *[]){ uid, name });
	struct job_fixture f = { .user_id = atoll(uid), .video_id = atoll(vid), .account_id = atoll(aid),
				 .privacy_level = "SELF_ONLY", .bytes_total = 10, .run_in_sec = 24 * 3600 };

	f.state = "failed";
	f.finished_ago_sec = 60;
	f.fail_reason = "TikTok had a temporary problem.";
	*failed = t_job(&f);
	f.state = "queued";
	f.finished_ago_sec = 0;
	f.fail_reason = NULL;
	*queued = t_job(&f);
	free(name);
	free(path);
	free(uid);
	free(vid);
	free(aid);
	return f.user_id;
}

static void retry_and_cancel_from_the_terminal(void **state)
{
	static const char *const bad[] = { "", "abc", "0", "-3", "12x", "99999999999999999999", "1 2" };
	PGconn *db = t_db();
	long long uid, failed, queued, rows, again;
	char *out = NULL, *args, *want, *v;

	(void)state;
	uid = two_jobs(db, &failed, &queued);
	rows = job_rows(db, uid);
	/* bad input: the usage line, exit status 2, nothing written */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		args = t_printf("retry %s", bad[i]);
		assert_int_equal(cli(&out, NULL, NULL, args), 2);
		t_contains(out, "usage: langflix retry JOB_ID");
		free(args);
		args = t_printf("cancel %s", bad[i]);
		assert_int_equal(cli(&out, NULL, NULL, args), 2);
		t_contains(out, "usage: langflix cancel JOB_ID");
		free(args);
	}
	/* no such job */
	assert_int_equal(cli(&out, NULL, NULL, "retry 999999999"), 1);
	t_contains(out, "langflix: there is no job 999999999");
	assert_int_equal(cli(&out, NULL, NULL, "cancel 999999999"), 1);
	t_contains(out, "langflix: there is no job 999999999");
	/* the rule says no, in its words (first letter lowered) */
	args = t_printf("retry %lld", queued);
	assert_int_equal(cli(&out, NULL, NULL, args), 1);
	want = t_printf("langflix: job %lld cannot be retried: only a failed job", queued);
	t_contains(out, want);
	t_lacks(out, "(as job");
	free(want);
	free(args);
	args = t_printf("cancel %lld", failed);
	assert_int_equal(cli(&out, NULL, NULL, args), 1);
	want = t_printf("langflix: job %lld cannot be cancelled: it has already started or ended; only queued"
			" jobs can be cancelled.", failed);
	t_contains(out, want);
	free(want);
	free(args);
	/* no database: its error, nothing else */
	assert_int_equal(cli(&out, "LANGFLIX_DATABASE_URL='host=/nonexistent dbname=none'", NULL, "retry 1"), 1);
	t_contains(out, "langflix: database: ");
	assert_int_equal(cli(&out, "LANGFLIX_DATABASE_URL='host=/nonexistent dbname=none'", NULL, "cancel 1"), 1);
	t_contains(out, "langflix: database: ");
	assert_true(job_rows(db, uid) == rows);

	/* both still work */
	args = t_printf("retry %lld", failed);
	assert_int_equal(cli(&out, NULL, NULL, args), 0);
	want = t_printf("job %lld queued again as job ", failed);
	t_contains(out, want);
	free(want);
	again = atoll(strstr(out, "as job ") + strlen("as job "));
	v = t_printf("%lld", failed);
	assert_int_equal(t_db_num(db, "SELECT count(*) FROM upload_jobs WHERE retry_of = $1", 1,
				  (const char *[]){ v }), 1);
	assert_int_equal(t_db_num(db, "SELECT id FROM upload_jobs WHERE retry_of = $1", 1, (const char *[]){ v }),
			 again);
	free(v);
	/* twice: refused, naming the retry */
	assert_int_equal(cli(&out, NULL, NULL, args), 1);
	want = t_printf("langflix: job %lld cannot be retried: this job was already retried. (as job %lld)\n",
			failed, again);
	t_contains(out, want);
	free(want);
	free(args);
	args = t_printf("cancel %lld", queued);
	assert_int_equal(cli(&out, NULL, NULL, args), 0);
	want = t_printf("job %lld cancelled\n", queued);
	t_contains(out, want);
	free(want);
	v = t_printf("%lld", queued);
	assert_int_equal(t_db_num(db, "SELECT count(*) FROM upload_jobs WHERE id = $1 AND state = 'cancelled'", 1,
				  (const char *[]){ v }), 1);
	free(v);
	/* not twice */
	assert_int_equal(cli(&out, NULL, NULL, args), 1);
	t_contains(out, "cannot be cancelled: it has already started or ended");
	free(args);
	/* (the retry's new job is due: the stack's worker takes it and fails
	 * it, the account having no token) */
	PQfinish(db);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(usage_and_unknown_commands),
		cmocka_unit_test(config_masks_the_secrets),
		cmocka_unit_test(users_are_added_and_their_passwords_changed),
		cmocka_unit_test(bad_user_commands_change_nothing),
		cmocka_unit_test(rekey_refusals),
		cmocka_unit_test(rekey_reseals_every_token_and_back),
		cmocka_unit_test(retry_and_cancel_from_the_terminal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
