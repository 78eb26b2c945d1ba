// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The context rules (module/core/context_rules.h, one table for both personalities) through
 * DragonFly's locks, with witness on: one case per cell of DragonFly's rows and columns.
 * DragonFly's rules (bsd-api-reference.md sections 21-23): never block or switch holding a
 * spinlock (a lockmgr or mtx lock taken under one is reported at the acquisition, as witness
 * reports a blockable lock under a spin lock, contended or not; a token only when it would
 * block, where DragonFly's lwkt_switch asserts); tokens are released while their holder
 * blocks (sleeping with one held is fine); tsleep gives the thread's critical sections up.
 *
 * Nothing is asserted while a spinlock or critical section is held (KUnit may allocate on
 * failure): each operation there is probed (harness.h bt_probe) and checked after.
 */
#include <linux/preempt.h>
#include <linux/slab.h>

#include "harness.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/thread2.h>
#include <sys/spinlock.h>
#include <sys/spinlock2.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/mutex2.h>
#include <sys/thread.h>

struct dctx {
	struct spinlock spin, spin2;
	struct lock lk, lk2;
	struct mtx m;
	struct lwkt_token tok;
	int chan;
};

static struct dctx *dctx_init(struct kunit *test)
{
	struct dctx *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, d);
	spin_init(&d->spin, "dctx-spin");
	spin_init(&d->spin2, "dctx-spin2");
	lockinit(&d->lk, "dctx-lk", 0, 0);
	lockinit(&d->lk2, "dctx-lk2", 0, 0);
	mtx_init(&d->m, "dctx-mtx");
	lwkt_token_init(&d->tok, "dctx-tok");
	return d;
}

#define DCTX_PROBE(p, rule, stmt)			\
	do {						\
		bt_probe_begin((p), (rule));		\
		stmt;					\
		bt_probe_end((p));			\
	} while (0)

static void dctx_expect_quiet(struct kunit *test, const struct bt_probe *p, const char *what)
{
	KUNIT_EXPECT_EQ_MSG(test, p->total_after - p->total_before, 0UL, "%s: reported", what);
}

/* Spin x Sleepable: lockmgr (both modes) and mtx under a spinlock, uncontended: one report
 * each at the acquisition; the releases are quiet. */
static void lockmgr_and_mtx_under_a_spinlock_are_reported_uncontended(struct kunit *test)
{
	struct dctx *d = dctx_init(test);
	struct bt_probe p[6];
	int err[3];
	const int r = BSDSYNC_RULE_SLEEP_ATOMIC;

	spin_lock(&d->spin);
	DCTX_PROBE(&p[0], r, err[0] = lockmgr(&d->lk, LK_EXCLUSIVE));
	DCTX_PROBE(&p[1], r, lockmgr(&d->lk, LK_RELEASE));
	DCTX_PROBE(&p[2], r, err[1] = lockmgr(&d->lk, LK_SHARED));
	DCTX_PROBE(&p[3], r, lockmgr(&d->lk, LK_RELEASE));
	DCTX_PROBE(&p[4], r, err[2] = mtx_lock_ex_quick(&d->m));
	DCTX_PROBE(&p[5], r, mtx_unlock(&d->m));
	spin_unlock(&d->spin);
	KUNIT_EXPECT_EQ(test, preempt_count(), 0);
	bt_expect_one_report_no_sleep(test, &p[0], "lockmgr LK_EXCLUSIVE under a spinlock");
	dctx_expect_quiet(test, &p[1], "lockmgr LK_RELEASE");
	bt_expect_one_report_no_sleep(test, &p[2], "lockmgr LK_SHARED under a spinlock");
	dctx_expect_quiet(test, &p[3], "lockmgr LK_RELEASE");
	bt_expect_one_report_no_sleep(test, &p[4], "mtx_lock_ex_quick under a spinlock");
	dctx_expect_quiet(test, &p[5], "mtx_unlock");
	KUNIT_EXPECT_EQ(test, err[0], 0);
	KUNIT_EXPECT_EQ(test, err[1], 0);
	KUNIT_EXPECT_EQ(test, err[2], 0);
}

/* Spin x Unwitnessed: an uncontended token under a spinlock is legal DragonFly (only a
 * switch with the spinlock held is not). */
static void token_under_a_spinlock_is_not_reported_uncontended(struct kunit *test)
{
	struct dctx *d = dctx_init(test);

	BT_EXPECT_NO_REPORT(test, ({
		spin_lock(&d->spin);
		lwkt_gettoken(&d->tok);
		lwkt_reltoken(&d->tok);
		lwkt_gettoken_shared(&d->tok);
		lwkt_reltoken(&d->tok);
		spin_unlock(&d->spin);
	}));
}

/* Spin x Spin: allowed. */
static void spinlock_under_a_spinlock_is_allowed(struct kunit *test)
{
	struct dctx *d = dctx_init(test);

	BT_EXPECT_NO_REPORT(test, ({
		spin_lock(&d->spin);
		spin_lock(&d->spin2);
		spin_unlock(&d->spin2);
		spin_unlock(&d->spin);
	}));
}

