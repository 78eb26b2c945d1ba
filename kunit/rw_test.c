// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * rw(9), as a ported FreeBSD driver uses it. One case per documented behaviour; misuse cases
 * check the report and that the kernel and the lock go on.
 */
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/hrtimer.h>
#include <linux/slab.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/spinlock.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/rwlock.h>
#include <sys/sx.h>
#include <sys/condvar.h>
#include <sys/errno.h>
#include <sys/kernel.h>

#include "harness.h"

/* ---- an actor: a thread doing one rw operation, holding the result until told ------------ */

enum rw_op { RWO_WLOCK, RWO_RLOCK };

struct rw_actor {
	struct rwlock *rw;
	int op;
	int sig;		/* SIGUSR1 is allowed (and must not end the wait) */
	atomic_t *order;	/* entry order among actors */
	int started, entered, done;
	int error, seq;
	int pending_after;
	struct completion release;
};

static void rw_actor_init(struct rw_actor *a, struct rwlock *rw, int op, atomic_t *order)
{
	memset(a, 0, sizeof(*a));
	a->rw = rw;
	a->op = op;
	a->order = order;
	init_completion(&a->release);
}

static void rw_actor_main(void *arg)
{
	struct rw_actor *a = arg;
	struct rwlock warm = {};
	int error = 0;

	if (a->sig)
		allow_signal(SIGUSR1);
	/* Create this thread's bsdsync state now, so that the only thing that can block it
	 * below is the operation under test. */
	rw_init(&warm, "warm");
	rw_rlock(&warm);
	rw_runlock(&warm);
	rw_destroy(&warm);
	WRITE_ONCE(a->started, 1);
	switch (a->op) {
	case RWO_WLOCK:
		rw_wlock(a->rw);
		break;
	case RWO_RLOCK:
		rw_rlock(a->rw);
		break;
	}
	a->error = error;
	if (!error) {
		if (a->order)
			a->seq = atomic_inc_return(a->order);
		WRITE_ONCE(a->entered, 1);
		wait_for_completion_timeout(&a->release, 60 * HZ);
		if (a->op == RWO_WLOCK)
			rw_wunlock(a->rw);
		else
			rw_runlock(a->rw);
	}
	a->pending_after = signal_pending(current);
	flush_signals(current);
	WRITE_ONCE(a->done, 1);
}

/* The actor is blocked (asleep) after it started: queued on the lock. */
static bool rw_actor_blocked(struct bt_thread *t, struct rw_actor *a)
{
	return READ_ONCE(a->started) && READ_ONCE(t->task->__state) != TASK_RUNNING;
}

static void rw_actor_start(struct kunit *test, struct bt_thread *t, struct rw_actor *a)
{
	bt_start(test, t, rw_actor_main, a, "bsd-rw");
}

static void rw_actor_finish(struct bt_thread *t, struct rw_actor *a)
{
	complete(&a->release);
	bt_join(t);
}

/* ---- concurrency ---------------------------------------------------------------------- */

#define RW_READERS 4

struct rw_readers {
	struct rwlock rw;
	atomic_t inside;
	int all_seen[RW_READERS];
};

struct rw_reader_arg {
	struct rw_readers *r;
	int idx;
};

static void rw_reader_barrier(void *arg)
{
	struct rw_reader_arg *ra = arg;
	struct rw_readers *r = ra->r;
	unsigned long deadline = jiffies + 60 * HZ;

	rw_rlock(&r->rw);
	atomic_inc(&r->inside);
	/* Nobody leaves before all are inside: only possible if they hold it at once. */
	while (atomic_read(&r->inside) < RW_READERS && time_before(jiffies, deadline))
		usleep_range(200, 500);
	r->all_seen[ra->idx] = atomic_read(&r->inside) >= RW_READERS;
	rw_runlock(&r->rw);
}

static void rw_all_readers_hold_the_lock_at_once(struct kunit *test)
{
	struct rw_readers *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct rw_reader_arg args[RW_READERS];
	struct bt_thread t[RW_READERS];

	KUNIT_ASSERT_NOT_NULL(test, r);
	rw_init(&r->rw, "readers");
	for (int i = 0; i < RW_READERS; i++)
		args[i] = (struct rw_reader_arg){ r, i };
	bt_start_n(test, t, RW_READERS, rw_reader_barrier, args, sizeof(args[0]), "bsd-rwr");
	bt_join_n(t, RW_READERS);
	for (int i = 0; i < RW_READERS; i++)
		KUNIT_EXPECT_TRUE_MSG(test, r->all_seen[i], "reader %d never saw all inside", i);
	rw_assert(&r->rw, RA_UNLOCKED);
	KUNIT_EXPECT_EQ(test, r->rw.rw_lock, RW_UNLOCKED);
	rw_destroy(&r->rw);
}

#define RWS_THREADS 4
#define RWS_ROUNDS 5000

struct rw_stress {
	struct rwlock rw;
	atomic_t readers;	/* readers inside */
	int writer;		/* a writer inside */
	unsigned long counter;	/* written by writers only */
	int violations;
	atomic_t reads;
};

static void rw_stress_worker(void *arg)
{
	struct rw_stress *s = arg;

	for (int i = 0; i < RWS_ROUNDS; i++) {
		bool write = (i + (int)(long)current->pid) % 3 == 0;

		if (write) {
			if (i & 1)
				rw_wlock(&s->rw);
			else
				while (!rw_try_wlock(&s->rw))
					cpu_relax();
			if (READ_ONCE(s->writer) || atomic_read(&s->readers))
				s->violations++;
			WRITE_ONCE(s->writer, 1);
			s->counter++;
			if ((i & 15) == 0)
				cond_resched();	/* rw may be held across a reschedule */
			WRITE_ONCE(s->writer, 0);
			rw_wunlock(&s->rw);
		} else {
			rw_rlock(&s->rw);
			atomic_inc(&s->readers);
			if (READ_ONCE(s->writer))
				s->violations++;
			atomic_inc(&s->reads);
			if ((i & 31) == 0)
				cpu_relax();
			atomic_dec(&s->readers);
			rw_runlock(&s->rw);
		}
		if ((i & 127) == 0)
			cond_resched();
	}
}

static void rw_writers_exclude_readers_and_writers_under_stress(struct kunit *test)
{
	struct rw_stress *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t[RWS_THREADS];
	unsigned long writes = 0;

	KUNIT_ASSERT_NOT_NULL(test, s);
	rw_init(&s->rw, "stress");
	for (int i = 0; i < RWS_THREADS; i++)
		bt_start(test, &t[i], rw_stress_worker, s, "bsd-rws");
	bt_join_n(t, RWS_THREADS);
	KUNIT_EXPECT_EQ(test, s->violations, 0);
	writes = s->counter;
	KUNIT_EXPECT_EQ(test, writes + atomic_read(&s->reads),
			(unsigned long)RWS_THREADS * RWS_ROUNDS);
	KUNIT_EXPECT_GT(test, writes, 0UL);
	KUNIT_EXPECT_EQ(test, s->rw.rw_lock, RW_UNLOCKED);
	rw_destroy(&s->rw);
}

