/* Integration tests: the composer and the job pages (issue 6, app side)
 * through nginx, the app, PostgreSQL and the TikTok emulator. Each test
 * logs in a fresh dashboard user and connects one of the emulator's
 * creator profiles through the app's own Connect flow (start → the
 * emulator's consent form → our callback), then drives the composer as a
 * browser would: GET the form, POST it back with changes.
 *
 * The stack's worker runs too and may pick up the jobs made here; these
 * tests assert only what the app does (the worker has its own tests). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testlib.h"
#include "tiktok_connect.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "escape.h"
#include "tiktok_errors.h"
#include "util.h"

#define PASSWORD "composer-test-password"

static int seq;

/* ---- actors ---- */

struct actor {
	char name[64];
	char id[24];
	char account[24];            /* our tiktok_accounts.id */
	struct tclient *c;
};

/* A logged-in user; with `profile` (emulator username) also a connected
 * TikTok account, granted `scopes` (NULL: all that the app asks for). */
static void actor_new(struct actor *a, const char *profile, const char *scopes)
{
	char *id, start[64], *form;
	const char *loc, *q;
	struct tclient *emu;
	struct tresp r;
	struct buf b = BUF_INIT;
	long long uid;

	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "comp%d_%d", (int)getpid(), ++seq);
	a->c = t_user_signed_in(a->name, PASSWORD, &uid);
	assert_true(uid > 0);
	snprintf(a->id, sizeof(a->id), "%lld", uid);
	if (!profile)
		return;

	/* Connect, as the browser does: our start → TikTok's consent → callback */
	snprintf(start, sizeof(start), "/auth/tiktok/start");
	assert_int_equal(tc_get(a->c, start, &r), 0);
	assert_int_equal(r.status, 302);
	loc = tresp_header(&r, "Location");
	assert_non_null(loc);
	q = strchr(loc, '?');
	assert_non_null(q);
	/* the consent form posts the authorize parameters back, plus the choice */
	buf_puts(&b, q + 1);
	buf_puts(&b, "&decision=authorize&emulator_account=");
	url_encode(&b, profile);
	if (scopes) {
		buf_puts(&b, "&grant_scopes=");
		url_encode(&b, scopes);
	}
	tresp_free(&r);
	emu = tc_new_base(t_env("LF_EMU_URL"));
	assert_int_equal(tc_post_form(emu, "/v2/auth/authorize/decide", buf_cstr(&b), &r), 0);
	assert_int_equal(r.status, 302);
	loc = tresp_header(&r, "Location");
	assert_non_null(loc);
	form = xstrdup(strstr(loc, "/auth/tiktok/callback"));
	tresp_free(&r);
	tc_free(emu);
	buf_free(&b);
	assert_int_equal(tc_get(a->c, form, &r), 0);
	assert_int_equal(r.status, 303);
	tresp_free(&r);
	free(form);
	id = t_db_value(t_dbc, "SELECT max(id) FROM tiktok_accounts WHERE user_id = $1 AND status = 'connected'", 1,
		 (const char *[]){ a->id });
	assert_non_null(id);
	snprintf(a->account, sizeof(a->account), "%s", id);
	free(id);
}

static void actor_free(struct actor *a)
{
	tc_free(a->c);
}

/* A video with a real file of `bytes` bytes in the media folder. */
static long long video_new(const char *title, long long duration_ms)
{
	char rel[128], *path, *id, size[24], dur[24];
	FILE *f;
	long long v;
	const int bytes = 4096;

	snprintf(rel, sizeof(rel), "composer-test/%d-%d.mp4", (int)getpid(), ++seq);
	assert_int_equal(t_sh("mkdir -p '%s/composer-test'", t_env("LF_MEDIA")), 0);
	path = t_printf("%s/%s", t_env("LF_MEDIA"), rel);
	f = fopen(path, "wb");
	assert_non_null(f);
	for (int i = 0; i < bytes; i++)
		fputc(i & 0xff, f);
	fclose(f);
	free(path);
	snprintf(size, sizeof(size), "%d", bytes);
	snprintf(dur, sizeof(dur), "%lld", duration_ms);
	id = t_db_value(t_dbc, "INSERT INTO videos (path, size_bytes, mtime, title, title_translation, expression,"
		 " expression_translation, keywords, duration_ms, width, height, fps, video_codec,"
		 " container, ready) VALUES ($1, $2, 0, $3, 'Traducción del título', 'break the ice',"
		 " 'romper el hielo', '{small talk,business English}', $4, 720, 1280, 30, 'h264', 'mp4', true)"
		 " RETURNING id", 4, (const char *[]){ rel, size, title, dur });
	assert_non_null(id);
	v = atoll(id);
	free(id);
	return v;
}

/* ---- the form ---- */

struct composer_form {
	char *csrf, *submission_id, *account;
	long long video;
};

static void form_get(struct actor *a, long long video, struct composer_form *f, struct tresp *r)
{
	char path[64];

	snprintf(path, sizeof(path), "/videos/%lld/tiktok", video);
	assert_int_equal(tc_get(a->c, path, r), 0);
	assert_int_equal(r->status, 200);
	f->video = video;
	f->csrf = t_hidden_input(r->body.data, "csrf");
	f->submission_id = t_hidden_input(r->body.data, "submission_id");
	f->account = t_hidden_input(r->body.data, "account");
}

static void form_free(struct composer_form *f)
{
	free(f->csrf);
	free(f->submission_id);
	free(f->account);
}

/* POST the form with the given extra fields ("privacy=...&mode=..."). */
static void form_post(struct actor *a, const struct composer_form *f, const char *fields, struct tresp *r)
{
	char path[64], *body;

	snprintf(path, sizeof(path), "/videos/%lld/tiktok", f->video);
	body = t_printf("csrf=%s&submission_id=%s&account=%s&%s", f->csrf, f->submission_id, f->account, fields);
	assert_int_equal(tc_post_form(a->c, path, body, r), 0);
	free(body);
}

static long long jobs_of(struct actor *a)
{
	return t_db_num(t_dbc, "SELECT count(*) FROM upload_jobs WHERE user_id = $1", 1, (const char *[]){ a->id });
}

/* The job id from a 303 to /jobs/{id}. */
static long long job_from_redirect(const struct tresp *r)
{
	const char *loc = tresp_header(r, "Location");

	assert_int_equal(r->status, 303);
	assert_non_null(loc);
	assert_int_equal(strncmp(loc, "/jobs/", 6), 0);
	return atoll(loc + 6);
}

