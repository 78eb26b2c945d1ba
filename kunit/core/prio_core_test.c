// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The core's priority propagation and lock hand-off, driven directly with the minimal test
 * lock of include/bsdsync/testing.h (the blocking tail with lending, no personality): a
 * real-time waiter lends its priority to the owner it waits for, the owner's release ends the
 * lending and hands the lock to the waiter it wakes, and waiters of equal priority get the
 * lock in the order they queued.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/sched.h>

#include <bsdsync/report.h>
#include <bsdsync/testing.h>

#include "harness.h"

struct plock {
	struct bsdsync_test_lock lock;
	int holding;
	int release;
	int restored;		/* the owner saw its own attributes back after its release */
	atomic_t order;
};

struct plock_waiter {
	struct plock *p;
	bool fifo;
	int got;		/* the how-manieth to get the lock */
};

static void plock_owner(void *arg)
{
	struct plock *p = arg;
	int i;

	bsdsync_test_lock_acquire(&p->lock, __FILE__, __LINE__);
	WRITE_ONCE(p->holding, 1);
	while (!READ_ONCE(p->release))
		usleep_range(500, 1500);
	bsdsync_test_lock_release(&p->lock);
	/* What was lent ends with the release (a deferred restore may take a moment). */
	for (i = 0; i < 20000; i++) {
		if (READ_ONCE(current->policy) == SCHED_NORMAL && current->rt_priority == 0)
			break;
		usleep_range(500, 1500);
	}
	WRITE_ONCE(p->restored, READ_ONCE(current->policy) == SCHED_NORMAL);
}

static void plock_waiter_fn(void *arg)
{
	struct plock_waiter *w = arg;

	if (w->fifo)
		sched_set_fifo(current);	/* SCHED_FIFO, rt_priority 50 */
	bsdsync_test_lock_acquire(&w->p->lock, __FILE__, __LINE__);
	w->got = atomic_inc_return(&w->p->order);
	bsdsync_test_lock_release(&w->p->lock);
	if (w->fifo)
		sched_set_normal(current, 0);
}

static void core_waiter_lends_its_priority_to_the_owner_until_the_release(struct kunit *test)
{
	struct plock p = {};
	struct plock_waiter w = { &p, true, 0 };
	struct bt_thread o, wt;

	atomic_set(&p.order, 0);
	bt_start(test, &o, plock_owner, &p, "core-prio-owner");
	BT_WAIT_UNTIL(test, READ_ONCE(p.holding));
	KUNIT_EXPECT_EQ(test, READ_ONCE(o.task->policy), SCHED_NORMAL);
	bt_start(test, &wt, plock_waiter_fn, &w, "core-prio-waiter");
	BT_WAIT_UNTIL(test, bsdsync_test_lock_waiters(&p.lock) == 1);
	/* Blocked on the lock: the owner runs at the waiter's priority. */
	BT_WAIT_UNTIL(test, READ_ONCE(o.task->policy) == SCHED_FIFO);
	KUNIT_EXPECT_EQ(test, READ_ONCE(o.task->rt_priority), 50U);
	WRITE_ONCE(p.release, 1);
	bt_join(&wt);
	bt_join(&o);
	KUNIT_EXPECT_EQ(test, w.got, 1);
	KUNIT_EXPECT_TRUE(test, p.restored);
	KUNIT_EXPECT_PTR_EQ(test, p.lock.owner, NULL);
}

static void core_release_hands_the_lock_to_waiters_in_the_order_they_queued(struct kunit *test)
{
	struct plock p = {};
	struct plock_waiter w[3];
	struct bt_thread o, wt[3];
	int i;

	atomic_set(&p.order, 0);
	bt_start(test, &o, plock_owner, &p, "core-handoff-owner");
	BT_WAIT_UNTIL(test, READ_ONCE(p.holding));
	for (i = 0; i < 3; i++) {
		w[i] = (struct plock_waiter){ &p, false, 0 };
		bt_start(test, &wt[i], plock_waiter_fn, &w[i], "core-handoff");
		/* Queued before the next one starts. */
		BT_WAIT_UNTIL(test, bsdsync_test_lock_waiters(&p.lock) == i + 1);
	}
	WRITE_ONCE(p.release, 1);
	bt_join_n(wt, 3);
	bt_join(&o);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ_MSG(test, w[i].got, i + 1, "waiter %d got the lock out of order", i);
	KUNIT_EXPECT_PTR_EQ(test, p.lock.owner, NULL);
}

static struct kunit_case core_prio_cases[] = {
	KUNIT_CASE(core_waiter_lends_its_priority_to_the_owner_until_the_release),
	KUNIT_CASE(core_release_hands_the_lock_to_waiters_in_the_order_they_queued),
	{}
};

static struct kunit_suite core_prio_suite = {
	.name = "bsdsync_core_prio",
	.test_cases = core_prio_cases,
};

kunit_test_suites(&core_prio_suite);