/* Spin x Sleep: reported once, not slept, with witness on too (no second report). */
static void tsleep_holding_a_spinlock_is_reported_once_with_witness_on(struct kunit *test)
{
	struct dctx *d = dctx_init(test);
	struct bt_probe p;
	int err;

	spin_lock(&d->spin);
	DCTX_PROBE(&p, BSDSYNC_RULE_SLEEP_ATOMIC, err = tsleep(&d->chan, 0, "dctx", 1));
	spin_unlock(&d->spin);
	bt_expect_one_report_no_sleep(test, &p, "tsleep holding a spinlock");
	KUNIT_EXPECT_EQ(test, err, EWOULDBLOCK);
}

/* Token x Sleep: tokens are released while their holder sleeps. */
static void tsleep_holding_a_token_is_allowed(struct kunit *test)
{
	struct dctx *d = dctx_init(test);
	int err = 0;

	BT_EXPECT_NO_REPORT(test, ({
		lwkt_gettoken(&d->tok);
		err = tsleep(&d->chan, 0, "dctx", 1);
		lwkt_reltoken(&d->tok);
	}));
	KUNIT_EXPECT_EQ(test, err, EWOULDBLOCK);
}

/* Critical x Sleepable: a lockmgr lock in a critical section, uncontended: reported once
 * (bsdsync cannot give a section up for a lock wait, only for tsleep). */
static void lockmgr_in_a_critical_section_is_reported_uncontended(struct kunit *test)
{
	struct dctx *d = dctx_init(test);
	struct bt_probe p[2];
	int err;

	crit_enter();
	DCTX_PROBE(&p[0], BSDSYNC_RULE_SLEEP_ATOMIC, err = lockmgr(&d->lk, LK_EXCLUSIVE));
	DCTX_PROBE(&p[1], BSDSYNC_RULE_SLEEP_ATOMIC, lockmgr(&d->lk, LK_RELEASE));
	crit_exit();
	bt_expect_one_report_no_sleep(test, &p[0], "lockmgr in a critical section");
	dctx_expect_quiet(test, &p[1], "lockmgr LK_RELEASE");
	KUNIT_EXPECT_EQ(test, err, 0);
}

/* Critical x Unwitnessed and x Sleep: a token, uncontended, and tsleep (which gives the
 * section up) in a critical section are allowed. */
static void token_and_tsleep_in_a_critical_section_are_allowed(struct kunit *test)
{
	struct dctx *d = dctx_init(test);
	int err = 0;

	BT_EXPECT_NO_REPORT(test, ({
		crit_enter();
		lwkt_gettoken(&d->tok);
		lwkt_reltoken(&d->tok);
		err = tsleep(&d->chan, 0, "dctx", 1);
		crit_exit();
	}));
	KUNIT_EXPECT_EQ(test, err, EWOULDBLOCK);
	KUNIT_EXPECT_EQ(test, preempt_count(), 0);
}

/* Sleepable row: under a lockmgr lock, everything is allowed. */
static void lockmgr_held_allows_every_lock_and_sleeping(struct kunit *test)
{
	struct dctx *d = dctx_init(test);

	BT_EXPECT_NO_REPORT(test, ({
		lockmgr(&d->lk, LK_EXCLUSIVE);
		lockmgr(&d->lk2, LK_EXCLUSIVE);
		lockmgr(&d->lk2, LK_RELEASE);
		mtx_lock_ex_quick(&d->m);
		mtx_unlock(&d->m);
		lwkt_gettoken(&d->tok);
		lwkt_reltoken(&d->tok);
		spin_lock(&d->spin);
		spin_unlock(&d->spin);
		tsleep(&d->chan, 0, "dctx", 1);
		lockmgr(&d->lk, LK_RELEASE);
	}));
}

static int witness_was, lockdep_was_quiet;

static int dctx_case_init(struct kunit *test)
{
	lockdep_was_quiet = bsdsync_test_lockdep_quiet(1);
	witness_was = bsdsync_test_witness(1);
	return 0;
}

static void dctx_case_exit(struct kunit *test)
{
	bsdsync_test_witness(witness_was);
	bsdsync_test_lockdep_quiet(lockdep_was_quiet);
}

static struct kunit_case dctx_cases[] = {
	KUNIT_CASE(lockmgr_and_mtx_under_a_spinlock_are_reported_uncontended),
	KUNIT_CASE(token_under_a_spinlock_is_not_reported_uncontended),
	KUNIT_CASE(spinlock_under_a_spinlock_is_allowed),
	KUNIT_CASE(tsleep_holding_a_spinlock_is_reported_once_with_witness_on),
	KUNIT_CASE(tsleep_holding_a_token_is_allowed),
	KUNIT_CASE(lockmgr_in_a_critical_section_is_reported_uncontended),
	KUNIT_CASE(token_and_tsleep_in_a_critical_section_are_allowed),
	KUNIT_CASE(lockmgr_held_allows_every_lock_and_sleeping),
	{}
};

static struct kunit_suite dctx_suite = {
	.name = "dragonfly_context_rules",
	.init = dctx_case_init,
	.exit = dctx_case_exit,
	.test_cases = dctx_cases,
};

kunit_test_suites(&dctx_suite);