#define RWP_READERS 3

struct rw_progress {
	struct rwlock rw;
	int stop;
	atomic_t overlap;	/* readers inside right now */
	unsigned long rounds;
};

static void rw_busy_reader(void *arg)
{
	struct rw_progress *p = arg;

	/* Overlapping read sections, back to back: the lock is never free of readers unless
	 * new readers are held back for the writer. */
	while (!READ_ONCE(p->stop)) {
		rw_rlock(&p->rw);
		atomic_inc(&p->overlap);
		udelay(20);
		atomic_dec(&p->overlap);
		rw_runlock(&p->rw);
		p->rounds++;
	}
}

static void rw_writer_gets_in_while_readers_keep_arriving(struct kunit *test)
{
	struct rw_progress *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	struct bt_thread t[RWP_READERS], wt;
	struct rw_actor *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, w);
	rw_init(&p->rw, "progress");
	for (int i = 0; i < RWP_READERS; i++)
		bt_start(test, &t[i], rw_busy_reader, p, "bsd-rwbr");
	BT_WAIT_UNTIL(test, atomic_read(&p->overlap) > 0);
	rw_actor_init(w, &p->rw, RWO_WLOCK, NULL);
	rw_actor_start(test, &wt, w);
	BT_WAIT_UNTIL(test, READ_ONCE(w->entered));
	KUNIT_EXPECT_TRUE(test, READ_ONCE(w->entered));
	rw_actor_finish(&wt, w);
	WRITE_ONCE(p->stop, 1);
	bt_join_n(t, RWP_READERS);
	rw_destroy(&p->rw);
}

/* Free right after unlock, while a waiter that just got the lock is still returning: the
 * release path must never touch the lock after handing it over (KASAN watches). */
struct rw_uaf {
	struct rwlock *rw;
	struct completion waiting;
	int mode;
};

static void rw_uaf_waiter(void *arg)
{
	struct rw_uaf *u = arg;
	struct rwlock *rw = u->rw;

	complete(&u->waiting);
	if (u->mode) {
		rw_rlock(rw);
		rw_runlock(rw);
	} else {
		rw_wlock(rw);
		rw_wunlock(rw);
	}
	rw_destroy(rw);
	kfree(rw);
}

static void rw_unlock_then_free_by_next_owner_is_safe(struct kunit *test)
{
	unsigned long reports = bsdsync_report_total();

	for (int i = 0; i < 200; i++) {
		struct rw_uaf u;
		struct bt_thread t;
		struct rwlock *rw = kzalloc(sizeof(*rw), GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, rw);
		rw_init(rw, "uaf");
		u.rw = rw;
		u.mode = (i & 2) ? 0 : (i & 1);	/* a reader would not wait for a reader */
		init_completion(&u.waiting);
		if (i & 2)
			rw_rlock(rw);
		else
			rw_wlock(rw);
		bt_start(test, &t, rw_uaf_waiter, &u, "bsd-rwuaf");
		wait_for_completion(&u.waiting);
		if (i & 4)
			udelay(50);
		if (i & 2)
			rw_runlock(rw);
		else
			rw_wunlock(rw);
		bt_join(&t);
	}
	KUNIT_EXPECT_EQ(test, bsdsync_report_total() - reports, 0UL);
}


/* ---- adaptive spinning ------------------------------------------------------------------ */

/* The owner, on one CPU, holds the lock busy (never sleeping) until the waiter, on the other
 * CPU, is trying, and a little longer. A waiter that spins while the owner runs gets the lock
 * without a voluntary context switch; one that may not spin blocks (one switch at least). */
struct rw_spin_ctx {
	struct rwlock l;
	int held, trying, done;
	unsigned long nvcsw;	/* the waiter's voluntary switches during its lock call */
};

static void rw_spin_owner(void *arg)
{
	struct rw_spin_ctx *s = arg;
	unsigned long deadline = jiffies + 10 * HZ;

	set_cpus_allowed_ptr(current, cpumask_of(0));
	rw_wlock(&s->l);
	WRITE_ONCE(s->held, 1);
	while (!READ_ONCE(s->trying) && time_before(jiffies, deadline))
		cpu_relax();
	mdelay(2);
	rw_wunlock(&s->l);
}

static void rw_spin_waiter(void *arg)
{
	struct rw_spin_ctx *s = arg;
	unsigned long deadline = jiffies + 10 * HZ, nv;

	set_cpus_allowed_ptr(current, cpumask_of(1));
	while (!READ_ONCE(s->held) && time_before(jiffies, deadline))
		cpu_relax();
	nv = current->nvcsw;
	WRITE_ONCE(s->trying, 1);
	rw_wlock(&s->l);
	s->nvcsw = current->nvcsw - nv;
	rw_wunlock(&s->l);
}

/* Up to `tries` rounds; returns how many rounds had the waiter switch out voluntarily. */
static int rw_spin_rounds(struct kunit *test, int tries, int stop_on)
{
	struct rw_spin_ctx *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread o, w;
	int blocked = 0;

	if (!s)
		return -1;
	for (int i = 0; i < tries; i++) {
		memset(s, 0, sizeof(*s));
		rw_init(&s->l, "adaptive");
		bt_start(test, &o, rw_spin_owner, s, "bsd-spin-o");
		bt_start(test, &w, rw_spin_waiter, s, "bsd-spin-w");
		bt_join(&o);
		bt_join(&w);
		rw_destroy(&s->l);
		blocked += s->nvcsw != 0;
		/* One round showing the behaviour is proof; the others guard against a round
		 * spoiled by the scheduler (an owner preempted, a waiter late). */
		if ((s->nvcsw != 0) == stop_on)
			break;
	}
	return blocked;
}

static void rw_waiter_spins_while_the_exclusive_owner_runs(struct kunit *test)
{
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	/* At least one round without blocking. */
	KUNIT_EXPECT_LT(test, rw_spin_rounds(test, 20, false), 20);
}

/* ---- try, upgrade, downgrade ------------------------------------------------------------ */

struct rw_try_ctx {
	struct rwlock *rw;
	int x, s;
};

static void rw_try_from_thread(void *arg)
{
	struct rw_try_ctx *c = arg;

	c->x = rw_try_wlock(c->rw);
	if (c->x)
		rw_wunlock(c->rw);
	c->s = rw_try_rlock(c->rw);
	if (c->s)
		rw_runlock(c->rw);
}

