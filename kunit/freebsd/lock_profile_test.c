// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * Lock profiling (module/core/lock_profile.h, FreeBSD's LOCK_PROFILING(9)) through real
 * FreeBSD locks: contention counted exactly in a scripted two-thread scenario, holds and
 * waits timed (non-zero, never compared with a threshold), recursion not counted, shared
 * holds timed, spin iterations counted (a spinner that the holder watches spin), and enable
 * / disable / reset. Each case starts with profiling on and an empty
 * table, and puts profiling back as it was.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/sx.h>
#include <bsdsync/testing.h>

#include "harness.h"

#define TEXT_BYTES 8192

static struct bsdsync_test_lock_prof_numbers numbers(struct kunit *test, const char *type,
					     const char *name)
{
	struct bsdsync_test_lock_prof_numbers p = {};

	KUNIT_EXPECT_EQ_MSG(test, bsdsync_test_lock_prof_class(type, name, &p), 1,
			    "no profile of %s %s", type, name);
	return p;
}

struct contender {
	struct mtx *m;
};

static void contend(void *arg)
{
	struct contender *c = arg;

	mtx_lock(c->m);
	mtx_unlock(c->m);
}

#define ROUNDS 10

/* Thread A (the test) holds the mutex; thread B blocks on it until A releases; then A takes
 * it ROUNDS - 2 more times alone: ROUNDS acquisitions, one of them contended. */
static void lock_profiling_counts_one_contended_acquisition_of_n(struct kunit *test)
{
	struct mtx m;
	struct contender c = { &m };
	struct bt_thread b;
	struct bsdsync_test_lock_prof_numbers p;

	mtx_init(&m, "lp-contended", NULL, MTX_DEF);
	mtx_lock(&m);
	bt_start(test, &b, contend, &c, "lp-contender");
	/* B is queued (not spinning: this thread sleeps while it waits). */
	BT_WAIT_UNTIL(test, READ_ONCE(m.mtx_lock) & MTX_CONTESTED);
	mtx_unlock(&m);
	bt_join(&b);
	for (int i = 0; i < ROUNDS - 2; i++) {
		mtx_lock(&m);
		mtx_unlock(&m);
	}
	p = numbers(test, "sleep mutex", "lp-contended");
	KUNIT_EXPECT_EQ(test, p.acquisitions, (u64)ROUNDS);
	KUNIT_EXPECT_EQ(test, p.contentions, 1ULL);
	KUNIT_EXPECT_EQ(test, p.contended, 1ULL);
	KUNIT_EXPECT_EQ(test, p.holds, (u64)ROUNDS);
	KUNIT_EXPECT_GT(test, p.wait_total_ns, 0ULL);
	/* One wait: its maximum is its total. */
	KUNIT_EXPECT_EQ(test, p.wait_max_ns, p.wait_total_ns);
	KUNIT_EXPECT_GT(test, p.hold_max_ns, 0ULL);
	KUNIT_EXPECT_LE(test, p.hold_max_ns, p.hold_total_ns);
	mtx_destroy(&m);
}

static void lock_profiling_counts_a_recursed_mutex_once_and_times_shared_holds(struct kunit *test)
{
	struct mtx m;
	struct sx s;
	struct bsdsync_test_lock_prof_numbers p;

	mtx_init(&m, "lp-recursed", NULL, MTX_DEF | MTX_RECURSE);
	sx_init(&s, "lp-shared");
	mtx_lock(&m);
	mtx_lock(&m);
	mtx_unlock(&m);
	mtx_unlock(&m);
	sx_slock(&s);
	sx_slock(&s);
	sx_sunlock(&s);
	sx_sunlock(&s);
	KUNIT_EXPECT_TRUE(test, sx_try_xlock(&s));
	sx_xunlock(&s);
	p = numbers(test, "sleep mutex", "lp-recursed");
	KUNIT_EXPECT_EQ(test, p.acquisitions, 1ULL);
	KUNIT_EXPECT_EQ(test, p.holds, 1ULL);
	KUNIT_EXPECT_EQ(test, p.contended, 0ULL);
	p = numbers(test, "sx", "lp-shared");
	/* Two shared holds (each is one) and a try-lock. */
	KUNIT_EXPECT_EQ(test, p.acquisitions, 3ULL);
	KUNIT_EXPECT_EQ(test, p.holds, 3ULL);
	KUNIT_EXPECT_EQ(test, p.contentions, 0ULL);
	KUNIT_EXPECT_EQ(test, p.wait_total_ns, 0ULL);
	sx_destroy(&s);
	mtx_destroy(&m);
}

static void lock_n_times(struct mtx *m, int n)
{
	for (int i = 0; i < n; i++) {
		mtx_lock(m);
		mtx_unlock(m);
	}
}

