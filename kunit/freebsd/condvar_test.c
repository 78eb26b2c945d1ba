// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * condvar(9): cv_init, cv_destroy, cv_wait, cv_wait_sig, cv_wait_unlock, cv_timedwait*,
 * cv_signal, cv_broadcast, cv_broadcastpri, cv_wmesg and the cv_waiters count, as a ported
 * FreeBSD driver uses them. One case per documented behaviour (bsd-api-reference.md
 * sections 4, 10 and 16).
 *
 * A waiter bumps a counter under the cv's mutex right before cv_wait(); waiting releases
 * the mutex atomically with queueing, so once the test holds the mutex and sees the count,
 * the waiter is queued. Timeouts are checked only from below (never early). Nothing is
 * asserted in atomic context.
 */
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/irqflags.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/slab.h>

#include "harness_freebsd.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/condvar.h>
#include <sys/proc.h>
#include <sys/time.h>
#include <sys/callout.h>

/* ---- helpers ---------------------------------------------------------------------------- */






/* After a misuse: a valid cv_timedwait on (cv, m), m held by the caller, still works. */
static void ct_expect_timedwait_works(struct kunit *test, struct cv *cv, struct mtx *m)
{
	int error;

	BT_EXPECT_NO_REPORT(test, error = cv_timedwait(cv, m, 1));
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, mtx_owned(m));
	KUNIT_EXPECT_EQ(test, cv->cv_waiters, 0);
}

/* ---- a set of waiters on one cv ---------------------------------------------------------- */

#define NWAITERS 4

enum cw_how {
	CW_WAIT,		/* cv_wait */
	CW_TIMEDWAIT,		/* cv_timedwait, 60 s (a correct run never times out) */
	CW_WAIT_SIG,		/* cv_wait_sig */
	CW_TIMEDWAIT_SIG,	/* cv_timedwait_sig, 60 s */
	CW_WAIT_UNLOCK,		/* cv_wait_unlock */
};

struct waiters;
struct waiter {
	struct waiters *w;
	int id;
};

struct waiters {
	struct mtx m;
	struct cv cv;
	enum cw_how how;
	int use_giant;		/* the lock is Giant (held twice) instead of m */
	int signals;		/* allow SIGUSR1 / default SIGKILL */
	int queued;		/* waiters that went to wait (bumped under the lock) */
	int woken;		/* waiters that returned (bumped under the lock) */
	int order[NWAITERS];
	int error[NWAITERS];
	int relocked[NWAITERS];
	int giant_depth_after[NWAITERS];
	struct waiter arg[NWAITERS];
	struct bt_thread t[NWAITERS];
};

static struct mtx *cw_lock(struct waiters *w)
{
	return w->use_giant ? &Giant : &w->m;
}

static void waiter_main(void *p)
{
	struct waiter *a = p;
	struct waiters *w = a->w;
	struct mtx *lock = cw_lock(w);
	int error = 0, owned, depth = 0;

	if (w->signals == SIGKILL)
		kernel_sigaction(SIGKILL, SIG_DFL);	/* see sleep_test.c */
	else if (w->signals)
		allow_signal(w->signals);
	mtx_lock(lock);
	if (w->use_giant)
		mtx_lock(&Giant);	/* recursed: depth 2 */
	w->queued++;
	switch (w->how) {
	case CW_WAIT:
		cv_wait(&w->cv, lock);
		break;
	case CW_TIMEDWAIT:
		error = cv_timedwait(&w->cv, lock, 60 * hz);
		break;
	case CW_WAIT_SIG:
		error = cv_wait_sig(&w->cv, lock);
		break;
	case CW_TIMEDWAIT_SIG:
		error = cv_timedwait_sig(&w->cv, lock, 60 * hz);
		break;
	case CW_WAIT_UNLOCK:
		cv_wait_unlock(&w->cv, lock);
		break;
	}
	owned = mtx_owned(lock);
	if (w->use_giant) {
		while (mtx_owned(&Giant) && depth < 16) {
			mtx_unlock(&Giant);
			depth++;
		}
	}
	if (!w->use_giant && !owned)
		mtx_lock(lock);
	if (w->use_giant)
		mtx_lock(lock);
	w->error[a->id] = error;
	w->relocked[a->id] = owned;
	w->giant_depth_after[a->id] = depth;
	if (w->woken < NWAITERS)
		w->order[w->woken] = a->id;
	w->woken++;
	mtx_unlock(lock);
	if (w->signals) {
		flush_signals(current);
		if (w->signals == SIGKILL)
			kernel_sigaction(SIGKILL, SIG_IGN);
	}
}

static struct waiters *new_waiters(struct kunit *test, enum cw_how how)
{
	struct waiters *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, w);
	mtx_init(&w->m, "cv_interlock", NULL, MTX_DEF);
	cv_init(&w->cv, "cv_test");
	w->how = how;
	return w;
}

/* Start n waiters one by one, each queued before the next starts; returns with the lock
 * not held. */
