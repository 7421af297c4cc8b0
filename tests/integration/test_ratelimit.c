/* Integration tests of the rate limiter (lib/ratelimit.c + sql/007) against
 * the stack's PostgreSQL: the limit holds exactly, also when several
 * connections take slots at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "ratelimit.h"

/* A user and a TikTok account row to count against. */
static int64_t new_account(void)
{
	PGconn *db = t_db();
	char name[64], *uid, *acc;
	int64_t id;

	snprintf(name, sizeof(name), "rl_%d_%ld", (int)getpid(), random());
	uid = t_db_value(db, "INSERT INTO users (name, password_hash) VALUES ($1, 'x') RETURNING id", 1,
			 (const char *[]){ name });
	acc = t_db_value(db, "INSERT INTO tiktok_accounts (user_id, open_id) VALUES ($1, $2) RETURNING id",
			 2, (const char *[]){ uid, name });
	id = atoll(acc);
	free(uid);
	free(acc);
	PQfinish(db);
	return id;
}

static void limit_holds_and_says_when(void **state)
{
	struct db db;
	int64_t acc = new_account();
	int wait = -1;

	(void)state;
	db_init(&db, t_env("LF_DB_URL"));
	for (int i = 0; i < 6; i++) {
		assert_int_equal(ratelimit_take(&db, acc, "init", 6, 60, &wait), 1);
		assert_int_equal(wait, 0);
	}
	assert_int_equal(ratelimit_take(&db, acc, "init", 6, 60, &wait), 0);
	assert_in_range(wait, 1, 60);
	assert_int_equal(ratelimit_used(&db, acc, "init", 60), 6);
	/* another endpoint of the same account has its own budget */
	assert_int_equal(ratelimit_take(&db, acc, "status", 30, 60, &wait), 1);
	assert_int_equal(ratelimit_used(&db, acc, "status", 60), 1);
	db_close(&db);
}

struct racer {
	int64_t account;
	int taken;
};

static void *race(void *p)
{
	struct racer *r = p;
	struct db db;
	int wait;

	db_init(&db, getenv("LF_DB_URL"));
	for (int i = 0; i < 40; i++)
		if (ratelimit_take(&db, r->account, "creator_info", 20, 60, &wait) == 1)
			r->taken++;
	db_close(&db);
	return NULL;
}

static void concurrent_callers_never_exceed_the_limit(void **state)
{
	struct racer rs[4];
	pthread_t t[4];
	int64_t acc = new_account();
	int total = 0;

	(void)state;
	for (int i = 0; i < 4; i++) {
		rs[i].account = acc;
		rs[i].taken = 0;
		assert_int_equal(pthread_create(&t[i], NULL, race, &rs[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += rs[i].taken;
	}
	assert_int_equal(total, 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(limit_holds_and_says_when),
		cmocka_unit_test(concurrent_callers_never_exceed_the_limit),
	};
	return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
