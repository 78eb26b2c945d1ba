// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * sx(9), as a ported FreeBSD driver uses it. One case per documented behaviour; misuse cases
 * check the report and that the kernel and the lock go on.
 */
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/hrtimer.h>
#include <linux/slab.h>
#include <linux/cpumask.h>
#include <linux/delay.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/sx.h>
#include <sys/condvar.h>
#include <sys/errno.h>
#include <sys/kernel.h>

#include "harness.h"

/* ---- an actor: a thread doing one sx operation, holding the result until told ------------ */

enum sx_op { SXO_XLOCK, SXO_SLOCK, SXO_XLOCK_SIG, SXO_SLOCK_SIG };

struct sx_actor {
	struct sx *sx;
	int op;
	int sig;		/* 1: SIGUSR1 may interrupt it; 2: SIGKILL is fatal to it */
	int signal_self;	/* send itself SIGUSR1 before the operation */
	int giant_depth;	/* hold Giant this deep around the operation */
	atomic_t *order;	/* entry order among actors */
	int started, entered, done;
	int error, seq;
	int giant_recursed_after;
	struct completion release;
};

static void sx_actor_init(struct sx_actor *a, struct sx *sx, int op, atomic_t *order)
{
	memset(a, 0, sizeof(*a));
	a->sx = sx;
	a->op = op;
	a->order = order;
	init_completion(&a->release);
}

static void sx_actor_main(void *arg)
{
	struct sx_actor *a = arg;
	struct sx warm = {};
	int error = 0;

	if (a->sig == 2)
		kernel_sigaction(SIGKILL, SIG_DFL);
	else if (a->sig == 1)
		allow_signal(SIGUSR1);
	/* Create this thread's bsdsync state now, so that the only thing that can block it
	 * below is the operation under test. */
	sx_init(&warm, "warm");
	sx_slock(&warm);
	sx_sunlock(&warm);
	sx_destroy(&warm);
	for (int i = 0; i < a->giant_depth; i++)
		mtx_lock(&Giant);
	if (a->signal_self)
		send_sig(SIGUSR1, current, 1);
	WRITE_ONCE(a->started, 1);
	switch (a->op) {
	case SXO_XLOCK:
		sx_xlock(a->sx);
		break;
	case SXO_SLOCK:
		sx_slock(a->sx);
		break;
	case SXO_XLOCK_SIG:
		error = sx_xlock_sig(a->sx);
		break;
	case SXO_SLOCK_SIG:
		error = sx_slock_sig(a->sx);
		break;
	}
	a->error = error;
	if (!error) {
		if (a->order)
			a->seq = atomic_inc_return(a->order);
		WRITE_ONCE(a->entered, 1);
		wait_for_completion_timeout(&a->release, 60 * HZ);
		if (a->op == SXO_XLOCK || a->op == SXO_XLOCK_SIG)
			sx_xunlock(a->sx);
		else
			sx_sunlock(a->sx);
	}
	a->giant_recursed_after = a->giant_depth > 1 && mtx_recursed(&Giant);
	for (int i = 0; i < a->giant_depth; i++)
		mtx_unlock(&Giant);
	flush_signals(current);
	if (a->sig == 2)
		kernel_sigaction(SIGKILL, SIG_IGN);
	WRITE_ONCE(a->done, 1);
}

/* The actor is blocked (asleep) after it started: queued on the lock. */
static bool sx_actor_blocked(struct bt_thread *t, struct sx_actor *a)
{
	return READ_ONCE(a->started) && READ_ONCE(t->task->__state) != TASK_RUNNING;
}

static void sx_actor_start(struct kunit *test, struct bt_thread *t, struct sx_actor *a)
{
	bt_start(test, t, sx_actor_main, a, "bsd-sx");
}

static void sx_actor_finish(struct bt_thread *t, struct sx_actor *a)
{
	complete(&a->release);
	bt_join(t);
}

/* ---- concurrency ---------------------------------------------------------------------- */

#define SX_READERS 4

struct sx_readers {
	struct sx sx;
	atomic_t inside;
	int all_seen[SX_READERS];
};

struct sx_reader_arg {
	struct sx_readers *r;
	int idx;
};

static void sx_reader_barrier(void *arg)
{
	struct sx_reader_arg *ra = arg;
	struct sx_readers *r = ra->r;
	unsigned long deadline = jiffies + 60 * HZ;

	sx_slock(&r->sx);
	atomic_inc(&r->inside);
	/* Nobody leaves before all are inside: only possible if they hold it at once. */
	while (atomic_read(&r->inside) < SX_READERS && time_before(jiffies, deadline))
		usleep_range(200, 500);
	r->all_seen[ra->idx] = atomic_read(&r->inside) >= SX_READERS;
	sx_sunlock(&r->sx);
}

static void sx_all_readers_hold_the_lock_at_once(struct kunit *test)
{
	struct sx_readers *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct sx_reader_arg args[SX_READERS];
	struct bt_thread t[SX_READERS];

	KUNIT_ASSERT_NOT_NULL(test, r);
	sx_init(&r->sx, "readers");
	for (int i = 0; i < SX_READERS; i++)
		args[i] = (struct sx_reader_arg){ r, i };
	bt_start_n(test, t, SX_READERS, sx_reader_barrier, args, sizeof(args[0]), "bsd-sxr");
	bt_join_n(t, SX_READERS);
	for (int i = 0; i < SX_READERS; i++)
		KUNIT_EXPECT_TRUE_MSG(test, r->all_seen[i], "reader %d never saw all inside", i);
	sx_assert(&r->sx, SA_UNLOCKED);
	KUNIT_EXPECT_EQ(test, r->sx.sx_lock, SX_LOCK_UNLOCKED);
	sx_destroy(&r->sx);
}

#define SXS_THREADS 4
#define SXS_ROUNDS 5000

struct sx_stress {
	struct sx sx;
	atomic_t readers;	/* readers inside */
	int writer;		/* a writer inside */
	unsigned long counter;	/* written by writers only */
	int violations;
	atomic_t reads;
};

static void sx_stress_worker(void *arg)
{
	struct sx_stress *s = arg;

	for (int i = 0; i < SXS_ROUNDS; i++) {
		bool write = (i + (int)(long)current->pid) % 3 == 0;

		if (write) {
			if (i & 1)
				sx_xlock(&s->sx);
			else
				while (!sx_try_xlock(&s->sx))
					cpu_relax();
			if (READ_ONCE(s->writer) || atomic_read(&s->readers))
				s->violations++;
			WRITE_ONCE(s->writer, 1);
			s->counter++;
			if ((i & 15) == 0)
				cond_resched();	/* sx may be held across a reschedule */
			WRITE_ONCE(s->writer, 0);
			sx_xunlock(&s->sx);
		} else {
			sx_slock(&s->sx);
			atomic_inc(&s->readers);
			if (READ_ONCE(s->writer))
				s->violations++;
			atomic_inc(&s->reads);
			if ((i & 31) == 0)
				cpu_relax();
			atomic_dec(&s->readers);
			sx_sunlock(&s->sx);
		}
		if ((i & 127) == 0)
			cond_resched();
	}
}