/* The <select id="privacy"> ... </select> part (malloc'd). */
static char *privacy_select(const char *html)
{
	const char *p = strstr(html, "<select id=\"privacy\""), *e;

	assert_non_null(p);
	e = strstr(p, "</select>");
	assert_non_null(e);
	return xstrndup(p, (size_t)(e - p));
}

/* ---- tests ---- */

static void composer_follows_guidelines_on_render(void **state)
{
	struct actor a;
	struct composer_form f;
	struct tresp r;
	long long video = video_new("Guidelines clip", 30000);
	char *sel;

	(void)state;
	actor_new(&a, "composer.public", NULL);
	form_get(&a, video, &f, &r);
	/* creator_info's nickname and handle, the preview, the prefilled caption */
	t_contains(r.body.data, "Cora (composer)");
	t_contains(r.body.data, "@composer.public");
	t_contains(r.body.data, "/avatar/");
	/* how the file will reach TikTok (tiktok_source; the default here) */
	t_contains(r.body.data, "How the file reaches TikTok: LangFlix sends the file to TikTok.");
	{
		/* the preview plays only when asked: a link to the file, no player */
		char *v = t_printf("<a class=\"play-preview\" href=\"/videos/%lld/file\" data-poster=\"composer-poster\">"
				   "Play the video</a>", video);
		t_contains(r.body.data, v);
		t_lacks(r.body.data, "<video");
		free(v);
	}
	t_contains(r.body.data, "Traducción del título\n\n#smalltalk #businessEnglish</textarea>");
	t_contains(r.body.data, "<span id=\"title-count\">50</span> / 2200");
	/* privacy: the creator's options, human labels, no default */
	sel = privacy_select(r.body.data);
	t_contains(sel, "<option value=\"\" disabled selected>Choose who can see this post</option>");
	t_contains(sel, "<option value=\"PUBLIC_TO_EVERYONE\">Everyone</option>");
	t_contains(sel, "<option value=\"MUTUAL_FOLLOW_FRIENDS\">Friends</option>");
	t_contains(sel, ">Only me</option>");
	t_lacks(sel, "FOLLOWER_OF_CREATOR");
	assert_int_equal(strstr(strstr(sel, "selected") + 1, "selected") == NULL, 1);   /* only the placeholder */
	free(sel);
	/* interactions, disclosure, AI label: all off; nothing greyed */
	t_contains(r.body.data, "name=\"allow_comment\" value=\"1\">");
	t_contains(r.body.data, "name=\"allow_duet\" value=\"1\">");
	t_contains(r.body.data, "name=\"allow_stitch\" value=\"1\">");
	t_contains(r.body.data, "id=\"commercial\" name=\"commercial\" value=\"1\">");
	t_contains(r.body.data, "id=\"brand_organic\" name=\"brand_organic\" value=\"1\">");
	t_contains(r.body.data, "id=\"brand_content\" name=\"brand_content\" value=\"1\">");
	t_contains(r.body.data, "name=\"is_aigc\" value=\"1\">");
	t_lacks(r.body.data, "greyed");
	/* the texts of the guidelines, the consent link, the notices */
	t_contains(r.body.data, "Your photo/video will be labeled as 'Promotional content'");
	t_contains(r.body.data, "Your photo/video will be labeled as 'Paid partnership'");
	t_contains(r.body.data, "You need to indicate if your content promotes yourself, a third party, or both.");
	t_contains(r.body.data, "By posting, you agree to TikTok's <a href=\"https://www.tiktok.com/legal/page/global/music-usage-confirmation/en\"");
	t_contains(r.body.data, "Branded Content Policy</a>");
	t_contains(r.body.data, "a few minutes");
	t_contains(r.body.data, "Send to TikTok inbox as a draft");
	t_contains(r.body.data, "id=\"post-button\">Post</button>");
	t_contains(r.body.data, "<script src=\"/static/composer.js\" defer></script>");
	t_lacks(r.body.data, "will be private");
	assert_int_equal(strlen(f.submission_id), 32);
	assert_string_equal(f.account, a.account);
	tresp_free(&r);
	/* creator_info was asked (and counted) on each render */
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM tiktok_calls WHERE account_id = $1 AND endpoint = 'creator_info'",
				1, (const char *[]){ a.account }), 1);
	/* a new form, a new one-time id */
	{
		struct composer_form g;
		form_get(&a, video, &g, &r);
		assert_string_not_equal(g.submission_id, f.submission_id);
		form_free(&g);
		tresp_free(&r);
	}
	form_free(&f);
	actor_free(&a);
}

static void private_profile_greys_interactions(void **state)
{
	struct actor a;
	struct composer_form f;
	struct tresp r;
	long long video = video_new("Private clip", 30000);
	char *sel;

	(void)state;
	actor_new(&a, "composer.private", NULL);
	form_get(&a, video, &f, &r);
	t_contains(r.body.data, "@composer.private");
	t_contains(r.body.data, "name=\"allow_comment\" value=\"1\">");
	t_contains(r.body.data, "name=\"allow_duet\" value=\"1\" disabled aria-disabled=\"true\">");
	t_contains(r.body.data, "name=\"allow_stitch\" value=\"1\" disabled aria-disabled=\"true\">");
	t_contains(r.body.data, "turned off in this creator's TikTok settings");
	t_contains(r.body.data, "the post will be private too");
	sel = privacy_select(r.body.data);
	t_contains(sel, "<option value=\"FOLLOWER_OF_CREATOR\">Followers</option>");
	t_lacks(sel, "PUBLIC_TO_EVERYONE");
	free(sel);
	tresp_free(&r);

	/* asking for duet and stitch anyway: accepted, but forced off */
	form_post(&a, &f, "mode=direct&title=x&privacy=FOLLOWER_OF_CREATOR&allow_comment=1&allow_duet=1&allow_stitch=1", &r);
	{
		long long job = job_from_redirect(&r);
		char jid[24];
		snprintf(jid, sizeof(jid), "%lld", job);
		assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM upload_jobs WHERE id = $1 AND NOT disable_comment"
					" AND disable_duet AND disable_stitch AND privacy_level = 'FOLLOWER_OF_CREATOR'",
					1, (const char *[]){ jid }), 1);
		{
			char *m = t_db_value(t_dbc, "SELECT message FROM job_events WHERE job_id = $1 AND kind = 'queued'", 1,
				      (const char *[]){ jid });
			assert_non_null(m);
			t_contains(m, "Duet and Stitch stay off");
			free(m);
		}
	}
	tresp_free(&r);
	form_free(&f);
	actor_free(&a);
}