static void lock_profiling_counts_only_while_enabled_and_forgets_on_reset(struct kunit *test)
{
	struct mtx m;
	struct bsdsync_test_lock_prof_numbers p;
	char *stats = kunit_kzalloc(test, TEXT_BYTES, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, stats);
	mtx_init(&m, "lp-onoff", NULL, MTX_DEF);
	lock_n_times(&m, 3);
	KUNIT_EXPECT_EQ(test, numbers(test, "sleep mutex", "lp-onoff").acquisitions, 3ULL);
	/* Off: nothing counted; the numbers stay. */
	KUNIT_EXPECT_EQ(test, bsdsync_test_lock_prof(0), 1);
	lock_n_times(&m, 2);
	/* A hold that began while off is not timed when it ends while on. */
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, bsdsync_test_lock_prof(1), 0);
	mtx_unlock(&m);
	p = numbers(test, "sleep mutex", "lp-onoff");
	KUNIT_EXPECT_EQ(test, p.acquisitions, 3ULL);
	KUNIT_EXPECT_EQ(test, p.holds, 3ULL);
	/* On again: counted again, added to what was kept. */
	lock_n_times(&m, 1);
	KUNIT_EXPECT_EQ(test, numbers(test, "sleep mutex", "lp-onoff").acquisitions, 4ULL);
	/* The table: FreeBSD's header, and one line for the class, named by its init site. */
	KUNIT_EXPECT_LT(test, bsdsync_test_lock_prof_stats(stats, TEXT_BYTES),
			(unsigned long)TEXT_BYTES);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(stats, " wait_max "), "%s", stats);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(stats, "cnt_hold cnt_lock "), "%s", stats);
	KUNIT_EXPECT_NOT_NULL_MSG(test,
				  strstr(stats, "lock_profile_test.c:"), "%s", stats);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(stats, "(sleep mutex:lp-onoff)\n"), "%s", stats);
	/* Reset: the class is gone. */
	bsdsync_test_lock_prof_reset();
	{
		struct bsdsync_test_lock_prof_numbers none;

		KUNIT_EXPECT_EQ(test, bsdsync_test_lock_prof_class("sleep mutex", "lp-onoff", &none),
				0);
	}
	bsdsync_test_lock_prof_stats(stats, TEXT_BYTES);
	KUNIT_EXPECT_NULL_MSG(test, strstr(stats, "lp-onoff"), "%s", stats);
	mtx_destroy(&m);
}

/* ---- spin iterations ---------------------------------------------------------------- */

static void mtx_lock_fn(void *m) { mtx_lock((struct mtx *)m); }
static void mtx_unlock_fn(void *m) { mtx_unlock((struct mtx *)m); }
static void mtx_lock_spin_fn(void *m) { mtx_lock_spin((struct mtx *)m); }
static void mtx_unlock_spin_fn(void *m) { mtx_unlock_spin((struct mtx *)m); }

/* The contender will not spin again before the release: it queued (MTX_CONTESTED). */
static bool mtx_queued(void *m)
{
	return READ_ONCE(((struct mtx *)m)->mtx_lock) & MTX_CONTESTED;
}

/* B spins on a held mutex (adaptive spinning on a running owner for MTX_DEF, the spin loop
 * for MTX_SPIN): its spins are charged to the mutex's class (harness.h
 * bt_expect_spins_counted). */
static void lock_profiling_counts_the_adaptive_spins_of_a_sleep_mutex(struct kunit *test)
{
	struct mtx m, after;
	struct bt_spin_script s = { mtx_lock_fn, mtx_unlock_fn, mtx_queued, &m, &after,
				    "sleep mutex", "lp-adaptive", "lp-adaptive-after" };

	mtx_init(&m, "lp-adaptive", NULL, MTX_DEF);
	mtx_init(&after, "lp-adaptive-after", NULL, MTX_DEF);
	bt_expect_spins_counted(test, &s);
	mtx_destroy(&after);
	mtx_destroy(&m);
}

static void lock_profiling_counts_the_spins_of_a_spin_mutex(struct kunit *test)
{
	struct mtx m, after;
	struct bt_spin_script s = { mtx_lock_spin_fn, mtx_unlock_spin_fn, NULL, &m, &after,
				    "spin mutex", "lp-spin", "lp-spin-after" };

	mtx_init(&m, "lp-spin", NULL, MTX_SPIN);
	mtx_init(&after, "lp-spin-after", NULL, MTX_SPIN);
	bt_expect_spins_counted(test, &s);
	mtx_destroy(&after);
	mtx_destroy(&m);
}

static void lock_profiling_stats_show_the_spins_column(struct kunit *test)
{
	char *stats = kunit_kzalloc(test, TEXT_BYTES, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, stats);
	bsdsync_test_lock_prof_stats(stats, TEXT_BYTES);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(stats, "cnt_hold cnt_lock       spins name"),
				  "%s", stats);
}

static struct kunit_case lock_profile_cases[] = {
	KUNIT_CASE(lock_profiling_counts_one_contended_acquisition_of_n),
	KUNIT_CASE(lock_profiling_counts_a_recursed_mutex_once_and_times_shared_holds),
	KUNIT_CASE(lock_profiling_counts_only_while_enabled_and_forgets_on_reset),
	KUNIT_CASE(lock_profiling_counts_the_adaptive_spins_of_a_sleep_mutex),
	KUNIT_CASE(lock_profiling_counts_the_spins_of_a_spin_mutex),
	KUNIT_CASE(lock_profiling_stats_show_the_spins_column),
	{}
};

static struct kunit_suite lock_profile_suite = {
	.name = "bsdsync_lock_profile",
	.init = bt_lock_prof_case_init,
	.exit = bt_lock_prof_case_exit,
	.test_cases = lock_profile_cases,
};

kunit_test_suites(&lock_profile_suite);
