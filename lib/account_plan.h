/* account_plan.h — each TikTok account's publishing plan (sql/035): its
 * weekly posting slots (a weekday and a local time in an IANA zone), the
 * target languages it is the default account for, its caption template
 * and its daily cap of direct posts with the headroom it leaves for posts
 * made elsewhere. And what the planner (lib/plan.h) needs from the
 * database: the free slots' instants (computed in PostgreSQL), the posts
 * and drafts already made or scheduled.
 *
 * The parsing and rendering helpers are pure; the rest reads and writes
 * account_plans, account_slots and account_languages, and nothing else. */
#ifndef LF_ACCOUNT_PLAN_H
#define LF_ACCOUNT_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "db.h"
#include "plan.h"

#define ACCPLAN_MAX_SLOTS   84     /* 12 a day */
#define ACCPLAN_MAX_LANGS   16
#define ACCPLAN_ZONE_MAX    64
#define ACCPLAN_TEMPLATE_MAX 4000  /* bytes */
#define ACCPLAN_DEFAULT_CAP 15
#define ACCPLAN_DRAFT_CAP   5      /* pending inbox drafts per 24 h (tiktok-api.md §2.3) */
#define ACCPLAN_HORIZON_DAYS 30    /* how far ahead a batch is planned */

/* Used when an account has no template of its own. */
#define ACCPLAN_DEFAULT_TEMPLATE \
	"{{#expression}}{{expression}}{{#expression_translation}} — {{expression_translation}}" \
	"{{/expression_translation}}{{/expression}}{{^expression}}{{title}}{{/expression}}\n\n" \
	"{{#keywords}}#{{.}} {{/keywords}}"

struct acct_slot {
	int weekday;                 /* 1 Monday … 7 Sunday (ISO 8601) */
	int minute;                  /* minutes after local midnight */
};

struct acct_plan {
	int64_t account_id;
	char zone[ACCPLAN_ZONE_MAX];
	char *caption_template;      /* "" = ACCPLAN_DEFAULT_TEMPLATE; owned */
	int daily_cap, headroom;
	struct acct_slot slots[ACCPLAN_MAX_SLOTS];
	int nslots;
	char langs[ACCPLAN_MAX_LANGS][16];
	int nlangs;
};

void acctplan_free(struct acct_plan *p);

/* ---- pure helpers ---- */

/* Slots as typed: one rule a line, days then times, e.g.
 *   Mon-Fri 18:30 21:00
 *   Sat, Sun 11:00
 * Days: Mon … Sun (or full names, any case), ranges with "-", lists with
 * "," or spaces, "daily". Times: HH:MM, 24-hour. Duplicates are merged;
 * the result is sorted by weekday and time. 0, or -1 with err naming the
 * line and what is wrong. */
int acctplan_parse_slots(const char *text, struct acct_slot *out, int max, int *n, char *err,
			 size_t errlen);
/* The slots as acctplan_parse_slots reads them back: a line per weekday. */
void acctplan_format_slots(const struct acct_slot *s, int n, struct buf *out);

/* Languages as typed ("es, pt-BR"): lower-cased, duplicates merged. 0, or
 * -1 with err. */
int acctplan_parse_langs(const char *text, char out[][16], int max, int *n, char *err, size_t errlen);

/* What a caption template may use (tiktok-api.md §2.2; videos' metadata). */
struct caption_fields {
	const char *title, *title_translation, *expression, *expression_translation;
	const char *const *keywords; /* as hashtag bodies: "businessEnglish" */
	size_t nkeywords;
	const char *show, *episode, *language;
};

/* Whether src parses as a template: 0, or -1 with err "Line N: reason". */
int acctplan_template_check(const char *src, char *err, size_t errlen);
/* Render the caption (plain text). 0; -1 with err when the template does
 * not parse; 1 with err when the caption is over 2200 UTF-16 units (out
 * still holds it, for the user to shorten). */
int acctplan_caption(const char *src, const struct caption_fields *f, struct buf *out, char *err,
		     size_t errlen);

/* ---- the database ---- */

/* The plan of the user's account (defaults when none was saved): 0, 1 when
 * the account is not the user's (or disconnected), -1. */
int acctplan_load(struct db *db, int64_t user_id, int64_t account_id, struct acct_plan *p);
/* Whether zone is an IANA zone PostgreSQL knows: 1, 0, -1. */
int acctplan_zone_known(struct db *db, const char *zone);
/* Save everything of p in one transaction, after checking it (zone,
 * template, caps, languages not held by another account of the user).
 * 0; 1 refused with err (nothing changed); -1. */
int acctplan_save(struct db *db, int64_t user_id, const struct acct_plan *p, char *err, size_t errlen);

/* The user's default account for a language: its id, 0 when none, -1. */
int64_t acctplan_route(struct db *db, int64_t user_id, const char *language);

/* What the planner needs of one account, with the arrays it points into.
 * Slots: the free ones after now, for days days. */
struct plan_inputs {
	struct plan_account a;
	int64_t *slots, *direct, *drafts;
	int cap, headroom;           /* as saved; a.cap = cap - headroom */
	char zone[ACCPLAN_ZONE_MAX];
};
int acctplan_inputs(struct db *db, int64_t account_id, int days, struct plan_inputs *in);
void acctplan_inputs_free(struct plan_inputs *in);

/* "Add to queue": the account's next free slot for one more post (direct
 * or draft) within its caps, as the planner would give it. 0 and *at (Unix
 * seconds) and shown (the time in IANA zone tz, zone named, for people);
 * 1 when there is none in the next ACCPLAN_HORIZON_DAYS days (*why says
 * why); -1. */
int acctplan_next_slot(struct db *db, int64_t account_id, int direct, const char *tz, int64_t *at,
		       char shown[64], const char **why);

/* Inbox drafts of the account still pending at TikTok (sent in the last
 * 24 h, not yet posted by the creator, not failed). -1 on error. */
int acctplan_pending_drafts(struct db *db, int64_t account_id);

/* The account's drafts lock (a session advisory lock): held from counting
 * the pending drafts to recording the init that adds one. 0 or -1. */
int acctplan_drafts_lock(struct db *db, int64_t account_id);
int acctplan_drafts_unlock(struct db *db, int64_t account_id);

#endif