static void cannot_post_profile_has_no_post_button(void **state)
{
	struct actor a;
	struct tresp r;
	char path[64];
	struct buf esc = BUF_INIT;
	long long video = video_new("Capped clip", 30000);

	(void)state;
	actor_new(&a, "capped.creator", NULL);
	snprintf(path, sizeof(path), "/videos/%lld/tiktok", video);
	assert_int_equal(tc_get(a.c, path, &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, "This account cannot post right now.");
	t_contains(r.body.data, "limit of posts for today");
	/* the sentence is the table's row for TikTok's code, word for word */
	buf_reset(&esc);
	html_escape(&esc, tiktok_cannot_post_text("spam_risk_too_many_posts"),
		    strlen(tiktok_cannot_post_text("spam_risk_too_many_posts")));
	t_contains(r.body.data, buf_cstr(&esc));
	buf_free(&esc);
	t_lacks(r.body.data, "id=\"post-button\"");
	tresp_free(&r);
	actor_free(&a);
}

static void rules_enforced_on_post(void **state)
{
	struct actor a;
	struct composer_form f;
	struct tresp r;
	long long video = video_new("Rules clip", 30000);
	struct buf longcap = BUF_INIT;

	(void)state;
	actor_new(&a, "composer.public", NULL);
	form_get(&a, video, &f, &r);
	tresp_free(&r);

	/* no privacy: refused, nothing queued, the user's values kept */
	form_post(&a, &f, "mode=direct&title=Keep+me+%F0%9F%98%80&allow_comment=1", &r);
	assert_int_equal(r.status, 422);
	t_contains(r.body.data, "Choose who can see this post: TikTok requires an explicit choice.");
	t_contains(r.body.data, ">Keep me \xF0\x9F\x98\x80</textarea>");
	t_contains(r.body.data, "<span id=\"title-count\">10</span>");
	t_contains(r.body.data, "name=\"allow_comment\" value=\"1\" checked>");
	t_contains(r.body.data, "<option value=\"\" disabled selected>");
	tresp_free(&r);
	/* a privacy level this creator does not offer */
	form_post(&a, &f, "mode=direct&title=x&privacy=FOLLOWER_OF_CREATOR", &r);
	assert_int_equal(r.status, 422);
	t_contains(r.body.data, "not one this TikTok account offers");
	tresp_free(&r);
	/* branded content + Only me, in that order or the other */
	form_post(&a, &f, "mode=direct&title=x&privacy=SELF_ONLY&commercial=1&brand_content=1", &r);
	assert_int_equal(r.status, 422);
	t_contains(r.body.data, "Branded content visibility cannot be set to private.");
	tresp_free(&r);
	/* disclosure on, nothing chosen */
	form_post(&a, &f, "mode=direct&title=x&privacy=PUBLIC_TO_EVERYONE&commercial=1", &r);
	assert_int_equal(r.status, 422);
	t_contains(r.body.data, "You need to indicate if your content promotes yourself, a third party, or both.");
	t_contains(r.body.data, "id=\"commercial\" name=\"commercial\" value=\"1\" checked>");
	tresp_free(&r);
	/* a caption over 2200 UTF-16 units: 1101 emoji = 2202 */
	buf_puts(&longcap, "mode=direct&privacy=PUBLIC_TO_EVERYONE&title=");
	for (int i = 0; i < 1101; i++)
		buf_puts(&longcap, "%F0%9F%98%80");
	form_post(&a, &f, buf_cstr(&longcap), &r);
	assert_int_equal(r.status, 422);
	t_contains(r.body.data, "2202");
	tresp_free(&r);
	/* a cover frame past the end */
	form_post(&a, &f, "mode=direct&title=x&privacy=PUBLIC_TO_EVERYONE&cover_ms=30000", &r);
	assert_int_equal(r.status, 422);
	t_contains(r.body.data, "past the end of the video");
	t_contains(r.body.data, "step=\"1\" inputmode=\"numeric\" value=\"30000\">");   /* a number: kept */
	tresp_free(&r);
	/* a cover time that is not a number: said so, and never echoed into the
	 * number input (where it is invalid HTML) */
	form_post(&a, &f, "mode=direct&title=x&privacy=PUBLIC_TO_EVERYONE&cover_ms=1.5s%22x", &r);
	assert_int_equal(r.status, 422);
	t_contains(r.body.data, "must be a whole number of milliseconds");
	t_contains(r.body.data, "step=\"1\" inputmode=\"numeric\" value=\"\">");
	t_lacks(r.body.data, "1.5s");
	t_contains(r.body.data, "<nav class=\"crumbs\" aria-label=\"Breadcrumb\">");
	tresp_free(&r);
	/* an unknown mode */
	form_post(&a, &f, "mode=later&title=x&privacy=PUBLIC_TO_EVERYONE", &r);
	assert_int_equal(r.status, 422);
	tresp_free(&r);
	assert_int_equal(jobs_of(&a), 0);

	/* and now right: the same one-time id still makes its one job */
	form_post(&a, &f, "mode=direct&title=ok&privacy=SELF_ONLY&commercial=1&brand_organic=1", &r);
	job_from_redirect(&r);
	tresp_free(&r);
	assert_int_equal(jobs_of(&a), 1);
	buf_free(&longcap);
	form_free(&f);
	actor_free(&a);
}

static void valid_post_queues_one_job(void **state)
{
	struct actor a;
	struct composer_form f;
	struct tresp r, r2;
	long long video = video_new("Valid clip", 30000), job;
	char jid[24], vid[24];
	const char *loc1;

	(void)state;
	actor_new(&a, "composer.public", NULL);
	form_get(&a, video, &f, &r);
	tresp_free(&r);
	form_post(&a, &f, "mode=direct&title=Line+one%0D%0ALine+two&privacy=MUTUAL_FOLLOW_FRIENDS&allow_stitch=1"
		  "&commercial=1&brand_organic=1&brand_content=1&is_aigc=1&cover_ms=1500", &r);
	job = job_from_redirect(&r);
	loc1 = tresp_header(&r, "Location");
	/* a double click: the same one-time id lands on the same job */
	form_post(&a, &f, "mode=direct&title=Line+one%0D%0ALine+two&privacy=MUTUAL_FOLLOW_FRIENDS", &r2);
	assert_int_equal(r2.status, 303);
	assert_string_equal(tresp_header(&r2, "Location"), loc1);
	tresp_free(&r2);
	tresp_free(&r);
	assert_int_equal(jobs_of(&a), 1);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM upload_jobs WHERE submission_id = $1", 1,
				(const char *[]){ f.submission_id }), 1);

	snprintf(jid, sizeof(jid), "%lld", job);
	snprintf(vid, sizeof(vid), "%lld", video);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM upload_jobs WHERE id = $1 AND video_id = $2 AND account_id = $3"
				" AND user_id = $4 AND mode = 'direct' AND title = E'Line one\\nLine two'"
				" AND privacy_level = 'MUTUAL_FOLLOW_FRIENDS' AND disable_comment AND disable_duet"
				" AND NOT disable_stitch AND brand_organic AND brand_content AND is_aigc"
				" AND cover_timestamp_ms = 1500 AND bytes_total = 4096 AND attempts >= 0",
				4, (const char *[]){ jid, vid, a.account, a.id }), 1);
	/* the first event says what was asked; the worker may already be on it */
	{
		char *k = t_db_value(t_dbc, "SELECT kind FROM job_events WHERE job_id = $1 ORDER BY id LIMIT 1", 1,
			      (const char *[]){ jid });
		assert_string_equal(k, "queued");
		free(k);
	}
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM upload_jobs WHERE id = $1 AND state IN"
				" ('queued','uploading','processing','published','failed')", 1,
				(const char *[]){ jid }), 1);

	/* the job page: progress bar, timeline, no Cancel once a worker has it or Retry while running */
	{
		char path[48];
		snprintf(path, sizeof(path), "/jobs/%lld", job);
		assert_int_equal(tc_get(a.c, path, &r), 0);
		assert_int_equal(r.status, 200);
		t_contains(r.body.data, "<progress id=\"job-progress\"");
		t_contains(r.body.data, "event-queued");
		t_contains(r.body.data, "Queued: direct post to Cora (composer), visible to &quot;Friends&quot;.");
		t_contains(r.body.data, "<script src=\"/static/progress.js\" defer></script>");
		t_lacks(r.body.data, "/retry\"");
		tresp_free(&r);
	}
	/* the composer now warns about the earlier post (or the one in progress) */
	form_free(&f);
	form_get(&a, video, &f, &r);
	assert_true(strstr(r.body.data, "already in progress") || strstr(r.body.data, "already posted to"));
	tresp_free(&r);
	form_free(&f);
	actor_free(&a);
}

