/* page_schedule.c — the plan, visible: GET /schedule (per TikTok account,
 * the next 14 days in the viewer's zone, each job with its clip, state and
 * time, a "Move to" form while it has not started, and each day's direct
 * posts against the account's daily cap, as its plan sets it) and GET /api/schedule (the same jobs as
 * JSON for scripts: id, video_id, account_id, run_at in ISO 8601 with the
 * zone's offset, mode, state).
 *
 * Only the viewer's own jobs. Days are the viewer's days: midnight to
 * midnight in their zone, computed in PostgreSQL. A job's time is when it
 * is due, or, once a worker started it, when it started (run_at moves on
 * while TikTok processes a post). Cancelled jobs are left out. */
#include "account_plan.h"
#include "app.h"
#include "jobs.h"
#include "ratelimit.h"

#include <string.h>

#define SCHEDULE_DAYS 14

/* The viewer's days: today and the 13 after it, in their zone. */
static const struct db_stmt q_days = { "schedule_days",
	"SELECT to_char(d, 'YYYY-MM-DD') AS day, to_char(d, 'FMDay FMDD FMMonth') AS label "
	"FROM generate_series(date_trunc('day', now() AT TIME ZONE $1),"
	"                     date_trunc('day', now() AT TIME ZONE $1) + make_interval(days => $2::int - 1),"
	"                     interval '1 day') AS d" };

/* The viewer's jobs in those days, by account and time. */
#define SCHEDULE_WHEN "coalesce(j.started_at, j.run_at)"
static const struct db_stmt q_jobs = { "schedule_jobs",
	"SELECT j.id, j.video_id, j.account_id, j.mode, j.state,"
	"       coalesce(nullif(v.title, ''), v.path) AS clip,"
	"       " UI_TIME(SCHEDULE_WHEN, "$2") " AS shown,"
	"       " UI_ISO_TIME(SCHEDULE_WHEN, "$2") " AS iso,"
	"       to_char(" SCHEDULE_WHEN " AT TIME ZONE $2, 'YYYY-MM-DD') AS day,"
	"       to_char(j.run_at AT TIME ZONE $2, 'YYYY-MM-DD\"T\"HH24:MI') AS run_local,"
	"       j.started_at IS NOT NULL AS started, coalesce(j.locked_until > now(), false) AS locked "
	"FROM upload_jobs j JOIN videos v ON v.id = j.video_id "
	"WHERE j.user_id = $1 AND j.account_id IS NOT NULL AND j.state <> 'cancelled'"
	"  AND " SCHEDULE_WHEN " >= (date_trunc('day', now() AT TIME ZONE $2) AT TIME ZONE $2)"
	"  AND " SCHEDULE_WHEN " < ((date_trunc('day', now() AT TIME ZONE $2)"
	"                           + make_interval(days => $3::int)) AT TIME ZONE $2) "
	"ORDER BY j.account_id, " SCHEDULE_WHEN ", j.id" };

static PGresult *load_jobs(struct request *req)
{
	return db_query(page_of(req)->db, &q_jobs,
			DB_PARAMS(DB_INT(page_of(req)->user_id), DB_TEXT(page_tz(req)), DB_INT(SCHEDULE_DAYS)));
}

/* A job that takes one of the day's direct posts (TikTok's daily cap). */
static int counts_against_cap(const PGresult *r, int i)
{
	const char *state = db_get_text(r, i, "state");

	return !strcmp(db_get_text(r, i, "mode"), "direct") &&
	       (jobs_state_active(state) || !strcmp(state, "published"));
}

static struct json_object *job_json(struct request *req, const PGresult *r, int i)
{
	struct json_object *o = json_object_new_object();
	const char *state = db_get_text(r, i, "state");

	json_object_object_add(o, "id", json_object_new_int64(db_get_int(r, i, "id")));
	ctx_add_str(o, "clip", db_get(r, i, "clip"));
	ctx_add_str(o, "state", state);
	ctx_add_str(o, "state_label", job_state_label(state));
	ctx_add_str(o, "shown", db_get(r, i, "shown"));
	json_object_object_add(o, "inbox", json_object_new_boolean(!strcmp(db_get_text(r, i, "mode"), "inbox")));
	if (jobs_changeable(state, db_get_bool(r, i, "started"), db_get_bool(r, i, "locked"))) {
		json_object_object_add(o, "can_move", json_object_new_boolean(1));
		ctx_add_str(o, "run_local", db_get(r, i, "run_local"));
	}
	(void)req;
	return o;
}

/* The account's daily cap of direct posts as its plan sets it (the cap
 * minus the headroom left for other tools; lib/account_plan.h), else
 * TikTok's from the limits table. -1 on a database error. */
