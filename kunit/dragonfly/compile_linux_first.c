// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * Compile test, the clash case: a ported DragonFly file that includes Linux headers FIRST
 * and then DragonFly's, using the names both define in both meanings: struct spinlock and
 * spinlock_t, spin_lock/spin_unlock/spin_trylock on each, ssleep (one argument: Linux's
 * seconds; five: DragonFly's). Its KUnit case also runs the DragonFly-order file
 * (compile_dragonfly_order.c).
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/spinlock.h>
#include <linux/delay.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include <linux/mutex.h>
#include <linux/atomic.h>
#include <kunit/test.h>

#include <sys/types.h>
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/thread2.h>
#include <sys/spinlock.h>
#include <sys/spinlock2.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/mutex2.h>
#include <sys/serialize.h>
#include <sys/condvar.h>
#include <sys/msgport.h>
#include <sys/msgport2.h>
#include <machine/atomic.h>
#include <sys/thread.h>
#include <sys/mplock2.h>

int bt_dragonfly_order_driver(void);

static DEFINE_SPINLOCK(linux_lock);
static struct spinlock dfly_lock = SPINLOCK_INITIALIZER(&dfly_lock, "dfly_lock");
static struct lwkt_token dfly_token = LWKT_TOKEN_INITIALIZER(dfly_token);

static void linux_and_dragonfly_names_side_by_side(struct kunit *test)
{
	spinlock_t l2;
	struct spinlock d2;
	int got_linux, got_dfly, base = preempt_count(), in_dfly, chan = 0;

	spin_lock_init(&l2);
	spin_init(&d2, "d2");
	spin_lock(&linux_lock);				/* Linux's */
	spin_lock(&dfly_lock);				/* DragonFly's */
	in_dfly = preempt_count();
	spin_unlock(&dfly_lock);
	spin_unlock(&linux_lock);
	got_linux = spin_trylock(&l2);
	if (got_linux)
		spin_unlock(&l2);
	got_dfly = spin_trylock(&d2);
	if (got_dfly)
		spin_unlock(&d2);
	KUNIT_EXPECT_EQ(test, got_linux, 1);
	KUNIT_EXPECT_EQ(test, got_dfly, 1);
	KUNIT_EXPECT_EQ(test, in_dfly, base + 2);
	KUNIT_EXPECT_FALSE(test, spin_held(&dfly_lock));
	KUNIT_EXPECT_EQ(test, preempt_count(), base);

	ssleep(0);					/* Linux's ssleep(seconds) */
	spin_lock(&d2);
	KUNIT_EXPECT_EQ(test, ssleep(&chan, &d2, 0, "dfly", 1), EWOULDBLOCK);	/* DragonFly's */
	spin_unlock(&d2);

	lwkt_gettoken(&dfly_token);			/* tokens and the MP lock */
	get_mplock();
	KUNIT_EXPECT_TRUE(test, LWKT_TOKEN_HELD_EXCL(&dfly_token) && MP_LOCK_HELD());
	rel_mplock();
	lwkt_reltoken(&dfly_token);
}

/* The sleep locks, cv and atomics of DragonFly beside Linux's mutex and atomic_t. */
static void dragonfly_locks_beside_linux_ones(struct kunit *test)
{
	static DEFINE_MUTEX(linux_mutex);
	struct lock lk;
	mtx_t m;
	struct lwkt_serialize slz;
	struct cv cv;
	atomic_t la = ATOMIC_INIT(1);
	u_int da = 1;

	lockinit(&lk, "lk", 0, 0);
	mtx_init(&m, "m");
	lwkt_serialize_init(&slz);
	cv_init(&cv, "cv");
	mutex_lock(&linux_mutex);
	KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE), 0);
	KUNIT_EXPECT_EQ(test, mtx_lock_ex_try(&m), 0);
	lwkt_serialize_enter(&slz);
	lwkt_serialize_exit(&slz);
	/* Not with the serializer held: the wait takes lk back under it, the reverse of the
	 * order above (lk, then the serializer), which Linux lockdep rightly reports. */
	KUNIT_EXPECT_EQ(test, cv_timedwait(&cv, &lk, 1), EWOULDBLOCK);
	mtx_unlock(&m);
	lockmgr(&lk, LK_RELEASE);
	mutex_unlock(&linux_mutex);
	atomic_add(2, &la);			/* Linux's */
	atomic_add_int(&da, 2);			/* DragonFly's */
	KUNIT_EXPECT_EQ(test, atomic_read(&la), 3);
	KUNIT_EXPECT_EQ(test, da, 3U);
}

static void dragonfly_order_file_runs(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, bt_dragonfly_order_driver(), 321);
}

static struct kunit_case headers_cases[] = {
	KUNIT_CASE(linux_and_dragonfly_names_side_by_side),
	KUNIT_CASE(dragonfly_order_file_runs),
	KUNIT_CASE(dragonfly_locks_beside_linux_ones),
	{}
};

static struct kunit_suite headers_suite = {
	.name = "dragonfly_headers",
	.test_cases = headers_cases,
};

kunit_test_suites(&headers_suite);