/* The emulator's record of the post whose caption is `title`: its
 * video_cover_timestamp_ms as TikTok's init body carried it, once the
 * stack's worker has sent it (-2 when it did not within 60 s). */
static long long emulator_cover_of(const char *title)
{
	struct tclient *emu = tc_new_base(t_env("LF_EMU_URL"));
	long long cover = -2;

	for (int i = 0; i < 600 && cover == -2; i++) {
		struct tresp r;
		struct json_object *st, *posts, *flags, *v;
		assert_int_equal(tc_get(emu, "/_emulator/state", &r), 0);
		st = json_tokener_parse(r.body.data);
		tresp_free(&r);
		assert_non_null(st);
		assert_true(json_object_object_get_ex(st, "posts", &posts));
		for (size_t k = 0; k < json_object_array_length(posts); k++) {
			struct json_object *p = json_object_array_get_idx(posts, k);
			if (json_object_object_get_ex(p, "title", &v) && !strcmp(json_object_get_string(v), title) &&
			    json_object_object_get_ex(p, "flags", &flags) &&
			    json_object_object_get_ex(flags, "video_cover_timestamp_ms", &v))
				cover = json_object_get_int64(v);
		}
		json_object_put(st);
		if (cover == -2)
			usleep(100 * 1000);
	}
	tc_free(emu);
	return cover;
}

/* The cover picker: the strip's frames as radios (cover_frame), the one
 * nearest the sidecar's expression moment marked and chosen; the number
 * field stays. A browser without JavaScript sends the radio; a typed
 * number wins; the chosen time reaches TikTok's init body. */
static void cover_picker_sends_the_chosen_frame(void **state)
{
	struct actor a;
	struct composer_form f;
	struct tresp r;
	long long video = video_new("Cover clip", 8000), job;
	char vid[24], *title, *body, *s;

	(void)state;
	snprintf(vid, sizeof(vid), "%lld", video);
	/* as `langflix import` leaves a clip of 8 s whose expression is at 4.1 s */
	free(t_db_value(t_dbc, "UPDATE videos SET frame_times_ms = '{4100,500,1500,2500,3500,4500,5500,6500,7500}',"
			     " frames_source = '4096:0:4100', expression_start_ms = 4100 WHERE id = $1 RETURNING id",
			1, (const char *[]){ vid }));
	actor_new(&a, "composer.public", NULL);
	form_get(&a, video, &f, &r);
	s = t_printf("<img class=\"poster\" id=\"composer-poster\" src=\"/videos/%lld/frames/0?v&#61;4096.0.4100\" "
		     "width=\"320\" height=\"568\"", video);
	t_contains(r.body.data, s);
	free(s);
	t_contains(r.body.data, "<input type=\"radio\" name=\"cover_frame\" value=\"\">\n");   /* TikTok's choice: not chosen */
	for (int i = 1; i <= 8; i++) {
		s = t_printf("src=\"/videos/%lld/frames/%d?v&#61;4096.0.4100\"", video, i);
		t_contains(r.body.data, s);
		free(s);
	}
	/* 4500 is nearest 4100: marked and checked; no other is */
	t_contains(r.body.data, "<label class=\"cover-frame expression\"><input type=\"radio\" name=\"cover_frame\" "
				"value=\"4500\" checked>");
	t_contains(r.body.data, "<span>4.5 s</span><strong class=\"marker\">expression</strong>");
	t_contains(r.body.data, "<input type=\"radio\" name=\"cover_frame\" value=\"3500\">");
	assert_null(strstr(strstr(r.body.data, "value=\"4500\" checked") + 1, "name=\"cover_frame\" value=\"\" checked"));
	t_contains(r.body.data, "id=\"cover_ms\" name=\"cover_ms\"");
	t_contains(r.body.data, "<script src=\"/static/preview.js\" defer></script>");
	tresp_free(&r);

	/* a refused form comes back with the picked frame still picked */
	form_post(&a, &f, "mode=direct&title=x&cover_frame=6500&cover_ms=", &r);
	assert_int_equal(r.status, 422);
	t_contains(r.body.data, "value=\"6500\" checked>");
	t_lacks(r.body.data, "value=\"4500\" checked>");
	tresp_free(&r);

	/* without JavaScript: the number field empty, the radio sent */
	title = t_printf("cover-pick-%d", (int)getpid());
	body = t_printf("mode=direct&privacy=SELF_ONLY&title=%s&cover_frame=2500&cover_ms=", title);
	form_post(&a, &f, body, &r);
	job = job_from_redirect(&r);
	tresp_free(&r);
	free(body);
	s = t_printf("%lld", job);
	assert_int_equal(t_db_num(t_dbc, "SELECT cover_timestamp_ms FROM upload_jobs WHERE id = $1", 1,
				  (const char *[]){ s }), 2500);
	free(s);
	/* what TikTok's init body carried (the emulator's record) */
	assert_int_equal(emulator_cover_of(title), 2500);
	free(title);
	form_free(&f);

	/* a typed time wins over the picked frame (JavaScript fills the field
	 * from the radio; a user may type another); posted again on purpose,
	 * as the same content goes to one account once otherwise */
	form_get(&a, video, &f, &r);
	tresp_free(&r);
	title = t_printf("cover-typed-%d", (int)getpid());
	/* the same clip to the same account a second time: said explicitly */
	body = t_printf("mode=direct&privacy=SELF_ONLY&title=%s&cover_frame=2500&cover_ms=1234&post_again=1", title);
	form_post(&a, &f, body, &r);
	job = job_from_redirect(&r);
	tresp_free(&r);
	free(body);
	assert_int_equal(emulator_cover_of(title), 1234);
	free(title);
	form_free(&f);
	actor_free(&a);
}