static void start_waiters(struct kunit *test, struct waiters *w, int n)
{
	for (int i = 0; i < n; i++) {
		w->arg[i].w = w;
		w->arg[i].id = i;
		bt_start(test, &w->t[i], waiter_main, &w->arg[i], "bsd-cvwaiter");
		bt_hold_when_queued(test, cw_lock(w), &w->queued, i + 1);
		mtx_unlock(cw_lock(w));
	}
}

/* Wake the rest, join, destroy. */
static void broadcast_waiters(struct waiters *w)
{
	mtx_lock(cw_lock(w));
	cv_broadcast(&w->cv);
	mtx_unlock(cw_lock(w));
}

static void finish_waiters(struct kunit *test, struct waiters *w, int n)
{
	broadcast_waiters(w);
	BT_RESCUE(READ_ONCE(w->woken) >= n, broadcast_waiters(w));
	bt_join_n(w->t, n);
	KUNIT_EXPECT_EQ(test, w->woken, n);
	KUNIT_EXPECT_EQ(test, w->cv.cv_waiters, 0);
	cv_destroy(&w->cv);
	mtx_destroy(&w->m);
}

static void expect_all_woken_normally(struct kunit *test, struct waiters *w, int n)
{
	for (int i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, w->error[i], 0, "waiter %d", i);
		KUNIT_EXPECT_TRUE_MSG(test, w->relocked[i], "waiter %d returned without the lock", i);
	}
}

/* ---- signal and broadcast --------------------------------------------------------------- */

static void cv_signal_wakes_one_waiter(struct kunit *test)
{
	struct waiters *w = new_waiters(test, CW_WAIT);

	start_waiters(test, w, NWAITERS);
	for (int k = 1; k <= NWAITERS; k++) {
		int left;

		mtx_lock(&w->m);
		cv_signal(&w->cv);
		left = w->cv.cv_waiters;
		mtx_unlock(&w->m);
		KUNIT_EXPECT_EQ_MSG(test, left, NWAITERS - k, "cv_waiters after %d signals", k);
		BT_WAIT_UNTIL(test, READ_ONCE(w->woken) >= k);
		msleep(20);	/* Linux msleep: a second, wrongly woken waiter may show up */
		KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(w->woken), k, "after %d signals", k);
	}
	expect_all_woken_normally(test, w, NWAITERS);
	finish_waiters(test, w, NWAITERS);
}

static void cv_signal_wakes_longest_waiting_first(struct kunit *test)
{
	struct waiters *w = new_waiters(test, CW_TIMEDWAIT);

	start_waiters(test, w, NWAITERS);
	for (int k = 1; k <= NWAITERS; k++) {
		mtx_lock(&w->m);
		cv_signal(&w->cv);
		mtx_unlock(&w->m);
		BT_WAIT_UNTIL(test, READ_ONCE(w->woken) >= k);
	}
	for (int k = 0; k < NWAITERS; k++)
		KUNIT_EXPECT_EQ_MSG(test, w->order[k], k, "signal %d woke the wrong waiter", k);
	expect_all_woken_normally(test, w, NWAITERS);
	finish_waiters(test, w, NWAITERS);
}

static void cv_broadcast_wakes_all_waiters(struct kunit *test)
{
	struct waiters *w = new_waiters(test, CW_WAIT);
	int left;

	start_waiters(test, w, NWAITERS);
	mtx_lock(&w->m);
	cv_broadcast(&w->cv);
	left = w->cv.cv_waiters;
	mtx_unlock(&w->m);
	KUNIT_EXPECT_EQ(test, left, 0);
	BT_WAIT_UNTIL(test, READ_ONCE(w->woken) >= NWAITERS);
	expect_all_woken_normally(test, w, NWAITERS);
	finish_waiters(test, w, NWAITERS);
}

static void cv_broadcastpri_wakes_all_waiters(struct kunit *test)
{
	struct waiters *w = new_waiters(test, CW_TIMEDWAIT);

	start_waiters(test, w, NWAITERS);
	mtx_lock(&w->m);
	cv_broadcastpri(&w->cv, PRIBIO);
	mtx_unlock(&w->m);
	BT_WAIT_UNTIL(test, READ_ONCE(w->woken) >= NWAITERS);
	expect_all_woken_normally(test, w, NWAITERS);
	finish_waiters(test, w, NWAITERS);
}

static void cv_waiters_counts_queued_threads(struct kunit *test)
{
	struct waiters *w = new_waiters(test, CW_WAIT);
	int n_queued, n_after_signal, n_after_broadcast;

	KUNIT_EXPECT_EQ(test, w->cv.cv_waiters, 0);
	start_waiters(test, w, NWAITERS);
	mtx_lock(&w->m);
	n_queued = w->cv.cv_waiters;
	cv_signal(&w->cv);
	n_after_signal = w->cv.cv_waiters;
	cv_broadcast(&w->cv);
	n_after_broadcast = w->cv.cv_waiters;
	mtx_unlock(&w->m);
	KUNIT_EXPECT_EQ(test, n_queued, NWAITERS);
	KUNIT_EXPECT_EQ(test, n_after_signal, NWAITERS - 1);
	KUNIT_EXPECT_EQ(test, n_after_broadcast, 0);
	BT_WAIT_UNTIL(test, READ_ONCE(w->woken) >= NWAITERS);
	finish_waiters(test, w, NWAITERS);
}

