/* Unit tests: the publishing planner (lib/plan.c) — slots taken in order,
 * no account over its cap in any rolling 24 h window, pending drafts held
 * at their limit, init starts spaced, and the reasons the page shows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plan.h"
#include "ratelimit.h"

#define T0 1767261600LL          /* 2026-01-01 10:00 UTC, any instant will do */
#define H 3600LL
#define D 86400LL

/* n slots a day at the given offsets from midnight-ish, for days days */
static size_t daily_slots(int64_t *out, int days, const int64_t *offsets, size_t noff)
{
	size_t n = 0;

	for (int d = 0; d < days; d++)
		for (size_t i = 0; i < noff; i++)
			out[n++] = T0 + d * D + offsets[i];
	return n;
}

static void rows_for(struct plan_row *rows, size_t n, int64_t account, int direct)
{
	for (size_t i = 0; i < n; i++)
		rows[i] = (struct plan_row){ .account_id = account, .direct = direct };
}

static int max_in_window(const struct plan_row *rows, size_t n, const int64_t *more, size_t nmore,
			 int direct)
{
	int64_t t[512];
	size_t k = 0;

	for (size_t i = 0; i < nmore; i++)
		t[k++] = more[i];
	for (size_t i = 0; i < n; i++)
		if (rows[i].at && rows[i].direct == direct)
			t[k++] = rows[i].at;
	return plan_max_in_window(t, k, PLAN_DAY_SEC);
}

static void forty_clips_two_slots_a_day(void **state)
{
	int64_t off[] = { 18 * H + 1800 - 10 * H, 21 * H - 10 * H };  /* 18:30 and 21:00 */
	int64_t slots[64];
	size_t ns = daily_slots(slots, 25, off, 2);
	struct plan_account a = { .id = 7, .cap = 15, .draft_cap = 5, .slots = slots, .nslots = ns };
	struct plan_row rows[40];

	(void)state;
	rows_for(rows, 40, 7, 1);
	assert_int_equal(plan_make(&a, 1, rows, 40, 10), 40);
	for (int i = 0; i < 40; i++) {
		assert_int_equal(rows[i].at, slots[i]);          /* in order, slot after slot */
		assert_int_equal(rows[i].reason, PLAN_NEXT_SLOT);
	}
	assert_true(max_in_window(rows, 40, NULL, 0, 1) <= 15);
}

static void dense_slots_never_over_the_cap(void **state)
{
	int64_t off[48], slots[48 * 4];
	struct plan_account a = { .id = 1, .cap = 13, .draft_cap = 5 };
	struct plan_row rows[60];
	int spilled = 0;

	(void)state;
	for (int i = 0; i < 48; i++)
		off[i] = i * 1800;                               /* every half hour */
	a.nslots = daily_slots(slots, 4, off, 48);
	a.slots = slots;
	rows_for(rows, 60, 1, 1);
	assert_int_equal(plan_make(&a, 1, rows, 60, 10), 52);  /* 4 days × 13 */
	assert_true(max_in_window(rows, 60, NULL, 0, 1) <= 13);
	for (int i = 0; i < 60; i++) {
		if (rows[i].reason == PLAN_AFTER_CAP) {
			spilled++;
			assert_true(rows[i].skipped_from > 0 && rows[i].skipped_from < rows[i].at);
		}
		if (i >= 52)
			assert_int_equal(rows[i].reason, PLAN_FULL);
		else
			assert_true(rows[i].at > 0);
	}
	assert_true(spilled >= 3);
	/* the first 13 take the first 13 slots; the 14th waits for a day and the margin */
	for (int i = 0; i < 13; i++)
		assert_int_equal(rows[i].at, slots[i]);
	assert_int_equal(rows[13].reason, PLAN_AFTER_CAP);
	assert_int_equal(rows[13].skipped_from, slots[13]);
	assert_true(rows[13].at >= slots[0] + PLAN_WINDOW_SEC);
}

