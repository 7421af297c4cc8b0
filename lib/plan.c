/* plan.c — the publishing planner (plan.h). */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

/* A growable list of instants. */
struct times {
	int64_t *t;
	size_t n, cap;
};

static int times_add(struct times *l, int64_t t)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		int64_t *p = realloc(l->t, cap * sizeof(*p));

		if (!p)
			return -1;
		l->t = p;
		l->cap = cap;
	}
	l->t[l->n++] = t;
	return 0;
}

static int times_init(struct times *l, const int64_t *t, size_t n)
{
	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < n; i++)
		if (times_add(l, t[i]) < 0)
			return -1;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Whether one more instant at t keeps every window [w, w + window) that
 * contains t at cap or below. A window holding the most instants can
 * always be slid right until it starts at one of them, so only windows
 * starting at t or at an instant in (t - window, t] need counting. */
static int fits(const struct times *l, int64_t t, int cap, int window)
{
	if (cap <= 0)
		return 0;
	for (size_t i = 0; i <= l->n; i++) {
		int64_t w = i < l->n ? l->t[i] : t;
		int count = 1;

		if (w > t || w <= t - window)
			continue;
		for (size_t k = 0; k < l->n; k++)
			if (l->t[k] >= w && l->t[k] < w + window)
				count++;
		if (count > cap)
			return 0;
	}
	return 1;
}

/* The start at or after t that is init_gap away from every other start of
 * the account (starts can be out of order: push until none is close). */
static int64_t spaced(const struct times *starts, int64_t t, int gap)
{
	int moved = 1;

	while (moved && gap > 0) {
		moved = 0;
		for (size_t i = 0; i < starts->n; i++)
			if (starts->t[i] > t - gap && starts->t[i] < t + gap) {
				t = starts->t[i] + gap;
				moved = 1;
			}
	}
	return t;
}

struct acc_state {
	const struct plan_account *a;
	int64_t *slots;          /* sorted copy */
	unsigned char *used;
	struct times direct, drafts, starts;
};

static void state_free(struct acc_state *s)
{
	free(s->slots);
	free(s->used);
	free(s->direct.t);
	free(s->drafts.t);
	free(s->starts.t);
}

static int state_init(struct acc_state *s, const struct plan_account *a)
{
	memset(s, 0, sizeof(*s));
	s->a = a;
	if (a->nslots) {
		s->slots = malloc(a->nslots * sizeof(*s->slots));
		s->used = calloc(a->nslots, 1);
		if (!s->slots || !s->used)
			return -1;
		memcpy(s->slots, a->slots, a->nslots * sizeof(*s->slots));
		qsort(s->slots, a->nslots, sizeof(*s->slots), cmp_i64);
	}
	if (times_init(&s->direct, a->direct, a->ndirect) < 0 ||
	    times_init(&s->drafts, a->drafts, a->ndrafts) < 0 ||
	    times_init(&s->starts, a->direct, a->ndirect) < 0)
		return -1;
	for (size_t i = 0; i < a->ndrafts; i++)
		if (times_add(&s->starts, a->drafts[i]) < 0)
			return -1;
	return 0;
}

static int plan_one(struct acc_state *s, struct plan_row *row, int gap)
{
	const struct plan_account *a = s->a;
	struct times *l = row->direct ? &s->direct : &s->drafts;
	int cap = row->direct ? a->cap : a->draft_cap;

	row->at = 0;
	row->skipped_from = 0;
	if (a->nslots == 0) {
		row->reason = PLAN_NO_SLOTS;
		return 0;
	}
	row->reason = PLAN_FULL;
	for (size_t i = 0; i < a->nslots; i++) {
		int64_t t;

		if (s->used[i])
			continue;
		t = spaced(&s->starts, s->slots[i], gap);
		if (!fits(l, t, cap, PLAN_WINDOW_SEC)) {
			if (!row->skipped_from) {
				row->skipped_from = s->slots[i];
				row->reason = row->direct ? PLAN_AFTER_CAP : PLAN_AFTER_DRAFTS;
			}
			continue;
		}
		if (times_add(l, t) < 0 || times_add(&s->starts, t) < 0)
			return -1;
		s->used[i] = 1;
		row->at = t;
		if (!row->skipped_from)
			row->reason = PLAN_NEXT_SLOT;
		return 1;
	}
	/* nothing fits; skipped_from still names the first slot a cap refused */
	row->reason = PLAN_FULL;
	return 0;
}

int plan_make(const struct plan_account *acc, size_t nacc, struct plan_row *rows, size_t nrows,
	      int init_gap_sec)
{
	struct acc_state *st = calloc(nacc ? nacc : 1, sizeof(*st));
	int planned = 0, rc = 0;

	if (!st)
		return -1;
	for (size_t i = 0; i < nacc && rc == 0; i++)
		if (state_init(&st[i], &acc[i]) < 0)
			rc = -1;
	for (size_t r = 0; r < nrows && rc == 0; r++) {
		struct acc_state *s = NULL;
		int got;

		for (size_t i = 0; i < nacc && !s; i++)
			if (acc[i].id == rows[r].account_id)
				s = &st[i];
		if (!s) {
			rows[r].at = 0;
			rows[r].skipped_from = 0;
			rows[r].reason = PLAN_NO_ACCOUNT;
			continue;
		}
		got = plan_one(s, &rows[r], init_gap_sec);
		if (got < 0)
			rc = -1;
		else
			planned += got;
	}
	for (size_t i = 0; i < nacc; i++)
		state_free(&st[i]);
	free(st);
	return rc < 0 ? -1 : planned;
}

int plan_max_in_window(const int64_t *t, size_t n, int window_sec)
{
	int64_t *s;
	size_t lo = 0;
	int best = 0;

	if (n == 0)
		return 0;
	s = malloc(n * sizeof(*s));
	if (!s)
		return -1;
	memcpy(s, t, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_i64);
	for (size_t hi = 0; hi < n; hi++) {
		while (s[hi] - s[lo] >= window_sec)
			lo++;
		if ((int)(hi - lo + 1) > best)
			best = (int)(hi - lo + 1);
	}
	free(s);
	return best;
}

const char *plan_reason_text(enum plan_reason r)
{
	switch (r) {
	case PLAN_NEXT_SLOT:
		return "The account's next free slot.";
	case PLAN_AFTER_CAP:
		return "Later than the next free slot: an earlier one would put this account over its "
		       "daily limit of direct posts in some 24 hours.";
	case PLAN_AFTER_DRAFTS:
		return "Later than the next free slot: TikTok allows at most 5 drafts waiting in the "
		       "app in 24 hours.";
	case PLAN_NO_SLOTS:
		return "This account has no posting slots. Add slots in its plan settings.";
	case PLAN_FULL:
		return "No free slot left in the days planned ahead within TikTok's limits. Add slots "
		       "or plan fewer videos.";
	case PLAN_NO_ACCOUNT:
		return "No TikTok account is chosen for this row.";
	}
	return "";
}