static void cv_signal_without_waiters_is_not_remembered(struct kunit *test)
{
	struct mtx m;
	struct cv cv;
	int error;

	mtx_init(&m, "cv_nomemory", NULL, MTX_DEF);
	cv_init(&cv, "cv_nomemory");
	cv_signal(&cv);
	cv_broadcast(&cv);
	mtx_lock(&m);
	error = cv_timedwait(&cv, &m, 2);
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	mtx_unlock(&m);
	cv_destroy(&cv);
	mtx_destroy(&m);
}

static void cv_wmesg_returns_description(struct kunit *test)
{
	static const char desc[] = "cv_wmesg_desc";
	struct cv cv;

	cv_init(&cv, desc);
	KUNIT_EXPECT_PTR_EQ(test, cv_wmesg(&cv), &desc[0]);
	KUNIT_EXPECT_EQ(test, cv.cv_waiters, 0);
	cv_destroy(&cv);
}

/* ---- the lock ------------------------------------------------------------------------- */

static void cv_wait_releases_lock_and_returns_with_it_held(struct kunit *test)
{
	struct waiters *w = new_waiters(test, CW_WAIT);
	int woken_while_held;

	start_waiters(test, w, 1);
	/* The test got the lock while the waiter waits; the waiter cannot return before the
	 * test lets it go. */
	mtx_lock(&w->m);
	cv_signal(&w->cv);
	woken_while_held = READ_ONCE(w->woken);
	mtx_unlock(&w->m);
	BT_WAIT_UNTIL(test, READ_ONCE(w->woken) >= 1);
	KUNIT_EXPECT_EQ(test, woken_while_held, 0);
	expect_all_woken_normally(test, w, 1);
	finish_waiters(test, w, 1);
}

struct unlock_waiter {
	struct mtx m;
	struct cv cv;
	int queued;
	int done;
	int owned_after;
};

static void unlock_waiter_main(void *arg)
{
	struct unlock_waiter *u = arg;

	mtx_lock(&u->m);
	u->queued++;
	cv_wait_unlock(&u->cv, &u->m);
	u->owned_after = mtx_owned(&u->m);
	WRITE_ONCE(u->done, 1);
}

static void cv_wait_unlock_returns_without_lock(struct kunit *test)
{
	struct unlock_waiter *u = kunit_kzalloc(test, sizeof(*u), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, u);
	mtx_init(&u->m, "cv_wait_unlock", NULL, MTX_DEF);
	cv_init(&u->cv, "cv_wait_unlock");
	bt_start(test, &t, unlock_waiter_main, u, "bsd-cvunlock");
	bt_hold_when_queued(test, &u->m, &u->queued, 1);
	cv_signal(&u->cv);
	/* The waiter returns while the test still holds the mutex: it never took it back. */
	BT_WAIT_UNTIL(test, READ_ONCE(u->done));
	mtx_unlock(&u->m);
	BT_RESCUE(READ_ONCE(u->done), cv_signal(&u->cv));
	bt_join(&t);
	KUNIT_EXPECT_FALSE(test, u->owned_after);
	KUNIT_EXPECT_EQ(test, u->cv.cv_waiters, 0);
	cv_destroy(&u->cv);
	mtx_destroy(&u->m);
}

static void cv_wait_with_giant_as_lock(struct kunit *test)
{
	struct waiters *w = new_waiters(test, CW_WAIT);
	unsigned long reports = bsdsync_report_total();
	int woken_while_held;

	/* The waiter holds Giant twice and waits with Giant as the lock: Giant is free while
	 * it waits (the test takes it), and comes back at depth 2. */
	w->use_giant = 1;
	start_waiters(test, w, 1);
	mtx_lock(&Giant);
	cv_signal(&w->cv);
	woken_while_held = READ_ONCE(w->woken);
	mtx_unlock(&Giant);
	BT_WAIT_UNTIL(test, READ_ONCE(w->woken) >= 1);
	bt_join(&w->t[0]);
	KUNIT_EXPECT_EQ(test, woken_while_held, 0);
	KUNIT_EXPECT_TRUE(test, w->relocked[0]);
	KUNIT_EXPECT_EQ(test, w->giant_depth_after[0], 2);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&Giant));
	KUNIT_EXPECT_EQ_MSG(test, bsdsync_report_total() - reports, 0UL, "unexpected report");
	cv_destroy(&w->cv);
	mtx_destroy(&w->m);
}