static void rw_try_elsewhere(struct kunit *test, struct rwlock *rw, int *x, int *s)
{
	struct rw_try_ctx c = { .rw = rw };
	struct bt_thread t;

	bt_start(test, &t, rw_try_from_thread, &c, "bsd-rwtry");
	bt_join(&t);
	*x = c.x;
	*s = c.s;
}

static void rw_try_wlock_and_try_rlock_in_every_holder_state(struct kunit *test)
{
	struct rwlock rw = {};
	int x, s;

	rw_init(&rw, "try states");
	rw_try_elsewhere(test, &rw, &x, &s);		/* free */
	KUNIT_EXPECT_EQ(test, x, 1);
	KUNIT_EXPECT_EQ(test, s, 1);
	rw_rlock(&rw);
	rw_try_elsewhere(test, &rw, &x, &s);		/* shared */
	KUNIT_EXPECT_EQ(test, x, 0);
	KUNIT_EXPECT_EQ(test, s, 1);
	rw_runlock(&rw);
	rw_wlock(&rw);
	rw_try_elsewhere(test, &rw, &x, &s);		/* exclusive */
	KUNIT_EXPECT_EQ(test, x, 0);
	KUNIT_EXPECT_EQ(test, s, 0);
	rw_wunlock(&rw);
	KUNIT_EXPECT_EQ(test, rw_try_wlock(&rw), 1);	/* the caller's own tries */
	KUNIT_EXPECT_TRUE(test, rw_wowned(&rw));
	KUNIT_EXPECT_EQ(test, rw_try_wlock(&rw), 0);	/* not recursive: fails, no report */
	rw_wunlock(&rw);
	KUNIT_EXPECT_EQ(test, rw_try_rlock(&rw), 1);
	rw_runlock(&rw);
	rw_destroy(&rw);
}

static void rw_try_wlock_recurses_on_rw_recurse_lock(struct kunit *test)
{
	struct rwlock rw = {};

	rw_init_flags(&rw, "try recurse", RW_RECURSE);
	KUNIT_EXPECT_EQ(test, rw_try_wlock(&rw), 1);
	KUNIT_EXPECT_EQ(test, rw_try_wlock(&rw), 1);
	KUNIT_EXPECT_TRUE(test, rw_recursed(&rw));
	rw_wunlock(&rw);
	KUNIT_EXPECT_FALSE(test, rw_recursed(&rw));
	KUNIT_EXPECT_TRUE(test, rw_wowned(&rw));
	rw_wunlock(&rw);
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_UNLOCKED);
	rw_destroy(&rw);
}

static void rw_try_upgrade_succeeds_for_the_sole_reader(struct kunit *test)
{
	struct rwlock rw = {};

	rw_init(&rw, "upgrade");
	rw_rlock(&rw);
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, rw_try_upgrade(&rw), 1));
	KUNIT_EXPECT_TRUE(test, rw_wowned(&rw));
	KUNIT_EXPECT_PTR_EQ(test, rw_wowner(&rw), curthread);
	rw_assert(&rw, RA_WLOCKED | RA_NOTRECURSED);
	rw_wunlock(&rw);
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_UNLOCKED);
	rw_destroy(&rw);
}

static void rw_try_upgrade_fails_while_another_reader_holds_it(struct kunit *test)
{
	struct rwlock rw = {};
	struct rw_actor *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, a);
	rw_init(&rw, "upgrade2");
	rw_actor_init(a, &rw, RWO_RLOCK, NULL);
	rw_actor_start(test, &t, a);
	BT_WAIT_UNTIL(test, READ_ONCE(a->entered));
	rw_rlock(&rw);
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, rw_try_upgrade(&rw), 0));
	/* Still a reader, alongside the other one. */
	KUNIT_EXPECT_FALSE(test, rw_wowned(&rw));
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_LOCK_READ | 2 * RW_ONE_READER);
	rw_actor_finish(&t, a);
	/* Now the sole reader: the upgrade works. */
	KUNIT_EXPECT_EQ(test, rw_try_upgrade(&rw), 1);
	rw_wunlock(&rw);
	rw_destroy(&rw);
}

static void rw_downgrade_lets_waiting_readers_in_at_once(struct kunit *test)
{
	struct rwlock rw = {};
	struct rw_actor *r = kunit_kcalloc(test, 3, sizeof(*r), GFP_KERNEL);
	struct rw_actor *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct bt_thread rt[2], wt;
	atomic_t order = ATOMIC_INIT(0);

	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_NOT_NULL(test, w);
	rw_init(&rw, "downgrade");
	rw_wlock(&rw);
	/* Two readers queue, then a writer queues behind them. */
	for (int i = 0; i < 2; i++) {
		rw_actor_init(&r[i], &rw, RWO_RLOCK, &order);
		rw_actor_start(test, &rt[i], &r[i]);
		BT_WAIT_UNTIL(test, rw_actor_blocked(&rt[i], &r[i]));
	}
	rw_actor_init(w, &rw, RWO_WLOCK, &order);
	rw_actor_start(test, &wt, w);
	BT_WAIT_UNTIL(test, rw_actor_blocked(&wt, w));
	KUNIT_EXPECT_TRUE(test, rw.rw_lock & RW_LOCK_WRITE_WAITERS);

	rw_downgrade(&rw);
	/* The queued readers are in beside us, the writer still waits. */
	BT_WAIT_UNTIL(test, READ_ONCE(r[0].entered) && READ_ONCE(r[1].entered));
	KUNIT_EXPECT_FALSE(test, rw_wowned(&rw));
	rw_assert(&rw, RA_RLOCKED);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(w->entered));
	KUNIT_EXPECT_TRUE(test, rw.rw_lock & RW_LOCK_WRITE_WAITERS);
	rw_runlock(&rw);
	rw_actor_finish(&rt[0], &r[0]);
	rw_actor_finish(&rt[1], &r[1]);
	BT_WAIT_UNTIL(test, READ_ONCE(w->entered));
	rw_actor_finish(&wt, w);
	KUNIT_EXPECT_EQ(test, w->seq, 3);
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_UNLOCKED);
	rw_destroy(&rw);
}

static void rw_downgrade_without_waiters_leaves_one_shared_hold(struct kunit *test)
{
	struct rwlock rw = {};
	int x, s;

	rw_init(&rw, "downgrade1");
	rw_wlock(&rw);
	rw_downgrade(&rw);
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_LOCK_READ | RW_ONE_READER);
	rw_assert(&rw, RA_RLOCKED);
	rw_try_elsewhere(test, &rw, &x, &s);
	KUNIT_EXPECT_EQ(test, x, 0);
	KUNIT_EXPECT_EQ(test, s, 1);
	rw_runlock(&rw);
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_UNLOCKED);
	rw_destroy(&rw);
}

/* ---- writer preference and reader recursion --------------------------------------------- */

