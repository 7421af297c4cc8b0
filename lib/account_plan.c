/* account_plan.c — each account's publishing plan (account_plan.h). */
#include "account_plan.h"

#include "caption.h"
#include "jobs.h"
#include "ratelimit.h"
#include "template.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void acctplan_free(struct acct_plan *p)
{
	free(p->caption_template);
	p->caption_template = NULL;
}

/* ---- slots as typed ---- */

static const char *const day_names[7] = { "monday", "tuesday", "wednesday", "thursday", "friday",
					  "saturday", "sunday" };
static const char *const day_short[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

/* A day name (3 letters or the full name) at s[0..n): 1..7, 0 when none. */
static int day_of(const char *s, size_t n)
{
	char w[16];

	if (n < 3 || n >= sizeof(w))
		return 0;
	for (size_t i = 0; i < n; i++)
		w[i] = (char)tolower((unsigned char)s[i]);
	w[n] = '\0';
	for (int d = 0; d < 7; d++)
		if ((n == 3 && !strncmp(w, day_names[d], 3)) || !strcmp(w, day_names[d]))
			return d + 1;
	return 0;
}

/* HH:MM at s[0..n): minutes, -1 when not a time. */
static int time_of(const char *s, size_t n)
{
	int h, m;

	if (n == 4 && isdigit((unsigned char)s[0]) && s[1] == ':' && isdigit((unsigned char)s[2]) &&
	    isdigit((unsigned char)s[3])) {
		h = s[0] - '0';
		m = (s[2] - '0') * 10 + (s[3] - '0');
	} else if (n == 5 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) && s[2] == ':' &&
		   isdigit((unsigned char)s[3]) && isdigit((unsigned char)s[4])) {
		h = (s[0] - '0') * 10 + (s[1] - '0');
		m = (s[3] - '0') * 10 + (s[4] - '0');
	} else {
		return -1;
	}
	return h < 24 && m < 60 ? h * 60 + m : -1;
}

static int slot_cmp(const void *a, const void *b)
{
	const struct acct_slot *x = a, *y = b;

	if (x->weekday != y->weekday)
		return x->weekday - y->weekday;
	return x->minute - y->minute;
}

/* What a line has said so far. */
struct line_state {
	int prev_day;                /* the last day named, 0 before one */
	int range;                   /* a dash after it waits for the last day */
	int any_day;
};

/* The bytes of a dash at line[i]: 1 for "-", 3 for an en dash (as in
 * Mon–Fri), 0 when there is none. */
static size_t dash_at(const char *line, size_t i, size_t len)
{
	if (line[i] == '-')
		return 1;
	if (i + 2 < len && (unsigned char)line[i] == 0xE2 && (unsigned char)line[i + 1] == 0x80 &&
	    (unsigned char)line[i + 2] == 0x93)
		return 3;
	return 0;
}

/* Days from the last one named to d (Fri-Mon wraps over the weekend). */
static void mark_range(int days[8], int from, int d)
{
	for (int k = from;; k = k % 7 + 1) {
		days[k] = 1;
		if (k == d)
			break;
	}
}

/* One word of a line (w, n bytes): a time, "daily", or a day. 0, or -1
 * with err. */
static int parse_word(const char *w, size_t n, int lineno, struct line_state *st, int days[8],
		      int *times, int *ntimes, char *err, size_t errlen)
{
	int shown = (int)(n > 20 ? 20 : n), d, t;

	if ((t = time_of(w, n)) >= 0) {
		if (!st->any_day) {
			snprintf(err, errlen, "Line %d: name the days before the times, as in "
				 "\"Mon-Fri 18:30\".", lineno);
			return -1;
		}
		if (st->range) {
			snprintf(err, errlen, "Line %d: a day range needs a last day, as in Mon-Fri.", lineno);
			return -1;
		}
		if (*ntimes < 24)
			times[(*ntimes)++] = t;
		return 0;
	}
	if (*ntimes) {
		snprintf(err, errlen, "Line %d: \"%.*s\" is not a time (HH:MM, 24-hour, e.g. 18:30).",
			 lineno, shown, w);
		return -1;
	}
	if (n == 5 && !strncasecmp(w, "daily", 5)) {
		for (int k = 1; k <= 7; k++)
			days[k] = 1;
		st->any_day = 1;
		st->prev_day = 7;
		return 0;
	}
	d = day_of(w, n);
	if (!d) {
		snprintf(err, errlen, "Line %d: \"%.*s\" is not a day (Mon, Tue, … Sun) or a time "
			 "(HH:MM).", lineno, shown, w);
		return -1;
	}
	if (st->range) {
		mark_range(days, st->prev_day, d);
		st->range = 0;
	}
	days[d] = 1;
	st->any_day = 1;
	st->prev_day = d;
	return 0;
}