/* ---- lost wakeups ----------------------------------------------------------------------- */

#define CV_PINGPONG_ROUNDS 10000
/* Of those, rounds with the two threads on two different CPUs; the rest share one CPU (see
 * the msleep ping-pong in sleep_test.c for why the runs are split). */
#define CV_PINGPONG_CROSS_CPU_ROUNDS 5000

struct cv_pingpong {
	struct mtx m;
	struct cv cv;
	int turn;
	int rounds;
	int played[2];
	int lost;
	int abort;
	int pong_cpu;
};

static void cv_pingpong_side(struct cv_pingpong *p, int me)
{
	mtx_lock(&p->m);
	for (int i = 0; i < p->rounds && !p->abort; i++) {
		while (p->turn != me && !p->abort) {
			/* Timed only so that a lost wakeup fails instead of hanging. */
			if (cv_timedwait(&p->cv, &p->m, 30 * hz) != 0) {
				p->lost++;
				p->abort = 1;
			}
		}
		if (p->abort)
			break;
		p->turn = !me;
		p->played[me]++;
		cv_signal(&p->cv);
	}
	cv_broadcast(&p->cv);
	mtx_unlock(&p->m);
}

static void cv_pingpong_pong(void *arg)
{
	struct cv_pingpong *p = arg;

	set_cpus_allowed_ptr(current, cpumask_of(p->pong_cpu));
	cv_pingpong_side(p, 1);
}

static void run_cv_pingpong(struct kunit *test, int rounds, int ping_cpu, int pong_cpu)
{
	struct cv_pingpong *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, p);
	mtx_init(&p->m, "cv_pingpong", NULL, MTX_DEF);
	cv_init(&p->cv, "cv_pingpong");
	p->rounds = rounds;
	p->pong_cpu = pong_cpu;
	set_cpus_allowed_ptr(current, cpumask_of(ping_cpu));
	bt_start(test, &t, cv_pingpong_pong, p, "bsd-cvpong");
	BT_EXPECT_NO_REPORT(test, cv_pingpong_side(p, 0));
	bt_join(&t);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	KUNIT_EXPECT_EQ_MSG(test, p->lost, 0, "cpus %d/%d", ping_cpu, pong_cpu);
	KUNIT_EXPECT_EQ(test, p->played[0], rounds);
	KUNIT_EXPECT_EQ(test, p->played[1], rounds);
	KUNIT_EXPECT_EQ(test, p->cv.cv_waiters, 0);
	cv_destroy(&p->cv);
	mtx_destroy(&p->m);
}

static void cv_wait_wakeup_never_lost_in_10000_pingpong_rounds(struct kunit *test)
{
	int a = cpumask_first(cpu_online_mask);
	int b = cpumask_next(a, cpu_online_mask);

	if (b >= nr_cpu_ids)
		b = a;
	run_cv_pingpong(test, CV_PINGPONG_CROSS_CPU_ROUNDS, a, b);
	run_cv_pingpong(test, CV_PINGPONG_ROUNDS - CV_PINGPONG_CROSS_CPU_ROUNDS, a, a);
}

/* ---- destroy right after broadcast --------------------------------------------------------- */

#define CVD_WAITERS 3
#define CVD_ROUNDS 1000

/*
 * prior-art.md, SPL bug 3: cv_broadcast(); cv_destroy(); free() while the woken waiters
 * are still on their way out. Each round the test allocates a cv, lets the waiters queue
 * on it, then, still holding the mutex, broadcasts, destroys and frees it at once. The
 * waiters need the mutex to return, so they leave cv_wait only after the cv is gone; under
 * KASAN any access of theirs to it is a use-after-free. The mutex lives outside the freed
 * object, as in a driver that frees a request after waking its waiters.
 */
struct cvd;
struct cvd_arg {
	struct cvd *d;
	int id;
};

struct cvd {
	struct mtx m;
	struct cv round_cv;	/* announces a new round */
	struct cv *cur;		/* this round's cv */
	int round;
	int queued;
	int stop;
	int exited;
	int timeouts;
	struct cvd_arg arg[CVD_WAITERS];
	struct bt_thread t[CVD_WAITERS];
};

static void cvd_waiter(void *p)
{
	struct cvd_arg *a = p;
	struct cvd *d = a->d;
	int seen = 0;

	mtx_lock(&d->m);
	for (;;) {
		while (d->round == seen && !d->stop)
			cv_wait(&d->round_cv, &d->m);
		if (d->stop)
			break;
		seen = d->round;
		d->queued++;
		/* Half the waiters wait timed: the timeout path must not touch the cv either. */
		if (a->id & 1) {
			if (cv_timedwait(d->cur, &d->m, 30 * hz) != 0)
				d->timeouts++;
		} else {
			cv_wait(d->cur, &d->m);
		}
		/* d->cur may be freed by now: not touched again. */
	}
	d->exited++;
	mtx_unlock(&d->m);
}

