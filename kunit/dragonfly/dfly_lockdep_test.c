// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * Linux lockdep and DragonFly locks (module/platform/lockdep.c): a spinlock is a hold with
 * interrupts on (exclusive or shared), a lockmgr lock a hold like any other, and an LWKT token
 * is never given to lockdep (its holder gives it up whenever it blocks: it cannot deadlock and
 * must not look held across a block), also while the holder sleeps holding it and a Linux
 * mutex is taken inside. Skipped without lockdep.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/mutex.h>

#include "harness.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/lock.h>
#include <sys/spinlock.h>
#include <sys/spinlock2.h>

static void lockdep_holds_a_spinlock_with_interrupts_on(struct kunit *test)
{
	struct spinlock s;
	int irqs_off = -1, read = -1, n;

	BT_NEED_LOCKDEP(test);
	spin_init(&s, "ld dfly spin");
	spin_lock(&s);
	n = bt_lockdep_holds("ld dfly spin", &read, NULL, &irqs_off);
	spin_unlock(&s);
	KUNIT_EXPECT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, read, 0);
	KUNIT_EXPECT_EQ(test, irqs_off, 0);
	spin_lock_shared(&s);
	n = bt_lockdep_holds("ld dfly spin", &read, NULL, NULL);
	spin_unlock_shared(&s);
	KUNIT_EXPECT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, read, 1);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld dfly spin", NULL, NULL, NULL), 0);
	spin_uninit(&s);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

static void lockdep_holds_a_lockmgr_lock(struct kunit *test)
{
	struct lock lk;
	int read = -1;

	BT_NEED_LOCKDEP(test);
	lockinit(&lk, "ld dfly lockmgr", 0, 0);
	lockmgr(&lk, LK_SHARED);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld dfly lockmgr", &read, NULL, NULL), 1);
	KUNIT_EXPECT_EQ(test, read, 1);
	lockmgr(&lk, LK_RELEASE);
	lockmgr(&lk, LK_EXCLUSIVE);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld dfly lockmgr", &read, NULL, NULL), 1);
	KUNIT_EXPECT_EQ(test, read, 0);
	lockmgr(&lk, LK_RELEASE);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld dfly lockmgr", NULL, NULL, NULL), 0);
	lockuninit(&lk);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

static DEFINE_MUTEX(ld_token_mutex);

/* A token around a Linux mutex in one thread, the mutex around the same token in another:
 * a cycle if tokens were locks, none for DragonFly (a thread blocked on the mutex gives its
 * token up). Lockdep must neither see the token nor report. */
static void lockdep_never_sees_a_token(struct kunit *test)
{
	struct lwkt_token tok;

	BT_NEED_LOCKDEP(test);
	lwkt_token_init(&tok, "ld dfly token");
	lwkt_gettoken(&tok);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld dfly token", NULL, NULL, NULL), 0);
	mutex_lock(&ld_token_mutex);
	usleep_range(100, 200);		/* blocks holding the token: it is given up */
	mutex_unlock(&ld_token_mutex);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld dfly token", NULL, NULL, NULL), 0);
	lwkt_reltoken(&tok);
	mutex_lock(&ld_token_mutex);
	lwkt_gettoken_shared(&tok);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld dfly token", NULL, NULL, NULL), 0);
	lwkt_reltoken(&tok);
	mutex_unlock(&ld_token_mutex);
	lwkt_token_uninit(&tok);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

static struct kunit_case dfly_lockdep_cases[] = {
	KUNIT_CASE(lockdep_holds_a_spinlock_with_interrupts_on),
	KUNIT_CASE(lockdep_holds_a_lockmgr_lock),
	KUNIT_CASE(lockdep_never_sees_a_token),
	{}
};

static struct kunit_suite dfly_lockdep_suite = {
	.name = "bsdsync_dfly_lockdep",
	.test_cases = dfly_lockdep_cases,
};

kunit_test_suites(&dfly_lockdep_suite);