static void sx_writers_exclude_readers_and_writers_under_stress(struct kunit *test)
{
	struct sx_stress *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t[SXS_THREADS];
	unsigned long writes = 0;

	KUNIT_ASSERT_NOT_NULL(test, s);
	sx_init(&s->sx, "stress");
	for (int i = 0; i < SXS_THREADS; i++)
		bt_start(test, &t[i], sx_stress_worker, s, "bsd-sxs");
	bt_join_n(t, SXS_THREADS);
	KUNIT_EXPECT_EQ(test, s->violations, 0);
	writes = s->counter;
	KUNIT_EXPECT_EQ(test, writes + atomic_read(&s->reads),
			(unsigned long)SXS_THREADS * SXS_ROUNDS);
	KUNIT_EXPECT_GT(test, writes, 0UL);
	KUNIT_EXPECT_EQ(test, s->sx.sx_lock, SX_LOCK_UNLOCKED);
	sx_destroy(&s->sx);
}

#define SXP_READERS 3

struct sx_progress {
	struct sx sx;
	int stop;
	atomic_t overlap;	/* readers inside right now */
	unsigned long rounds;
};

static void sx_busy_reader(void *arg)
{
	struct sx_progress *p = arg;

	/* Overlapping read sections, back to back: the lock is never free of readers unless
	 * new readers are held back for the writer. */
	while (!READ_ONCE(p->stop)) {
		sx_slock(&p->sx);
		atomic_inc(&p->overlap);
		udelay(20);
		atomic_dec(&p->overlap);
		sx_sunlock(&p->sx);
		p->rounds++;
	}
}

static void sx_writer_gets_in_while_readers_keep_arriving(struct kunit *test)
{
	struct sx_progress *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	struct bt_thread t[SXP_READERS], wt;
	struct sx_actor *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, w);
	sx_init(&p->sx, "progress");
	for (int i = 0; i < SXP_READERS; i++)
		bt_start(test, &t[i], sx_busy_reader, p, "bsd-sxbr");
	BT_WAIT_UNTIL(test, atomic_read(&p->overlap) > 0);
	sx_actor_init(w, &p->sx, SXO_XLOCK, NULL);
	sx_actor_start(test, &wt, w);
	BT_WAIT_UNTIL(test, READ_ONCE(w->entered));
	KUNIT_EXPECT_TRUE(test, READ_ONCE(w->entered));
	sx_actor_finish(&wt, w);
	WRITE_ONCE(p->stop, 1);
	bt_join_n(t, SXP_READERS);
	sx_destroy(&p->sx);
}

/* Free right after unlock, while a waiter that just got the lock is still returning: the
 * release path must never touch the lock after handing it over (KASAN watches). */
struct sx_uaf {
	struct sx *sx;
	struct completion waiting;
	int mode;
};

static void sx_uaf_waiter(void *arg)
{
	struct sx_uaf *u = arg;
	struct sx *sx = u->sx;

	complete(&u->waiting);
	if (u->mode) {
		sx_slock(sx);
		sx_sunlock(sx);
	} else {
		sx_xlock(sx);
		sx_xunlock(sx);
	}
	sx_destroy(sx);
	kfree(sx);
}

static void sx_unlock_then_free_by_next_owner_is_safe(struct kunit *test)
{
	unsigned long reports = bsdsync_report_total();

	for (int i = 0; i < 200; i++) {
		struct sx_uaf u;
		struct bt_thread t;
		struct sx *sx = kzalloc(sizeof(*sx), GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, sx);
		sx_init(sx, "uaf");
		u.sx = sx;
		u.mode = (i & 2) ? 0 : (i & 1);	/* a reader would not wait for a reader */
		init_completion(&u.waiting);
		if (i & 2)
			sx_slock(sx);
		else
			sx_xlock(sx);
		bt_start(test, &t, sx_uaf_waiter, &u, "bsd-sxuaf");
		wait_for_completion(&u.waiting);
		if (i & 4)
			udelay(50);
		if (i & 2)
			sx_sunlock(sx);
		else
			sx_xunlock(sx);
		bt_join(&t);
	}
	KUNIT_EXPECT_EQ(test, bsdsync_report_total() - reports, 0UL);
}


/* ---- adaptive spinning ------------------------------------------------------------------ */

/* The owner, on one CPU, holds the lock busy (never sleeping) until the waiter, on the other
 * CPU, is trying, and a little longer. A waiter that spins while the owner runs gets the lock
 * without a voluntary context switch; one that may not spin blocks (one switch at least). */
struct sx_spin_ctx {
	struct sx l;
	int held, trying, done;
	unsigned long nvcsw;	/* the waiter's voluntary switches during its lock call */
};

static void sx_spin_owner(void *arg)
{
	struct sx_spin_ctx *s = arg;
	unsigned long deadline = jiffies + 10 * HZ;

	set_cpus_allowed_ptr(current, cpumask_of(0));
	sx_xlock(&s->l);
	WRITE_ONCE(s->held, 1);
	while (!READ_ONCE(s->trying) && time_before(jiffies, deadline))
		cpu_relax();
	mdelay(2);
	sx_xunlock(&s->l);
}

static void sx_spin_waiter(void *arg)
{
	struct sx_spin_ctx *s = arg;
	unsigned long deadline = jiffies + 10 * HZ, nv;

	set_cpus_allowed_ptr(current, cpumask_of(1));
	while (!READ_ONCE(s->held) && time_before(jiffies, deadline))
		cpu_relax();
	nv = current->nvcsw;
	WRITE_ONCE(s->trying, 1);
	sx_xlock(&s->l);
	s->nvcsw = current->nvcsw - nv;
	sx_xunlock(&s->l);
}

/* Up to `tries` rounds; returns how many rounds had the waiter switch out voluntarily. */
static int sx_spin_rounds(struct kunit *test, int noadaptive, int tries, int stop_on)
{
	struct sx_spin_ctx *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread o, w;
	int blocked = 0;

	if (!s)
		return -1;
	for (int i = 0; i < tries; i++) {
		memset(s, 0, sizeof(*s));
		sx_init_flags(&s->l, "adaptive", noadaptive ? SX_NOADAPTIVE : 0);
		bt_start(test, &o, sx_spin_owner, s, "bsd-spin-o");
		bt_start(test, &w, sx_spin_waiter, s, "bsd-spin-w");
		bt_join(&o);
		bt_join(&w);
		sx_destroy(&s->l);
		blocked += s->nvcsw != 0;
		/* One round showing the behaviour is proof; the others guard against a round
		 * spoiled by the scheduler (an owner preempted, a waiter late). */
		if ((s->nvcsw != 0) == stop_on)
			break;
	}
	return blocked;
}

static void sx_waiter_spins_while_the_exclusive_owner_runs(struct kunit *test)
{
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	/* At least one round without blocking. */
	KUNIT_EXPECT_LT(test, sx_spin_rounds(test, 0, 20, false), 20);
}

static void sx_noadaptive_waiter_blocks_instead_of_spinning(struct kunit *test)
{
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	/* At least one round in which it blocked. */
	KUNIT_EXPECT_GE(test, sx_spin_rounds(test, 1, 5, true), 1);
}

/* ---- try, upgrade, downgrade ------------------------------------------------------------ */

struct sx_try_ctx {
	struct sx *sx;
	int x, s;
};

static void sx_try_from_thread(void *arg)
{
	struct sx_try_ctx *c = arg;

	c->x = sx_try_xlock(c->sx);
	if (c->x)
		sx_xunlock(c->sx);
	c->s = sx_try_slock(c->sx);
	if (c->s)
		sx_sunlock(c->sx);
}