/* One line: fills days[1..7] and the times; 0, or -1 with err. */
static int parse_line(const char *line, size_t len, int lineno, int days[8], int *times, int *ntimes,
		      char *err, size_t errlen)
{
	struct line_state st = { 0 };
	size_t i = 0, dash;

	*ntimes = 0;
	memset(days, 0, 8 * sizeof(int));
	while (i < len) {
		size_t start;

		if (line[i] == ' ' || line[i] == '\t' || line[i] == ',') {
			i++;
			continue;
		}
		if ((dash = dash_at(line, i, len))) {
			if (!st.prev_day || *ntimes) {
				snprintf(err, errlen, "Line %d: a %s belongs between two days, as in Mon-Fri.",
					 lineno, dash == 1 ? "\"-\"" : "dash");
				return -1;
			}
			st.range = 1;
			i += dash;
			continue;
		}
		start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != ',' && line[i] != '-' &&
		       (unsigned char)line[i] != 0xE2)
			i++;
		if (i == start) {
			snprintf(err, errlen, "Line %d: \"%.*s\" is not a day or a time.", lineno,
				 (int)(len - start > 20 ? 20 : len - start), line + start);
			return -1;
		}
		if (parse_word(line + start, i - start, lineno, &st, days, times, ntimes, err, errlen) < 0)
			return -1;
	}
	if (st.range) {
		snprintf(err, errlen, "Line %d: a day range needs a last day, as in Mon-Fri.", lineno);
		return -1;
	}
	if (st.any_day && !*ntimes) {
		snprintf(err, errlen, "Line %d: add at least one time (HH:MM) after the days.", lineno);
		return -1;
	}
	return 0;
}

int acctplan_parse_slots(const char *text, struct acct_slot *out, int max, int *n, char *err,
			 size_t errlen)
{
	const char *p = text ? text : "";
	int lineno = 0;

	*n = 0;
	while (*p) {
		const char *e = p + strcspn(p, "\r\n");
		int days[8], times[24], nt;

		lineno++;
		if (parse_line(p, (size_t)(e - p), lineno, days, times, &nt, err, errlen) < 0)
			return -1;
		for (int d = 1; d <= 7; d++) {
			if (!days[d])
				continue;
			for (int t = 0; t < nt; t++) {
				int dup = 0;

				for (int k = 0; k < *n && !dup; k++)
					dup = out[k].weekday == d && out[k].minute == times[t];
				if (dup)
					continue;
				if (*n >= max) {
					snprintf(err, errlen, "At most %d slots a week (12 a day).", max);
					return -1;
				}
				out[(*n)++] = (struct acct_slot){ d, times[t] };
			}
		}
		p = e;
		while (*p == '\r' || *p == '\n')
			p++;
	}
	qsort(out, (size_t)*n, sizeof(*out), slot_cmp);
	return 0;
}

void acctplan_format_slots(const struct acct_slot *s, int n, struct buf *out)
{
	for (int i = 0; i < n; i++) {
		if (i == 0 || s[i].weekday != s[i - 1].weekday)
			buf_printf(out, "%s%s", i ? "\n" : "", day_short[s[i].weekday - 1]);
		buf_printf(out, " %02d:%02d", s[i].minute / 60, s[i].minute % 60);
	}
}