static void api_json_shape(void **state)
{
	static const char *const keys[] = { "id", "state", "mode", "bytes_sent", "bytes_total", "chunk_size",
		"chunk_count", "chunk_index", "tiktok_status", "fail_reason", "publish_id", "post_url",
		"updated_at", "events" };
	struct actor a, b;
	struct composer_form f;
	struct tresp r;
	struct json_object *o, *v, *ev;
	long long video = video_new("API clip", 30000), job;
	char path[64];

	(void)state;
	actor_new(&a, "composer.public", NULL);
	form_get(&a, video, &f, &r);
	tresp_free(&r);
	form_post(&a, &f, "mode=direct&title=api&privacy=SELF_ONLY", &r);
	job = job_from_redirect(&r);
	tresp_free(&r);

	snprintf(path, sizeof(path), "/api/jobs/%lld", job);
	assert_int_equal(tc_get(a.c, path, &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(tresp_header(&r, "Content-Type"), "application/json");
	o = json_tokener_parse(r.body.data);
	assert_non_null(o);
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (!json_object_object_get_ex(o, keys[i], &v))
			fail_msg("key %s missing", keys[i]);
	json_object_object_get_ex(o, "id", &v);
	assert_int_equal(json_object_get_int64(v), job);
	json_object_object_get_ex(o, "mode", &v);
	assert_string_equal(json_object_get_string(v), "direct");
	json_object_object_get_ex(o, "bytes_total", &v);
	assert_true(json_object_is_type(v, json_type_int));
	assert_int_equal(json_object_get_int64(v), 4096);
	json_object_object_get_ex(o, "updated_at", &v);
	assert_int_equal(strlen(json_object_get_string(v)), 20);            /* 2026-01-01T00:00:00Z */
	json_object_object_get_ex(o, "events", &ev);
	assert_true(json_object_is_type(ev, json_type_array));
	assert_true(json_object_array_length(ev) >= 1);
	v = json_object_array_get_idx(ev, 0);
	{
		struct json_object *k;
		assert_true(json_object_object_get_ex(v, "at", &k));
		assert_true(json_object_object_get_ex(v, "kind", &k));
		assert_string_equal(json_object_get_string(k), "queued");
		assert_true(json_object_object_get_ex(v, "message", &k));
	}
	json_object_put(o);
	tresp_free(&r);

	/* another user: the job does not exist for them */
	actor_new(&b, NULL, NULL);
	assert_int_equal(tc_get(b.c, path, &r), 0);
	assert_int_equal(r.status, 404);
	tresp_free(&r);
	snprintf(path, sizeof(path), "/jobs/%lld", job);
	assert_int_equal(tc_get(b.c, path, &r), 0);
	assert_int_equal(r.status, 404);
	tresp_free(&r);
	/* nor can they act on it */
	{
		struct tresp h;
		char *csrf, *body;
		assert_int_equal(tc_get(b.c, "/jobs", &h), 0);
		assert_int_equal(h.status, 200);
		csrf = tc_extract_csrf(h.body.data);
		assert_non_null(csrf);
		tresp_free(&h);
		body = t_printf("csrf=%s", csrf);
		snprintf(path, sizeof(path), "/jobs/%lld/cancel", job);
		assert_int_equal(tc_post_form(b.c, path, body, &r), 0);
		assert_int_equal(r.status, 404);
		tresp_free(&r);
		snprintf(path, sizeof(path), "/jobs/%lld/retry", job);
		assert_int_equal(tc_post_form(b.c, path, body, &r), 0);
		assert_int_equal(r.status, 404);
		tresp_free(&r);
		free(body);
		free(csrf);
	}
	form_free(&f);
	actor_free(&a);
	actor_free(&b);
}

/* A job row made directly (not due for an hour, so no worker takes it);
 * reached: TikTok got the whole file for it (publish, bytes, status). */
static long long job_insert(struct actor *a, long long video, const char *state, int reached)
{
	return t_job(&(struct job_fixture){
		.user_id = atoll(a->id), .video_id = video, .account_id = atoll(a->account),
		.state = state, .title = "inserted", .privacy_level = "SELF_ONLY", .run_in_sec = 3600,
		.bytes_total = 4096,
		.fail_reason = !strcmp(state, "failed") ? "TikTok had a temporary problem. Try again." : NULL,
		.publish_id = reached ? "v_pub_file~x" : NULL, .bytes_sent = reached ? 4096 : 0,
		.tiktok_status = reached ? "FAILED" : NULL });
}

static void cancel_only_queued_and_unclaimed(void **state)
{
	struct actor a;
	struct tresp r;
	long long video = video_new("Cancel clip", 30000), job, locked;
	char path[64], jid[24], *csrf, *body;

	(void)state;
	actor_new(&a, "composer.public", NULL);
	job = job_insert(&a, video, "queued", 0);
	snprintf(jid, sizeof(jid), "%lld", job);
	snprintf(path, sizeof(path), "/jobs/%lld", job);
	assert_int_equal(tc_get(a.c, path, &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, "/cancel\"");
	t_contains(r.body.data, "Waiting to try again at");
	tresp_free(&r);

	csrf = t_page_csrf(a.c, "/jobs");
	body = t_printf("csrf=%s", csrf);
	snprintf(path, sizeof(path), "/jobs/%lld/cancel", job);
	/* CSRF first */
	assert_int_equal(tc_post_form(a.c, path, "csrf=forged", &r), 0);
	assert_int_equal(r.status, 403);
	tresp_free(&r);
	assert_int_equal(tc_post_form(a.c, path, body, &r), 0);
	assert_int_equal(r.status, 303);
	tresp_free(&r);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM upload_jobs WHERE id = $1 AND state = 'cancelled'"
				" AND finished_at IS NOT NULL", 1, (const char *[]){ jid }), 1);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM job_events WHERE job_id = $1 AND kind = 'cancelled'", 1,
				(const char *[]){ jid }), 1);
	/* twice: nothing more to cancel */
	assert_int_equal(tc_post_form(a.c, path, body, &r), 0);
	assert_int_equal(r.status, 409);
	tresp_free(&r);
	/* a queued job a worker holds is not cancelled */
	locked = job_insert(&a, video, "queued", 0);
	snprintf(jid, sizeof(jid), "%lld", locked);
	t_job_set(&(struct job_fixture){ .job_id = locked, .locked_by = "w", .lock_sec = 300 });
	snprintf(path, sizeof(path), "/jobs/%lld/cancel", locked);
	assert_int_equal(tc_post_form(a.c, path, body, &r), 0);
	assert_int_equal(r.status, 409);
	tresp_free(&r);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM upload_jobs WHERE id = $1 AND state = 'queued'", 1,
				(const char *[]){ jid }), 1);
	t_job_set(&(struct job_fixture){ .job_id = locked, .state = "cancelled" });

	/* the history filter shows the cancelled ones */
	assert_int_equal(tc_get(a.c, "/jobs?state=cancelled", &r), 0);
	assert_int_equal(r.status, 200);
	{
		char *link = t_printf("<a href=\"/jobs/%lld\">", job);
		t_contains(r.body.data, link);
		free(link);
	}
	t_contains(r.body.data, "class=\"current\" aria-current=\"page\">Cancelled</a>");
	tresp_free(&r);
	assert_int_equal(tc_get(a.c, "/jobs?state=published", &r), 0);
	t_contains(r.body.data, "No uploads here yet");
	tresp_free(&r);
	free(body);
	free(csrf);
	actor_free(&a);
}