static void sx_try_elsewhere(struct kunit *test, struct sx *sx, int *x, int *s)
{
	struct sx_try_ctx c = { .sx = sx };
	struct bt_thread t;

	bt_start(test, &t, sx_try_from_thread, &c, "bsd-sxtry");
	bt_join(&t);
	*x = c.x;
	*s = c.s;
}

static void sx_try_xlock_and_try_slock_in_every_holder_state(struct kunit *test)
{
	struct sx sx = {};
	int x, s;

	sx_init(&sx, "try states");
	sx_try_elsewhere(test, &sx, &x, &s);		/* free */
	KUNIT_EXPECT_EQ(test, x, 1);
	KUNIT_EXPECT_EQ(test, s, 1);
	sx_slock(&sx);
	sx_try_elsewhere(test, &sx, &x, &s);		/* shared */
	KUNIT_EXPECT_EQ(test, x, 0);
	KUNIT_EXPECT_EQ(test, s, 1);
	sx_sunlock(&sx);
	sx_xlock(&sx);
	sx_try_elsewhere(test, &sx, &x, &s);		/* exclusive */
	KUNIT_EXPECT_EQ(test, x, 0);
	KUNIT_EXPECT_EQ(test, s, 0);
	sx_xunlock(&sx);
	KUNIT_EXPECT_EQ(test, sx_try_xlock(&sx), 1);	/* the caller's own tries */
	KUNIT_EXPECT_TRUE(test, sx_xlocked(&sx));
	KUNIT_EXPECT_EQ(test, sx_try_xlock(&sx), 0);	/* not recursive: fails, no report */
	sx_xunlock(&sx);
	KUNIT_EXPECT_EQ(test, sx_try_slock(&sx), 1);
	sx_sunlock(&sx);
	sx_destroy(&sx);
}

static void sx_try_xlock_recurses_on_sx_recurse_lock(struct kunit *test)
{
	struct sx sx = {};

	sx_init_flags(&sx, "try recurse", SX_RECURSE);
	KUNIT_EXPECT_EQ(test, sx_try_xlock(&sx), 1);
	KUNIT_EXPECT_EQ(test, sx_try_xlock(&sx), 1);
	KUNIT_EXPECT_TRUE(test, sx_recursed(&sx));
	sx_xunlock(&sx);
	KUNIT_EXPECT_FALSE(test, sx_recursed(&sx));
	KUNIT_EXPECT_TRUE(test, sx_xlocked(&sx));
	sx_xunlock(&sx);
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_UNLOCKED);
	sx_destroy(&sx);
}

static void sx_try_upgrade_succeeds_for_the_sole_reader(struct kunit *test)
{
	struct sx sx = {};

	sx_init(&sx, "upgrade");
	sx_slock(&sx);
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, sx_try_upgrade(&sx), 1));
	KUNIT_EXPECT_TRUE(test, sx_xlocked(&sx));
	KUNIT_EXPECT_PTR_EQ(test, sx_xholder(&sx), curthread);
	sx_assert(&sx, SA_XLOCKED | SA_NOTRECURSED);
	sx_xunlock(&sx);
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_UNLOCKED);
	sx_destroy(&sx);
}

static void sx_try_upgrade_fails_while_another_reader_holds_it(struct kunit *test)
{
	struct sx sx = {};
	struct sx_actor *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, a);
	sx_init(&sx, "upgrade2");
	sx_actor_init(a, &sx, SXO_SLOCK, NULL);
	sx_actor_start(test, &t, a);
	BT_WAIT_UNTIL(test, READ_ONCE(a->entered));
	sx_slock(&sx);
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, sx_try_upgrade(&sx), 0));
	/* Still a reader, alongside the other one. */
	KUNIT_EXPECT_FALSE(test, sx_xlocked(&sx));
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_SHARED | 2 * SX_ONE_SHARER);
	sx_actor_finish(&t, a);
	/* Now the sole reader: the upgrade works. */
	KUNIT_EXPECT_EQ(test, sx_try_upgrade(&sx), 1);
	sx_xunlock(&sx);
	sx_destroy(&sx);
}

static void sx_downgrade_lets_waiting_readers_in_at_once(struct kunit *test)
{
	struct sx sx = {};
	struct sx_actor *r = kunit_kcalloc(test, 3, sizeof(*r), GFP_KERNEL);
	struct sx_actor *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct bt_thread rt[2], wt;
	atomic_t order = ATOMIC_INIT(0);

	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_NOT_NULL(test, w);
	sx_init(&sx, "downgrade");
	sx_xlock(&sx);
	/* Two readers queue, then a writer queues behind them. */
	for (int i = 0; i < 2; i++) {
		sx_actor_init(&r[i], &sx, SXO_SLOCK, &order);
		sx_actor_start(test, &rt[i], &r[i]);
		BT_WAIT_UNTIL(test, sx_actor_blocked(&rt[i], &r[i]));
	}
	sx_actor_init(w, &sx, SXO_XLOCK, &order);
	sx_actor_start(test, &wt, w);
	BT_WAIT_UNTIL(test, sx_actor_blocked(&wt, w));
	KUNIT_EXPECT_TRUE(test, sx.sx_lock & SX_LOCK_EXCLUSIVE_WAITERS);

	sx_downgrade(&sx);
	/* The queued readers are in beside us, the writer still waits. */
	BT_WAIT_UNTIL(test, READ_ONCE(r[0].entered) && READ_ONCE(r[1].entered));
	KUNIT_EXPECT_FALSE(test, sx_xlocked(&sx));
	sx_assert(&sx, SA_SLOCKED);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(w->entered));
	KUNIT_EXPECT_TRUE(test, sx.sx_lock & SX_LOCK_EXCLUSIVE_WAITERS);
	sx_sunlock(&sx);
	sx_actor_finish(&rt[0], &r[0]);
	sx_actor_finish(&rt[1], &r[1]);
	BT_WAIT_UNTIL(test, READ_ONCE(w->entered));
	sx_actor_finish(&wt, w);
	KUNIT_EXPECT_EQ(test, w->seq, 3);
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_UNLOCKED);
	sx_destroy(&sx);
}

static void sx_downgrade_without_waiters_leaves_one_shared_hold(struct kunit *test)
{
	struct sx sx = {};
	int x, s;

	sx_init(&sx, "downgrade1");
	sx_xlock(&sx);
	sx_downgrade(&sx);
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_SHARED | SX_ONE_SHARER);
	sx_assert(&sx, SA_SLOCKED);
	sx_try_elsewhere(test, &sx, &x, &s);
	KUNIT_EXPECT_EQ(test, x, 0);
	KUNIT_EXPECT_EQ(test, s, 1);
	sx_sunlock(&sx);
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_UNLOCKED);
	sx_destroy(&sx);
}

/* ---- writer preference and reader recursion --------------------------------------------- */