static int account_cap(struct request *req, int64_t account_id)
{
	struct acct_plan p;
	int rc, cap = ratelimit_limit(RL_POST_DAILY)->limit;

	memset(&p, 0, sizeof(p));
	rc = acctplan_load(page_of(req)->db, page_of(req)->user_id, account_id, &p);
	if (rc < 0)
		return -1;
	if (rc == 0 && p.daily_cap > 0)
		cap = p.daily_cap - p.headroom;
	acctplan_free(&p);
	return cap;
}

/* One account's days, each with its jobs and its count against the cap. */
static struct json_object *account_days(struct request *req, const PGresult *days, const PGresult *jobs,
					int64_t account_id, int cap, int *njobs)
{
	struct json_object *arr = json_object_new_array();

	*njobs = 0;
	for (int d = 0; d < PQntuples(days); d++) {
		struct json_object *day = json_object_new_object(), *list = json_object_new_array();
		const char *key = db_get_text(days, d, "day");
		int direct = 0;

		for (int i = 0; i < PQntuples(jobs); i++) {
			if (db_get_int(jobs, i, "account_id") != account_id || strcmp(db_get_text(jobs, i, "day"), key))
				continue;
			json_object_array_add(list, job_json(req, jobs, i));
			direct += counts_against_cap(jobs, i);
		}
		*njobs += (int)json_object_array_length(list);
		ctx_add_str(day, "day", key);
		ctx_add_str(day, "label", db_get(days, d, "label"));
		json_object_object_add(day, "today", json_object_new_boolean(d == 0));
		json_object_object_add(day, "direct", json_object_new_int(direct));
		json_object_object_add(day, "cap", json_object_new_int(cap));
		json_object_object_add(day, "over", json_object_new_boolean(direct > cap));
		json_object_object_add(day, "empty", json_object_new_boolean(json_object_array_length(list) == 0));
		json_object_object_add(day, "jobs", list);
		json_object_array_add(arr, day);
	}
	return arr;
}

int page_schedule(struct request *req)
{
	struct json_object *ctx, *accounts;
	PGresult *days, *jobs;
	int naccounts = 0;

	accounts = accounts_for_page(req, 0, &naccounts);
	if (!accounts)
		return -1;
	days = db_query(page_of(req)->db, &q_days, DB_PARAMS(DB_TEXT(page_tz(req)), DB_INT(SCHEDULE_DAYS)));
	jobs = days ? load_jobs(req) : NULL;
	if (!jobs) {
		PQclear(days);
		json_object_put(accounts);
		return -1;
	}
	for (size_t a = 0; a < json_object_array_length(accounts); a++) {
		struct json_object *acc = json_object_array_get_idx(accounts, a), *id;
		int n, cap;
		json_object_object_get_ex(acc, "id", &id);
		cap = account_cap(req, json_object_get_int64(id));
		if (cap < 0) {
			PQclear(days);
			PQclear(jobs);
			json_object_put(accounts);
			return -1;
		}
		json_object_object_add(acc, "cap", json_object_new_int(cap));
		json_object_object_add(acc, "days", account_days(req, days, jobs, json_object_get_int64(id), cap, &n));
		json_object_object_add(acc, "no_jobs", json_object_new_boolean(n == 0));
	}
	PQclear(days);
	PQclear(jobs);
	ctx = page_context(req, "Schedule");
	json_object_object_add(ctx, "accounts", accounts);
	json_object_object_add(ctx, "no_accounts", json_object_new_boolean(naccounts == 0));
	json_object_object_add(ctx, "ndays", json_object_new_int(SCHEDULE_DAYS));
	json_object_object_add(ctx, "cap", json_object_new_int(ratelimit_limit(RL_POST_DAILY)->limit));
	return render_page(req, 200, "schedule", ctx);
}

int page_schedule_api(struct request *req)
{
	struct json_object *arr;
	PGresult *r = load_jobs(req);

	if (!r)
		return -1;
	arr = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(db_get_int(r, i, "id")));
		json_object_object_add(o, "video_id", json_object_new_int64(db_get_int(r, i, "video_id")));
		json_object_object_add(o, "account_id", json_object_new_int64(db_get_int(r, i, "account_id")));
		json_object_object_add(o, "run_at", json_object_new_string(db_get_text(r, i, "iso")));
		json_object_object_add(o, "mode", json_object_new_string(db_get_text(r, i, "mode")));
		json_object_object_add(o, "state", json_object_new_string(db_get_text(r, i, "state")));
		json_object_array_add(arr, o);
	}
	PQclear(r);
	req->status = 200;
	req_header(req, "Content-Type: " CONTENT_JSON);
	buf_reset(&req->out);
	buf_puts(&req->out, json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
	json_object_put(arr);
	return 0;
}