static void cvd_stop(struct cvd *d, struct cv *c)
{
	mtx_lock(&d->m);
	d->stop = 1;
	if (c)
		cv_broadcast(c);
	cv_broadcast(&d->round_cv);
	mtx_unlock(&d->m);
}

static void cv_destroy_right_after_broadcast_while_waiters_leave(struct kunit *test)
{
	struct cvd *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	unsigned long reports = bsdsync_report_total();
	int rounds = 0;

	KUNIT_ASSERT_NOT_NULL(test, d);
	mtx_init(&d->m, "cvd", NULL, MTX_DEF);
	cv_init(&d->round_cv, "cvd_round");
	for (int i = 0; i < CVD_WAITERS; i++) {
		d->arg[i].d = d;
		d->arg[i].id = i;
		bt_start(test, &d->t[i], cvd_waiter, &d->arg[i], "bsd-cvd");
	}
	for (int r = 1; r <= CVD_ROUNDS; r++) {
		struct cv *c = kmalloc(sizeof(*c), GFP_KERNEL);

		if (!c) {
			KUNIT_FAIL(test, "kmalloc failed");
			break;
		}
		cv_init(c, "cvd_doomed");
		mtx_lock(&d->m);
		d->cur = c;
		d->queued = 0;
		d->round = r;
		cv_broadcast(&d->round_cv);
		mtx_unlock(&d->m);
		BT_WAIT_UNTIL(test, bt_lock_when(&d->m, &d->queued, CVD_WAITERS));
		if (!mtx_owned(&d->m)) {
			/* Not all waiters came: free the cv only once they are all gone. */
			mtx_lock(&d->m);
			d->stop = 1;
			cv_broadcast(c);
			cv_broadcast(&d->round_cv);
			mtx_unlock(&d->m);
			BT_RESCUE(READ_ONCE(d->exited) >= CVD_WAITERS, cvd_stop(d, c));
			bt_join_n(d->t, CVD_WAITERS);
			cv_destroy(c);
			kfree(c);
			goto out;
		}
		cv_broadcast(c);
		cv_destroy(c);
		kfree(c);
		mtx_unlock(&d->m);
		rounds++;
	}
	cvd_stop(d, NULL);
	BT_RESCUE(READ_ONCE(d->exited) >= CVD_WAITERS, cvd_stop(d, NULL));
	bt_join_n(d->t, CVD_WAITERS);
out:
	KUNIT_EXPECT_EQ(test, rounds, CVD_ROUNDS);
	KUNIT_EXPECT_EQ(test, d->timeouts, 0);
	KUNIT_EXPECT_EQ_MSG(test, bsdsync_report_total() - reports, 0UL, "unexpected report");
	cv_destroy(&d->round_cv);
	mtx_destroy(&d->m);
}

/* ---- timeouts ----------------------------------------------------------------------------- */

static void cv_timedwait_returns_ewouldblock_never_early(struct kunit *test)
{
	static const int timos[] = { 1, 2, 5 };
	struct mtx m;
	struct cv cv;

	mtx_init(&m, "cv_timeout", NULL, MTX_DEF);
	cv_init(&cv, "cv_timeout");
	mtx_lock(&m);
	for (int i = 0; i < ARRAY_SIZE(timos); i++) {
		u64 start, elapsed;
		int error;

		start = ktime_get_ns();
		error = cv_timedwait(&cv, &m, timos[i]);
		elapsed = ktime_get_ns() - start;
		KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
		KUNIT_EXPECT_GE_MSG(test, elapsed, bt_ticks_ns(timos[i]),
				    "cv_timedwait(%d) returned early", timos[i]);
		KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
		KUNIT_EXPECT_EQ(test, cv.cv_waiters, 0);

		start = ktime_get_ns();
		error = cv_timedwait_sig(&cv, &m, timos[i]);
		elapsed = ktime_get_ns() - start;
		KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
		KUNIT_EXPECT_GE_MSG(test, elapsed, bt_ticks_ns(timos[i]),
				    "cv_timedwait_sig(%d) returned early", timos[i]);
		KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
		KUNIT_EXPECT_EQ(test, cv.cv_waiters, 0);
	}
	mtx_unlock(&m);
	cv_destroy(&cv);
	mtx_destroy(&m);
}

static void cv_timedwait_sbt_absolute_deadline(struct kunit *test)
{
	struct mtx m;
	struct cv cv;
	sbintime_t deadline;
	u64 start, elapsed, now;
	int error;

	mtx_init(&m, "cv_sbt", NULL, MTX_DEF);
	cv_init(&cv, "cv_sbt");
	mtx_lock(&m);
	deadline = sbinuptime() + 20 * SBT_1MS;
	error = cv_timedwait_sbt(&cv, &m, deadline, 0, C_ABSOLUTE);
	now = ktime_get_ns();
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_GE_MSG(test, now, sbttons(deadline), "woke before the absolute deadline");

	start = ktime_get_ns();
	error = cv_timedwait_sig_sbt(&cv, &m, 10 * SBT_1MS, SBT_1MS, 0);
	elapsed = ktime_get_ns() - start;
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_GE(test, elapsed, sbttons(10 * SBT_1MS));
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	mtx_unlock(&m);
	cv_destroy(&cv);
	mtx_destroy(&m);
}

