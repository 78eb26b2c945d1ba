// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * DragonFly's condition variables (sys/condvar.h, kern_condvar.c): the interlock is a
 * lockmgr lock (or NULL), released for the wait and held again, exclusively, when the wait
 * returns; cv_signal wakes one waiter, cv_broadcast all; timeouts give EWOULDBLOCK, the _sig
 * forms end on a signal; no signal is lost between the release and the sleep (ping-pong over
 * 20,000 rounds); cv_has_waiters.
 */
#include <linux/atomic.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>

#include "harness.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/condvar.h>

#define WAITERS 3

struct cvs {
	struct lock lk;
	struct cv cv;
	int ready;			/* under lk */
	atomic_t waiting;
	atomic_t woke;
	int error[WAITERS];
	int held_after[WAITERS];
	int id_next;
	int timo;
	int sig;
};

static void waiter_main(void *arg)
{
	struct cvs *s = arg;
	int id = __atomic_fetch_add(&s->id_next, 1, __ATOMIC_RELAXED);
	int error = 0;

	if (s->sig)
		allow_signal(SIGUSR1);
	lockmgr(&s->lk, LK_SHARED);
	atomic_inc(&s->waiting);
	while (!s->ready && error == 0) {
		if (s->sig)
			error = cv_wait_sig(&s->cv, &s->lk);
		else if (s->timo)
			error = cv_timedwait(&s->cv, &s->lk, s->timo);
		else
			error = cv_wait(&s->cv, &s->lk);
	}
	s->error[id] = error;
	s->held_after[id] = lockstatus(&s->lk, current);
	lockmgr(&s->lk, LK_RELEASE);
	if (s->sig)
		flush_signals(current);
	atomic_inc(&s->woke);
}

static struct cvs *cvs_new(struct kunit *test)
{
	struct cvs *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	if (s) {
		lockinit(&s->lk, "cv interlock", 0, 0);
		cv_init(&s->cv, "dflycv");
	}
	return s;
}

/* Every waiter is asleep on the cv, its lock released (it took it shared). */
static void wait_all_asleep(struct kunit *test, struct cvs *s, int n)
{
	BT_WAIT_UNTIL(test, atomic_read(&s->waiting) == n && !lockinuse(&s->lk) &&
			    READ_ONCE(s->cv.cv_waiters) == n);
}

static void cv_wait_releases_the_lock_and_returns_holding_it_exclusively(struct kunit *test)
{
	struct cvs *s = cvs_new(test);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	bt_start(test, &t, waiter_main, s, "dfly-cv");
	wait_all_asleep(test, s, 1);
	KUNIT_EXPECT_TRUE(test, cv_has_waiters(&s->cv));
	lockmgr(&s->lk, LK_EXCLUSIVE);
	s->ready = 1;
	cv_signal(&s->cv);
	lockmgr(&s->lk, LK_RELEASE);
	BT_WAIT_UNTIL(test, atomic_read(&s->woke) == 1);
	BT_RESCUE(atomic_read(&s->woke) == 1, cv_broadcast(&s->cv));
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, s->error[0], 0);
	KUNIT_EXPECT_EQ(test, s->held_after[0], LK_EXCLUSIVE);
	KUNIT_EXPECT_FALSE(test, cv_has_waiters(&s->cv));
	KUNIT_EXPECT_EQ(test, lockinuse(&s->lk), 0);
	cv_destroy(&s->cv);
}

static void cv_signal_wakes_one_and_cv_broadcast_wakes_all(struct kunit *test)
{
	struct cvs *s = cvs_new(test);
	struct bt_thread t[WAITERS];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	bt_start_n(test, t, WAITERS, waiter_main, s, 0, "dfly-cvs");
	wait_all_asleep(test, s, WAITERS);
	lockmgr(&s->lk, LK_EXCLUSIVE);
	s->ready = 1;
	cv_signal(&s->cv);
	lockmgr(&s->lk, LK_RELEASE);
	BT_WAIT_UNTIL(test, atomic_read(&s->woke) == 1);
	msleep(20);	/* give a wrongly woken second waiter time to show up */
	KUNIT_EXPECT_EQ(test, atomic_read(&s->woke), 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(s->cv.cv_waiters), WAITERS - 1);
	cv_broadcast(&s->cv);
	BT_WAIT_UNTIL(test, atomic_read(&s->woke) == WAITERS);
	BT_RESCUE(atomic_read(&s->woke) == WAITERS, cv_broadcast(&s->cv));
	bt_join_n(t, WAITERS);
	for (i = 0; i < WAITERS; i++) {
		KUNIT_EXPECT_EQ(test, s->error[i], 0);
		KUNIT_EXPECT_EQ(test, s->held_after[i], LK_EXCLUSIVE);
	}
	KUNIT_EXPECT_EQ(test, READ_ONCE(s->cv.cv_waiters), 0);
}