static void retry_makes_one_new_job_when_safe(void **state)
{
	struct actor a;
	struct tresp r;
	long long video = video_new("Retry clip", 30000), job, sent, newjob;
	char path[64], jid[24], *csrf, *body;

	(void)state;
	actor_new(&a, "composer.public", NULL);
	job = job_insert(&a, video, "failed", 0);
	snprintf(path, sizeof(path), "/jobs/%lld", job);
	assert_int_equal(tc_get(a.c, path, &r), 0);
	t_contains(r.body.data, "TikTok had a temporary problem. Try again.");
	t_contains(r.body.data, "/retry\"");
	t_lacks(r.body.data, "/cancel\"");
	tresp_free(&r);

	csrf = t_page_csrf(a.c, "/jobs");
	body = t_printf("csrf=%s", csrf);
	snprintf(path, sizeof(path), "/jobs/%lld/retry", job);
	assert_int_equal(tc_post_form(a.c, path, body, &r), 0);
	newjob = job_from_redirect(&r);
	assert_true(newjob != job);
	tresp_free(&r);
	/* a second click lands on the same retry */
	assert_int_equal(tc_post_form(a.c, path, body, &r), 0);
	assert_int_equal(job_from_redirect(&r), newjob);
	tresp_free(&r);
	snprintf(jid, sizeof(jid), "%lld", job);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM upload_jobs WHERE retry_of = $1 AND privacy_level = 'SELF_ONLY'"
				" AND title = 'inserted'", 1, (const char *[]){ jid }), 1);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM job_events WHERE job_id = $1 AND kind = 'retry'", 1,
				(const char *[]){ jid }), 1);

	/* the whole file reached TikTok: a retry could post twice, so none */
	sent = job_insert(&a, video, "failed", 1);
	snprintf(path, sizeof(path), "/jobs/%lld", sent);
	assert_int_equal(tc_get(a.c, path, &r), 0);
	t_lacks(r.body.data, "/retry\"");
	t_contains(r.body.data, "could post it twice");
	tresp_free(&r);
	snprintf(path, sizeof(path), "/jobs/%lld/retry", sent);
	assert_int_equal(tc_post_form(a.c, path, body, &r), 0);
	assert_int_equal(r.status, 409);
	tresp_free(&r);
	free(body);
	free(csrf);
	actor_free(&a);
}

/* "Edit and retry" on a failed job opens the composer with that job's
 * caption and settings; another user's job (or another video's) fills in
 * nothing. */