static void cv_timedwait_returns_zero_when_signalled(struct kunit *test)
{
	struct waiters *w = new_waiters(test, CW_TIMEDWAIT);

	start_waiters(test, w, 1);
	mtx_lock(&w->m);
	cv_signal(&w->cv);
	mtx_unlock(&w->m);
	BT_WAIT_UNTIL(test, READ_ONCE(w->woken) >= 1);
	expect_all_woken_normally(test, w, 1);
	finish_waiters(test, w, 1);
}

/* ---- signals -------------------------------------------------------------------------------- */

static void run_signalled_waiter(struct kunit *test, enum cw_how how, int sig, int want)
{
	struct waiters *w = new_waiters(test, how);

	w->signals = sig;
	start_waiters(test, w, 1);
	send_sig(sig, w->t[0].task, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(w->woken) >= 1);
	KUNIT_EXPECT_EQ(test, w->error[0], want);
	KUNIT_EXPECT_TRUE(test, w->relocked[0]);
	finish_waiters(test, w, 1);
}

static void cv_wait_sig_returns_erestart_on_signal(struct kunit *test)
{
	run_signalled_waiter(test, CW_WAIT_SIG, SIGUSR1, ERESTART);
}

static void cv_wait_sig_returns_eintr_on_sigkill(struct kunit *test)
{
	run_signalled_waiter(test, CW_WAIT_SIG, SIGKILL, EINTR);
}

static void cv_timedwait_sig_returns_erestart_on_signal(struct kunit *test)
{
	run_signalled_waiter(test, CW_TIMEDWAIT_SIG, SIGUSR1, ERESTART);
}

static void cv_wait_ignores_signals(struct kunit *test)
{
	struct waiters *w = new_waiters(test, CW_WAIT);
	int woken_after_signal;

	w->signals = SIGUSR1;
	start_waiters(test, w, 1);
	send_sig(SIGUSR1, w->t[0].task, 1);
	/* Give a wrong, signal-interrupted return a chance to show (it can only fail a pass):
	 * cv_wait returns with the lock, so a waiter that left would have counted itself. */
	msleep(50);
	mtx_lock(&w->m);
	woken_after_signal = w->woken;
	cv_signal(&w->cv);
	mtx_unlock(&w->m);
	KUNIT_EXPECT_EQ(test, woken_after_signal, 0);
	BT_WAIT_UNTIL(test, READ_ONCE(w->woken) >= 1);
	expect_all_woken_normally(test, w, 1);
	finish_waiters(test, w, 1);
}

struct sig_timed {
	struct mtx m;
	struct cv cv;
	int done;
	int error;
	int pending_after;
	u64 elapsed;
};

static void sig_timed_main(void *arg)
{
	struct sig_timed *s = arg;
	u64 start;

	allow_signal(SIGUSR1);
	send_sig(SIGUSR1, current, 1);
	mtx_lock(&s->m);
	start = ktime_get_ns();
	s->error = cv_timedwait(&s->cv, &s->m, hz / 10);
	s->elapsed = ktime_get_ns() - start;
	mtx_unlock(&s->m);
	s->pending_after = signal_pending(current);
	flush_signals(current);
	WRITE_ONCE(s->done, 1);
}

static void cv_timedwait_ignores_signals(struct kunit *test)
{
	struct sig_timed *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	mtx_init(&s->m, "cv_sigtimed", NULL, MTX_DEF);
	cv_init(&s->cv, "cv_sigtimed");
	bt_start(test, &t, sig_timed_main, s, "bsd-cvsig");
	BT_WAIT_UNTIL(test, READ_ONCE(s->done));
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, s->error, EWOULDBLOCK);
	KUNIT_EXPECT_GE(test, s->elapsed, bt_ticks_ns(hz / 10));
	KUNIT_EXPECT_TRUE(test, s->pending_after);
	cv_destroy(&s->cv);
	mtx_destroy(&s->m);
}

/* ---- report sites of rarer misuse (docs/misuse.md) ------------------------------------- */

static void misuse_cv_wait_without_a_lock_is_reported_and_does_not_sleep(struct kunit *test)
{
	struct cv cv;
	struct mtx *none = NULL;

	cv_init(&cv, "no lock");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 BT_EXPECT_NO_SLEEP(test, cv_wait(&cv, none)));
	cv_destroy(&cv);
}