static void sx_new_reader_waits_behind_a_waiting_writer(struct kunit *test)
{
	struct sx sx = {};
	struct sx_actor *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct sx_actor *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct bt_thread wt, rt;
	atomic_t order = ATOMIC_INIT(0);

	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_NOT_NULL(test, r);
	sx_init(&sx, "writer first");
	sx_slock(&sx);
	sx_actor_init(w, &sx, SXO_XLOCK, &order);
	sx_actor_start(test, &wt, w);
	BT_WAIT_UNTIL(test, sx_actor_blocked(&wt, w));
	sx_actor_init(r, &sx, SXO_SLOCK, &order);
	sx_actor_start(test, &rt, r);
	BT_WAIT_UNTIL(test, sx_actor_blocked(&rt, r));
	KUNIT_EXPECT_FALSE(test, READ_ONCE(r->entered));
	/* A try ignores waiting writers. */
	KUNIT_EXPECT_EQ(test, sx_try_slock(&sx), 1);
	sx_sunlock(&sx);
	sx_sunlock(&sx);
	BT_WAIT_UNTIL(test, READ_ONCE(w->entered));
	sx_actor_finish(&wt, w);
	BT_WAIT_UNTIL(test, READ_ONCE(r->entered));
	sx_actor_finish(&rt, r);
	KUNIT_EXPECT_EQ(test, w->seq, 1);
	KUNIT_EXPECT_EQ(test, r->seq, 2);
	sx_destroy(&sx);
}

static void sx_reader_recursion_with_a_writer_waiting_does_not_deadlock(struct kunit *test)
{
	struct sx sx = {}, other = {};
	struct sx_actor *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct bt_thread wt;

	KUNIT_ASSERT_NOT_NULL(test, w);
	sx_init(&sx, "recursive reader");
	sx_init(&other, "other");
	sx_slock(&sx);
	sx_actor_init(w, &sx, SXO_XLOCK, NULL);
	sx_actor_start(test, &wt, w);
	BT_WAIT_UNTIL(test, sx_actor_blocked(&wt, w));
	/* This thread holds a shared sx: it passes the waiting writer. */
	BT_EXPECT_NO_SLEEP(test, sx_slock(&sx));
	sx_sunlock(&sx);
	sx_sunlock(&sx);
	BT_WAIT_UNTIL(test, READ_ONCE(w->entered));
	sx_actor_finish(&wt, w);
	sx_destroy(&other);
	sx_destroy(&sx);
}

/* ---- signals ------------------------------------------------------------------------------ */

static void sx_run_sig_case(struct kunit *test, int op, int sig, int holder_shared)
{
	struct sx sx = {};
	struct sx_actor *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, a);
	sx_init(&sx, "sig");
	if (holder_shared)
		sx_slock(&sx);
	else
		sx_xlock(&sx);
	sx_actor_init(a, &sx, op, NULL);
	a->sig = sig == SIGKILL ? 2 : 1;
	sx_actor_start(test, &t, a);
	BT_WAIT_UNTIL(test, sx_actor_blocked(&t, a));
	send_sig(sig, t.task, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(a->done));
	if (!READ_ONCE(a->done))
		holder_shared ? sx_sunlock(&sx) : sx_xunlock(&sx);
	sx_actor_finish(&t, a);
	KUNIT_EXPECT_EQ(test, a->error, sig == SIGKILL ? EINTR : ERESTART);
	KUNIT_EXPECT_FALSE(test, a->entered);
	/* The holder still holds it, and the lock is sound after the waiter left. */
	if (holder_shared) {
		sx_assert(&sx, SA_SLOCKED);
		sx_sunlock(&sx);
	} else {
		sx_assert(&sx, SA_XLOCKED);
		sx_xunlock(&sx);
	}
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_UNLOCKED);
	KUNIT_EXPECT_EQ(test, sx_try_xlock(&sx), 1);
	sx_xunlock(&sx);
	sx_destroy(&sx);
}

static void sx_xlock_sig_returns_erestart_on_signal(struct kunit *test)
{
	sx_run_sig_case(test, SXO_XLOCK_SIG, SIGUSR1, 0);
}

static void sx_xlock_sig_returns_eintr_on_sigkill(struct kunit *test)
{
	sx_run_sig_case(test, SXO_XLOCK_SIG, SIGKILL, 1);
}

static void sx_slock_sig_returns_erestart_on_signal(struct kunit *test)
{
	sx_run_sig_case(test, SXO_SLOCK_SIG, SIGUSR1, 0);
}

static void sx_slock_sig_returns_eintr_on_sigkill(struct kunit *test)
{
	sx_run_sig_case(test, SXO_SLOCK_SIG, SIGKILL, 0);
}

static void sx_xlock_sig_with_signal_pending_fails_without_waiting(struct kunit *test)
{
	struct sx sx = {};
	struct sx_actor *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, a);
	sx_init(&sx, "pending");
	sx_xlock(&sx);
	sx_actor_init(a, &sx, SXO_XLOCK_SIG, NULL);
	a->sig = 1;
	a->signal_self = 1;
	sx_actor_start(test, &t, a);
	BT_WAIT_UNTIL(test, READ_ONCE(a->done));
	if (!READ_ONCE(a->done))
		sx_xunlock(&sx);
	sx_actor_finish(&t, a);
	KUNIT_EXPECT_EQ(test, a->error, ERESTART);
	if (sx_xlocked(&sx))
		sx_xunlock(&sx);
	sx_destroy(&sx);
}

static void sx_sig_on_a_free_lock_takes_it_despite_a_pending_signal(struct kunit *test)
{
	struct sx sx = {};
	struct sx_actor *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, a);
	sx_init(&sx, "pending free");
	sx_actor_init(a, &sx, SXO_SLOCK_SIG, NULL);
	a->sig = 1;
	a->signal_self = 1;
	sx_actor_start(test, &t, a);
	BT_WAIT_UNTIL(test, READ_ONCE(a->entered));
	sx_actor_finish(&t, a);
	KUNIT_EXPECT_EQ(test, a->error, 0);
	sx_destroy(&sx);
}

static void sx_interrupted_writer_lets_readers_queued_behind_it_in(struct kunit *test)
{
	struct sx sx = {};
	struct sx_actor *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct sx_actor *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct bt_thread wt, rt;

	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_NOT_NULL(test, r);
	sx_init(&sx, "settle");
	sx_slock(&sx);
	sx_actor_init(w, &sx, SXO_XLOCK_SIG, NULL);
	w->sig = 1;
	sx_actor_start(test, &wt, w);
	BT_WAIT_UNTIL(test, sx_actor_blocked(&wt, w));
	sx_actor_init(r, &sx, SXO_SLOCK, NULL);
	sx_actor_start(test, &rt, r);
	BT_WAIT_UNTIL(test, sx_actor_blocked(&rt, r));
	send_sig(SIGUSR1, wt.task, 1);
	/* No writer waits any more: the reader joins us at once. */
	BT_WAIT_UNTIL(test, READ_ONCE(r->entered));
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_SHARED | 2 * SX_ONE_SHARER);
	sx_sunlock(&sx);
	sx_actor_finish(&rt, r);
	sx_actor_finish(&wt, w);
	KUNIT_EXPECT_EQ(test, w->error, ERESTART);
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_UNLOCKED);
	sx_destroy(&sx);
}

/* ---- sx_sleep -------------------------------------------------------------------------- */

struct sx_sleeper {
	struct sx sx;
	int chan;
	int shared;
	int pri;
	int timo;
	int sig;
	int started, done;
	int error;
	int xlocked_after, slocked_after;
};