static void rw_new_reader_waits_behind_a_waiting_writer(struct kunit *test)
{
	struct rwlock rw = {};
	struct rw_actor *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct rw_actor *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct bt_thread wt, rt;
	atomic_t order = ATOMIC_INIT(0);

	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_NOT_NULL(test, r);
	rw_init(&rw, "writer first");
	rw_rlock(&rw);
	rw_actor_init(w, &rw, RWO_WLOCK, &order);
	rw_actor_start(test, &wt, w);
	BT_WAIT_UNTIL(test, rw_actor_blocked(&wt, w));
	rw_actor_init(r, &rw, RWO_RLOCK, &order);
	rw_actor_start(test, &rt, r);
	BT_WAIT_UNTIL(test, rw_actor_blocked(&rt, r));
	KUNIT_EXPECT_FALSE(test, READ_ONCE(r->entered));
	/* A try ignores waiting writers. */
	KUNIT_EXPECT_EQ(test, rw_try_rlock(&rw), 1);
	rw_runlock(&rw);
	rw_runlock(&rw);
	BT_WAIT_UNTIL(test, READ_ONCE(w->entered));
	rw_actor_finish(&wt, w);
	BT_WAIT_UNTIL(test, READ_ONCE(r->entered));
	rw_actor_finish(&rt, r);
	KUNIT_EXPECT_EQ(test, w->seq, 1);
	KUNIT_EXPECT_EQ(test, r->seq, 2);
	rw_destroy(&rw);
}

static void rw_reader_recursion_with_a_writer_waiting_does_not_deadlock(struct kunit *test)
{
	struct rwlock rw = {}, other = {};
	struct rw_actor *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct bt_thread wt;

	KUNIT_ASSERT_NOT_NULL(test, w);
	rw_init(&rw, "recursive reader");
	rw_init(&other, "other");
	rw_rlock(&rw);
	rw_actor_init(w, &rw, RWO_WLOCK, NULL);
	rw_actor_start(test, &wt, w);
	BT_WAIT_UNTIL(test, rw_actor_blocked(&wt, w));
	/* This thread holds a shared rw: it passes the waiting writer. */
	BT_EXPECT_NO_SLEEP(test, rw_rlock(&rw));
	rw_runlock(&rw);
	rw_runlock(&rw);
	BT_WAIT_UNTIL(test, READ_ONCE(w->entered));
	rw_actor_finish(&wt, w);
	rw_destroy(&other);
	rw_destroy(&rw);
}

/* ---- rw_sleep -------------------------------------------------------------------------- */

struct rw_sleeper {
	struct rwlock rw;
	int chan;
	int shared;
	int pri;
	int timo;
	int sig;
	int started, done;
	int error;
	int wlocked_after, rlocked_after;
	unsigned long reports;
};

static void rw_sleeper_main(void *arg)
{
	struct rw_sleeper *s = arg;

	if (s->sig)
		allow_signal(SIGUSR1);
	if (s->shared)
		rw_rlock(&s->rw);
	else
		rw_wlock(&s->rw);
	WRITE_ONCE(s->started, 1);
	s->reports = bsdsync_report_total();
	s->error = rw_sleep(&s->chan, &s->rw, s->pri, "rwsleep", s->timo);
	s->reports = bsdsync_report_total() - s->reports;
	s->wlocked_after = rw_wowned(&s->rw);
	/* Shared and not exclusive: nobody else can hold it exclusively meanwhile. */
	s->rlocked_after = !s->wlocked_after && (s->rw.rw_lock & RW_LOCK_READ) &&
			   (s->rw.rw_lock >> RW_READERS_SHIFT) >= 1;
	if (s->wlocked_after)
		rw_wunlock(&s->rw);
	else if (s->rlocked_after && !(s->pri & PDROP))
		rw_runlock(&s->rw);
	flush_signals(current);
	WRITE_ONCE(s->done, 1);
}

static struct rw_sleeper *rw_run_sleeper(struct kunit *test, int shared, int pri, int timo,
					 int how)
{
	struct rw_sleeper *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t;
	int x, sh;

	if (!s)
		return NULL;
	rw_init(&s->rw, "sleeper");
	s->shared = shared;
	s->pri = pri;
	s->timo = timo;
	s->sig = how == 2;
	bt_start(test, &t, rw_sleeper_main, s, "bsd-rwslp");
	BT_WAIT_UNTIL(test, READ_ONCE(s->started) && READ_ONCE(t.task->__state) != TASK_RUNNING);
	if (how) {
		/* Asleep: the lock was released for the sleep. */
		rw_try_elsewhere(test, &s->rw, &x, &sh);
		KUNIT_EXPECT_EQ(test, x, 1);
		if (how == 1)
			wakeup(&s->chan);
		else
			send_sig(SIGUSR1, t.task, 1);
	}
	BT_WAIT_UNTIL(test, READ_ONCE(s->done));
	BT_RESCUE(READ_ONCE(s->done), wakeup(&s->chan));
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, s->rw.rw_lock, RW_UNLOCKED);
	KUNIT_EXPECT_EQ_MSG(test, s->reports, 0UL, "rw_sleep on its own rw lock is not misuse");
	rw_destroy(&s->rw);
	return s;
}

static void rw_sleep_retakes_an_exclusive_lock_exclusive(struct kunit *test)
{
	struct rw_sleeper *s = rw_run_sleeper(test, 0, 0, 0, 1);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->error, 0);
	KUNIT_EXPECT_TRUE(test, s->wlocked_after);
}

static void rw_sleep_retakes_a_shared_lock_shared(struct kunit *test)
{
	struct rw_sleeper *s = rw_run_sleeper(test, 1, 0, 0, 1);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->error, 0);
	KUNIT_EXPECT_FALSE(test, s->wlocked_after);
	KUNIT_EXPECT_TRUE(test, s->rlocked_after);
}

static void rw_sleep_timeout_returns_ewouldblock_with_lock_retaken(struct kunit *test)
{
	struct rw_sleeper *s = rw_run_sleeper(test, 0, 0, 2, 0);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, s->wlocked_after);
	s = rw_run_sleeper(test, 1, 0, 2, 0);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, s->rlocked_after);
}

static void rw_sleep_pdrop_returns_with_lock_released(struct kunit *test)
{
	struct rw_sleeper *s = rw_run_sleeper(test, 0, PDROP, 0, 1);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->error, 0);
	KUNIT_EXPECT_FALSE(test, s->wlocked_after);
	KUNIT_EXPECT_FALSE(test, s->rlocked_after);
	s = rw_run_sleeper(test, 1, PDROP, 1, 0);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->error, EWOULDBLOCK);
	KUNIT_EXPECT_FALSE(test, s->rlocked_after);
}