static struct kunit_case condvar_cases[] = {
	KUNIT_CASE(cv_signal_wakes_one_waiter),
	KUNIT_CASE(cv_signal_wakes_longest_waiting_first),
	KUNIT_CASE(cv_broadcast_wakes_all_waiters),
	KUNIT_CASE(cv_broadcastpri_wakes_all_waiters),
	KUNIT_CASE(cv_waiters_counts_queued_threads),
	KUNIT_CASE(cv_signal_without_waiters_is_not_remembered),
	KUNIT_CASE(cv_wmesg_returns_description),
	KUNIT_CASE(cv_wait_releases_lock_and_returns_with_it_held),
	KUNIT_CASE(cv_wait_unlock_returns_without_lock),
	KUNIT_CASE(cv_wait_with_giant_as_lock),
	KUNIT_CASE(cv_wait_wakeup_never_lost_in_10000_pingpong_rounds),
	KUNIT_CASE(cv_destroy_right_after_broadcast_while_waiters_leave),
	KUNIT_CASE(cv_timedwait_returns_ewouldblock_never_early),
	KUNIT_CASE(cv_timedwait_sbt_absolute_deadline),
	KUNIT_CASE(cv_timedwait_returns_zero_when_signalled),
	KUNIT_CASE(cv_wait_sig_returns_erestart_on_signal),
	KUNIT_CASE(cv_wait_sig_returns_eintr_on_sigkill),
	KUNIT_CASE(cv_timedwait_sig_returns_erestart_on_signal),
	KUNIT_CASE(cv_wait_ignores_signals),
	KUNIT_CASE(cv_timedwait_ignores_signals),
	{}
};

static struct kunit_suite condvar_suite = {
	.name = "freebsd_condvar",
	.test_cases = condvar_cases,
};

/* ==== misuse ============================================================================ */

static void cv_destroy_with_waiter_reported_destroy_waiters(struct kunit *test)
{
	struct waiters *w = new_waiters(test, CW_WAIT);
	int waiters_after;

	start_waiters(test, w, 1);
	mtx_lock(&w->m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_WAITERS, cv_destroy(&w->cv));
	/* Refused: the cv stays alive and its waiter can still be signalled. */
	waiters_after = w->cv.cv_waiters;
	BT_EXPECT_NO_REPORT(test, cv_signal(&w->cv));
	mtx_unlock(&w->m);
	KUNIT_EXPECT_EQ(test, waiters_after, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(w->woken) >= 1);
	expect_all_woken_normally(test, w, 1);
	bt_join(&w->t[0]);
	BT_EXPECT_NO_REPORT(test, cv_destroy(&w->cv));
	mtx_destroy(&w->m);
}

static void cv_signal_on_destroyed_cv_reported_destroyed(struct kunit *test)
{
	struct cv cv;

	cv_init(&cv, "destroyed_cv");
	cv_destroy(&cv);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, cv_signal(&cv));
}

static void cv_broadcast_on_destroyed_cv_reported_destroyed(struct kunit *test)
{
	struct cv cv;

	cv_init(&cv, "destroyed_cv");
	cv_destroy(&cv);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, cv_broadcast(&cv));
}

static void cv_wait_on_destroyed_cv_reported_destroyed(struct kunit *test)
{
	struct mtx m;
	struct cv cv;
	int error;

	mtx_init(&m, "destroyed_cv_lock", NULL, MTX_DEF);
	cv_init(&cv, "destroyed_cv");
	cv_destroy(&cv);
	mtx_lock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED,
			 BT_EXPECT_NO_SLEEP(test, cv_wait(&cv, &m)));
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED,
			 BT_EXPECT_NO_SLEEP(test, error = cv_timedwait(&cv, &m, 1)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	mtx_unlock(&m);
	/* A fresh cv_init brings it back. */
	cv_init(&cv, "reborn_cv");
	mtx_lock(&m);
	ct_expect_timedwait_works(test, &cv, &m);
	mtx_unlock(&m);
	cv_destroy(&cv);
	mtx_destroy(&m);
}

static void cv_destroy_twice_reported_destroyed(struct kunit *test)
{
	struct cv cv;

	cv_init(&cv, "twice");
	BT_EXPECT_NO_REPORT(test, cv_destroy(&cv));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, cv_destroy(&cv));
}

static void cv_wait_with_spin_mutex_as_lock_reported_wrong_class(struct kunit *test)
{
	struct mtx s;
	struct cv cv;
	struct bt_probe p;
	int owned, waiters;

	mtx_init(&s, "cv_spin_lock", NULL, MTX_SPIN);
	cv_init(&cv, "cv_spin");
	mtx_lock_spin(&s);
	bt_probe_begin(&p, BSDSYNC_RULE_WRONG_CLASS);
	cv_wait(&cv, &s);
	bt_probe_end(&p);
	owned = mtx_owned(&s);
	waiters = cv.cv_waiters;
	mtx_unlock_spin(&s);
	bt_expect_one_report_no_sleep(test, &p, "cv_wait with a spin mutex");
	KUNIT_EXPECT_TRUE(test, owned);
	KUNIT_EXPECT_EQ(test, waiters, 0);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&s));
	cv_destroy(&cv);
	mtx_destroy(&s);
}