int acctplan_parse_langs(const char *text, char out[][16], int max, int *n, char *err, size_t errlen)
{
	const char *p = text ? text : "";

	*n = 0;
	while (*p) {
		size_t len = strcspn(p, ", \t\r\n;");
		char code[16];
		int ok = len >= 2 && len < sizeof(code), dup = 0, letters = 0;

		if (len == 0) {
			p++;
			continue;
		}
		for (size_t i = 0; ok && i < len; i++) {
			char c = (char)tolower((unsigned char)p[i]);

			if (c == '-' && letters >= 2 && i + 1 < len)
				letters = -100;   /* past the language part */
			else if (!isalnum((unsigned char)c) || (letters >= 0 && !isalpha((unsigned char)c)))
				ok = 0;
			else if (letters >= 0 && ++letters > 3)
				ok = 0;
			code[i] = c;
		}
		if (!ok) {
			snprintf(err, errlen, "\"%.*s\" is not a language code. Use codes such as es, fr or "
				 "pt-br, separated by commas.", (int)(len > 20 ? 20 : len), p);
			return -1;
		}
		code[len] = '\0';
		for (int k = 0; k < *n && !dup; k++)
			dup = !strcmp(out[k], code);
		if (!dup) {
			if (*n >= max) {
				snprintf(err, errlen, "At most %d languages per account.", max);
				return -1;
			}
			memcpy(out[(*n)++], code, len + 1);
		}
		p += len;
	}
	return 0;
}

/* ---- caption templates ---- */

static struct tmpl *parse_template(const char *src, char *err, size_t errlen)
{
	char raw[300];
	struct tmpl *t;
	const char *line, *msg;

	if (strlen(src) > ACCPLAN_TEMPLATE_MAX) {
		snprintf(err, errlen, "The template is longer than %d bytes.", ACCPLAN_TEMPLATE_MAX);
		return NULL;
	}
	if (!caption_valid_utf8(src, strlen(src))) {
		snprintf(err, errlen, "The template is not valid UTF-8 text.");
		return NULL;
	}
	t = tmpl_parse(src, strlen(src), "caption", raw, sizeof(raw));
	if (t)
		return t;
	/* "caption:LINE: message" → "Line LINE: message" */
	line = strchr(raw, ':');
	msg = line ? strchr(line + 1, ':') : NULL;
	if (line && msg)
		snprintf(err, errlen, "Line %.*s: %s", (int)(msg - line - 1), line + 1,
			 msg[1] == ' ' ? msg + 2 : msg + 1);
	else
		snprintf(err, errlen, "%s", raw);
	return NULL;
}

int acctplan_template_check(const char *src, char *err, size_t errlen)
{
	struct tmpl *t = parse_template(src ? src : "", err, errlen);

	if (!t)
		return -1;
	tmpl_free(t);
	return 0;
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
	if (v && *v && caption_valid_utf8(v, strlen(v)))
		json_object_object_add(o, key, json_object_new_string(v));
}

int acctplan_caption(const char *src, const struct caption_fields *f, struct buf *out, char *err,
		     size_t errlen)
{
	struct tmpl *t = parse_template(src && *src ? src : ACCPLAN_DEFAULT_TEMPLATE, err, errlen);
	struct json_object *ctx, *kw;
	long units;
	int rc;

	if (!t)
		return -1;
	ctx = json_object_new_object();
	add_str(ctx, "title", f->title);
	add_str(ctx, "title_translation", f->title_translation);
	add_str(ctx, "expression", f->expression);
	add_str(ctx, "expression_translation", f->expression_translation);
	add_str(ctx, "show", f->show);
	add_str(ctx, "episode", f->episode);
	add_str(ctx, "language", f->language);
	kw = json_object_new_array();
	for (size_t i = 0; i < f->nkeywords; i++)
		if (f->keywords[i] && *f->keywords[i])
			json_object_array_add(kw, json_object_new_string(f->keywords[i]));
	json_object_object_add(ctx, "keywords", kw);
	rc = tmpl_render_text(t, ctx, out);
	json_object_put(ctx);
	tmpl_free(t);
	if (rc < 0) {
		snprintf(err, errlen, "The template nests too deeply.");
		return -1;
	}
	/* a trailing space or line break left by a section is not part of a caption */
	while (out->len && (out->data[out->len - 1] == ' ' || out->data[out->len - 1] == '\n'))
		out->data[--out->len] = '\0';
	units = caption_utf16_len(buf_cstr(out), out->len);
	if (units > CAPTION_MAX_UTF16) {
		snprintf(err, errlen, "The caption is %ld characters long as TikTok counts them; TikTok "
			 "allows at most %d. Shorten it.", units, CAPTION_MAX_UTF16);
		return 1;
	}
	return 0;
}