static void rw_sleep_pcatch_returns_erestart_on_signal_with_lock_retaken(struct kunit *test)
{
	struct rw_sleeper *s = rw_run_sleeper(test, 0, PCATCH, 0, 2);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->error, ERESTART);
	KUNIT_EXPECT_TRUE(test, s->wlocked_after);
	s = rw_run_sleeper(test, 1, PCATCH, 0, 2);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->error, ERESTART);
	KUNIT_EXPECT_TRUE(test, s->rlocked_after);
}

/* ---- recursion, ownership, assertions, Giant, SYSINIT ---------------------------------- */

static void rw_recurse_allows_exclusive_recursion(struct kunit *test)
{
	struct rwlock rw = {};

	rw_init_flags(&rw, "recurse", RW_RECURSE);
	BT_EXPECT_NO_REPORT(test, {
		rw_wlock(&rw);
		rw_wlock(&rw);
		rw_wlock(&rw);
	});
	KUNIT_EXPECT_TRUE(test, rw_recursed(&rw));
	rw_assert(&rw, RA_WLOCKED | RA_RECURSED);
	rw_wunlock(&rw);
	rw_wunlock(&rw);
	KUNIT_EXPECT_FALSE(test, rw_recursed(&rw));
	rw_assert(&rw, RA_WLOCKED | RA_NOTRECURSED);
	rw_wunlock(&rw);
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_UNLOCKED);
	rw_destroy(&rw);
}

static void rw_shared_recursion_always_allowed(struct kunit *test)
{
	struct rwlock rw = {};

	rw_init(&rw, "srecurse");
	BT_EXPECT_NO_REPORT(test, {
		rw_rlock(&rw);
		rw_rlock(&rw);
	});
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_LOCK_READ | 2 * RW_ONE_READER);
	rw_runlock(&rw);
	rw_runlock(&rw);
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_UNLOCKED);
	rw_destroy(&rw);
}

static void rw_wowner_and_wowned_name_the_writer(struct kunit *test)
{
	struct rwlock rw = {};
	struct rw_actor *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, a);
	rw_init(&rw, "xholder");
	KUNIT_EXPECT_NULL(test, rw_wowner(&rw));
	rw_wlock(&rw);
	KUNIT_EXPECT_PTR_EQ(test, rw_wowner(&rw), curthread);
	KUNIT_EXPECT_TRUE(test, rw_wowned(&rw));
	rw_wunlock(&rw);
	rw_rlock(&rw);
	KUNIT_EXPECT_NULL(test, rw_wowner(&rw));
	KUNIT_EXPECT_FALSE(test, rw_wowned(&rw));
	rw_runlock(&rw);
	rw_actor_init(a, &rw, RWO_WLOCK, NULL);
	rw_actor_start(test, &t, a);
	BT_WAIT_UNTIL(test, READ_ONCE(a->entered));
	KUNIT_EXPECT_PTR_EQ(test, (void *)rw_wowner(&rw), (void *)t.task);
	KUNIT_EXPECT_FALSE(test, rw_wowned(&rw));
	rw_actor_finish(&t, a);
	rw_destroy(&rw);
}

static void rw_unlock_releases_either_mode(struct kunit *test)
{
	struct rwlock rw = {};

	rw_init(&rw, "unlock");
	rw_wlock(&rw);
	rw_unlock(&rw);
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_UNLOCKED);
	rw_rlock(&rw);
	rw_unlock(&rw);
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_UNLOCKED);
	rw_destroy(&rw);
}

static void rw_assert_every_flag_passes_when_true(struct kunit *test)
{
	struct rwlock rw = {};

	rw_init_flags(&rw, "assert", RW_RECURSE);
	BT_EXPECT_NO_REPORT(test, {
		rw_assert(&rw, RA_UNLOCKED);
		rw_wlock(&rw);
		rw_assert(&rw, RA_LOCKED);
		rw_assert(&rw, RA_WLOCKED);
		rw_assert(&rw, RA_LOCKED | RA_NOTRECURSED);
		rw_assert(&rw, RA_WLOCKED | RA_NOTRECURSED);
		rw_wlock(&rw);
		rw_assert(&rw, RA_LOCKED | RA_RECURSED);
		rw_assert(&rw, RA_WLOCKED | RA_RECURSED);
		rw_wunlock(&rw);
		rw_wunlock(&rw);
		rw_rlock(&rw);
		rw_assert(&rw, RA_LOCKED);
		rw_assert(&rw, RA_RLOCKED);
		rw_assert(&rw, RA_RLOCKED | RA_NOTRECURSED);
		rw_assert(&rw, RA_UNLOCKED);	/* not held exclusively by us */
		rw_runlock(&rw);
	});
	rw_destroy(&rw);
}

static void rw_init_flags_options_are_recorded(struct kunit *test)
{
	struct rwlock rw = {};

	rw_init_flags(&rw, "flags", RW_DUPOK | RW_NOPROFILE | RW_QUIET | RW_RECURSE);
	KUNIT_EXPECT_TRUE(test, rw_initialized(&rw));
	KUNIT_EXPECT_TRUE(test, rw.lock_object.lo_flags & LO_DUPOK);
	KUNIT_EXPECT_TRUE(test, rw.lock_object.lo_flags & LO_NOPROFILE);
	KUNIT_EXPECT_TRUE(test, rw.lock_object.lo_flags & LO_QUIET);
	KUNIT_EXPECT_TRUE(test, rw.lock_object.lo_flags & LO_RECURSABLE);
	KUNIT_EXPECT_TRUE(test, rw.lock_object.lo_flags & LO_WITNESS);
	KUNIT_EXPECT_FALSE(test, rw.lock_object.lo_flags & LO_SLEEPABLE);
	KUNIT_EXPECT_EQ(test, LOCK_CLASS_INDEX(&rw.lock_object), BSDSYNC_CLASS_RW);
	KUNIT_EXPECT_STREQ(test, rw.lock_object.lo_name, "flags");
	rw_destroy(&rw);
	rw_init_flags(&rw, "nowitness", RW_NOWITNESS);
	KUNIT_EXPECT_FALSE(test, rw.lock_object.lo_flags & LO_WITNESS);
	KUNIT_EXPECT_FALSE(test, rw.lock_object.lo_flags & LO_RECURSABLE);
	/* RW_NEW: fresh memory, no double-init check even though it looks live. */
	BT_EXPECT_NO_REPORT(test, rw_init_flags(&rw, "new", RW_NEW));
	KUNIT_EXPECT_TRUE(test, rw.lock_object.lo_flags & LO_NEW);
	rw_destroy(&rw);
	KUNIT_EXPECT_FALSE(test, rw_initialized(&rw));
}

static struct rwlock sysinit_rw, sysinit_rw_flags;
RW_SYSINIT(kunit_rw, &sysinit_rw, "sysinit rw");
RW_SYSINIT_FLAGS(kunit_rw_flags, &sysinit_rw_flags, "sysinit rw flags", RW_RECURSE);