static void sx_sleeper_main(void *arg)
{
	struct sx_sleeper *s = arg;

	if (s->sig)
		allow_signal(SIGUSR1);
	if (s->shared)
		sx_slock(&s->sx);
	else
		sx_xlock(&s->sx);
	WRITE_ONCE(s->started, 1);
	s->error = sx_sleep(&s->chan, &s->sx, s->pri, "sxsleep", s->timo);
	s->xlocked_after = sx_xlocked(&s->sx);
	/* Shared and not exclusive: nobody else can hold it exclusively meanwhile. */
	s->slocked_after = !s->xlocked_after && (s->sx.sx_lock & SX_LOCK_SHARED) &&
			   (s->sx.sx_lock >> SX_SHARERS_SHIFT) >= 1;
	if (s->xlocked_after)
		sx_xunlock(&s->sx);
	else if (s->slocked_after && !(s->pri & PDROP))
		sx_sunlock(&s->sx);
	flush_signals(current);
	WRITE_ONCE(s->done, 1);
}

static struct sx_sleeper *sx_run_sleeper(struct kunit *test, int shared, int pri, int timo,
					 int how)
{
	struct sx_sleeper *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t;
	int x, sh;

	if (!s)
		return NULL;
	sx_init(&s->sx, "sleeper");
	s->shared = shared;
	s->pri = pri;
	s->timo = timo;
	s->sig = how == 2;
	bt_start(test, &t, sx_sleeper_main, s, "bsd-sxslp");
	BT_WAIT_UNTIL(test, READ_ONCE(s->started) && READ_ONCE(t.task->__state) != TASK_RUNNING);
	if (how) {
		/* Asleep: the lock was released for the sleep. */
		sx_try_elsewhere(test, &s->sx, &x, &sh);
		KUNIT_EXPECT_EQ(test, x, 1);
		if (how == 1)
			wakeup(&s->chan);
		else
			send_sig(SIGUSR1, t.task, 1);
	}
	BT_WAIT_UNTIL(test, READ_ONCE(s->done));
	BT_RESCUE(READ_ONCE(s->done), wakeup(&s->chan));
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, s->sx.sx_lock, SX_LOCK_UNLOCKED);
	sx_destroy(&s->sx);
	return s;
}

static void sx_sleep_retakes_an_exclusive_lock_exclusive(struct kunit *test)
{
	struct sx_sleeper *s = sx_run_sleeper(test, 0, 0, 0, 1);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->error, 0);
	KUNIT_EXPECT_TRUE(test, s->xlocked_after);
}

static void sx_sleep_retakes_a_shared_lock_shared(struct kunit *test)
{
	struct sx_sleeper *s = sx_run_sleeper(test, 1, 0, 0, 1);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->error, 0);
	KUNIT_EXPECT_FALSE(test, s->xlocked_after);
	KUNIT_EXPECT_TRUE(test, s->slocked_after);
}

static void sx_sleep_timeout_returns_ewouldblock_with_lock_retaken(struct kunit *test)
{
	struct sx_sleeper *s = sx_run_sleeper(test, 0, 0, 2, 0);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, s->xlocked_after);
	s = sx_run_sleeper(test, 1, 0, 2, 0);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, s->slocked_after);
}

static void sx_sleep_pdrop_returns_with_lock_released(struct kunit *test)
{
	struct sx_sleeper *s = sx_run_sleeper(test, 0, PDROP, 0, 1);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->error, 0);
	KUNIT_EXPECT_FALSE(test, s->xlocked_after);
	KUNIT_EXPECT_FALSE(test, s->slocked_after);
	s = sx_run_sleeper(test, 1, PDROP, 1, 0);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->error, EWOULDBLOCK);
	KUNIT_EXPECT_FALSE(test, s->slocked_after);
}

static void sx_sleep_pcatch_returns_erestart_on_signal_with_lock_retaken(struct kunit *test)
{
	struct sx_sleeper *s = sx_run_sleeper(test, 0, PCATCH, 0, 2);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->error, ERESTART);
	KUNIT_EXPECT_TRUE(test, s->xlocked_after);
	s = sx_run_sleeper(test, 1, PCATCH, 0, 2);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->error, ERESTART);
	KUNIT_EXPECT_TRUE(test, s->slocked_after);
}

/* ---- recursion, ownership, assertions, Giant, SYSINIT ---------------------------------- */

static void sx_recurse_allows_exclusive_recursion(struct kunit *test)
{
	struct sx sx = {};

	sx_init_flags(&sx, "recurse", SX_RECURSE);
	BT_EXPECT_NO_REPORT(test, {
		sx_xlock(&sx);
		sx_xlock(&sx);
		sx_xlock(&sx);
	});
	KUNIT_EXPECT_TRUE(test, sx_recursed(&sx));
	sx_assert(&sx, SA_XLOCKED | SA_RECURSED);
	sx_xunlock(&sx);
	sx_xunlock(&sx);
	KUNIT_EXPECT_FALSE(test, sx_recursed(&sx));
	sx_assert(&sx, SA_XLOCKED | SA_NOTRECURSED);
	sx_xunlock(&sx);
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_UNLOCKED);
	sx_destroy(&sx);
}

static void sx_shared_recursion_always_allowed(struct kunit *test)
{
	struct sx sx = {};

	sx_init(&sx, "srecurse");
	BT_EXPECT_NO_REPORT(test, {
		sx_slock(&sx);
		sx_slock(&sx);
	});
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_SHARED | 2 * SX_ONE_SHARER);
	sx_sunlock(&sx);
	sx_sunlock(&sx);
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_UNLOCKED);
	sx_destroy(&sx);
}

static void sx_xholder_and_xlocked_name_the_exclusive_owner(struct kunit *test)
{
	struct sx sx = {};
	struct sx_actor *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, a);
	sx_init(&sx, "xholder");
	KUNIT_EXPECT_NULL(test, sx_xholder(&sx));
	sx_xlock(&sx);
	KUNIT_EXPECT_PTR_EQ(test, sx_xholder(&sx), curthread);
	KUNIT_EXPECT_TRUE(test, sx_xlocked(&sx));
	sx_xunlock(&sx);
	sx_slock(&sx);
	KUNIT_EXPECT_NULL(test, sx_xholder(&sx));
	KUNIT_EXPECT_FALSE(test, sx_xlocked(&sx));
	sx_sunlock(&sx);
	sx_actor_init(a, &sx, SXO_XLOCK, NULL);
	sx_actor_start(test, &t, a);
	BT_WAIT_UNTIL(test, READ_ONCE(a->entered));
	KUNIT_EXPECT_PTR_EQ(test, (void *)sx_xholder(&sx), (void *)t.task);
	KUNIT_EXPECT_FALSE(test, sx_xlocked(&sx));
	sx_actor_finish(&t, a);
	sx_destroy(&sx);
}

static void sx_unlock_releases_either_mode(struct kunit *test)
{
	struct sx sx = {};

	sx_init(&sx, "unlock");
	sx_xlock(&sx);
	sx_unlock(&sx);
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_UNLOCKED);
	sx_slock(&sx);
	sx_unlock(&sx);
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_UNLOCKED);
	sx_destroy(&sx);
}

