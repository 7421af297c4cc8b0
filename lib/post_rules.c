/* post_rules.c — server-side enforcement of the posting rules (post_rules.h). */
#include "post_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "caption.h"
#include "readiness.h"
#include "tiktok_errors.h"
#include "util.h"

static void add(struct post_violations *out, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add(struct post_violations *out, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (out->n >= POST_RULES_MAX)
		return;
	out->v[out->n].field = field;
	va_start(ap, fmt);
	vsnprintf(out->v[out->n].text, sizeof(out->v[out->n].text), fmt, ap);
	va_end(ap);
	out->n++;
}

static int empty(const char *s)
{
	return !s || !*s;
}

/* "3 min 20 s" / "45 s" */
static void duration_words(int64_t sec, char *out, size_t n)
{
	if (sec >= 60 && sec % 60)
		snprintf(out, n, "%lld min %lld s", (long long)(sec / 60), (long long)(sec % 60));
	else if (sec >= 60)
		snprintf(out, n, "%lld min", (long long)(sec / 60));
	else
		snprintf(out, n, "%lld s", (long long)sec);
}

int post_rules_preflight(const struct post_facts *f, int direct, struct post_violations *out)
{
	int before = out->n;
	char a[32], b[32];

	if (f->cannot_post)
		add(out, "account", "%s", f->cannot_post_text ? f->cannot_post_text
				: tiktok_creator_state(TTC_CANNOT_POST)->sentence);
	if (direct && !(f->scopes & TT_SCOPE_VIDEO_PUBLISH))
		add(out, "mode", "This account did not allow direct posting (the video.publish permission). "
		    "Send the video to the TikTok inbox instead, or connect the account again and allow posting.");
	if (!direct && !(f->scopes & TT_SCOPE_VIDEO_UPLOAD))
		add(out, "mode", "This account did not allow uploads to its TikTok inbox (the video.upload "
		    "permission). Choose Direct post, or connect the account again and allow uploads.");
	if (f->video_missing) {
		add(out, "video", "The video file is missing from the media folder, so there is nothing to send. "
		    "Put the file back and import the library again.");
		return out->n - before;
	}
	if (!f->video_ready)
		add(out, "video", "TikTok would not accept this file as it is: %s.",
		    empty(f->not_ready_reason) ? "it did not pass the file checks" : f->not_ready_reason);
	if (direct && f->creator && f->creator->max_duration_sec > 0 &&
	    f->duration_ms > (int64_t)f->creator->max_duration_sec * 1000) {
		duration_words((f->duration_ms + 999) / 1000, a, sizeof(a));
		duration_words(f->creator->max_duration_sec, b, sizeof(b));
		add(out, "video", "This video is %s long, but this TikTok account can post videos of at most %s. "
		    "Use a shorter clip.", a, b);
	} else if (f->duration_ms > READY_MAX_DURATION_MS && f->video_ready) {
		/* readiness already says so when the file was judged not ready */
		duration_words((f->duration_ms + 999) / 1000, a, sizeof(a));
		add(out, "video", "This video is %s long; TikTok accepts uploads of at most 10 min.", a);
	}
	return out->n - before;
}

static void check_caption(const struct post_form *s, struct post_violations *out)
{
	const char *t = s->title ? s->title : "";
	size_t n = strlen(t);
	long units = caption_utf16_len(t, n);

	if (units < 0) {
		add(out, "title", "The caption contains bytes that are not valid UTF-8 text. Retype it and try again.");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f) {
			add(out, "title", "The caption contains invisible control characters. Remove them and try again.");
			break;
		}
	}
	if (units > CAPTION_MAX_UTF16)
		add(out, "title", "The caption is %ld characters long as TikTok counts them; the limit is %d. "
		    "Shorten it by %ld (emoji count as 2).", units, CAPTION_MAX_UTF16, units - CAPTION_MAX_UTF16);
}

static void check_cover(const struct post_form *s, const struct post_facts *f,
			struct post_decision *d, struct post_violations *out)
{
	int64_t ms;

