/* post_rules.h — TikTok's content sharing guidelines (tiktok-api.md §3)
 * and posting limits (§2.1–§2.3, §2.9) as one pure function over what the
 * user submitted and what is known about the creator, the account and the
 * file. The composer's JavaScript only helps; this is the enforcement, run
 * on every POST (and, for the file and creator checks, on every render).
 *
 * Every violation comes back as a sentence the user can act on, tagged with
 * the form field it concerns. */
#ifndef LF_POST_RULES_H
#define LF_POST_RULES_H

#include <stdint.h>

#include "post_settings.h"
#include "tiktok_creator.h"

/* What the user submitted (after form parsing), as the composer keeps it
 * to show the form again. Strings may be NULL. */
struct post_form {
	const char *submission_id;   /* the form's one-time id (not a rule's concern) */
	const char *mode;            /* "direct" or "inbox" */
	const char *title;           /* the caption */
	const char *privacy;         /* a privacy level; NULL or "" = not chosen */
	int allow_comment, allow_duet, allow_stitch;
	int commercial;              /* the disclosure toggle */
	int brand_organic;           /* "Your brand" → brand_organic_toggle */
	int brand_content;           /* "Branded content" → brand_content_toggle */
	int is_aigc;
	const char *cover_ms;        /* as typed; NULL or "" = first frame */
};

/* What is known, from the server's side. */
struct post_facts {
	const struct tiktok_creator *creator;  /* fresh creator_info; NULL when not available */
	int cannot_post;             /* creator_info said "not now" */
	const char *cannot_post_text;
	unsigned scopes;             /* TT_SCOPE_* granted to the account */
	int video_missing;           /* the file is gone */
	int video_ready;             /* readiness (lib/readiness.h) passed at import */
	const char *not_ready_reason;
	int64_t duration_ms;         /* 0 when unknown */
};

/* After enforcement: the settings that go into the job row and on to
 * TikTok (strings borrowed from the form), and what the creator's own
 * settings forced off although the user asked for it. */
struct post_decision {
	struct post_settings post;
	int forced_comment, forced_duet, forced_stitch;
};

#define POST_RULES_MAX 24

struct post_violation {
	const char *field;           /* form field name, or "video", "account" */
	char text[512];
};

struct post_violations {
	int n;
	struct post_violation v[POST_RULES_MAX];
};

/* The checks that do not depend on the form: the creator can post, the
 * account has a posting scope, the file exists, passed TikTok's checks and
 * fits the creator's max duration (direct) or the 10-minute ceiling.
 * Appends to out; returns the number appended. */
int post_rules_preflight(const struct post_facts *f, int direct, struct post_violations *out);

/* Every rule: the preflight checks plus mode and scope, privacy chosen and
 * among the creator's options, interactions forced off where the creator
 * disabled them, the commercial disclosure (toggle on → at least one kind;
 * toggle off → no labels), branded content never "Only me", caption valid
 * UTF-8 within 2200 UTF-16 units, cover timestamp a whole number of
 * milliseconds within the video. In inbox mode TikTok takes no post settings
 * (§2.3): privacy, interactions, disclosure and the AI label are not checked
 * and not kept. Fills *d; returns the number of violations (0 = may post). */
int post_rules_check(const struct post_form *s, const struct post_facts *f,
		     struct post_decision *d, struct post_violations *out);

/* The exact hover text of guideline 3(a), and the one of 3(b). */
#define POST_RULES_DISCLOSE_TEXT \
	"You need to indicate if your content promotes yourself, a third party, or both."
#define POST_RULES_BRANDED_PRIVATE_TEXT "Branded content visibility cannot be set to private."

#endif