static void cv_timedwait_times_out_with_the_lock_held_again(struct kunit *test)
{
	struct cvs *s = cvs_new(test);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->timo = 2;
	bt_start(test, &t, waiter_main, s, "dfly-cvt");
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, s->error[0], EWOULDBLOCK);
	KUNIT_EXPECT_EQ(test, s->held_after[0], LK_EXCLUSIVE);
	KUNIT_EXPECT_EQ(test, lockinuse(&s->lk), 0);
}

static void cv_wait_sig_ends_on_a_signal(struct kunit *test)
{
	struct cvs *s = cvs_new(test);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->sig = 1;
	bt_start(test, &t, waiter_main, s, "dfly-cvsig");
	wait_all_asleep(test, s, 1);
	send_sig(SIGUSR1, t.task, 1);
	BT_WAIT_UNTIL(test, atomic_read(&s->woke) == 1);
	BT_RESCUE(atomic_read(&s->woke) == 1, send_sig(SIGUSR1, t.task, 1));
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, s->error[0], ERESTART);
	KUNIT_EXPECT_EQ(test, s->held_after[0], LK_EXCLUSIVE);
}

static void cv_wait_without_a_lock_sleeps_until_signalled(struct kunit *test)
{
	struct cv cv;

	cv_init(&cv, "nolock");
	KUNIT_EXPECT_EQ(test, cv_timedwait(&cv, NULL, 1), EWOULDBLOCK);
	cv_broadcast(&cv);
	KUNIT_EXPECT_FALSE(test, cv_has_waiters(&cv));
	cv_destroy(&cv);
}

/* ---- no lost signal ------------------------------------------------------------------------- */

#define ROUNDS 20000

struct pingpong {
	struct lock lk;
	struct cv cv;
	int turn;		/* under lk: 0 main's, 1 the worker's */
	int errors;
};

static void ponger_main(void *arg)
{
	struct pingpong *p = arg;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		lockmgr(&p->lk, LK_EXCLUSIVE);
		while (p->turn != 1)
			if (cv_timedwait(&p->cv, &p->lk, 30 * hz))
				p->errors++;
		p->turn = 0;
		cv_signal(&p->cv);
		lockmgr(&p->lk, LK_RELEASE);
	}
}

static void no_signal_is_lost_between_the_release_and_the_sleep(struct kunit *test)
{
	struct pingpong *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	struct bt_thread t;
	int i, errors = 0;

	KUNIT_ASSERT_NOT_NULL(test, p);
	lockinit(&p->lk, "pingpong", 0, 0);
	cv_init(&p->cv, "pingpong");
	bt_start(test, &t, ponger_main, p, "dfly-pong");
	for (i = 0; i < ROUNDS; i++) {
		lockmgr(&p->lk, LK_EXCLUSIVE);
		p->turn = 1;
		cv_signal(&p->cv);
		while (p->turn != 0)
			if (cv_timedwait(&p->cv, &p->lk, 30 * hz))
				errors++;
		lockmgr(&p->lk, LK_RELEASE);
	}
	bt_join(&t);
	/* A lost signal shows up as a 30 s timeout (EWOULDBLOCK) on either side. */
	KUNIT_EXPECT_EQ(test, errors, 0);
	KUNIT_EXPECT_EQ(test, p->errors, 0);
}

static struct kunit_case condvar_cases[] = {
	KUNIT_CASE(cv_wait_releases_the_lock_and_returns_holding_it_exclusively),
	KUNIT_CASE(cv_signal_wakes_one_and_cv_broadcast_wakes_all),
	KUNIT_CASE(cv_timedwait_times_out_with_the_lock_held_again),
	KUNIT_CASE(cv_wait_sig_ends_on_a_signal),
	KUNIT_CASE(cv_wait_without_a_lock_sleeps_until_signalled),
	KUNIT_CASE(no_signal_is_lost_between_the_release_and_the_sleep),
	{}
};

static struct kunit_suite condvar_suite = {
	.name = "dragonfly_condvar",
	.test_cases = condvar_cases,
};

kunit_test_suites(&condvar_suite);
