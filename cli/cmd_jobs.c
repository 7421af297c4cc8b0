/* langflix jobs — the upload queue, newest first, with filters:
 *
 *   langflix jobs [--state STATE] [--account ID] [--video ID]
 *                 [--since WHEN] [--limit N]
 *
 * WHEN is a time PostgreSQL understands ("2026-09-01", "2026-09-01 12:00+02")
 * or an age: 30m, 12h, 7d. The filters combine (AND). */
#include "commands.h"
#include "arena.h"
#include "db.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static struct db_stmt q_jobs = { "jobs_list",
	"SELECT j.id, j.state, j.mode, v.path, coalesce(a.display_name, '-') AS account, j.attempts,"
	"       to_char(j.created_at, 'YYYY-MM-DD HH24:MI:SS') AS created, j.fail_reason, j.post_url "
	"FROM upload_jobs j JOIN videos v ON v.id = j.video_id "
	"LEFT JOIN tiktok_accounts a ON a.id = j.account_id "
	"WHERE ($1 = '' OR j.state = $1)"
	"  AND ($2::bigint IS NULL OR j.account_id = $2::bigint)"
	"  AND ($3::bigint IS NULL OR j.video_id = $3::bigint)"
	"  AND ($4::timestamptz IS NULL OR j.created_at >= $4::timestamptz)"
	"  AND ($5::interval IS NULL OR j.created_at >= now() - $5::interval) "
	"ORDER BY j.id DESC LIMIT $6::int" };

static const char *const states[] = { "queued", "uploading", "processing", "published", "inboxed",
				      "failed", "cancelled" };

static int usage(void)
{
	fprintf(stderr, "usage: langflix jobs [--state STATE] [--account ID] [--video ID] "
		"[--since WHEN] [--limit N]\n"
		"  STATE: queued uploading processing published inboxed failed cancelled\n"
		"  WHEN:  a date/time (2026-09-01) or an age (30m, 12h, 7d)\n");
	return 2;
}

static int known_state(const char *s)
{
	for (size_t i = 0; i < ARRAY_LEN(states); i++)
		if (!strcmp(s, states[i]))
			return 1;
	return 0;
}

/* "7d" → "7 days" (also m, h); 0, or -1 when it is not an age. */
static int parse_age(const char *s, char *out, size_t n)
{
	size_t len = strlen(s);
	char num[24];
	int64_t v;
	const char *unit;

	if (len < 2 || len >= sizeof(num))
		return -1;
	switch (s[len - 1]) {
	case 'm': unit = "minutes"; break;
	case 'h': unit = "hours"; break;
	case 'd': unit = "days"; break;
	default: return -1;
	}
	memcpy(num, s, len - 1);
	num[len - 1] = '\0';
	if (parse_int64(num, 0, 100000000, &v) < 0)
		return -1;
	snprintf(out, n, "%lld %s", (long long)v, unit);
	return 0;
}

/* An id option: the number, or SQL NULL when the option is absent. */
static int id_arg(const char *s, struct db_param *out)
{
	int64_t v;

	if (parse_int64(s, 1, INT64_MAX, &v) < 0)
		return -1;
	*out = DB_INT(v);
	return 0;
}

int cmd_jobs(struct config *cfg, int argc, char **argv)
{
	const char *state = "", *since = NULL, *age = NULL;
	struct db_param account = DB_NULL, video = DB_NULL;
	char agebuf[48];
	int64_t lim = 200;
	struct db db;
	PGresult *r;
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!val)
			return usage();
		i++;
		if (!strcmp(opt, "--state")) {
			if (!known_state(val)) {
				fprintf(stderr, "langflix: unknown state '%s'\n", val);
				return usage();
			}
			state = val;
		} else if (!strcmp(opt, "--account")) {
			if (id_arg(val, &account) < 0)
				return usage();
		} else if (!strcmp(opt, "--video")) {
			if (id_arg(val, &video) < 0)
				return usage();
		} else if (!strcmp(opt, "--since")) {
			if (parse_age(val, agebuf, sizeof(agebuf)) == 0)
				age = agebuf;
			else
				since = val;
		} else if (!strcmp(opt, "--limit")) {
			if (parse_int64(val, 1, 100000, &lim) < 0)
				return usage();
		} else {
			return usage();
		}
	}
	db_init(&db, cfg->database_url);
	r = db_query(&db, &q_jobs, DB_PARAMS(DB_TEXT(state), account, video, DB_TEXT(since),
					     DB_TEXT(age), DB_INT(lim)));
	if (!r) {
		fprintf(stderr, "langflix: cannot read the queue: %s\n", db.err);
		goto out;
	}
	printf("%-6s %-10s %-6s %-9s %-19s %-20s %s\n", "ID", "STATE", "MODE", "ATTEMPTS", "CREATED",
	       "ACCOUNT", "VIDEO");
	for (int i = 0; i < PQntuples(r); i++) {
		struct arena a;

		/* account names, reasons and paths: never raw to the terminal */
		arena_init(&a);
#define COL(name) cli_text(&a, db_get_text(r, i, (name)))
		printf("%-6s %-10s %-6s %-9s %-19s %-20s %s", COL("id"), COL("state"), COL("mode"),
		       COL("attempts"), COL("created"), COL("account"), COL("path"));
		if (*db_get_text(r, i, "post_url"))
			printf("  %s", COL("post_url"));
		if (*db_get_text(r, i, "fail_reason"))
			printf("  (%s)", COL("fail_reason"));
#undef COL
		putchar('\n');
		arena_free(&a);
	}
	if (PQntuples(r) == 0)
		printf("(no jobs match)\n");
	PQclear(r);
	rc = 0;
out:
	db_close(&db);
	return rc;
}