static void rw_sysinit_initialises_the_lock_at_module_load(struct kunit *test)
{
	KUNIT_ASSERT_TRUE(test, rw_initialized(&sysinit_rw));
	KUNIT_EXPECT_STREQ(test, sysinit_rw.lock_object.lo_name, "sysinit rw");
	rw_wlock(&sysinit_rw);
	rw_wunlock(&sysinit_rw);
	KUNIT_ASSERT_TRUE(test, rw_initialized(&sysinit_rw_flags));
	BT_EXPECT_NO_REPORT(test, {
		rw_wlock(&sysinit_rw_flags);
		rw_wlock(&sysinit_rw_flags);	/* RW_RECURSE came through */
	});
	KUNIT_EXPECT_TRUE(test, rw_recursed(&sysinit_rw_flags));
	rw_wunlock(&sysinit_rw_flags);
	rw_wunlock(&sysinit_rw_flags);
}

static void rw_interlock_of_condvar_retaken_in_its_mode(struct kunit *test)
{
	struct rwlock rw = {};
	struct cv cv;

	rw_init(&rw, "cv interlock");
	cv_init(&cv, "rwcv");
	rw_rlock(&rw);
	KUNIT_EXPECT_EQ(test, cv_timedwait(&cv, &rw, 1), EWOULDBLOCK);
	KUNIT_EXPECT_FALSE(test, rw_wowned(&rw));
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_LOCK_READ | RW_ONE_READER);
	rw_runlock(&rw);
	rw_wlock(&rw);
	KUNIT_EXPECT_EQ(test, cv_timedwait(&cv, &rw, 1), EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, rw_wowned(&rw));
	rw_wunlock(&rw);
	cv_destroy(&cv);
	rw_destroy(&rw);
}


static void rw_waits_ignore_signals(struct kunit *test)
{
	struct rwlock rw = {};
	struct rw_actor *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, a);
	rw_init(&rw, "signals");
	rw_wlock(&rw);
	rw_actor_init(a, &rw, RWO_RLOCK, NULL);
	a->sig = 1;
	rw_actor_start(test, &t, a);
	BT_WAIT_UNTIL(test, rw_actor_blocked(&t, a));
	send_sig(SIGUSR1, t.task, 1);
	/* Still waiting: the signal stays pending and the reader gets in after the writer. */
	rw_wunlock(&rw);
	BT_WAIT_UNTIL(test, READ_ONCE(a->entered));
	rw_actor_finish(&t, a);
	KUNIT_EXPECT_EQ(test, a->error, 0);
	KUNIT_EXPECT_TRUE(test, a->pending_after);
	rw_destroy(&rw);
}

static void rw_taken_while_holding_a_mutex_is_allowed(struct kunit *test)
{
	struct rwlock rw = {};
	struct mtx m;

	rw_init(&rw, "under mtx");
	mtx_init(&m, "outer", NULL, MTX_DEF);
	mtx_lock(&m);
	BT_EXPECT_NO_REPORT(test, {
		rw_wlock(&rw);
		rw_wunlock(&rw);
		rw_rlock(&rw);
		rw_runlock(&rw);
	});
	mtx_unlock(&m);
	mtx_destroy(&m);
	rw_destroy(&rw);
}

static void rw_padalign_works_with_the_same_api(struct kunit *test)
{
	struct rwlock_padalign *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, sizeof(*p) % 64, (size_t)0);
	rw_init(p, "padalign");
	rw_wlock(p);
	KUNIT_EXPECT_TRUE(test, rw_wowned(p));
	KUNIT_EXPECT_PTR_EQ(test, rw_owner(p), curthread);
	rw_assert(p, RA_WLOCKED);
	rw_wunlock(p);
	rw_rlock(p);
	KUNIT_EXPECT_NULL(test, rw_owner(p));
	rw_runlock(p);
	rw_destroy(p);
}

static DEFINE_RWLOCK(linux_rwlock);

static void rw_and_linux_rwlock_t_in_one_file(struct kunit *test)
{
	struct rwlock rw = {};
	rwlock_t mine;

	/* Linux's rwlock_t API next to FreeBSD's struct rwlock: no name in common. */
	rwlock_init(&mine);
	rw_init(&rw, "bsd");
	read_lock(&linux_rwlock);
	rw_rlock(&rw);
	write_lock(&mine);
	rw_runlock(&rw);
	write_unlock(&mine);
	read_unlock(&linux_rwlock);
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_UNLOCKED);
	rw_destroy(&rw);
}

static struct kunit_case rw_cases[] = {
	KUNIT_CASE(rw_waiter_spins_while_the_exclusive_owner_runs),
	KUNIT_CASE(rw_all_readers_hold_the_lock_at_once),
	KUNIT_CASE(rw_writers_exclude_readers_and_writers_under_stress),
	KUNIT_CASE(rw_writer_gets_in_while_readers_keep_arriving),
	KUNIT_CASE(rw_unlock_then_free_by_next_owner_is_safe),
	KUNIT_CASE(rw_try_wlock_and_try_rlock_in_every_holder_state),
	KUNIT_CASE(rw_try_wlock_recurses_on_rw_recurse_lock),
	KUNIT_CASE(rw_try_upgrade_succeeds_for_the_sole_reader),
	KUNIT_CASE(rw_try_upgrade_fails_while_another_reader_holds_it),
	KUNIT_CASE(rw_downgrade_lets_waiting_readers_in_at_once),
	KUNIT_CASE(rw_downgrade_without_waiters_leaves_one_shared_hold),
	KUNIT_CASE(rw_new_reader_waits_behind_a_waiting_writer),
	KUNIT_CASE(rw_reader_recursion_with_a_writer_waiting_does_not_deadlock),
	KUNIT_CASE(rw_sleep_retakes_an_exclusive_lock_exclusive),
	KUNIT_CASE(rw_sleep_retakes_a_shared_lock_shared),
	KUNIT_CASE(rw_sleep_timeout_returns_ewouldblock_with_lock_retaken),
	KUNIT_CASE(rw_sleep_pdrop_returns_with_lock_released),
	KUNIT_CASE(rw_sleep_pcatch_returns_erestart_on_signal_with_lock_retaken),
	KUNIT_CASE(rw_recurse_allows_exclusive_recursion),
	KUNIT_CASE(rw_shared_recursion_always_allowed),
	KUNIT_CASE(rw_wowner_and_wowned_name_the_writer),
	KUNIT_CASE(rw_unlock_releases_either_mode),
	KUNIT_CASE(rw_assert_every_flag_passes_when_true),
	KUNIT_CASE(rw_init_flags_options_are_recorded),
	KUNIT_CASE(rw_sysinit_initialises_the_lock_at_module_load),
	KUNIT_CASE(rw_interlock_of_condvar_retaken_in_its_mode),
	KUNIT_CASE(rw_waits_ignore_signals),
	KUNIT_CASE(rw_taken_while_holding_a_mutex_is_allowed),
	KUNIT_CASE(rw_padalign_works_with_the_same_api),
	KUNIT_CASE(rw_and_linux_rwlock_t_in_one_file),
	{}
};