/* ---- the database ---- */

static const struct db_stmt q_account = { "acctplan_account",
	"SELECT a.id, p.time_zone, p.caption_template, p.daily_cap, p.headroom "
	"FROM tiktok_accounts a LEFT JOIN account_plans p ON p.account_id = a.id "
	"WHERE a.id = $1 AND a.user_id = $2 AND a.status <> 'disconnected'" };
static const struct db_stmt q_slots = { "acctplan_slots",
	"SELECT weekday, extract(epoch FROM local_time)::int / 60 AS minute, time_zone "
	"FROM account_slots WHERE account_id = $1 ORDER BY weekday, local_time" };
static const struct db_stmt q_langs = { "acctplan_langs",
	"SELECT language FROM account_languages WHERE account_id = $1 ORDER BY language" };

int acctplan_load(struct db *db, int64_t user_id, int64_t account_id, struct acct_plan *p)
{
	PGresult *r;

	memset(p, 0, sizeof(*p));
	r = db_query(db, &q_account, DB_PARAMS(DB_INT(account_id), DB_INT(user_id)));
	if (!r)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 1;
	}
	p->account_id = account_id;
	snprintf(p->zone, sizeof(p->zone), "%s", db_is_null(r, 0, "time_zone") ? "UTC" :
		 db_get_text(r, 0, "time_zone"));
	p->caption_template = xstrdup(db_get_text(r, 0, "caption_template"));
	p->daily_cap = db_is_null(r, 0, "daily_cap") ? ACCPLAN_DEFAULT_CAP : (int)db_get_int(r, 0, "daily_cap");
	p->headroom = (int)db_get_int(r, 0, "headroom");
	PQclear(r);

	r = db_query(db, &q_slots, DB_PARAMS(DB_INT(account_id)));
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r) && p->nslots < ACCPLAN_MAX_SLOTS; i++)
		p->slots[p->nslots++] = (struct acct_slot){ (int)db_get_int(r, i, "weekday"),
							     (int)db_get_int(r, i, "minute") };
	PQclear(r);
	r = db_query(db, &q_langs, DB_PARAMS(DB_INT(account_id)));
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r) && p->nlangs < ACCPLAN_MAX_LANGS; i++)
		snprintf(p->langs[p->nlangs++], sizeof(p->langs[0]), "%s", db_get_text(r, i, "language"));
	PQclear(r);
	return 0;
}

static const struct db_stmt q_zone = { "acctplan_zone",
	"SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1) AS known" };

int acctplan_zone_known(struct db *db, const char *zone)
{
	PGresult *r;
	int known;

	if (!zone || !*zone || strlen(zone) >= ACCPLAN_ZONE_MAX)
		return 0;
	r = db_query(db, &q_zone, DB_PARAMS(DB_TEXT(zone)));
	if (!r)
		return -1;
	known = db_get_bool(r, 0, "known");
	PQclear(r);
	return known;
}

static const struct db_stmt q_save_plan = { "acctplan_save_plan",
	"INSERT INTO account_plans (account_id, time_zone, caption_template, daily_cap, headroom)"
	" VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id) DO UPDATE SET"
	" time_zone = EXCLUDED.time_zone, caption_template = EXCLUDED.caption_template,"
	" daily_cap = EXCLUDED.daily_cap, headroom = EXCLUDED.headroom, updated_at = now()" };