static void edit_and_retry_fills_the_composer(void **state)
{
	struct actor a, b;
	struct tresp r;
	long long video = video_new("Edit retry clip", 30000), other = video_new("Other clip", 30000), job;
	char path[96], *sel;

	(void)state;
	actor_new(&a, "composer.public", NULL);
	job = job_insert(&a, video, "failed", 1);
	snprintf(path, sizeof(path), "/jobs/%lld", job);
	assert_int_equal(tc_get(a.c, path, &r), 0);
	snprintf(path, sizeof(path), "href=\"/videos/%lld/tiktok?from_job=%lld\">Edit and retry</a>", video, job);
	t_contains(r.body.data, path);
	tresp_free(&r);

	snprintf(path, sizeof(path), "/videos/%lld/tiktok?from_job=%lld", video, job);
	assert_int_equal(tc_get(a.c, path, &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, ">inserted</textarea>");
	t_contains(r.body.data, "The caption and settings of the earlier post are filled in");
	sel = privacy_select(r.body.data);
	t_contains(sel, "value=\"SELF_ONLY\" selected");
	free(sel);
	tresp_free(&r);

	/* the job belongs to this video only */
	snprintf(path, sizeof(path), "/videos/%lld/tiktok?from_job=%lld", other, job);
	assert_int_equal(tc_get(a.c, path, &r), 0);
	t_lacks(r.body.data, ">inserted</textarea>");
	t_lacks(r.body.data, "earlier post are filled in");
	tresp_free(&r);

	/* and to this user only */
	actor_new(&b, "composer.public", NULL);
	snprintf(path, sizeof(path), "/videos/%lld/tiktok?from_job=%lld", video, job);
	assert_int_equal(tc_get(b.c, path, &r), 0);
	assert_int_equal(r.status, 200);
	t_lacks(r.body.data, ">inserted</textarea>");
	tresp_free(&r);
	actor_free(&b);
	actor_free(&a);
}

static void emulator_faults(const char *json)
{
	static const char *const h[] = { "Content-Type: application/json", NULL };
	struct tclient *emu = tc_new_base(t_env("LF_EMU_URL"));
	struct tresp r;

	assert_int_equal(tc_request(emu, "POST", "/_emulator/faults", h, json, strlen(json), &r), 0);
	assert_int_equal(r.status, 200);
	tresp_free(&r);
	tc_free(emu);
}

/* A refused post keeps the work: one message at the top, each problem
 * next to its field and tied to it (aria-describedby); and when TikTok
 * fails at submit time, the user's valid visibility is not blamed. */
static void errors_sit_by_their_fields_and_tiktok_is_not_the_user(void **state)
{
	struct actor a;
	struct composer_form f;
	struct tresp r;
	long long video = video_new("Errors clip", 30000);

	(void)state;
	actor_new(&a, "composer.public", NULL);
	form_get(&a, video, &f, &r);
	tresp_free(&r);
	form_post(&a, &f, "mode=direct&title=Kept+caption&allow_duet=1&cover_ms=30000", &r);
	assert_int_equal(r.status, 422);
	t_contains(r.body.data, "<strong>The post was not sent.</strong> Everything you chose and typed is kept");
	t_contains(r.body.data, "<a href=\"#field-privacy\">Who can see this post</a>");
	t_contains(r.body.data, "<p class=\"field-error\" id=\"err-privacy\">Choose who can see this post");
	t_contains(r.body.data, "<select id=\"privacy\" name=\"privacy\" aria-describedby=\"err-privacy\" aria-invalid=\"true\">");
	t_contains(r.body.data, "id=\"err-cover_ms\">The cover frame time (30000 ms) is past the end");
	t_contains(r.body.data, "aria-describedby=\"err-cover_ms\" aria-invalid=\"true\" id=\"cover_ms\"");
	t_contains(r.body.data, ">Kept caption</textarea>");
	t_contains(r.body.data, "name=\"allow_duet\" value=\"1\" checked>");
	t_lacks(r.body.data, "id=\"err-title\"");
	tresp_free(&r);

	/* TikTok fails while the form is sent: said as TikTok's problem */
	emulator_faults("{\"rate_5xx\":1}");
	form_post(&a, &f, "mode=direct&title=x&privacy=PUBLIC_TO_EVERYONE", &r);
	emulator_faults("{\"rate_5xx\":0}");
	assert_int_equal(r.status, 422);
	t_contains(r.body.data, "TikTok could not be asked about this account just now");
	t_lacks(r.body.data, "not one this TikTok account offers");
	t_lacks(r.body.data, "id=\"err-privacy\"");
	tresp_free(&r);
	assert_int_equal(jobs_of(&a), 0);
	form_free(&f);
	actor_free(&a);
}

static void inbox_only_account(void **state)
{
	struct actor a;
	struct composer_form f;
	struct tresp r;
	long long video = video_new("Inbox clip", 30000), job;
	char jid[24];

	(void)state;
	actor_new(&a, "composer.public", "user.info.basic,video.upload");
	form_get(&a, video, &f, &r);
	t_contains(r.body.data, "allowed only uploads to its TikTok inbox");
	t_contains(r.body.data, "open the TikTok app to finish the post");
	t_lacks(r.body.data, "<select id=\"privacy\"");
	t_contains(r.body.data, "id=\"post-button\">Post</button>");
	tresp_free(&r);
	/* no creator_info without video.publish */
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM tiktok_calls WHERE account_id = $1", 1,
				(const char *[]){ a.account }), 0);
	/* direct is refused for this account */
	form_post(&a, &f, "mode=direct&title=x&privacy=SELF_ONLY", &r);
	assert_int_equal(r.status, 422);
	t_contains(r.body.data, "did not allow direct posting");
	tresp_free(&r);
	form_post(&a, &f, "mode=inbox&title=draft", &r);
	job = job_from_redirect(&r);
	tresp_free(&r);
	snprintf(jid, sizeof(jid), "%lld", job);
	assert_int_equal(t_db_num(t_dbc, "SELECT count(*) FROM upload_jobs WHERE id = $1 AND mode = 'inbox'"
				" AND privacy_level IS NULL AND title = 'draft'", 1, (const char *[]){ jid }), 1);
	form_free(&f);
	actor_free(&a);
}

/* An account that granted no posting permission is not "Connected" but
 * "Connected — cannot post: permission missing", with Reconnect. */