static void cv_timedwait_holding_spin_mutex_reported_sleep_atomic(struct kunit *test)
{
	struct mtx m, s;
	struct cv cv;
	struct bt_probe p;
	int error, owned_m, owned_s, waiters;

	mtx_init(&m, "cv_lock", NULL, MTX_DEF);
	mtx_init(&s, "held_spin", NULL, MTX_SPIN);
	cv_init(&cv, "cv_atomic");
	mtx_lock(&m);
	mtx_lock_spin(&s);
	bt_probe_begin(&p, BSDSYNC_RULE_SLEEP_ATOMIC);
	error = cv_timedwait(&cv, &m, 1);
	bt_probe_end(&p);
	owned_m = mtx_owned(&m);
	owned_s = mtx_owned(&s);
	waiters = cv.cv_waiters;
	mtx_unlock_spin(&s);
	bt_expect_one_report_no_sleep(test, &p, "cv_timedwait holding a spin mutex");
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, owned_m);
	KUNIT_EXPECT_TRUE(test, owned_s);
	KUNIT_EXPECT_EQ(test, waiters, 0);
	ct_expect_timedwait_works(test, &cv, &m);
	mtx_unlock(&m);
	cv_destroy(&cv);
	mtx_destroy(&s);
	mtx_destroy(&m);
}

static void cv_wait_unlock_with_giant_reported_bad_argument(struct kunit *test)
{
	struct cv cv;

	cv_init(&cv, "cv_giant_unlock");
	mtx_lock(&Giant);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 BT_EXPECT_NO_SLEEP(test, cv_wait_unlock(&cv, &Giant)));
	KUNIT_EXPECT_TRUE(test, mtx_owned(&Giant));
	KUNIT_EXPECT_EQ(test, cv.cv_waiters, 0);
	ct_expect_timedwait_works(test, &cv, &Giant);
	mtx_unlock(&Giant);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&Giant));
	cv_destroy(&cv);
}

static void cv_wait_with_unheld_mutex_reported_not_owner(struct kunit *test)
{
	struct mtx m;
	struct cv cv;
	int error;

	mtx_init(&m, "cv_unheld", NULL, MTX_DEF);
	cv_init(&cv, "cv_unheld");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 BT_EXPECT_NO_SLEEP(test, error = cv_timedwait(&cv, &m, 1)));
	KUNIT_EXPECT_EQ(test, error, EINVAL);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	/* The refused waiter left the queue and the count. */
	KUNIT_EXPECT_EQ(test, cv.cv_waiters, 0);
	BT_EXPECT_NO_REPORT(test, cv_destroy(&cv));
	mtx_destroy(&m);
}

static void cv_wait_on_recursed_mutex_reported_sleep_recursed(struct kunit *test)
{
	struct mtx m;
	struct cv cv;

	mtx_init(&m, "cv_recursed", NULL, MTX_DEF | MTX_RECURSE);
	cv_init(&cv, "cv_recursed");
	mtx_lock(&m);
	mtx_lock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_RECURSED,
			 BT_EXPECT_NO_SLEEP(test, cv_wait(&cv, &m)));
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	KUNIT_EXPECT_TRUE(test, mtx_recursed(&m));
	KUNIT_EXPECT_EQ(test, cv.cv_waiters, 0);
	mtx_unlock(&m);
	ct_expect_timedwait_works(test, &cv, &m);
	mtx_unlock(&m);
	BT_EXPECT_NO_REPORT(test, cv_destroy(&cv));
	mtx_destroy(&m);
}

static struct kunit_case condvar_misuse_cases[] = {
	KUNIT_CASE(cv_destroy_with_waiter_reported_destroy_waiters),
	KUNIT_CASE(cv_signal_on_destroyed_cv_reported_destroyed),
	KUNIT_CASE(cv_broadcast_on_destroyed_cv_reported_destroyed),
	KUNIT_CASE(cv_wait_on_destroyed_cv_reported_destroyed),
	KUNIT_CASE(cv_destroy_twice_reported_destroyed),
	KUNIT_CASE(cv_wait_with_spin_mutex_as_lock_reported_wrong_class),
	KUNIT_CASE(cv_timedwait_holding_spin_mutex_reported_sleep_atomic),
	KUNIT_CASE(cv_wait_unlock_with_giant_reported_bad_argument),
	KUNIT_CASE(cv_wait_with_unheld_mutex_reported_not_owner),
	KUNIT_CASE(cv_wait_on_recursed_mutex_reported_sleep_recursed),
	KUNIT_CASE(misuse_cv_wait_without_a_lock_is_reported_and_does_not_sleep),
	{}
};

static struct kunit_suite condvar_misuse_suite = {
	.name = "freebsd_condvar_misuse",
	.test_cases = condvar_misuse_cases,
};

kunit_test_suites(&condvar_suite, &condvar_misuse_suite);