static const struct db_stmt q_clear_slots = { "acctplan_clear_slots",
	"DELETE FROM account_slots WHERE account_id = $1" };
static const struct db_stmt q_add_slot = { "acctplan_add_slot",
	"INSERT INTO account_slots (account_id, weekday, local_time, time_zone)"
	" VALUES ($1, $2, make_time($3::int / 60, $3::int % 60, 0), $4)" };
static const struct db_stmt q_clear_langs = { "acctplan_clear_langs",
	"DELETE FROM account_languages WHERE account_id = $1" };
/* the language's current holder, when another account of the user */
static const struct db_stmt q_lang_holder = { "acctplan_lang_holder",
	"SELECT coalesce(nullif(a.display_name, ''), a.username, a.open_id) AS name "
	"FROM account_languages l JOIN tiktok_accounts a ON a.id = l.account_id "
	"WHERE l.user_id = $1 AND l.language = $2 AND l.account_id <> $3" };
static const struct db_stmt q_add_lang = { "acctplan_add_lang",
	"INSERT INTO account_languages (user_id, language, account_id) VALUES ($1, $2, $3)" };

int acctplan_save(struct db *db, int64_t user_id, const struct acct_plan *p, char *err, size_t errlen)
{
	int known, refused = 0;

	if (p->daily_cap < 1 || p->daily_cap > ACCPLAN_DEFAULT_CAP) {
		snprintf(err, errlen, "The daily cap must be between 1 and %d direct posts: TikTok allows "
			 "about %d a day per creator.", ACCPLAN_DEFAULT_CAP, ACCPLAN_DEFAULT_CAP);
		return 1;
	}
	if (p->headroom < 0 || p->headroom >= p->daily_cap) {
		snprintf(err, errlen, "The posts left for other tools must be at least 0 and fewer than the "
			 "daily cap (%d).", p->daily_cap);
		return 1;
	}
	if (acctplan_template_check(p->caption_template ? p->caption_template : "", err, errlen) < 0)
		return 1;
	known = acctplan_zone_known(db, p->zone);
	if (known < 0)
		return -1;
	if (!known) {
		snprintf(err, errlen, "\"%s\" is not a time zone this site knows. Use an IANA name such as "
			 "Europe/Madrid or America/Mexico_City.", p->zone);
		return 1;
	}
	if (db_begin(db) < 0)
		return -1;
	for (int i = 0; i < p->nlangs && !refused; i++) {
		PGresult *r = db_query(db, &q_lang_holder, DB_PARAMS(DB_INT(user_id), DB_TEXT(p->langs[i]),
								     DB_INT(p->account_id)));
		if (!r)
			goto fail;
		if (PQntuples(r) > 0) {
			snprintf(err, errlen, "The language \"%s\" already goes to your account %s. Remove it "
				 "there first: each language has one default account.", p->langs[i],
				 db_get_text(r, 0, "name"));
			refused = 1;
		}
		PQclear(r);
	}
	if (refused) {
		db_rollback(db);
		return 1;
	}
	if (db_command(db, &q_save_plan, DB_PARAMS(DB_INT(p->account_id), DB_TEXT(p->zone),
						  DB_TEXT(p->caption_template ? p->caption_template : ""),
						  DB_INT(p->daily_cap), DB_INT(p->headroom))) < 0 ||
	    db_command(db, &q_clear_slots, DB_PARAMS(DB_INT(p->account_id))) < 0 ||
	    db_command(db, &q_clear_langs, DB_PARAMS(DB_INT(p->account_id))) < 0)
		goto fail;
	for (int i = 0; i < p->nslots; i++)
		if (db_command(db, &q_add_slot, DB_PARAMS(DB_INT(p->account_id), DB_INT(p->slots[i].weekday),
							 DB_INT(p->slots[i].minute), DB_TEXT(p->zone))) < 0)
			goto fail;
	for (int i = 0; i < p->nlangs; i++)
		if (db_command(db, &q_add_lang, DB_PARAMS(DB_INT(user_id), DB_TEXT(p->langs[i]),
							 DB_INT(p->account_id))) < 0)
			goto fail;
	if (db_commit(db) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
fail:
	db_rollback(db);
	return -1;
}

static const struct db_stmt q_route = { "acctplan_route",
	"SELECT l.account_id FROM account_languages l JOIN tiktok_accounts a ON a.id = l.account_id "
	"WHERE l.user_id = $1 AND l.language = lower($2) AND a.status <> 'disconnected'" };

int64_t acctplan_route(struct db *db, int64_t user_id, const char *language)
{
	PGresult *r;
	int64_t id = 0;

	if (!language || !*language)
		return 0;
	r = db_query(db, &q_route, DB_PARAMS(DB_INT(user_id), DB_TEXT(language)));
	if (!r)
		return -1;
	if (PQntuples(r) > 0)
		id = db_get_int(r, 0, "account_id");
	PQclear(r);
	return id;
}

/* ---- the planner's inputs ---- */

static const struct db_stmt q_inputs_plan = { "acctplan_inputs_plan",
	"SELECT coalesce(p.daily_cap, 15) AS daily_cap, coalesce(p.headroom, 0) AS headroom,"
	"       coalesce(p.time_zone, 'UTC') AS time_zone "
	"FROM tiktok_accounts a LEFT JOIN account_plans p ON p.account_id = a.id WHERE a.id = $1" };
static const struct db_stmt q_free_slots = { "acctplan_free_slots",
	"SELECT extract(epoch FROM at)::bigint AS t FROM plan_free_slots($1, now(), $2)" };
/* Direct posts that count: the inits TikTok saw in the last day (with the
 * planner's margin), and the direct jobs still waiting for their init. */
static const struct db_stmt q_direct_times = { "acctplan_direct_times",
	"SELECT extract(epoch FROM at)::bigint AS t FROM tiktok_calls"
	" WHERE account_id = $1 AND endpoint = 'post_daily'"
	"   AND at > now() - make_interval(secs => $2::int) "
	"UNION ALL "
	"SELECT extract(epoch FROM greatest(run_at, now()))::bigint FROM upload_jobs"
	" WHERE account_id = $1 AND mode = 'direct' AND state = 'queued' AND publish_id IS NULL" };
/* Pending drafts: inbox jobs initialised in the last day and not yet
 * posted or failed, and the inbox jobs still waiting for their init. */
#define PENDING_DRAFTS_SQL \
	"SELECT extract(epoch FROM max(e.at))::bigint AS t FROM upload_jobs j" \
	"  JOIN job_events e ON e.job_id = j.id AND e.kind = 'init'" \
	" WHERE j.account_id = $1 AND j.mode = 'inbox'" \
	"   AND j.state IN " JOBS_DRAFT_PENDING_SQL \
	" GROUP BY j.id HAVING max(e.at) > now() - make_interval(secs => $2::int)"
static const struct db_stmt q_draft_times = { "acctplan_draft_times",
	PENDING_DRAFTS_SQL " UNION ALL "
	"SELECT extract(epoch FROM greatest(run_at, now()))::bigint FROM upload_jobs"
	" WHERE account_id = $1 AND mode = 'inbox' AND state = 'queued' AND publish_id IS NULL" };
static const struct db_stmt q_pending_drafts = { "acctplan_pending_drafts",
	"SELECT count(*) AS n FROM (" PENDING_DRAFTS_SQL ") d" };

static int64_t *column_of(PGresult *r, size_t *n)
{
	int64_t *v = xcalloc((size_t)PQntuples(r) + 1, sizeof(*v));

	for (int i = 0; i < PQntuples(r); i++)
		v[i] = db_get_int(r, i, "t");
	*n = (size_t)PQntuples(r);
	return v;
}

int acctplan_inputs(struct db *db, int64_t account_id, int days, struct plan_inputs *in)
{
	PGresult *r;

	memset(in, 0, sizeof(*in));
	in->a.id = account_id;
	r = db_query(db, &q_inputs_plan, DB_PARAMS(DB_INT(account_id)));
	if (!r)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 1;
	}
	in->cap = (int)db_get_int(r, 0, "daily_cap");
	in->headroom = (int)db_get_int(r, 0, "headroom");
	snprintf(in->zone, sizeof(in->zone), "%s", db_get_text(r, 0, "time_zone"));
	PQclear(r);
	in->a.cap = in->cap - in->headroom;
	in->a.draft_cap = ACCPLAN_DRAFT_CAP;

	r = db_query(db, &q_free_slots, DB_PARAMS(DB_INT(account_id), DB_INT(days)));
	if (!r)
		return -1;
	in->slots = column_of(r, &in->a.nslots);
	PQclear(r);
	r = db_query(db, &q_direct_times, DB_PARAMS(DB_INT(account_id), DB_INT(PLAN_WINDOW_SEC)));
	if (!r)
		goto fail;
	in->direct = column_of(r, &in->a.ndirect);
	PQclear(r);
	r = db_query(db, &q_draft_times, DB_PARAMS(DB_INT(account_id), DB_INT(PLAN_DAY_SEC)));
	if (!r)
		goto fail;
	in->drafts = column_of(r, &in->a.ndrafts);
	PQclear(r);
	in->a.slots = in->slots;
	in->a.direct = in->direct;
	in->a.drafts = in->drafts;
	return 0;
fail:
	acctplan_inputs_free(in);
	return -1;
}