static void sx_assert_every_flag_passes_when_true(struct kunit *test)
{
	struct sx sx = {};

	sx_init_flags(&sx, "assert", SX_RECURSE);
	BT_EXPECT_NO_REPORT(test, {
		sx_assert(&sx, SA_UNLOCKED);
		sx_xlock(&sx);
		sx_assert(&sx, SA_LOCKED);
		sx_assert(&sx, SA_XLOCKED);
		sx_assert(&sx, SA_LOCKED | SA_NOTRECURSED);
		sx_assert(&sx, SA_XLOCKED | SA_NOTRECURSED);
		sx_xlock(&sx);
		sx_assert(&sx, SA_LOCKED | SA_RECURSED);
		sx_assert(&sx, SA_XLOCKED | SA_RECURSED);
		sx_xunlock(&sx);
		sx_xunlock(&sx);
		sx_slock(&sx);
		sx_assert(&sx, SA_LOCKED);
		sx_assert(&sx, SA_SLOCKED);
		sx_assert(&sx, SA_SLOCKED | SA_NOTRECURSED);
		sx_assert(&sx, SA_UNLOCKED);	/* not held exclusively by us */
		sx_sunlock(&sx);
		/* The old names are the same values. */
		sx_assert(&sx, SX_UNLOCKED);
	});
	sx_destroy(&sx);
}

static void sx_may_be_held_across_a_sleep(struct kunit *test)
{
	struct sx sx = {};
	int chan;

	sx_init(&sx, "across sleep");
	sx_xlock(&sx);
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, tsleep(&chan, 0, "hold", 1), EWOULDBLOCK));
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, pause("hold", 1), EWOULDBLOCK));
	sx_xunlock(&sx);
	sx_slock(&sx);
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, pause("hold", 1), EWOULDBLOCK));
	sx_sunlock(&sx);
	sx_destroy(&sx);
}

static void sx_waiter_drops_giant_while_blocked_and_restores_its_depth(struct kunit *test)
{
	struct sx sx = {};
	struct sx_actor *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct bt_thread t;
	int got_giant = 0;

	KUNIT_ASSERT_NOT_NULL(test, a);
	sx_init(&sx, "giant");
	sx_xlock(&sx);
	sx_actor_init(a, &sx, SXO_XLOCK, NULL);
	a->giant_depth = 2;
	sx_actor_start(test, &t, a);
	BT_WAIT_UNTIL(test, sx_actor_blocked(&t, a));
	/* The waiter released Giant while it blocked on the sx. */
	got_giant = mtx_trylock(&Giant);
	if (got_giant)
		mtx_unlock(&Giant);
	KUNIT_EXPECT_TRUE(test, got_giant);
	sx_xunlock(&sx);
	BT_WAIT_UNTIL(test, READ_ONCE(a->entered));
	sx_actor_finish(&t, a);
	KUNIT_EXPECT_TRUE(test, a->giant_recursed_after);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&Giant));
	sx_destroy(&sx);
}

static void sx_init_flags_options_are_recorded(struct kunit *test)
{
	struct sx sx = {};

	sx_init_flags(&sx, "flags", SX_DUPOK | SX_NOPROFILE | SX_QUIET | SX_RECURSE);
	KUNIT_EXPECT_TRUE(test, sx_initialized(&sx));
	KUNIT_EXPECT_TRUE(test, sx.lock_object.lo_flags & LO_DUPOK);
	KUNIT_EXPECT_TRUE(test, sx.lock_object.lo_flags & LO_NOPROFILE);
	KUNIT_EXPECT_TRUE(test, sx.lock_object.lo_flags & LO_QUIET);
	KUNIT_EXPECT_TRUE(test, sx.lock_object.lo_flags & LO_RECURSABLE);
	KUNIT_EXPECT_TRUE(test, sx.lock_object.lo_flags & LO_WITNESS);
	KUNIT_EXPECT_TRUE(test, sx.lock_object.lo_flags & LO_SLEEPABLE);
	KUNIT_EXPECT_EQ(test, LOCK_CLASS_INDEX(&sx.lock_object), BSDSYNC_CLASS_SX);
	KUNIT_EXPECT_STREQ(test, sx.lock_object.lo_name, "flags");
	sx_destroy(&sx);
	sx_init_flags(&sx, "nowitness", SX_NOWITNESS);
	KUNIT_EXPECT_FALSE(test, sx.lock_object.lo_flags & LO_WITNESS);
	KUNIT_EXPECT_FALSE(test, sx.lock_object.lo_flags & LO_RECURSABLE);
	/* SX_NEW: fresh memory, no double-init check even though it looks live. */
	BT_EXPECT_NO_REPORT(test, sx_init_flags(&sx, "new", SX_NEW));
	KUNIT_EXPECT_TRUE(test, sx.lock_object.lo_flags & LO_NEW);
	sx_destroy(&sx);
	KUNIT_EXPECT_FALSE(test, sx_initialized(&sx));
}

static struct sx sysinit_sx, sysinit_sx_flags;
SX_SYSINIT(kunit_sx, &sysinit_sx, "sysinit sx");
SX_SYSINIT_FLAGS(kunit_sx_flags, &sysinit_sx_flags, "sysinit sx flags", SX_RECURSE);

static void sx_sysinit_initialises_the_lock_at_module_load(struct kunit *test)
{
	KUNIT_ASSERT_TRUE(test, sx_initialized(&sysinit_sx));
	KUNIT_EXPECT_STREQ(test, sysinit_sx.lock_object.lo_name, "sysinit sx");
	sx_xlock(&sysinit_sx);
	sx_xunlock(&sysinit_sx);
	KUNIT_ASSERT_TRUE(test, sx_initialized(&sysinit_sx_flags));
	BT_EXPECT_NO_REPORT(test, {
		sx_xlock(&sysinit_sx_flags);
		sx_xlock(&sysinit_sx_flags);	/* SX_RECURSE came through */
	});
	KUNIT_EXPECT_TRUE(test, sx_recursed(&sysinit_sx_flags));
	sx_xunlock(&sysinit_sx_flags);
	sx_xunlock(&sysinit_sx_flags);
}

static void sx_interlock_of_condvar_retaken_in_its_mode(struct kunit *test)
{
	struct sx sx = {};
	struct cv cv;

	sx_init(&sx, "cv interlock");
	cv_init(&cv, "sxcv");
	sx_slock(&sx);
	KUNIT_EXPECT_EQ(test, cv_timedwait(&cv, &sx, 1), EWOULDBLOCK);
	KUNIT_EXPECT_FALSE(test, sx_xlocked(&sx));
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_SHARED | SX_ONE_SHARER);
	sx_sunlock(&sx);
	sx_xlock(&sx);
	KUNIT_EXPECT_EQ(test, cv_timedwait(&cv, &sx, 1), EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, sx_xlocked(&sx));
	sx_xunlock(&sx);
	cv_destroy(&cv);
	sx_destroy(&sx);
}