static struct kunit_suite rw_suite = {
	.name = "freebsd_rw",
	.test_cases = rw_cases,
};

/* ==== misuse ============================================================================ */

static void rw_recursion_on_non_recursive_lock_reported(struct kunit *test)
{
	struct rwlock rw = {};

	rw_init(&rw, "no recurse");
	rw_wlock(&rw);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, rw_wlock(&rw));
	/* Recursed anyway: the two unlocks stay balanced. */
	KUNIT_EXPECT_TRUE(test, rw_recursed(&rw));
	rw_wunlock(&rw);
	KUNIT_EXPECT_TRUE(test, rw_wowned(&rw));
	rw_wunlock(&rw);
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_UNLOCKED);
	rw_destroy(&rw);
}

static void rw_rlock_of_a_lock_held_for_writing_by_the_caller_reported(struct kunit *test)
{
	struct rwlock rw = {};

	rw_init(&rw, "self deadlock");
	rw_wlock(&rw);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, rw_rlock(&rw));
	KUNIT_EXPECT_TRUE(test, rw_wowned(&rw));
	rw_wunlock(&rw);
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_UNLOCKED);
	rw_destroy(&rw);
}

static void rw_downgrade_of_recursed_lock_reported(struct kunit *test)
{
	struct rwlock rw = {};

	rw_init_flags(&rw, "downgrade recursed", RW_RECURSE);
	rw_wlock(&rw);
	rw_wlock(&rw);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSED_OP, rw_downgrade(&rw));
	KUNIT_EXPECT_TRUE(test, rw_wowned(&rw));
	KUNIT_EXPECT_TRUE(test, rw_recursed(&rw));
	rw_wunlock(&rw);
	rw_wunlock(&rw);
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_UNLOCKED);
	rw_destroy(&rw);
}

static void rw_downgrade_and_upgrade_without_the_right_hold_reported(struct kunit *test)
{
	struct rwlock rw = {};

	rw_init(&rw, "no hold");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, rw_downgrade(&rw));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 KUNIT_EXPECT_EQ(test, rw_try_upgrade(&rw), 0));
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_UNLOCKED);
	rw_destroy(&rw);
}

static void rw_unlock_of_unheld_lock_reported(struct kunit *test)
{
	struct rwlock rw = {};

	rw_init(&rw, "unheld");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, rw_wunlock(&rw));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, rw_runlock(&rw));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, rw_unlock(&rw));
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_UNLOCKED);
	rw_wlock(&rw);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, rw_runlock(&rw));
	KUNIT_EXPECT_TRUE(test, rw_wowned(&rw));
	rw_wunlock(&rw);
	rw_destroy(&rw);
}

static void rw_unlock_by_a_non_owner_reported(struct kunit *test)
{
	struct rwlock rw = {};
	struct rw_actor *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, a);
	rw_init(&rw, "non owner");
	rw_actor_init(a, &rw, RWO_WLOCK, NULL);
	rw_actor_start(test, &t, a);
	BT_WAIT_UNTIL(test, READ_ONCE(a->entered));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, rw_wunlock(&rw));
	KUNIT_EXPECT_PTR_EQ(test, (void *)rw_wowner(&rw), (void *)t.task);
	rw_actor_finish(&t, a);

	rw_actor_init(a, &rw, RWO_RLOCK, NULL);
	rw_actor_start(test, &t, a);
	BT_WAIT_UNTIL(test, READ_ONCE(a->entered));
	/* This thread holds no shared rw: it cannot release the other thread's hold. */
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, rw_runlock(&rw));
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_LOCK_READ | RW_ONE_READER);
	rw_actor_finish(&t, a);
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_UNLOCKED);
	rw_destroy(&rw);
}

static void rw_destroy_while_held_reported(struct kunit *test)
{
	struct rwlock rw = {};

	rw_init(&rw, "destroy held");
	rw_wlock(&rw);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_HELD, rw_destroy(&rw));
	KUNIT_EXPECT_TRUE(test, rw_wowned(&rw));
	rw_wunlock(&rw);
	rw_rlock(&rw);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_HELD, rw_destroy(&rw));
	rw_runlock(&rw);
	BT_EXPECT_NO_REPORT(test, rw_destroy(&rw));
}

static void rw_use_after_destroy_reported(struct kunit *test)
{
	struct rwlock rw = {};

	rw_init(&rw, "destroyed");
	rw_destroy(&rw);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, rw_wlock(&rw));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, rw_rlock(&rw));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED,
			 KUNIT_EXPECT_EQ(test, rw_try_wlock(&rw), 0));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED,
			 KUNIT_EXPECT_EQ(test, rw_try_rlock(&rw), 0));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, rw_wunlock(&rw));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, rw_destroy(&rw));
	KUNIT_EXPECT_EQ(test, rw.rw_lock, RW_DESTROYED);
	/* Initialised again, it works. */
	rw_init(&rw, "again");
	rw_wlock(&rw);
	rw_wunlock(&rw);
	rw_destroy(&rw);
}

static void rw_double_init_reported(struct kunit *test)
{
	struct rwlock rw = {};

	rw_init(&rw, "twice");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DOUBLE_INIT, rw_init(&rw, "twice"));
	rw_wlock(&rw);
	/* Held: the second init does not touch it. */
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DOUBLE_INIT, rw_init(&rw, "thrice"));
	KUNIT_EXPECT_TRUE(test, rw_wowned(&rw));
	rw_wunlock(&rw);
	rw_destroy(&rw);
}

static void rw_unknown_init_option_reported(struct kunit *test)
{
	struct rwlock rw = {};

	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, rw_init_flags(&rw, "bad", 0x8000));
	rw_wlock(&rw);
	rw_wunlock(&rw);
	rw_destroy(&rw);
}

static void rw_sleep_on_recursed_lock_reported(struct kunit *test)
{
	struct rwlock rw = {};
	int chan;

	rw_init_flags(&rw, "sleep recursed", RW_RECURSE);
	rw_wlock(&rw);
	rw_wlock(&rw);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_RECURSED,
			 KUNIT_EXPECT_EQ(test, rw_sleep(&chan, &rw, 0, "rec", 1), EINVAL));
	KUNIT_EXPECT_TRUE(test, rw_recursed(&rw));
	rw_wunlock(&rw);
	rw_wunlock(&rw);
	rw_destroy(&rw);
}