void acctplan_inputs_free(struct plan_inputs *in)
{
	free(in->slots);
	free(in->direct);
	free(in->drafts);
	in->slots = in->direct = in->drafts = NULL;
}

int acctplan_pending_drafts(struct db *db, int64_t account_id)
{
	PGresult *r = db_query(db, &q_pending_drafts, DB_PARAMS(DB_INT(account_id), DB_INT(PLAN_DAY_SEC)));
	int n;

	if (!r)
		return -1;
	n = (int)db_get_int(r, 0, "n");
	PQclear(r);
	return n;
}

static const struct db_stmt q_drafts_lock = { "acctplan_drafts_lock",
	"SELECT pg_advisory_lock(7318465, ($1::bigint & 2147483647)::int)" };
static const struct db_stmt q_drafts_unlock = { "acctplan_drafts_unlock",
	"SELECT pg_advisory_unlock(7318465, ($1::bigint & 2147483647)::int)" };

int acctplan_drafts_lock(struct db *db, int64_t account_id)
{
	PGresult *r = db_query(db, &q_drafts_lock, DB_PARAMS(DB_INT(account_id)));

	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

int acctplan_drafts_unlock(struct db *db, int64_t account_id)
{
	PGresult *r = db_query(db, &q_drafts_unlock, DB_PARAMS(DB_INT(account_id)));

	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

static const struct db_stmt q_shown = { "acctplan_shown",
	"SELECT lf_user_time(to_timestamp($1::bigint), $2) AS shown" };

int acctplan_next_slot(struct db *db, int64_t account_id, int direct, const char *tz, int64_t *at,
		       char shown[64], const char **why)
{
	struct plan_inputs in;
	struct plan_row row = { .account_id = account_id, .direct = direct };
	PGresult *r;
	int rc;

	*at = 0;
	shown[0] = '\0';
	*why = NULL;
	rc = acctplan_inputs(db, account_id, ACCPLAN_HORIZON_DAYS, &in);
	if (rc != 0)
		return rc < 0 ? -1 : 1;
	rc = plan_make(&in.a, 1, &row, 1, ratelimit_spacing_sec(RL_INIT));
	acctplan_inputs_free(&in);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		*why = plan_reason_text(row.reason);
		return 1;
	}
	*at = row.at;
	r = db_query(db, &q_shown, DB_PARAMS(DB_INT(row.at), DB_TEXT(tz)));
	if (!r)
		return -1;
	snprintf(shown, 64, "%s", db_get_text(r, 0, "shown"));
	PQclear(r);
	return 0;
}