static struct kunit_case sx_cases[] = {
	KUNIT_CASE(sx_waiter_spins_while_the_exclusive_owner_runs),
	KUNIT_CASE(sx_noadaptive_waiter_blocks_instead_of_spinning),
	KUNIT_CASE(sx_all_readers_hold_the_lock_at_once),
	KUNIT_CASE(sx_writers_exclude_readers_and_writers_under_stress),
	KUNIT_CASE(sx_writer_gets_in_while_readers_keep_arriving),
	KUNIT_CASE(sx_unlock_then_free_by_next_owner_is_safe),
	KUNIT_CASE(sx_try_xlock_and_try_slock_in_every_holder_state),
	KUNIT_CASE(sx_try_xlock_recurses_on_sx_recurse_lock),
	KUNIT_CASE(sx_try_upgrade_succeeds_for_the_sole_reader),
	KUNIT_CASE(sx_try_upgrade_fails_while_another_reader_holds_it),
	KUNIT_CASE(sx_downgrade_lets_waiting_readers_in_at_once),
	KUNIT_CASE(sx_downgrade_without_waiters_leaves_one_shared_hold),
	KUNIT_CASE(sx_new_reader_waits_behind_a_waiting_writer),
	KUNIT_CASE(sx_reader_recursion_with_a_writer_waiting_does_not_deadlock),
	KUNIT_CASE(sx_xlock_sig_returns_erestart_on_signal),
	KUNIT_CASE(sx_xlock_sig_returns_eintr_on_sigkill),
	KUNIT_CASE(sx_slock_sig_returns_erestart_on_signal),
	KUNIT_CASE(sx_slock_sig_returns_eintr_on_sigkill),
	KUNIT_CASE(sx_xlock_sig_with_signal_pending_fails_without_waiting),
	KUNIT_CASE(sx_sig_on_a_free_lock_takes_it_despite_a_pending_signal),
	KUNIT_CASE(sx_interrupted_writer_lets_readers_queued_behind_it_in),
	KUNIT_CASE(sx_sleep_retakes_an_exclusive_lock_exclusive),
	KUNIT_CASE(sx_sleep_retakes_a_shared_lock_shared),
	KUNIT_CASE(sx_sleep_timeout_returns_ewouldblock_with_lock_retaken),
	KUNIT_CASE(sx_sleep_pdrop_returns_with_lock_released),
	KUNIT_CASE(sx_sleep_pcatch_returns_erestart_on_signal_with_lock_retaken),
	KUNIT_CASE(sx_recurse_allows_exclusive_recursion),
	KUNIT_CASE(sx_shared_recursion_always_allowed),
	KUNIT_CASE(sx_xholder_and_xlocked_name_the_exclusive_owner),
	KUNIT_CASE(sx_unlock_releases_either_mode),
	KUNIT_CASE(sx_assert_every_flag_passes_when_true),
	KUNIT_CASE(sx_may_be_held_across_a_sleep),
	KUNIT_CASE(sx_waiter_drops_giant_while_blocked_and_restores_its_depth),
	KUNIT_CASE(sx_init_flags_options_are_recorded),
	KUNIT_CASE(sx_sysinit_initialises_the_lock_at_module_load),
	KUNIT_CASE(sx_interlock_of_condvar_retaken_in_its_mode),
	{}
};

static struct kunit_suite sx_suite = {
	.name = "freebsd_sx",
	.test_cases = sx_cases,
};

/* ==== misuse ============================================================================ */

static void sx_taken_while_holding_a_mutex_reported(struct kunit *test)
{
	struct sx sx = {};
	struct mtx m;

	sx_init(&sx, "after mtx");
	mtx_init(&m, "held mtx", NULL, MTX_DEF);
	mtx_lock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, sx_xlock(&sx));
	sx_xunlock(&sx);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE, sx_slock(&sx));
	sx_sunlock(&sx);
	/* A try never sleeps: allowed. */
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, sx_try_xlock(&sx), 1));
	sx_xunlock(&sx);
	mtx_unlock(&m);
	BT_EXPECT_NO_REPORT(test, sx_xlock(&sx));
	sx_xunlock(&sx);
	mtx_destroy(&m);
	sx_destroy(&sx);
}

static void sx_recursion_on_non_recursive_lock_reported(struct kunit *test)
{
	struct sx sx = {};

	sx_init(&sx, "no recurse");
	sx_xlock(&sx);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, sx_xlock(&sx));
	/* Recursed anyway: the two unlocks stay balanced. */
	KUNIT_EXPECT_TRUE(test, sx_recursed(&sx));
	sx_xunlock(&sx);
	KUNIT_EXPECT_TRUE(test, sx_xlocked(&sx));
	sx_xunlock(&sx);
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_UNLOCKED);
	sx_destroy(&sx);
}

static void sx_slock_of_a_lock_held_exclusively_by_the_caller_reported(struct kunit *test)
{
	struct sx sx = {};

	sx_init(&sx, "self deadlock");
	sx_xlock(&sx);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, sx_slock(&sx));
	KUNIT_EXPECT_TRUE(test, sx_xlocked(&sx));
	sx_xunlock(&sx);
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_UNLOCKED);
	sx_destroy(&sx);
}

static void sx_downgrade_of_recursed_lock_reported(struct kunit *test)
{
	struct sx sx = {};

	sx_init_flags(&sx, "downgrade recursed", SX_RECURSE);
	sx_xlock(&sx);
	sx_xlock(&sx);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSED_OP, sx_downgrade(&sx));
	KUNIT_EXPECT_TRUE(test, sx_xlocked(&sx));
	KUNIT_EXPECT_TRUE(test, sx_recursed(&sx));
	sx_xunlock(&sx);
	sx_xunlock(&sx);
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_UNLOCKED);
	sx_destroy(&sx);
}

static void sx_downgrade_and_upgrade_without_the_right_hold_reported(struct kunit *test)
{
	struct sx sx = {};

	sx_init(&sx, "no hold");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, sx_downgrade(&sx));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER,
			 KUNIT_EXPECT_EQ(test, sx_try_upgrade(&sx), 0));
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_UNLOCKED);
	sx_destroy(&sx);
}

static void sx_unlock_of_unheld_lock_reported(struct kunit *test)
{
	struct sx sx = {};

	sx_init(&sx, "unheld");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, sx_xunlock(&sx));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, sx_sunlock(&sx));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, sx_unlock(&sx));
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_UNLOCKED);
	sx_xlock(&sx);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, sx_sunlock(&sx));
	KUNIT_EXPECT_TRUE(test, sx_xlocked(&sx));
	sx_xunlock(&sx);
	sx_destroy(&sx);
}

static void sx_unlock_by_a_non_owner_reported(struct kunit *test)
{
	struct sx sx = {};
	struct sx_actor *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, a);
	sx_init(&sx, "non owner");
	sx_actor_init(a, &sx, SXO_XLOCK, NULL);
	sx_actor_start(test, &t, a);
	BT_WAIT_UNTIL(test, READ_ONCE(a->entered));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, sx_xunlock(&sx));
	KUNIT_EXPECT_PTR_EQ(test, (void *)sx_xholder(&sx), (void *)t.task);
	sx_actor_finish(&t, a);

	sx_actor_init(a, &sx, SXO_SLOCK, NULL);
	sx_actor_start(test, &t, a);
	BT_WAIT_UNTIL(test, READ_ONCE(a->entered));
	/* This thread holds no shared sx: it cannot release the other thread's hold. */
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, sx_sunlock(&sx));
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_SHARED | SX_ONE_SHARER);
	sx_actor_finish(&t, a);
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_UNLOCKED);
	sx_destroy(&sx);
}

static void sx_destroy_while_held_reported(struct kunit *test)
{
	struct sx sx = {};

	sx_init(&sx, "destroy held");
	sx_xlock(&sx);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_HELD, sx_destroy(&sx));
	KUNIT_EXPECT_TRUE(test, sx_xlocked(&sx));
	sx_xunlock(&sx);
	sx_slock(&sx);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_HELD, sx_destroy(&sx));
	sx_sunlock(&sx);
	BT_EXPECT_NO_REPORT(test, sx_destroy(&sx));
}