static void posts_made_and_scheduled_count(void **state)
{
	int64_t slots[10], made[10], later[3];
	struct plan_account a = { .id = 2, .cap = 15, .draft_cap = 5, .slots = slots, .nslots = 10 };
	struct plan_row rows[10];

	(void)state;
	for (int i = 0; i < 10; i++) {
		slots[i] = T0 + i * H;                           /* hourly from now */
		made[i] = T0 - 5 * H + i * 60;                   /* 10 posts 5 hours ago */
	}
	a.direct = made;
	a.ndirect = 10;
	rows_for(rows, 10, 2, 1);
	/* 5 fit beside the 10 made; the others wait until those leave the window */
	assert_int_equal(plan_make(&a, 1, rows, 10, 10), 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(rows[i].at, slots[i]);
	for (int i = 5; i < 10; i++) {
		assert_int_equal(rows[i].at, 0);
		assert_int_equal(rows[i].reason, PLAN_FULL);
		assert_int_equal(rows[i].skipped_from, slots[5]);
	}

	/* posts scheduled later count as well: 3 at T0+20h leave room for 12 before */
	for (int i = 0; i < 3; i++)
		later[i] = T0 + 20 * H + i * 60;
	a.direct = later;
	a.ndirect = 3;
	{
		int64_t s2[20];
		struct plan_row r2[20];

		for (int i = 0; i < 20; i++)
			s2[i] = T0 + i * 600;                    /* every 10 minutes */
		a.slots = s2;
		a.nslots = 20;
		rows_for(r2, 20, 2, 1);
		assert_int_equal(plan_make(&a, 1, r2, 20, 10), 12);
		assert_true(max_in_window(r2, 20, later, 3, 1) <= 15);
		assert_int_equal(r2[12].at, 0);
	}
}

static void drafts_held_at_five(void **state)
{
	int64_t slots[40];
	struct plan_account a = { .id = 3, .cap = 15, .draft_cap = 5, .slots = slots, .nslots = 40 };
	struct plan_row rows[8];

	(void)state;
	for (int i = 0; i < 40; i++)
		slots[i] = T0 + i * 2 * H;                       /* every 2 hours, 80 hours */
	rows_for(rows, 8, 3, 0);
	assert_int_equal(plan_make(&a, 1, rows, 8, 10), 8);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(rows[i].at, slots[i]);
		assert_int_equal(rows[i].reason, PLAN_NEXT_SLOT);
	}
	for (int i = 5; i < 8; i++) {
		assert_int_equal(rows[i].reason, PLAN_AFTER_DRAFTS);
		assert_int_equal(rows[i].skipped_from, slots[5]);
		assert_true(rows[i].at >= rows[i - 5].at + PLAN_WINDOW_SEC);
	}
	assert_true(max_in_window(rows, 8, NULL, 0, 0) <= 5);
	/* drafts do not use up direct posts, nor direct posts drafts */
	{
		struct plan_row mix[10];

		rows_for(mix, 5, 3, 0);
		rows_for(mix + 5, 5, 3, 1);
		assert_int_equal(plan_make(&a, 1, mix, 10, 10), 10);
		for (int i = 0; i < 10; i++)
			assert_int_equal(mix[i].at, slots[i]);
	}
}

static void init_starts_spaced(void **state)
{
	int64_t slots[3] = { T0, T0 + 60, T0 + 120 };
	int64_t now_jobs[2] = { T0, T0 + 5 };                /* "post now" jobs at T0 and T0+5 */
	struct plan_account a = { .id = 4, .cap = 15, .draft_cap = 5, .slots = slots, .nslots = 3,
				  .direct = now_jobs, .ndirect = 2 };
	struct plan_row rows[3];
	int gap = ratelimit_spacing_sec(RL_INIT);

	(void)state;
	assert_int_equal(gap, 10);
	rows_for(rows, 3, 4, 1);
	assert_int_equal(plan_make(&a, 1, rows, 3, gap), 3);
	assert_int_equal(rows[0].at, T0 + 15);               /* pushed past both, 10 s from each */
	assert_int_equal(rows[1].at, T0 + 60);
	assert_int_equal(rows[2].at, T0 + 120);
}

static void reasons_and_edges(void **state)
{
	int64_t slots[2] = { T0 + H, T0 };
	struct plan_account acc[2] = {
		{ .id = 5, .cap = 0, .draft_cap = 5, .slots = slots, .nslots = 2 },
		{ .id = 6, .cap = 15, .draft_cap = 5 },
	};
	struct plan_row rows[4] = {
		{ .account_id = 5, .direct = 1 },
		{ .account_id = 6, .direct = 1 },
		{ .account_id = 99, .direct = 1 },
		{ .account_id = 5, .direct = 0 },
	};

	(void)state;
	assert_int_equal(plan_make(acc, 2, rows, 4, 10), 1);
	assert_int_equal(rows[0].reason, PLAN_FULL);         /* a cap of 0: nothing fits */
	assert_int_equal(rows[0].skipped_from, T0);          /* slots are sorted */
	assert_int_equal(rows[1].reason, PLAN_NO_SLOTS);
	assert_int_equal(rows[2].reason, PLAN_NO_ACCOUNT);
	assert_int_equal(rows[3].at, T0);                    /* a draft still fits */
	for (int r = PLAN_NEXT_SLOT; r <= PLAN_NO_ACCOUNT; r++)
		assert_true(strlen(plan_reason_text((enum plan_reason)r)) > 10);
	assert_int_equal(plan_make(acc, 2, rows, 0, 10), 0);
}