static void account_without_posting_permission_says_so(void **state)
{
	struct actor a;
	struct tresp r;

	(void)state;
	actor_new(&a, "composer.public", "user.info.basic");
	assert_int_equal(tc_get(a.c, "/accounts", &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, "Connected — cannot post: permission missing");
	t_contains(r.body.data, "class=\"button primary\" href=\"/auth/tiktok/start\">Reconnect</a>");
	t_lacks(r.body.data, "<li>Post videos directly</li>");
	tresp_free(&r);
	assert_int_equal(tc_get(a.c, "/", &r), 0);
	t_contains(r.body.data, "<span class=\"badge bad\">Connected — cannot post: permission missing</span>");
	t_lacks(r.body.data, "<span class=\"badge good\">Connected</span>");
	tresp_free(&r);
	actor_free(&a);
}

static void csrf_refused_on_composer(void **state)
{
	struct actor a;
	struct composer_form f;
	struct tresp r;
	long long video = video_new("CSRF clip", 30000);
	char path[64], *body;

	(void)state;
	actor_new(&a, "composer.public", NULL);
	form_get(&a, video, &f, &r);
	tresp_free(&r);
	snprintf(path, sizeof(path), "/videos/%lld/tiktok", video);
	body = t_printf("csrf=%064d&submission_id=%s&account=%s&mode=direct&privacy=SELF_ONLY&title=x", 0,
		       f.submission_id, f.account);
	assert_int_equal(tc_post_form(a.c, path, body, &r), 0);
	assert_int_equal(r.status, 403);
	tresp_free(&r);
	free(body);
	body = t_printf("submission_id=%s&account=%s&mode=direct&privacy=SELF_ONLY&title=x", f.submission_id, f.account);
	assert_int_equal(tc_post_form(a.c, path, body, &r), 0);
	assert_int_equal(r.status, 403);
	tresp_free(&r);
	free(body);
	assert_int_equal(jobs_of(&a), 0);
	/* a forged one-time id is refused too */
	body = t_printf("csrf=%s&submission_id=nothex&account=%s&mode=direct&privacy=SELF_ONLY&title=x", f.csrf, f.account);
	assert_int_equal(tc_post_form(a.c, path, body, &r), 0);
	assert_int_equal(r.status, 400);
	tresp_free(&r);
	free(body);
	assert_int_equal(jobs_of(&a), 0);
	form_free(&f);
	actor_free(&a);
}

static void markup_is_escaped(void **state)
{
	struct actor a;
	struct composer_form f;
	struct tresp r;
	long long video = video_new("<script>alert('v')</script> & \"co\"", 30000), job;
	char path[48];

	(void)state;
	actor_new(&a, "composer.public", NULL);
	form_get(&a, video, &f, &r);
	t_lacks(r.body.data, "<script>alert");
	t_contains(r.body.data, "&lt;script&gt;alert(");
	tresp_free(&r);
	form_post(&a, &f, "mode=direct&privacy=SELF_ONLY&title=%3Cscript%3Ealert(2)%3C%2Fscript%3E%22%3E%3Cimg+src%3Dx%3E", &r);
	job = job_from_redirect(&r);
	tresp_free(&r);
	snprintf(path, sizeof(path), "/jobs/%lld", job);
	assert_int_equal(tc_get(a.c, path, &r), 0);
	assert_int_equal(r.status, 200);
	t_lacks(r.body.data, "<script>alert");
	t_lacks(r.body.data, "<img src=x>");
	t_contains(r.body.data, "&lt;script&gt;alert(2)&lt;");
	t_contains(r.body.data, "&lt;script&gt;alert(");
	tresp_free(&r);
	/* and in the history list */
	assert_int_equal(tc_get(a.c, "/jobs", &r), 0);
	t_lacks(r.body.data, "<script>alert");
	tresp_free(&r);
	form_free(&f);
	actor_free(&a);
}

static void preflight_and_quota_block_post(void **state)
{
	struct actor a;
	struct composer_form f;
	struct tresp r;
	long long too_long = video_new("Long clip", 200000), bad = video_new("Bad clip", 30000);
	char vid[24], path[64];

	(void)state;
	actor_new(&a, "composer.private", NULL);     /* at most 180 s */
	/* longer than the creator may post: said in words, Post disabled, POST refused */
	form_get(&a, too_long, &f, &r);
	t_contains(r.body.data, "This video cannot be sent to TikTok as it is:");
	t_contains(r.body.data, "This video is 3 min 20 s long, but this TikTok account can post videos of at most 3 min.");
	t_contains(r.body.data, "id=\"post-button\" disabled>Post</button>");
	t_contains(r.body.data, "data-preflight=\"1\"");
	tresp_free(&r);
	form_post(&a, &f, "mode=direct&title=x&privacy=SELF_ONLY", &r);
	assert_int_equal(r.status, 422);
	tresp_free(&r);
	form_free(&f);
	/* a file TikTok would refuse, and then a file that is gone */
	snprintf(vid, sizeof(vid), "%lld", bad);
	free(t_db_value(t_dbc, "UPDATE videos SET ready = false, not_ready_reason = 'frame rate 12 fps is below 23 fps'"
		 " WHERE id = $1 RETURNING id", 1, (const char *[]){ vid }));
	form_get(&a, bad, &f, &r);
	t_contains(r.body.data, "TikTok would not accept this file as it is: frame rate 12 fps is below 23 fps.");
	t_contains(r.body.data, "id=\"post-button\" disabled>Post</button>");
	tresp_free(&r);
	form_free(&f);
	{
		char *rel = t_db_value(t_dbc, "SELECT path FROM videos WHERE id = $1", 1, (const char *[]){ vid });
		char *full = t_printf("%s/%s", t_env("LF_MEDIA"), rel);
		assert_int_equal(unlink(full), 0);
		free(full);
		free(rel);
	}
	form_get(&a, bad, &f, &r);
	t_contains(r.body.data, "The video file is missing from the media folder");
	tresp_free(&r);
	form_free(&f);
	assert_int_equal(jobs_of(&a), 0);

	/* our share of creator_info calls spent: say so, offer a reload, no Post */
	free(t_db_value(t_dbc, "INSERT INTO tiktok_calls (account_id, endpoint) SELECT $1, 'creator_info'"
		 " FROM generate_series(1, 20) RETURNING account_id", 1, (const char *[]){ a.account }));
	snprintf(path, sizeof(path), "/videos/%lld/tiktok", too_long);
	assert_int_equal(tc_get(a.c, path, &r), 0);
	assert_int_equal(r.status, 200);
	t_contains(r.body.data, "times in the last minute, TikTok&#39;s limit. Wait");
	t_contains(r.body.data, ">Reload</a>");
	t_lacks(r.body.data, "id=\"post-button\"");
	tresp_free(&r);
	actor_free(&a);
}

/* Two creators of our own in the emulator, beside its built-in ones, with
 * a daily post cap no test run reaches: the stack's worker posts the jobs
 * made here, and other tests post as the built-in creators (15 a day). */
static void emulator_profiles(void)
{
	static const char *const mine[] = {
		"{\"open_id\":\"c0c0c0c0-0000-4000-8000-00000000c001\",\"username\":\"composer.public\","
		"\"display_name\":\"Cora (composer)\",\"private\":false,\"max_video_post_duration_sec\":600,"
		"\"daily_post_cap\":100000}",
		"{\"open_id\":\"c0c0c0c0-0000-4000-8000-00000000c002\",\"username\":\"composer.private\","
		"\"display_name\":\"Piet (composer)\",\"private\":true,\"max_video_post_duration_sec\":180,"
		"\"daily_post_cap\":100000}",
	};

	tconn_emulator_profiles(mine, ARRAY_LEN(mine));
}

static int setup(void **state)
{
	t_db_setup(state);
	emulator_profiles();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(composer_follows_guidelines_on_render),
		cmocka_unit_test(private_profile_greys_interactions),
		cmocka_unit_test(cannot_post_profile_has_no_post_button),
		cmocka_unit_test(rules_enforced_on_post),
		cmocka_unit_test(valid_post_queues_one_job),
		cmocka_unit_test(cover_picker_sends_the_chosen_frame),
		cmocka_unit_test(api_json_shape),
		cmocka_unit_test(cancel_only_queued_and_unclaimed),
		cmocka_unit_test(retry_makes_one_new_job_when_safe),
		cmocka_unit_test(edit_and_retry_fills_the_composer),
		cmocka_unit_test(errors_sit_by_their_fields_and_tiktok_is_not_the_user),
		cmocka_unit_test(inbox_only_account),
		cmocka_unit_test(account_without_posting_permission_says_so),
		cmocka_unit_test(csrf_refused_on_composer),
		cmocka_unit_test(markup_is_escaped),
		cmocka_unit_test(preflight_and_quota_block_post),
	};
	return cmocka_run_group_tests(tests, setup, t_db_teardown);
}
