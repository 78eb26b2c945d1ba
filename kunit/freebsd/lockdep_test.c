// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * Linux lockdep sees FreeBSD locks (module/platform/lockdep.c): on a kernel with lockdep every
 * hold is in the thread's lockdep held locks under a class named as the lock, exclusive or
 * shared (read), try-locks as try-locks, a recursion as one hold, spin mutexes with interrupts
 * off; locks of one name nest without a lockdep report, and a consistent order with a Linux
 * mutex stays silent. (The cycle lockdep must report, between an mtx and a Linux mutex, ends
 * lockdep for the boot: it runs in its own guest, kunit/lockdep/.) Skipped without lockdep.
 */
#include <kunit/test.h>
#include <linux/mutex.h>

#include "harness.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/sx.h>
#include <sys/rwlock.h>
#include <sys/lockmgr.h>

static void lockdep_holds_an_mtx_under_its_name_exclusively(struct kunit *test)
{
	struct mtx m;
	int read = -1, try = -1;

	BT_NEED_LOCKDEP(test);
	mtx_init(&m, "ld excl mtx", NULL, MTX_DEF);
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld excl mtx", &read, &try, NULL), 1);
	KUNIT_EXPECT_EQ(test, read, 0);
	KUNIT_EXPECT_EQ(test, try, 0);
	mtx_unlock(&m);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld excl mtx", NULL, NULL, NULL), 0);
	mtx_destroy(&m);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

static void lockdep_holds_shared_locks_as_read_and_exclusive_as_write(struct kunit *test)
{
	struct sx s;
	struct rwlock rw;
	int read = -1;

	BT_NEED_LOCKDEP(test);
	sx_init(&s, "ld sx");
	rw_init(&rw, "ld rw");
	sx_slock(&s);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld sx", &read, NULL, NULL), 1);
	KUNIT_EXPECT_EQ(test, read, 1);
	sx_sunlock(&s);
	sx_xlock(&s);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld sx", &read, NULL, NULL), 1);
	KUNIT_EXPECT_EQ(test, read, 0);
	sx_xunlock(&s);
	rw_rlock(&rw);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld rw", &read, NULL, NULL), 1);
	KUNIT_EXPECT_EQ(test, read, 1);
	rw_runlock(&rw);
	rw_wlock(&rw);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld rw", &read, NULL, NULL), 1);
	KUNIT_EXPECT_EQ(test, read, 0);
	rw_wunlock(&rw);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld sx", NULL, NULL, NULL), 0);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld rw", NULL, NULL, NULL), 0);
	rw_destroy(&rw);
	sx_destroy(&s);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

static void lockdep_holds_a_try_lock_as_a_try_lock(struct kunit *test)
{
	struct mtx m;
	int try = -1;

	BT_NEED_LOCKDEP(test);
	mtx_init(&m, "ld try mtx", NULL, MTX_DEF);
	KUNIT_ASSERT_TRUE(test, mtx_trylock(&m));
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld try mtx", NULL, &try, NULL), 1);
	KUNIT_EXPECT_EQ(test, try, 1);
	mtx_unlock(&m);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld try mtx", NULL, NULL, NULL), 0);
	mtx_destroy(&m);
}