static void window_counts(void **state)
{
	int64_t t[] = { 100, 0, 86399, 86400, 200000 };

	(void)state;
	assert_int_equal(plan_max_in_window(t, 0, 86400), 0);
	assert_int_equal(plan_max_in_window(t, 5, 86400), 3);   /* 0, 100, 86399 */
	assert_int_equal(plan_max_in_window(t, 5, 86401), 4);
	assert_int_equal(plan_max_in_window(t, 1, 10), 1);
}

/* Random batches: whatever the slots, what exists and the mix of rows,
 * no rolling window goes over either cap, and no two starts are closer
 * than the gap. */
static void random_batches_stay_inside(void **state)
{
	uint64_t seed = 12345;

	(void)state;
	for (int round = 0; round < 300; round++) {
		int64_t slots[120], direct[20], drafts[8], all[300];
		struct plan_row rows[80];
		struct plan_account a = { .id = 1 };
		size_t ns, nd, ndr, nr, k = 0;

#define RND() (seed = seed * 6364136223846793005ULL + 1442695040888963407ULL, seed >> 33)
		a.cap = 1 + (int)(RND() % 15);
		a.draft_cap = 1 + (int)(RND() % 5);
		ns = RND() % 120;
		nd = RND() % (size_t)(a.cap + 1);
		ndr = RND() % (size_t)(a.draft_cap + 1);
		nr = RND() % 80;
		for (size_t i = 0; i < ns; i++)
			slots[i] = T0 + (int64_t)(RND() % (5 * D)) / 60 * 60;
		/* what exists stays inside the caps itself: bunched in one hour */
		for (size_t i = 0; i < nd; i++)
			direct[i] = T0 - H + (int64_t)(RND() % H);
		for (size_t i = 0; i < ndr; i++)
			drafts[i] = T0 - 2 * H + (int64_t)(RND() % H);
		a.slots = slots, a.nslots = ns, a.direct = direct, a.ndirect = nd;
		a.drafts = drafts, a.ndrafts = ndr;
		for (size_t i = 0; i < nr; i++)
			rows[i] = (struct plan_row){ .account_id = 1, .direct = (int)(RND() % 3 != 0) };
		assert_true(plan_make(&a, 1, rows, nr, 10) >= 0);

		for (size_t i = 0; i < nd; i++)
			all[k++] = direct[i];
		for (size_t i = 0; i < nr; i++)
			if (rows[i].at && rows[i].direct)
				all[k++] = rows[i].at;
		assert_true(plan_max_in_window(all, k, PLAN_WINDOW_SEC) <= a.cap);
		k = 0;
		for (size_t i = 0; i < ndr; i++)
			all[k++] = drafts[i];
		for (size_t i = 0; i < nr; i++)
			if (rows[i].at && !rows[i].direct)
				all[k++] = rows[i].at;
		assert_true(plan_max_in_window(all, k, PLAN_WINDOW_SEC) <= a.draft_cap);
		for (size_t i = 0; i < nr; i++) {
			if (!rows[i].at)
				continue;
			for (size_t j = 0; j < nr; j++)
				if (j != i && rows[j].at)
					assert_true(llabs(rows[i].at - rows[j].at) >= 10);
			for (size_t j = 0; j < nd; j++)
				assert_true(llabs(rows[i].at - direct[j]) >= 10);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(forty_clips_two_slots_a_day),
		cmocka_unit_test(dense_slots_never_over_the_cap),
		cmocka_unit_test(posts_made_and_scheduled_count),
		cmocka_unit_test(drafts_held_at_five),
		cmocka_unit_test(init_starts_spaced),
		cmocka_unit_test(reasons_and_edges),
		cmocka_unit_test(window_counts),
		cmocka_unit_test(random_batches_stay_inside),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