	d->post.cover_ms = -1;
	if (empty(s->cover_ms))
		return;
	if (parse_int64(s->cover_ms, 0, INT32_MAX, &ms) < 0) {
		add(out, "cover_ms", "The cover frame time must be a whole number of milliseconds (for example 1500), "
		    "or empty to use the first frame.");
		return;
	}
	if (f->duration_ms > 0 && ms >= f->duration_ms) {
		add(out, "cover_ms", "The cover frame time (%lld ms) is past the end of the video (%lld ms). "
		    "Choose a time between 0 and %lld.", (long long)ms, (long long)f->duration_ms,
		    (long long)f->duration_ms - 1);
		return;
	}
	d->post.cover_ms = ms;
}

static void check_privacy(const struct post_form *s, const struct post_facts *f,
			  struct post_violations *out)
{
	if (empty(s->privacy)) {
		add(out, "privacy", "Choose who can see this post: TikTok requires an explicit choice.");
		return;
	}
	/* without TikTok's list (creator info failed: TikTok's doing, said as
	 * the account's problem) a valid choice is not blamed */
	if (!f->creator)
		return;
	if (!tiktok_creator_has_privacy(f->creator, s->privacy))
		add(out, "privacy", "That visibility is not one this TikTok account offers right now. "
		    "Choose one of the options in the list.");
}

/* Interactions: off unless the user turned them on; never on when the
 * creator disabled them (greyed out in the form; forced here). */
static void decide_interactions(const struct post_form *s, const struct post_facts *f,
				struct post_decision *d)
{
	const struct tiktok_creator *c = f->creator;
	int no_comment = !c || c->comment_disabled, no_duet = !c || c->duet_disabled,
	    no_stitch = !c || c->stitch_disabled;

	d->forced_comment = s->allow_comment && no_comment;
	d->forced_duet = s->allow_duet && no_duet;
	d->forced_stitch = s->allow_stitch && no_stitch;
	d->post.disable_comment = !s->allow_comment || no_comment;
	d->post.disable_duet = !s->allow_duet || no_duet;
	d->post.disable_stitch = !s->allow_stitch || no_stitch;
}

static void check_disclosure(const struct post_form *s, struct post_decision *d,
			     struct post_violations *out)
{
	/* the kinds count only while the toggle is on */
	d->post.brand_organic = s->commercial && s->brand_organic;
	d->post.brand_content = s->commercial && s->brand_content;
	if (s->commercial && !d->post.brand_organic && !d->post.brand_content)
		add(out, "commercial", POST_RULES_DISCLOSE_TEXT
		    " Tick \"Your brand\", \"Branded content\" or both, or turn the disclosure off.");
	if (d->post.brand_content && s->privacy && !strcmp(s->privacy, "SELF_ONLY"))
		add(out, "privacy", POST_RULES_BRANDED_PRIVATE_TEXT
		    " Choose another visibility, or untick \"Branded content\".");
}

int post_rules_check(const struct post_form *s, const struct post_facts *f,
		     struct post_decision *d, struct post_violations *out)
{
	int before = out->n;

	memset(d, 0, sizeof(*d));
	d->post.title = s->title ? s->title : "";
	d->post.disable_comment = d->post.disable_duet = d->post.disable_stitch = 1;
	d->post.cover_ms = -1;
	if (empty(s->mode) || (strcmp(s->mode, "direct") != 0 && strcmp(s->mode, "inbox") != 0)) {
		add(out, "mode", "Choose how to send the video: Direct post, or to the TikTok inbox as a draft.");
		post_rules_preflight(f, 1, out);
		check_caption(s, out);
		return out->n - before;
	}
	d->post.direct = !strcmp(s->mode, "direct");
	if (d->post.direct)
		d->post.privacy_level = s->privacy;
	post_rules_preflight(f, d->post.direct, out);
	check_caption(s, out);
	if (!d->post.direct)
		return out->n - before;       /* the user finishes the post in the TikTok app */
	if (!f->creator && !f->cannot_post)
		add(out, "account", "TikTok's current settings for this account could not be read, "
		    "so the post cannot be checked. Reload the page and try again.");
	check_privacy(s, f, out);
	decide_interactions(s, f, d);
	check_disclosure(s, d, out);
	d->post.is_aigc = s->is_aigc ? 1 : 0;
	check_cover(s, f, d, out);
	return out->n - before;
}