static void lockdep_holds_a_recursed_lock_once(struct kunit *test)
{
	struct mtx m;
	struct lock lk;

	BT_NEED_LOCKDEP(test);
	mtx_init(&m, "ld recursed mtx", NULL, MTX_DEF | MTX_RECURSE);
	mtx_lock(&m);
	mtx_lock(&m);
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld recursed mtx", NULL, NULL, NULL), 1);
	mtx_unlock(&m);
	mtx_unlock(&m);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld recursed mtx", NULL, NULL, NULL), 1);
	mtx_unlock(&m);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld recursed mtx", NULL, NULL, NULL), 0);
	mtx_destroy(&m);

	lockinit(&lk, 0, "ld recursed lockmgr", 0, LK_CANRECURSE);
	lockmgr(&lk, LK_EXCLUSIVE, NULL);
	lockmgr(&lk, LK_EXCLUSIVE, NULL);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld recursed lockmgr", NULL, NULL, NULL), 1);
	lockmgr(&lk, LK_RELEASE, NULL);
	lockmgr(&lk, LK_RELEASE, NULL);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld recursed lockmgr", NULL, NULL, NULL), 0);
	lockdestroy(&lk);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

static void lockdep_holds_a_spin_mutex_with_interrupts_off(struct kunit *test)
{
	struct mtx m;
	int irqs_off = -1, n;

	BT_NEED_LOCKDEP(test);
	mtx_init(&m, "ld spin mtx", NULL, MTX_SPIN);
	mtx_lock_spin(&m);
	n = bt_lockdep_holds("ld spin mtx", NULL, NULL, &irqs_off);
	mtx_unlock_spin(&m);
	/* Checked after the unlock: a failed expectation allocates. */
	KUNIT_EXPECT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, irqs_off, 1);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld spin mtx", NULL, NULL, NULL), 0);
	mtx_destroy(&m);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/* Two locks of one name held at once (DUPOK for witness): lockdep sees both, and no
 * "recursive locking" report (lockdep would turn itself off: debug_locks 0). */
static void lockdep_nests_locks_of_one_name_without_a_report(struct kunit *test)
{
	struct mtx a, b;

	BT_NEED_LOCKDEP(test);
	mtx_init(&a, "ld dup mtx", NULL, MTX_DEF | MTX_DUPOK);
	mtx_init(&b, "ld dup mtx", NULL, MTX_DEF | MTX_DUPOK);
	mtx_lock(&a);
	mtx_lock(&b);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld dup mtx", NULL, NULL, NULL), 2);
	mtx_unlock(&a);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld dup mtx", NULL, NULL, NULL), 1);
	mtx_unlock(&b);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld dup mtx", NULL, NULL, NULL), 0);
	mtx_destroy(&b);
	mtx_destroy(&a);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

static DEFINE_MUTEX(ld_linux_mutex);

/* A Linux mutex and an mtx nested, in one order, from two threads: lockdep records the order
 * (it sees both) and stays silent. */
struct ld_nest {
	struct mtx *m;
	int seen;
};

static void ld_nest_fn(void *arg)
{
	struct ld_nest *n = arg;

	mutex_lock(&ld_linux_mutex);
	mtx_lock(n->m);
	n->seen = bt_lockdep_holds("ld nested mtx", NULL, NULL, NULL) +
		  bt_lockdep_holds("ld_linux_mutex", NULL, NULL, NULL);
	mtx_unlock(n->m);
	mutex_unlock(&ld_linux_mutex);
}

static void lockdep_sees_an_mtx_nested_with_a_linux_mutex_silently(struct kunit *test)
{
	struct mtx m;
	struct ld_nest n[2];
	struct bt_thread t[2];

	BT_NEED_LOCKDEP(test);
	mtx_init(&m, "ld nested mtx", NULL, MTX_DEF);
	n[0].m = n[1].m = &m;
	n[0].seen = n[1].seen = 0;
	bt_start_n(test, t, 2, ld_nest_fn, n, sizeof(n[0]), "ld_nest");
	bt_join_n(t, 2);
	KUNIT_EXPECT_EQ(test, n[0].seen, 2);
	KUNIT_EXPECT_EQ(test, n[1].seen, 2);
	mtx_destroy(&m);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

/* msleep gives the mtx up while asleep and takes it back: lockdep's view follows. */
static void lockdep_follows_an_mtx_across_msleep(struct kunit *test)
{
	struct mtx m;
	int chan;

	BT_NEED_LOCKDEP(test);
	mtx_init(&m, "ld msleep mtx", NULL, MTX_DEF);
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, msleep(&chan, &m, 0, "ldslp", 1), EWOULDBLOCK);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld msleep mtx", NULL, NULL, NULL), 1);
	mtx_unlock(&m);
	KUNIT_EXPECT_EQ(test, bt_lockdep_holds("ld msleep mtx", NULL, NULL, NULL), 0);
	mtx_destroy(&m);
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

static struct kunit_case lockdep_cases[] = {
	KUNIT_CASE(lockdep_holds_an_mtx_under_its_name_exclusively),
	KUNIT_CASE(lockdep_holds_shared_locks_as_read_and_exclusive_as_write),
	KUNIT_CASE(lockdep_holds_a_try_lock_as_a_try_lock),
	KUNIT_CASE(lockdep_holds_a_recursed_lock_once),
	KUNIT_CASE(lockdep_holds_a_spin_mutex_with_interrupts_off),
	KUNIT_CASE(lockdep_nests_locks_of_one_name_without_a_report),
	KUNIT_CASE(lockdep_sees_an_mtx_nested_with_a_linux_mutex_silently),
	KUNIT_CASE(lockdep_follows_an_mtx_across_msleep),
	{}
};

static struct kunit_suite lockdep_suite = {
	.name = "bsdsync_lockdep",
	.test_cases = lockdep_cases,
};

kunit_test_suites(&lockdep_suite);