static void sx_use_after_destroy_reported(struct kunit *test)
{
	struct sx sx = {};

	sx_init(&sx, "destroyed");
	sx_destroy(&sx);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, sx_xlock(&sx));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, sx_slock(&sx));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED,
			 KUNIT_EXPECT_EQ(test, sx_xlock_sig(&sx), EINVAL));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED,
			 KUNIT_EXPECT_EQ(test, sx_try_xlock(&sx), 0));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED,
			 KUNIT_EXPECT_EQ(test, sx_try_slock(&sx), 0));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, sx_xunlock(&sx));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, sx_destroy(&sx));
	KUNIT_EXPECT_EQ(test, sx.sx_lock, SX_LOCK_DESTROYED);
	/* Initialised again, it works. */
	sx_init(&sx, "again");
	sx_xlock(&sx);
	sx_xunlock(&sx);
	sx_destroy(&sx);
}

static void sx_double_init_reported(struct kunit *test)
{
	struct sx sx = {};

	sx_init(&sx, "twice");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DOUBLE_INIT, sx_init(&sx, "twice"));
	sx_xlock(&sx);
	/* Held: the second init does not touch it. */
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DOUBLE_INIT, sx_init(&sx, "thrice"));
	KUNIT_EXPECT_TRUE(test, sx_xlocked(&sx));
	sx_xunlock(&sx);
	sx_destroy(&sx);
}

static void sx_unknown_init_option_reported(struct kunit *test)
{
	struct sx sx = {};

	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, sx_init_flags(&sx, "bad", 0x8000));
	sx_xlock(&sx);
	sx_xunlock(&sx);
	sx_destroy(&sx);
}

static void sx_sleep_on_recursed_lock_reported(struct kunit *test)
{
	struct sx sx = {};
	int chan;

	sx_init_flags(&sx, "sleep recursed", SX_RECURSE);
	sx_xlock(&sx);
	sx_xlock(&sx);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_RECURSED,
			 KUNIT_EXPECT_EQ(test, sx_sleep(&chan, &sx, 0, "rec", 1), EINVAL));
	KUNIT_EXPECT_TRUE(test, sx_recursed(&sx));
	sx_xunlock(&sx);
	sx_xunlock(&sx);
	sx_destroy(&sx);
}

static void sx_assert_every_flag_fails_when_false(struct kunit *test)
{
	struct sx sx = {};
	struct sx_actor *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, a);
	sx_init_flags(&sx, "assert fails", SX_RECURSE);
	/* Unlocked. */
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, sx_assert(&sx, SA_LOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, sx_assert(&sx, SA_SLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, sx_assert(&sx, SA_XLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, sx_assert(&sx, SA_XLOCKED | SA_NOTRECURSED));
	/* Held exclusively once. */
	sx_xlock(&sx);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, sx_assert(&sx, SA_UNLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, sx_assert(&sx, SA_SLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, sx_assert(&sx, SA_XLOCKED | SA_RECURSED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, sx_assert(&sx, SA_LOCKED | SA_RECURSED));
	/* Recursed. */
	sx_xlock(&sx);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, sx_assert(&sx, SA_XLOCKED | SA_NOTRECURSED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, sx_assert(&sx, SA_LOCKED | SA_NOTRECURSED));
	sx_xunlock(&sx);
	sx_xunlock(&sx);
	/* Held by another thread: exclusively, then shared. */
	sx_actor_init(a, &sx, SXO_XLOCK, NULL);
	sx_actor_start(test, &t, a);
	BT_WAIT_UNTIL(test, READ_ONCE(a->entered));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, sx_assert(&sx, SA_XLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, sx_assert(&sx, SA_LOCKED));
	sx_actor_finish(&t, a);
	sx_actor_init(a, &sx, SXO_SLOCK, NULL);
	sx_actor_start(test, &t, a);
	BT_WAIT_UNTIL(test, READ_ONCE(a->entered));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, sx_assert(&sx, SA_SLOCKED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, sx_assert(&sx, SA_XLOCKED));
	sx_actor_finish(&t, a);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, sx_assert(&sx, 0x40));
	sx_destroy(&sx);
}


/* In a hard interrupt (an hrtimer), where nothing may block: each blocking acquisition is
 * reported, and taken by spinning since the lock is free, so the caller keeps exclusion. */
struct sx_irq_ctx {
	struct hrtimer timer;
	struct sx l;
	unsigned long reports, total;
	int ran;
};

static enum hrtimer_restart sx_in_hardirq(struct hrtimer *timer)
{
	struct sx_irq_ctx *c = container_of(timer, struct sx_irq_ctx, timer);
	unsigned long before = bsdsync_report_count(BSDSYNC_RULE_SLEEP_INTERRUPT);
	unsigned long total = bsdsync_report_total();

	sx_slock(&c->l);
	sx_sunlock(&c->l);
	sx_xlock(&c->l);
	sx_xunlock(&c->l);
	c->reports = bsdsync_report_count(BSDSYNC_RULE_SLEEP_INTERRUPT) - before;
	c->total = bsdsync_report_total() - total;
	smp_store_release(&c->ran, 1);
	return HRTIMER_NORESTART;
}

static void sx_in_interrupt_context_reported(struct kunit *test)
{
	struct sx_irq_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	sx_init(&c->l, "irq sx");
	hrtimer_init(&c->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	c->timer.function = sx_in_hardirq;
	hrtimer_start(&c->timer, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	BT_WAIT_UNTIL(test, smp_load_acquire(&c->ran));
	hrtimer_cancel(&c->timer);
	KUNIT_EXPECT_EQ(test, c->reports, 2UL);
	KUNIT_EXPECT_EQ(test, c->total, 2UL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->l.sx_lock), SX_LOCK_UNLOCKED);
	sx_destroy(&c->l);
}

static struct kunit_case sx_misuse_cases[] = {
	KUNIT_CASE(sx_in_interrupt_context_reported),
	KUNIT_CASE(sx_taken_while_holding_a_mutex_reported),
	KUNIT_CASE(sx_recursion_on_non_recursive_lock_reported),
	KUNIT_CASE(sx_slock_of_a_lock_held_exclusively_by_the_caller_reported),
	KUNIT_CASE(sx_downgrade_of_recursed_lock_reported),
	KUNIT_CASE(sx_downgrade_and_upgrade_without_the_right_hold_reported),
	KUNIT_CASE(sx_unlock_of_unheld_lock_reported),
	KUNIT_CASE(sx_unlock_by_a_non_owner_reported),
	KUNIT_CASE(sx_destroy_while_held_reported),
	KUNIT_CASE(sx_use_after_destroy_reported),
	KUNIT_CASE(sx_double_init_reported),
	KUNIT_CASE(sx_unknown_init_option_reported),
	KUNIT_CASE(sx_sleep_on_recursed_lock_reported),
	KUNIT_CASE(sx_assert_every_flag_fails_when_false),
	{}
};

static struct kunit_suite sx_misuse_suite = {
	.name = "freebsd_sx_misuse",
	.test_cases = sx_misuse_cases,
};

kunit_test_suites(&sx_suite, &sx_misuse_suite);
