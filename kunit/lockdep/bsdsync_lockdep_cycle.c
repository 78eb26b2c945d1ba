// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * Linux lockdep reports a cycle through a bsdsync lock (kunit/lockdep/Kbuild says why this
 * case has a module and a guest of its own): a Linux mutex, then a FreeBSD mtx under it; then
 * the mtx, then the mutex under it. No thread ever waits (one thread, one after the other):
 * lockdep finds the cycle in its graph, prints "possible circular locking dependency" naming
 * both classes ("ld_cycle_mutex" and "ld cycle mtx"), and turns itself off (debug_locks 0),
 * which is what the case checks; scripts/test.sh checks the report in the console.
 */
#include <kunit/test.h>
#include <linux/debug_locks.h>
#include <linux/module.h>
#include <linux/mutex.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>

static DEFINE_MUTEX(ld_cycle_mutex);

static void lockdep_reports_a_cycle_between_an_mtx_and_a_linux_mutex(struct kunit *test)
{
	struct mtx m;

	if (!IS_ENABLED(CONFIG_PROVE_LOCKING))
		kunit_skip(test, "no lockdep in this kernel");
	KUNIT_ASSERT_EQ_MSG(test, debug_locks, 1, "lockdep was off before the case");
	mtx_init(&m, "ld cycle mtx", NULL, MTX_DEF);
	mutex_lock(&ld_cycle_mutex);
	mtx_lock(&m);
	mtx_unlock(&m);
	mutex_unlock(&ld_cycle_mutex);
	KUNIT_EXPECT_EQ_MSG(test, debug_locks, 1, "lockdep reported the first order");
	/* The other order: the report comes here. */
	mtx_lock(&m);
	mutex_lock(&ld_cycle_mutex);
	mutex_unlock(&ld_cycle_mutex);
	mtx_unlock(&m);
	KUNIT_EXPECT_EQ_MSG(test, debug_locks, 0, "lockdep did not report the cycle");
	mtx_destroy(&m);
}

static struct kunit_case lockdep_cycle_cases[] = {
	KUNIT_CASE(lockdep_reports_a_cycle_between_an_mtx_and_a_linux_mutex),
	{}
};

static struct kunit_suite lockdep_cycle_suite = {
	.name = "bsdsync_lockdep_cycle",
	.test_cases = lockdep_cycle_cases,
};

kunit_test_suites(&lockdep_cycle_suite);

MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("bsdsync: lockdep reports a cycle through a bsdsync lock (its own guest)");
