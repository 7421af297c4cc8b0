/* plan.h — the publishing planner: a batch of rows (video × account,
 * direct post or inbox draft) onto the accounts' free posting slots, inside
 * TikTok's caps (tiktok-api.md §2.8) before TikTok sees a single call:
 *
 *   - direct posts: at most `cap` in ANY rolling 24 h window (the account's
 *     daily cap minus the headroom it leaves for posts made elsewhere),
 *     counting the posts this site made or scheduled for the account;
 *   - inbox drafts: at most `draft_cap` (5) in any rolling 24 h window,
 *     counting the drafts still pending (not yet posted by the creator);
 *   - inits: two planned starts of one account at least `init_gap_sec`
 *     apart (the init limit's window over its count: 60 s / 6).
 *
 * Pure: no clock, no database. Every time is Unix seconds; the slots come
 * from PostgreSQL (plan_free_slots, sql/035), which computes the instants
 * of local times in the account's zone so daylight saving never moves one.
 *
 * The window: TikTok counts from when it saw each init, and an init starts
 * a little after its run_at; two posts planned exactly 24 h apart could
 * meet in one of TikTok's windows. The planner's window is therefore
 * 24 h plus PLAN_WINDOW_MARGIN_SEC. */
#ifndef LF_PLAN_H
#define LF_PLAN_H

#include <stddef.h>
#include <stdint.h>

#define PLAN_DAY_SEC            86400
#define PLAN_WINDOW_MARGIN_SEC  120
#define PLAN_WINDOW_SEC         (PLAN_DAY_SEC + PLAN_WINDOW_MARGIN_SEC)

/* Why a row has the slot it has (or none). */
enum plan_reason {
	PLAN_NEXT_SLOT = 0,      /* the account's next free slot */
	PLAN_AFTER_CAP,          /* earlier slots would have gone over the daily cap */
	PLAN_AFTER_DRAFTS,       /* earlier slots would have made more than draft_cap pending drafts */
	PLAN_NO_SLOTS,           /* the account has no posting slots at all */
	PLAN_FULL,               /* no free slot left in the horizon (slots used, or the caps) */
	PLAN_NO_ACCOUNT,         /* the row's account is not among the accounts given */
};

struct plan_account {
	int64_t id;
	int cap;                 /* direct posts in any rolling 24 h (cap minus headroom) */
	int draft_cap;           /* pending inbox drafts in any rolling 24 h */
	const int64_t *slots;    /* free slot instants, any order (sorted on a copy) */
	size_t nslots;
	const int64_t *direct;   /* direct posts made or scheduled (init or run_at instants) */
	size_t ndirect;
	const int64_t *drafts;   /* drafts pending or scheduled */
	size_t ndrafts;
};

struct plan_row {
	/* in */
	int64_t account_id;
	int direct;              /* 1 direct post, 0 inbox draft */
	/* out */
	int64_t at;              /* the planned instant; 0 when none */
	enum plan_reason reason;
	int64_t skipped_from;    /* PLAN_AFTER_*: the first free slot that was skipped, else 0 */
};

/* Plan rows in their order: each row takes its account's earliest free slot
 * that keeps every rolling window inside the caps, given what is already
 * planned, made or scheduled (rows planned earlier in the batch included).
 * A planned instant is the slot itself, or pushed later inside it (by
 * init_gap_sec steps) when another start of the account is too close.
 * Returns the number of rows planned; -1 on an allocation failure. */
int plan_make(const struct plan_account *acc, size_t nacc, struct plan_row *rows, size_t nrows,
	      int init_gap_sec);

/* The most instants of t[0..n) that fall in one window [w, w + window_sec)
 * for any w: what a cap is compared with. t need not be sorted. -1 on an
 * allocation failure. */
int plan_max_in_window(const int64_t *t, size_t n, int window_sec);

/* A sentence for a reason, for the review page. */
const char *plan_reason_text(enum plan_reason r);

#endif