static void rw_assert_every_flag_fails_when_false(struct kunit *test)
{
	struct rwlock rw = {};
	struct rw_actor *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, a);
	rw_init_flags(&rw, "assert fails", RW_RECURSE);
	/* Unlocked. */
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rw_assert(&rw, RA_LOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rw_assert(&rw, RA_RLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rw_assert(&rw, RA_WLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rw_assert(&rw, RA_WLOCKED | RA_NOTRECURSED));
	/* Held exclusively once. */
	rw_wlock(&rw);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rw_assert(&rw, RA_UNLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rw_assert(&rw, RA_RLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rw_assert(&rw, RA_WLOCKED | RA_RECURSED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rw_assert(&rw, RA_LOCKED | RA_RECURSED));
	/* Recursed. */
	rw_wlock(&rw);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rw_assert(&rw, RA_WLOCKED | RA_NOTRECURSED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rw_assert(&rw, RA_LOCKED | RA_NOTRECURSED));
	rw_wunlock(&rw);
	rw_wunlock(&rw);
	/* Held by another thread: exclusively, then shared. */
	rw_actor_init(a, &rw, RWO_WLOCK, NULL);
	rw_actor_start(test, &t, a);
	BT_WAIT_UNTIL(test, READ_ONCE(a->entered));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rw_assert(&rw, RA_WLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rw_assert(&rw, RA_LOCKED));
	rw_actor_finish(&t, a);
	rw_actor_init(a, &rw, RWO_RLOCK, NULL);
	rw_actor_start(test, &t, a);
	BT_WAIT_UNTIL(test, READ_ONCE(a->entered));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rw_assert(&rw, RA_RLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, rw_assert(&rw, RA_WLOCKED));
	rw_actor_finish(&t, a);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, rw_assert(&rw, 0x40));
	rw_destroy(&rw);
}


static void rw_held_across_a_sleep_reported(struct kunit *test)
{
	struct rwlock rw = {};
	int chan;

	rw_init(&rw, "across sleep");
	rw_rlock(&rw);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE,
			 KUNIT_EXPECT_EQ(test, pause("rwheld", 1), EWOULDBLOCK));
	rw_runlock(&rw);
	rw_wlock(&rw);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE,
			 KUNIT_EXPECT_EQ(test, tsleep(&chan, 0, "rwheld", 1), EWOULDBLOCK));
	rw_wunlock(&rw);
	/* Released: sleeping is fine again, the record is gone. */
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, pause("rwfree", 1), EWOULDBLOCK));
	rw_destroy(&rw);
}

static void rw_sleep_with_another_rw_held_reported(struct kunit *test)
{
	struct rwlock a = {}, b = {};
	int chan;

	rw_init(&a, "interlock");
	rw_init(&b, "other");
	rw_rlock(&b);
	rw_wlock(&a);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE,
			 KUNIT_EXPECT_EQ(test, rw_sleep(&chan, &a, 0, "two", 1), EWOULDBLOCK));
	KUNIT_EXPECT_TRUE(test, rw_wowned(&a));
	rw_wunlock(&a);
	rw_runlock(&b);
	rw_destroy(&a);
	rw_destroy(&b);
}

static void sx_taken_while_holding_an_rw_lock_reported(struct kunit *test)
{
	struct rwlock rw = {};
	struct sx sx = {};

	rw_init(&rw, "held rw");
	sx_init(&sx, "wanted sx");
	rw_wlock(&rw);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, sx_xlock(&sx));
	sx_xunlock(&sx);
	rw_wunlock(&rw);
	rw_rlock(&rw);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, sx_slock(&sx));
	sx_sunlock(&sx);
	rw_runlock(&rw);
	BT_EXPECT_NO_REPORT(test, sx_xlock(&sx));
	sx_xunlock(&sx);
	sx_destroy(&sx);
	rw_destroy(&rw);
}


/* In a hard interrupt (an hrtimer), where nothing may block: each blocking acquisition is
 * reported, and taken by spinning since the lock is free, so the caller keeps exclusion. */
struct rw_irq_ctx {
	struct hrtimer timer;
	struct rwlock l;
	unsigned long reports, total;
	int ran;
};

static enum hrtimer_restart rw_in_hardirq(struct hrtimer *timer)
{
	struct rw_irq_ctx *c = container_of(timer, struct rw_irq_ctx, timer);
	unsigned long before = bsdsync_report_count(BSDSYNC_RULE_SLEEP_INTERRUPT);
	unsigned long total = bsdsync_report_total();

	rw_rlock(&c->l);
	rw_runlock(&c->l);
	rw_wlock(&c->l);
	rw_wunlock(&c->l);
	c->reports = bsdsync_report_count(BSDSYNC_RULE_SLEEP_INTERRUPT) - before;
	c->total = bsdsync_report_total() - total;
	smp_store_release(&c->ran, 1);
	return HRTIMER_NORESTART;
}

static void rw_in_interrupt_context_reported(struct kunit *test)
{
	struct rw_irq_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	rw_init(&c->l, "irq rw");
	hrtimer_init(&c->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	c->timer.function = rw_in_hardirq;
	hrtimer_start(&c->timer, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	BT_WAIT_UNTIL(test, smp_load_acquire(&c->ran));
	hrtimer_cancel(&c->timer);
	KUNIT_EXPECT_EQ(test, c->reports, 2UL);
	KUNIT_EXPECT_EQ(test, c->total, 2UL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->l.rw_lock), RW_UNLOCKED);
	rw_destroy(&c->l);
}

static struct kunit_case rw_misuse_cases[] = {
	KUNIT_CASE(rw_in_interrupt_context_reported),
	KUNIT_CASE(rw_held_across_a_sleep_reported),
	KUNIT_CASE(rw_sleep_with_another_rw_held_reported),
	KUNIT_CASE(sx_taken_while_holding_an_rw_lock_reported),
	KUNIT_CASE(rw_recursion_on_non_recursive_lock_reported),
	KUNIT_CASE(rw_rlock_of_a_lock_held_for_writing_by_the_caller_reported),
	KUNIT_CASE(rw_downgrade_of_recursed_lock_reported),
	KUNIT_CASE(rw_downgrade_and_upgrade_without_the_right_hold_reported),
	KUNIT_CASE(rw_unlock_of_unheld_lock_reported),
	KUNIT_CASE(rw_unlock_by_a_non_owner_reported),
	KUNIT_CASE(rw_destroy_while_held_reported),
	KUNIT_CASE(rw_use_after_destroy_reported),
	KUNIT_CASE(rw_double_init_reported),
	KUNIT_CASE(rw_unknown_init_option_reported),
	KUNIT_CASE(rw_sleep_on_recursed_lock_reported),
	KUNIT_CASE(rw_assert_every_flag_fails_when_false),
	{}
};

static struct kunit_suite rw_misuse_suite = {
	.name = "freebsd_rw_misuse",
	.test_cases = rw_misuse_cases,
};

kunit_test_suites(&rw_suite, &rw_misuse_suite);
