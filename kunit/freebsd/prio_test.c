// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * Priority propagation (turnstile priority lending) for mutex(9) sleep mutexes, rwlock(9)
 * write holds and rmlock(9) write holds of non-sleepable rm locks: a blocked thread lends its
 * priority to the owner, along a chain of owners, until the lock is released, and the
 * owner's own scheduling attributes come back exactly. sx and sleepable rm do not propagate.
 *
 * The inversion cases run three threads on one CPU: a low-priority owner, a medium-priority
 * thread that spins, and a high-priority thread that blocks on the owner's lock. Without
 * propagation the owner never runs while medium spins, so high gets the lock only after
 * medium gave up; with it, the owner runs at high's priority, releases, and high gets the lock
 * while medium is still spinning. The spin's bound (kPtSpinNs) is a liveness bound, not a
 * timing assertion: the check is the order of events. It stays well under the RT throttling
 * budget (sched_rt_runtime_us, 0.95 s per second by default), which would otherwise let a
 * CFS owner run and hide a missing boost.
 */
#include <linux/cpumask.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/prio.h>
#include <linux/sched/task.h>
#include <uapi/linux/sched/types.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/rwlock.h>
#include <sys/rmlock.h>
#include <sys/sx.h>
#include <sys/condvar.h>

#include "harness_freebsd.h"

/* core/prio.cpp's test hook (exported for KUnit only): called by a thread about to lend its
 * priority (stage 0) and after it lent (stage 1). */
extern void (*bsdsync_prio_lend_hook)(const void *lock, int stage);
/* ... and called by a thread applying a record, in each round between computing the
 * attributes and setting them; nonzero counts as a change of the record meanwhile. */
extern int (*bsdsync_prio_apply_hook)(int round, int last);

#define PT_SPIN_NS (500ULL * NSEC_PER_MSEC)	/* medium's liveness bound */
#define PT_OWNER_WAIT_NS (10ULL * NSEC_PER_SEC)	/* an owner waiting for a go that never came */

/* ---- threads with given scheduling attributes, optionally bound to a CPU ------------------ */

struct pt_attr {
	int policy;
	int prio;	/* rt_priority for FIFO/RR, nice for NORMAL/BATCH */
};

static int pt_main(void *p)
{
	struct bt_thread *t = p;

	t->fn(t->arg);
	complete(&t->done);
	return 0;
}

static int pt_set(struct task_struct *task, struct pt_attr a)
{
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = a.policy,
		.sched_priority = (a.policy == SCHED_FIFO || a.policy == SCHED_RR) ? a.prio : 0,
		.sched_nice = (a.policy == SCHED_FIFO || a.policy == SCHED_RR) ? 0 : a.prio,
	};

	return sched_setattr_nocheck(task, &attr);
}

/* Start fn(arg) with attributes a, bound to cpu (or free if cpu < 0). Joined by bt_join. */
static int pt_start(struct kunit *test, struct bt_thread *t, void (*fn)(void *), void *arg,
		    const char *name, int cpu, struct pt_attr a)
{
	int error;

	t->fn = fn;
	t->arg = arg;
	init_completion(&t->done);
	t->task = kthread_create(pt_main, t, "%s", name);
	if (IS_ERR(t->task)) {
		KUNIT_FAIL(test, "kthread_create failed: %ld", PTR_ERR(t->task));
		t->task = NULL;
		return -1;
	}
	get_task_struct(t->task);
	if (cpu >= 0)
		kthread_bind(t->task, cpu);
	error = pt_set(t->task, a);
	if (error)
		KUNIT_FAIL(test, "sched_setattr_nocheck: %d", error);
	wake_up_process(t->task);
	return 0;
}

/* Wait until t's function has returned, leaving the completion posted for bt_join (the
 * task struct stays referenced until then, so its attributes can still be read). */
static void pt_wait_done(struct bt_thread *t)
{
	wait_for_completion(&t->done);
	complete(&t->done);
}

/* Does task have exactly attributes a (policy, rt_priority, nice)? */
static bool pt_is(struct task_struct *task, struct pt_attr a)
{
	int policy = READ_ONCE(task->policy);

	if (policy != a.policy)
		return false;
	if (policy == SCHED_FIFO || policy == SCHED_RR)
		return READ_ONCE(task->rt_priority) == (unsigned int)a.prio;
	/* task_nice() with a marked read: a lender may be setting it right now. */
	return PRIO_TO_NICE(READ_ONCE(task->static_prio)) == a.prio &&
	       READ_ONCE(task->rt_priority) == 0;
}

#define PT_EXPECT_ATTR(test, task, a)							\
	KUNIT_EXPECT_TRUE_MSG(test, pt_is(task, a),					\
			      "%s: policy %d rt_priority %u nice %d, expected policy %d prio %d", \
			      #task, (task)->policy, (task)->rt_priority, task_nice(task),	\
			      (a).policy, (a).prio)

static const struct pt_attr PT_LOW_FIFO = { SCHED_FIFO, 1 };
static const struct pt_attr PT_LOW_NORMAL = { SCHED_NORMAL, 5 };
static const struct pt_attr PT_OWNER1 = { SCHED_FIFO, 2 };
static const struct pt_attr PT_MEDIUM = { SCHED_FIFO, 50 };
static const struct pt_attr PT_HIGH = { SCHED_FIFO, 90 };

/* Poll (sleeping) until task has attributes a, up to 10 s; returns whether it got them. */
static bool pt_wait_attr(struct task_struct *task, struct pt_attr a)
{
	u64 deadline = ktime_get_ns() + PT_OWNER_WAIT_NS;

	while (!pt_is(task, a)) {
		if (ktime_get_ns() > deadline)
			return false;
		usleep_range(200, 1000);
	}
	return true;
}

/* ---- the locks under test ------------------------------------------------------------------ */

enum pt_kind {
	PT_MTX,		/* sleep mutex */
	PT_RW_W,	/* rw lock: the owner and the high thread take it for writing */
	PT_RW_R,	/* rw lock: the owner writes, the high thread wants to read */
	PT_RM_W,	/* rm lock: the owner and the high thread take it for writing */
	PT_RM_R,	/* rm lock: the owner writes, the high thread wants to read */
	PT_RM_SLEEPABLE,	/* sleepable rm lock, written by both (no propagation) */
	PT_SX,		/* sx lock, exclusive for both (no propagation) */
};

struct pt_lock {
	enum pt_kind kind;
	struct mtx m;
	struct rwlock rw;
	struct rmlock rm;
	struct sx sx;
};

static bool pt_is_rm(const struct pt_lock *l)
{
	return l->kind == PT_RM_W || l->kind == PT_RM_R || l->kind == PT_RM_SLEEPABLE;
}

static void pt_lock_init(struct pt_lock *l, enum pt_kind kind)
{
	l->kind = kind;
	if (kind == PT_MTX)
		mtx_init(&l->m, "pt mtx", NULL, MTX_DEF);
	else if (kind == PT_SX)
		sx_init(&l->sx, "pt sx");
	else if (pt_is_rm(l))
		rm_init_flags(&l->rm, "pt rm", kind == PT_RM_SLEEPABLE ? RM_SLEEPABLE : 0);
	else
		rw_init(&l->rw, "pt rw");
}

static void pt_lock_destroy(struct pt_lock *l)
{
	if (l->kind == PT_MTX)
		mtx_destroy(&l->m);
	else if (l->kind == PT_SX)
		sx_destroy(&l->sx);
	else if (pt_is_rm(l))
		rm_destroy(&l->rm);
	else
		rw_destroy(&l->rw);
}

/* The owner's hold: exclusive. */
static void pt_own(struct pt_lock *l)
{
	if (l->kind == PT_MTX)
		mtx_lock(&l->m);
	else if (l->kind == PT_SX)
		sx_xlock(&l->sx);
	else if (pt_is_rm(l))
		rm_wlock(&l->rm);
	else
		rw_wlock(&l->rw);
}

static void pt_disown(struct pt_lock *l)
{
	if (l->kind == PT_MTX)
		mtx_unlock(&l->m);
	else if (l->kind == PT_SX)
		sx_xunlock(&l->sx);
	else if (pt_is_rm(l))
		rm_wunlock(&l->rm);
	else
		rw_wunlock(&l->rw);
}

/* The high thread's hold: exclusive, or shared for PT_RW_R / PT_RM_R (tr: rm's tracker). */
static void pt_want(struct pt_lock *l, struct rm_priotracker *tr)
{
	if (l->kind == PT_RW_R)
		rw_rlock(&l->rw);
	else if (l->kind == PT_RM_R)
		rm_rlock(&l->rm, tr);
	else
		pt_own(l);
}

static void pt_unwant(struct pt_lock *l, struct rm_priotracker *tr)
{
	if (l->kind == PT_RW_R)
		rw_runlock(&l->rw);
	else if (l->kind == PT_RM_R)
		rm_runlock(&l->rm, tr);
	else
		pt_disown(l);
}

/* ---- inversion on one CPU --------------------------------------------------------------- */

struct pt_inv {
	struct pt_lock a;	/* what high wants: held by low, or by owner1 in a chain */
	struct pt_lock b;	/* chain: held by low, wanted by owner1 */
	bool chain;
	int low_has, owner1_has, release_now;
	int medium_spinning, medium_done, high_got, high_beat_medium;
};

static void pt_wait_flag(const int *flag, u64 bound_ns)
{
	u64 deadline = ktime_get_ns() + bound_ns;

	while (!READ_ONCE(*flag) && ktime_get_ns() < deadline)
		cpu_relax();
}

static void pt_low(void *arg)
{
	struct pt_inv *s = arg;
	struct pt_lock *mine = s->chain ? &s->b : &s->a;

	pt_own(mine);
	WRITE_ONCE(s->low_has, 1);
	/* Runs only when nothing better wants the CPU: before medium starts, or boosted. */
	pt_wait_flag(&s->release_now, PT_OWNER_WAIT_NS);
	pt_disown(mine);
}

static void pt_owner1(void *arg)
{
	struct pt_inv *s = arg;

	pt_own(&s->a);
	WRITE_ONCE(s->owner1_has, 1);
	pt_own(&s->b);		/* blocks: low holds it */
	pt_disown(&s->b);
	pt_disown(&s->a);
}

static void pt_medium(void *arg)
{
	struct pt_inv *s = arg;

	WRITE_ONCE(s->medium_spinning, 1);
	pt_wait_flag(&s->high_got, PT_SPIN_NS);
	WRITE_ONCE(s->medium_done, 1);
}

static void pt_high(void *arg)
{
	struct pt_inv *s = arg;
	struct rm_priotracker tr;

	WRITE_ONCE(s->release_now, 1);	/* low may release as soon as it runs again */
	pt_want(&s->a, &tr);
	WRITE_ONCE(s->high_beat_medium, !READ_ONCE(s->medium_done));
	WRITE_ONCE(s->high_got, 1);
	pt_unwant(&s->a, &tr);
}

/* Keep the test thread off `cpu` while the case runs there. */
static int pt_pick_cpu(struct kunit *test)
{
	int cpu, other;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs: the test thread must stay off the busy one");
	cpu = cpumask_last(cpu_online_mask);
	other = cpumask_first(cpu_online_mask);
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(other)), 0);
	return cpu;
}

static void pt_unpick_cpu(void)
{
	set_cpus_allowed_ptr(current, cpu_possible_mask);
}

static void pt_run_inversion(struct kunit *test, enum pt_kind kind, bool chain,
			     struct pt_attr low_attr)
{
	struct pt_inv *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread low, owner1, medium, high;
	int cpu;

	KUNIT_ASSERT_NOT_NULL(test, s);
	cpu = pt_pick_cpu(test);
	s->chain = chain;
	pt_lock_init(&s->a, kind);
	pt_lock_init(&s->b, kind);

	pt_start(test, &low, pt_low, s, "pt_low", cpu, low_attr);
	BT_WAIT_UNTIL(test, READ_ONCE(s->low_has));
	if (chain) {
		pt_start(test, &owner1, pt_owner1, s, "pt_owner1", cpu, PT_OWNER1);
		/* owner1 holds a and is blocked on b (uninterruptible: a lock wait). */
		BT_WAIT_UNTIL(test, READ_ONCE(s->owner1_has) &&
			      READ_ONCE(owner1.task->__state) == TASK_UNINTERRUPTIBLE);
	}
	pt_start(test, &medium, pt_medium, s, "pt_medium", cpu, PT_MEDIUM);
	BT_WAIT_UNTIL(test, READ_ONCE(s->medium_spinning));
	pt_start(test, &high, pt_high, s, "pt_high", cpu, PT_HIGH);

	bt_join(&high);
	bt_join(&medium);
	if (chain) {
		pt_wait_done(&owner1);
		PT_EXPECT_ATTR(test, owner1.task, PT_OWNER1);
		bt_join(&owner1);
	}
	pt_wait_done(&low);
	/* Every lending has ended: the owners are back to their own attributes exactly. */
	PT_EXPECT_ATTR(test, low.task, low_attr);
	bt_join(&low);
	pt_unpick_cpu();

	KUNIT_EXPECT_TRUE_MSG(test, READ_ONCE(s->high_beat_medium),
			      "the high thread got the lock only after medium stopped spinning: "
			      "the owner%s was not boosted", chain ? "s of the chain were" : "");
	pt_lock_destroy(&s->a);
	pt_lock_destroy(&s->b);
}

static void prio_mtx_high_waiter_boosts_owner_past_spinning_medium(struct kunit *test)
{
	pt_run_inversion(test, PT_MTX, false, PT_LOW_FIFO);
}

static void prio_mtx_cfs_owner_is_boosted_to_fifo_and_restored(struct kunit *test)
{
	pt_run_inversion(test, PT_MTX, false, PT_LOW_NORMAL);
}

static void prio_mtx_boost_propagates_along_a_chain_of_two_owners(struct kunit *test)
{
	pt_run_inversion(test, PT_MTX, true, PT_LOW_NORMAL);
}

static void prio_rw_writer_waiter_boosts_the_writer(struct kunit *test)
{
	pt_run_inversion(test, PT_RW_W, false, PT_LOW_FIFO);
}

static void prio_rw_reader_waiter_boosts_the_writer(struct kunit *test)
{
	pt_run_inversion(test, PT_RW_R, false, PT_LOW_NORMAL);
}

static void prio_rw_boost_propagates_along_a_chain_of_two_writers(struct kunit *test)
{
	pt_run_inversion(test, PT_RW_W, true, PT_LOW_FIFO);
}

/* ---- the owner's priority while it releases contested locks ------------------------------ */

struct pt_two {
	struct kunit *test;
	struct pt_lock a, b;
	bool a_first;		/* release order */
	bool boosted_60, boosted_80, after_first, after_second;
};

static void pt_waiter(void *arg)
{
	struct pt_lock *l = arg;
	struct rm_priotracker tr;

	pt_want(l, &tr);
	pt_unwant(l, &tr);
}

static const struct pt_attr PT_OWNER_BASE = { SCHED_NORMAL, 3 };
static const struct pt_attr PT_W60 = { SCHED_FIFO, 60 };
static const struct pt_attr PT_W80 = { SCHED_FIFO, 80 };

static void pt_two_owner(void *arg)
{
	struct pt_two *s = arg;
	struct bt_thread w60, w80;

	pt_own(&s->a);
	pt_own(&s->b);
	pt_start(s->test, &w60, pt_waiter, &s->b, "pt_w60", -1, PT_W60);
	s->boosted_60 = pt_wait_attr(current, PT_W60);
	pt_start(s->test, &w80, pt_waiter, &s->a, "pt_w80", -1, PT_W80);
	s->boosted_80 = pt_wait_attr(current, PT_W80);
	if (s->a_first) {
		pt_disown(&s->a);	/* what w80 lent ends; w60 still waits on b */
		s->after_first = pt_is(current, PT_W60);
		pt_disown(&s->b);
	} else {
		pt_disown(&s->b);	/* w80 still waits on a */
		s->after_first = pt_is(current, PT_W80);
		pt_disown(&s->a);
	}
	s->after_second = pt_is(current, PT_OWNER_BASE);
	bt_join(&w80);
	bt_join(&w60);
}

static void pt_run_two(struct kunit *test, enum pt_kind kind, bool a_first)
{
	struct pt_two *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread owner;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->test = test;
	s->a_first = a_first;
	pt_lock_init(&s->a, kind);
	pt_lock_init(&s->b, kind);
	pt_start(test, &owner, pt_two_owner, s, "pt_owner", -1, PT_OWNER_BASE);
	bt_join(&owner);
	KUNIT_EXPECT_TRUE_MSG(test, s->boosted_60, "not boosted to the waiter's FIFO 60");
	KUNIT_EXPECT_TRUE_MSG(test, s->boosted_80, "not boosted to the better waiter's FIFO 80");
	KUNIT_EXPECT_TRUE_MSG(test, s->after_first,
			      "after the first release: not at the remaining waiter's priority");
	KUNIT_EXPECT_TRUE_MSG(test, s->after_second,
			      "after the last release: not back to SCHED_NORMAL nice 3");
	pt_lock_destroy(&s->a);
	pt_lock_destroy(&s->b);
}

static void prio_mtx_two_contested_released_better_first_drops_to_the_other(struct kunit *test)
{
	pt_run_two(test, PT_MTX, true);
}

static void prio_mtx_two_contested_released_worse_first_keeps_the_better(struct kunit *test)
{
	pt_run_two(test, PT_MTX, false);
}

static void prio_rw_two_write_locks_released_in_either_order(struct kunit *test)
{
	pt_run_two(test, PT_RW_W, true);
	pt_run_two(test, PT_RW_W, false);
}

/* More contested locks than a thread's record tracks one by one (4): the extra lendings are
 * merged, and everything still comes back exactly once all are released. */
#define PT_MANY 6

struct pt_many {
	struct kunit *test;
	struct pt_lock l[PT_MANY];
	bool boosted, restored;
};

static void pt_many_owner(void *arg)
{
	struct pt_many *s = arg;
	struct bt_thread w[PT_MANY];

	for (int i = 0; i < PT_MANY; i++)
		pt_own(&s->l[i]);
	/* Waiters of rising priority, FIFO 10 .. 60, one per lock: the best comes last. */
	for (int i = 0; i < PT_MANY; i++)
		pt_start(s->test, &w[i], pt_waiter, &s->l[i], "pt_wmany", -1,
			 (struct pt_attr){ SCHED_FIFO, 10 * (i + 1) });
	s->boosted = pt_wait_attr(current, (struct pt_attr){ SCHED_FIFO, 10 * PT_MANY });
	for (int i = PT_MANY - 1; i >= 0; i--)
		pt_disown(&s->l[i]);
	s->restored = pt_is(current, PT_OWNER_BASE);
	for (int i = 0; i < PT_MANY; i++)
		bt_join(&w[i]);
}

static void prio_mtx_owner_of_more_contested_locks_than_tracked_is_restored(struct kunit *test)
{
	struct pt_many *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread owner;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->test = test;
	for (int i = 0; i < PT_MANY; i++)
		pt_lock_init(&s->l[i], PT_MTX);
	pt_start(test, &owner, pt_many_owner, s, "pt_owner", -1, PT_OWNER_BASE);
	bt_join(&owner);
	KUNIT_EXPECT_TRUE_MSG(test, s->boosted, "not boosted to the best of 6 waiters");
	KUNIT_EXPECT_TRUE_MSG(test, s->restored, "not back to SCHED_NORMAL nice 3");
	for (int i = 0; i < PT_MANY; i++)
		pt_lock_destroy(&s->l[i]);
}

/* ---- restores where the release cannot sleep, and rw downgrade --------------------------- */

struct pt_one {
	struct kunit *test;
	struct pt_lock l;
	struct mtx spin;
	bool boosted, restored, restored_at_once;
};

static const struct pt_attr PT_W70 = { SCHED_FIFO, 70 };

static void pt_release_under_spin(void *arg)
{
	struct pt_one *s = arg;
	struct bt_thread w;

	pt_own(&s->l);
	pt_start(s->test, &w, pt_waiter, &s->l, "pt_w70", -1, PT_W70);
	s->boosted = pt_wait_attr(current, PT_W70);
	/* A release with a spin mutex held cannot call the scheduler (it may sleep): the
	 * restore is deferred to a worker, and must still come back exactly. */
	mtx_lock_spin(&s->spin);
	pt_disown(&s->l);
	mtx_unlock_spin(&s->spin);
	s->restored = pt_wait_attr(current, PT_OWNER_BASE);
	bt_join(&w);
}

static void prio_mtx_release_with_spin_mutex_held_restores_later_exactly(struct kunit *test)
{
	struct pt_one *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread owner;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->test = test;
	pt_lock_init(&s->l, PT_MTX);
	mtx_init(&s->spin, "pt spin", NULL, MTX_SPIN);
	pt_start(test, &owner, pt_release_under_spin, s, "pt_owner", -1, PT_OWNER_BASE);
	bt_join(&owner);
	KUNIT_EXPECT_TRUE(test, s->boosted);
	KUNIT_EXPECT_TRUE_MSG(test, s->restored, "the deferred restore never came");
	mtx_destroy(&s->spin);
	pt_lock_destroy(&s->l);
}

/* msleep releases its contested mutex interlock: the boost the mutex's waiter lent ends
 * there, and the owner sleeps at its own attributes. */
struct pt_msleep {
	struct kunit *test;
	struct pt_lock l;
	struct bt_thread w;
	int chan, asleep, woken;
	bool boosted;
};

static void pt_msleeper(void *arg)
{
	struct pt_msleep *s = arg;

	mtx_lock(&s->l.m);
	pt_start(s->test, &s->w, pt_waiter, &s->l, "pt_w70", -1, PT_W70);
	s->boosted = pt_wait_attr(current, PT_W70);
	WRITE_ONCE(s->asleep, 1);
	while (!READ_ONCE(s->woken))
		msleep(&s->chan, &s->l.m, 0, "ptslp", 0);
	mtx_unlock(&s->l.m);
	bt_join(&s->w);
}

static void prio_mtx_msleep_releasing_its_interlock_ends_the_boost(struct kunit *test)
{
	struct pt_msleep *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread owner;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->test = test;
	pt_lock_init(&s->l, PT_MTX);
	pt_start(test, &owner, pt_msleeper, s, "pt_owner", -1, PT_OWNER_BASE);
	BT_WAIT_UNTIL(test, READ_ONCE(s->asleep));
	/* Back to its own attributes while it still sleeps (the waiter got the mutex). */
	KUNIT_EXPECT_TRUE_MSG(test, pt_wait_attr(owner.task, PT_OWNER_BASE),
			      "the owner kept the boost across msleep");
	mtx_lock(&s->l.m);
	WRITE_ONCE(s->woken, 1);
	wakeup(&s->chan);
	mtx_unlock(&s->l.m);
	bt_join(&owner);
	KUNIT_EXPECT_TRUE(test, s->boosted);
	pt_lock_destroy(&s->l);
}

static void pt_downgrader(void *arg)
{
	struct pt_one *s = arg;
	struct bt_thread w;

	rw_wlock(&s->l.rw);
	pt_start(s->test, &w, pt_waiter, &s->l, "pt_w70", -1, PT_W70);
	s->boosted = pt_wait_attr(current, PT_W70);
	/* A reader has no priority lent to it: the boost ends with the write hold. */
	rw_downgrade(&s->l.rw);
	s->restored_at_once = pt_is(current, PT_OWNER_BASE);
	rw_runlock(&s->l.rw);
	bt_join(&w);
}

static void prio_rw_downgrade_ends_the_writers_boost(struct kunit *test)
{
	struct pt_one *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread owner;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->test = test;
	pt_lock_init(&s->l, PT_RW_W);
	pt_start(test, &owner, pt_downgrader, s, "pt_owner", -1, PT_OWNER_BASE);
	bt_join(&owner);
	KUNIT_EXPECT_TRUE(test, s->boosted);
	KUNIT_EXPECT_TRUE_MSG(test, s->restored_at_once, "still boosted after rw_downgrade");
	pt_lock_destroy(&s->l);
}

static void prio_rm_writer_waiter_boosts_the_writer(struct kunit *test)
{
	pt_run_inversion(test, PT_RM_W, false, PT_LOW_FIFO);
}

static void prio_rm_reader_waiter_boosts_the_writer(struct kunit *test)
{
	pt_run_inversion(test, PT_RM_R, false, PT_LOW_NORMAL);
}

static void prio_rm_boost_propagates_along_a_chain_of_two_writers(struct kunit *test)
{
	pt_run_inversion(test, PT_RM_W, true, PT_LOW_NORMAL);
}

static void prio_rm_two_write_locks_released_in_either_order(struct kunit *test)
{
	pt_run_two(test, PT_RM_W, true);
	pt_run_two(test, PT_RM_W, false);
}

/* ---- a new owner inherits the priority of the threads still queued (turnstile_claim) ------ */

static const struct pt_attr PT_SECOND = { SCHED_NORMAL, 5 };

struct pt_claim {
	struct pt_lock l;
	int owner_has, release_now;
	bool second_boosted, second_restored;
};

static void pt_claim_owner(void *arg)
{
	struct pt_claim *s = arg;

	pt_own(&s->l);
	WRITE_ONCE(s->owner_has, 1);
	while (!READ_ONCE(s->release_now))
		usleep_range(200, 1000);
	pt_disown(&s->l);	/* writers first: the second writer is woken, the reader stays */
}

static void pt_claim_second(void *arg)
{
	struct pt_claim *s = arg;

	pt_own(&s->l);
	/* The FIFO 90 reader is still queued behind us: its priority is ours while we write. */
	s->second_boosted = pt_is(current, PT_HIGH);
	pt_disown(&s->l);
	s->second_restored = pt_is(current, PT_SECOND);
}

/*
 * rw_wunlock with a writer and a FIFO 90 reader queued wakes the writer (writers are
 * preferred) and leaves the reader queued: the woken writer takes the lock from a word with
 * waiter bits and must inherit the reader's priority (FreeBSD __rw_wlock_hard calls
 * turnstile_claim), or a medium-priority spinner on its CPU holds up the FIFO 90 reader
 * without bound.
 */
static void prio_rw_woken_writer_inherits_the_queued_readers_priority(struct kunit *test)
{
	struct pt_claim *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread owner, second, reader;

	KUNIT_ASSERT_NOT_NULL(test, s);
	pt_lock_init(&s->l, PT_RW_R);
	pt_start(test, &owner, pt_claim_owner, s, "pt_owner", -1, PT_OWNER_BASE);
	BT_WAIT_UNTIL(test, READ_ONCE(s->owner_has));
	pt_start(test, &second, pt_claim_second, s, "pt_second", -1, PT_SECOND);
	BT_WAIT_UNTIL(test, READ_ONCE(second.task->__state) == TASK_UNINTERRUPTIBLE);
	pt_start(test, &reader, pt_waiter, &s->l, "pt_reader", -1, PT_HIGH);
	/* The reader is queued and lent to the first writer. */
	KUNIT_EXPECT_TRUE(test, pt_wait_attr(owner.task, PT_HIGH));
	WRITE_ONCE(s->release_now, 1);
	bt_join(&second);
	bt_join(&reader);
	pt_wait_done(&owner);
	PT_EXPECT_ATTR(test, owner.task, PT_OWNER_BASE);
	bt_join(&owner);
	KUNIT_EXPECT_TRUE_MSG(test, s->second_boosted,
			      "the woken writer was not given the queued FIFO 90 reader's priority");
	KUNIT_EXPECT_TRUE_MSG(test, s->second_restored, "the second writer stayed boosted");
	pt_lock_destroy(&s->l);
}

/*
 * Barging: the owner releases (the best waiter, F, is woken but cannot run: a FIFO 95
 * thread holds its CPU) and takes the lock again at once, from a word with waiter bits; Q,
 * FIFO 80, is still queued: the owner must now run at Q's priority. Q waits for the lock
 * exclusively (mtx, rm) or shared (rw: F, a writer, is the one woken).
 */
struct pt_barge {
	struct pt_lock l;
	int owner_has, go, hog_running, hog_stop;
	bool reboosted, restored;
};

static const struct pt_attr PT_HOG = { SCHED_FIFO, 95 };

static void pt_barge_owner(void *arg)
{
	struct pt_barge *s = arg;

	pt_own(&s->l);
	WRITE_ONCE(s->owner_has, 1);
	while (!READ_ONCE(s->go))
		usleep_range(200, 1000);
	pt_disown(&s->l);	/* wakes F, which cannot run yet */
	pt_own(&s->l);		/* free, waiter bits set: taken at once */
	s->reboosted = pt_is(current, PT_W80);
	pt_disown(&s->l);
	s->restored = pt_is(current, PT_OWNER_BASE);
	WRITE_ONCE(s->hog_stop, 1);
}

static void pt_barge_first(void *arg)
{
	struct pt_lock *l = arg;

	pt_own(l);
	pt_disown(l);
}

static void pt_barge_hog(void *arg)
{
	struct pt_barge *s = arg;

	WRITE_ONCE(s->hog_running, 1);
	pt_wait_flag(&s->hog_stop, PT_SPIN_NS);
}

static void pt_run_barge(struct kunit *test, enum pt_kind kind)
{
	struct pt_barge *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread owner, first, queued, hog;
	int cpu, other;

	KUNIT_ASSERT_NOT_NULL(test, s);
	cpu = pt_pick_cpu(test);
	other = cpumask_first(cpu_online_mask);
	pt_lock_init(&s->l, kind);
	pt_start(test, &owner, pt_barge_owner, s, "pt_owner", other, PT_OWNER_BASE);
	BT_WAIT_UNTIL(test, READ_ONCE(s->owner_has));
	pt_start(test, &first, pt_barge_first, &s->l, "pt_first", cpu, PT_HIGH);
	BT_WAIT_UNTIL(test, READ_ONCE(first.task->__state) == TASK_UNINTERRUPTIBLE);
	pt_start(test, &queued, pt_waiter, &s->l, "pt_w80", -1, PT_W80);
	BT_WAIT_UNTIL(test, READ_ONCE(queued.task->__state) == TASK_UNINTERRUPTIBLE);
	KUNIT_EXPECT_TRUE(test, pt_wait_attr(owner.task, PT_HIGH));
	pt_start(test, &hog, pt_barge_hog, s, "pt_hog", cpu, PT_HOG);
	BT_WAIT_UNTIL(test, READ_ONCE(s->hog_running));
	WRITE_ONCE(s->go, 1);
	bt_join(&owner);
	bt_join(&hog);
	bt_join(&first);
	bt_join(&queued);
	pt_unpick_cpu();
	KUNIT_EXPECT_TRUE_MSG(test, s->reboosted,
			      "kind %d: retaken with FIFO 80 still queued, but not at FIFO 80", kind);
	KUNIT_EXPECT_TRUE_MSG(test, s->restored, "kind %d: the owner stayed boosted", kind);
	pt_lock_destroy(&s->l);
}

static void prio_barging_owner_inherits_the_priority_of_the_threads_still_queued(struct kunit *test)
{
	pt_run_barge(test, PT_MTX);
	pt_run_barge(test, PT_RW_R);
	pt_run_barge(test, PT_RM_W);
}

/* ---- a stale lender takes back its own part only --------------------------------------- */

/*
 * W1 queues on M and is held (by the test hook) before it lends; O releases M (waking W1),
 * takes it again, and W3 (FIFO 80) blocks on M and boosts O. Then W1 lends: it finds O named
 * in the word but itself woken, so its lending is stale and must be taken back, and only
 * its own: O must stay at W3's FIFO 80.
 */
struct pt_stale {
	struct pt_lock l;
	struct task_struct *w1_task, *owner_task;
	int owner_has, step, retaken, w1_lends, w1_paused, resume, w1_lent;
	bool owner_kept, owner_restored;
};

static struct pt_stale *pt_stale_case;

static void pt_stale_hook(const void *lock, int stage)
{
	struct pt_stale *s = READ_ONCE(pt_stale_case);

	if (!s || lock != &s->l.m || current != READ_ONCE(s->w1_task))
		return;
	if (stage == 0 && ++s->w1_lends == 1) {
		WRITE_ONCE(s->w1_paused, 1);
		while (!READ_ONCE(s->resume))
			usleep_range(200, 1000);
	} else if (stage == 1 && s->w1_lends == 1) {
		/* W1's stale lending is over: what is left is W3's. */
		s->owner_kept = pt_is(s->owner_task, PT_W80);
		WRITE_ONCE(s->w1_lent, 1);
	}
}

static void pt_stale_owner(void *arg)
{
	struct pt_stale *s = arg;

	mtx_lock(&s->l.m);
	WRITE_ONCE(s->owner_has, 1);
	while (READ_ONCE(s->step) < 1)
		usleep_range(200, 1000);
	mtx_unlock(&s->l.m);	/* wakes W1, which has not lent yet */
	mtx_lock(&s->l.m);
	WRITE_ONCE(s->retaken, 1);
	while (READ_ONCE(s->step) < 2)
		usleep_range(200, 1000);
	mtx_unlock(&s->l.m);
	s->owner_restored = pt_is(current, PT_OWNER_BASE);
}

static void pt_stale_w1(void *arg)
{
	struct pt_stale *s = arg;

	WRITE_ONCE(s->w1_task, current);
	mtx_lock(&s->l.m);
	mtx_unlock(&s->l.m);
}

static void prio_mtx_stale_lender_takes_back_only_its_own_part(struct kunit *test)
{
	struct pt_stale *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread owner, w1, w3;

	KUNIT_ASSERT_NOT_NULL(test, s);
	pt_lock_init(&s->l, PT_MTX);
	WRITE_ONCE(pt_stale_case, s);
	WRITE_ONCE(bsdsync_prio_lend_hook, pt_stale_hook);
	pt_start(test, &owner, pt_stale_owner, s, "pt_owner", -1, PT_OWNER_BASE);
	s->owner_task = owner.task;
	BT_WAIT_UNTIL(test, READ_ONCE(s->owner_has));
	pt_start(test, &w1, pt_stale_w1, s, "pt_w60", -1, PT_W60);
	BT_WAIT_UNTIL(test, READ_ONCE(s->w1_paused));	/* queued, not lent */
	WRITE_ONCE(s->step, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(s->retaken));
	pt_start(test, &w3, pt_waiter, &s->l, "pt_w80", -1, PT_W80);
	KUNIT_EXPECT_TRUE(test, pt_wait_attr(owner.task, PT_W80));
	WRITE_ONCE(s->resume, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(s->w1_lent));
	WRITE_ONCE(s->step, 2);
	bt_join(&w3);
	bt_join(&w1);
	bt_join(&owner);
	WRITE_ONCE(bsdsync_prio_lend_hook, NULL);
	WRITE_ONCE(pt_stale_case, NULL);
	KUNIT_EXPECT_TRUE_MSG(test, s->owner_kept,
			      "the stale lender took back W3's FIFO 80 lending too");
	KUNIT_EXPECT_TRUE(test, s->owner_restored);
	pt_lock_destroy(&s->l);
}

/* ---- an application out of rounds leaves no stale boost -------------------------------- */

/*
 * W (FIFO 60) blocks on M, held by O, and applies its lending to O. The apply hook makes
 * each of W's rounds see a change of O's record (as if other lenders kept changing it), and
 * holds W in its last round between computing FIFO 60 and setting it while O releases M
 * (contested: the lending ends and O restores itself). W's set of FIFO 60 then lands after
 * O's restore, with W out of rounds: O must still come back to its own attributes.
 */
struct pt_rounds {
	struct pt_lock l;
	struct task_struct *w_task;
	int owner_has, w_paused, released, done;
};

static struct pt_rounds *pt_rounds_case;

static int pt_rounds_hook(int round, int last)
{
	struct pt_rounds *s = READ_ONCE(pt_rounds_case);

	if (!s || current != READ_ONCE(s->w_task))
		return 0;
	if (!last)
		return 1;
	WRITE_ONCE(s->w_paused, 1);
	while (!READ_ONCE(s->released))
		usleep_range(200, 1000);
	return 0;
}

static void pt_rounds_owner(void *arg)
{
	struct pt_rounds *s = arg;

	mtx_lock(&s->l.m);
	WRITE_ONCE(s->owner_has, 1);
	while (!READ_ONCE(s->w_paused))
		usleep_range(200, 1000);
	mtx_unlock(&s->l.m);	/* W is queued: contested, ends W's lending */
	WRITE_ONCE(s->released, 1);
	while (!READ_ONCE(s->done))
		usleep_range(200, 1000);
}

static void pt_rounds_w(void *arg)
{
	struct pt_rounds *s = arg;

	WRITE_ONCE(s->w_task, current);
	mtx_lock(&s->l.m);
	mtx_unlock(&s->l.m);
}

static void prio_mtx_application_out_of_rounds_leaves_no_stale_boost(struct kunit *test)
{
	struct pt_rounds *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread owner, w;
	bool restored;

	KUNIT_ASSERT_NOT_NULL(test, s);
	pt_lock_init(&s->l, PT_MTX);
	WRITE_ONCE(pt_rounds_case, s);
	WRITE_ONCE(bsdsync_prio_apply_hook, pt_rounds_hook);
	pt_start(test, &owner, pt_rounds_owner, s, "pt_owner", -1, PT_OWNER_BASE);
	BT_WAIT_UNTIL(test, READ_ONCE(s->owner_has));
	pt_start(test, &w, pt_rounds_w, s, "pt_w60", -1, PT_W60);
	pt_wait_done(&w);
	WRITE_ONCE(bsdsync_prio_apply_hook, NULL);
	WRITE_ONCE(pt_rounds_case, NULL);
	/* W's stale set landed last; only a later application brings O back. */
	restored = pt_wait_attr(owner.task, PT_OWNER_BASE);
	KUNIT_EXPECT_TRUE_MSG(test, restored,
			      "O kept FIFO %u after its release: the stale set of an application "
			      "out of rounds was the last", owner.task->rt_priority);
	WRITE_ONCE(s->done, 1);
	bt_join(&w);
	bt_join(&owner);
	pt_lock_destroy(&s->l);
}

/* ---- a lending along the chain through a wait that is already over ------------------- */

/*
 * O holds L1 and blocks on L2 (for rw: to write, or to read), held by A (written); the test
 * hook holds O after its own lending, still
 * inside its wait on L2 (queued, L2 recorded as what it is blocked on). A releases L2, which
 * wakes O (its wait is over) and ends what O lent A, then takes L2 again by the uncontested
 * fast path (nobody is queued). W (FIFO 60) blocks on L1 and lends to O, and on along O's
 * wait on L2 to A: that wait is over, so nothing may stay lent to A through it. A then
 * releases L2 by the fast path again (no contested release to end a lending), O goes on,
 * and every thread must end at its own attributes.
 */
struct pt_over {
	struct pt_lock l1, l2;	/* PT_MTX, PT_RW_W or PT_RW_R */
	struct task_struct *o_task, *w_task;
	int a_has, o_paused, resume, a_step, retaken, released, w_lent;
	bool a_own_after_w;
};

static struct pt_over *pt_over_case;

/* The key a waiter of l lends through (what the lend hook is called with): mtx and rw. */
static const void *pt_key(const struct pt_lock *l)
{
	return l->kind == PT_MTX ? (const void *)&l->m : (const void *)&l->rw;
}

static void pt_over_hook(const void *lock, int stage)
{
	struct pt_over *s = READ_ONCE(pt_over_case);

	if (!s || stage != 1)
		return;
	if (lock == pt_key(&s->l2) && current == READ_ONCE(s->o_task) && !READ_ONCE(s->o_paused)) {
		/* O has lent to A and is queued on L2, its wait not begun. */
		WRITE_ONCE(s->o_paused, 1);
		while (!READ_ONCE(s->resume))
			usleep_range(200, 1000);
	} else if (lock == pt_key(&s->l1) && current == READ_ONCE(s->w_task)) {
		WRITE_ONCE(s->w_lent, 1);
	}
}

static void pt_over_a(void *arg)
{
	struct pt_over *s = arg;

	pt_own(&s->l2);
	WRITE_ONCE(s->a_has, 1);
	while (READ_ONCE(s->a_step) < 1)
		usleep_range(200, 1000);
	pt_disown(&s->l2);	/* contested: wakes O, ends what was lent through L2 */
	pt_own(&s->l2);		/* free, nobody queued: the fast path */
	WRITE_ONCE(s->retaken, 1);
	while (READ_ONCE(s->a_step) < 2)
		usleep_range(200, 1000);
	pt_disown(&s->l2);	/* nobody queued: the fast path, no prio_released */
	WRITE_ONCE(s->released, 1);
}

static void pt_over_o(void *arg)
{
	struct pt_over *s = arg;
	struct rm_priotracker tr;

	WRITE_ONCE(s->o_task, current);
	pt_own(&s->l1);
	pt_want(&s->l2, &tr);	/* blocks on A; the hook holds it inside that wait */
	pt_unwant(&s->l2, &tr);
	pt_disown(&s->l1);	/* W is queued: contested */
}

static void pt_over_w(void *arg)
{
	struct pt_over *s = arg;

	WRITE_ONCE(s->w_task, current);
	pt_own(&s->l1);
	pt_disown(&s->l1);
}

static void pt_run_over(struct kunit *test, enum pt_kind kind)
{
	struct pt_over *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread a, o, w;

	KUNIT_ASSERT_NOT_NULL(test, s);
	pt_lock_init(&s->l1, kind);
	pt_lock_init(&s->l2, kind);
	WRITE_ONCE(pt_over_case, s);
	WRITE_ONCE(bsdsync_prio_lend_hook, pt_over_hook);
	pt_start(test, &a, pt_over_a, s, "pt_a", -1, PT_OWNER_BASE);
	BT_WAIT_UNTIL(test, READ_ONCE(s->a_has));
	pt_start(test, &o, pt_over_o, s, "pt_o", -1, PT_SECOND);
	BT_WAIT_UNTIL(test, READ_ONCE(s->o_paused));	/* queued on L2, lent to A */
	WRITE_ONCE(s->a_step, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(s->retaken));	/* O woken; A owns L2 again */
	pt_start(test, &w, pt_over_w, s, "pt_w60", -1, PT_W60);
	BT_WAIT_UNTIL(test, READ_ONCE(s->w_lent));	/* W lent to O, and through L2 to A */
	s->a_own_after_w = pt_is(a.task, PT_OWNER_BASE);
	WRITE_ONCE(s->a_step, 2);
	BT_WAIT_UNTIL(test, READ_ONCE(s->released));
	WRITE_ONCE(s->resume, 1);
	pt_wait_done(&w);
	pt_wait_done(&o);
	pt_wait_done(&a);
	WRITE_ONCE(bsdsync_prio_lend_hook, NULL);
	WRITE_ONCE(pt_over_case, NULL);
	KUNIT_EXPECT_TRUE_MSG(test, s->a_own_after_w,
			      "W lent to A through O's wait on L2, which was already over");
	PT_EXPECT_ATTR(test, a.task, PT_OWNER_BASE);
	PT_EXPECT_ATTR(test, o.task, PT_SECOND);
	PT_EXPECT_ATTR(test, w.task, PT_W60);
	bt_join(&w);
	bt_join(&o);
	bt_join(&a);
	pt_lock_destroy(&s->l1);
	pt_lock_destroy(&s->l2);
}

static void prio_mtx_chain_lending_through_an_ended_wait_leaves_no_boost(struct kunit *test)
{
	pt_run_over(test, PT_MTX);
}

static void prio_rw_chain_lending_through_an_ended_write_wait_leaves_no_boost(struct kunit *test)
{
	pt_run_over(test, PT_RW_W);
}

static void prio_rw_chain_lending_through_an_ended_read_wait_leaves_no_boost(struct kunit *test)
{
	pt_run_over(test, PT_RW_R);
}

/* ---- wake order by the waiters' priorities at the wake ----------------------------------- */

/*
 * On one CPU: L (CFS) holds m and is boosted to FIFO 60 by H blocked on m; L then cv_waits,
 * queueing while boosted, and its boost ends as cv_wait releases m. M (FIFO 40) cv_waits
 * too. cv_signal must wake M: its priority is the higher one now (FreeBSD sleepq_signal
 * compares td_priority when it signals).
 */
struct pt_cvorder {
	struct mtx m;
	struct cv cv;
	int l_has, go, queued, nwoken;
	char first;
};

static void pt_cv_low(void *arg)
{
	struct pt_cvorder *s = arg;

	mtx_lock(&s->m);
	WRITE_ONCE(s->l_has, 1);
	while (!READ_ONCE(s->go))
		usleep_range(200, 1000);
	s->queued++;
	cv_wait(&s->cv, &s->m);
	if (s->nwoken++ == 0)
		s->first = 'L';
	mtx_unlock(&s->m);
}

static void pt_cv_medium(void *arg)
{
	struct pt_cvorder *s = arg;

	mtx_lock(&s->m);
	s->queued++;
	cv_wait(&s->cv, &s->m);
	if (s->nwoken++ == 0)
		s->first = 'M';
	mtx_unlock(&s->m);
}

static void pt_cv_high(void *arg)
{
	struct pt_cvorder *s = arg;

	mtx_lock(&s->m);
	mtx_unlock(&s->m);
}

static void prio_cv_signal_wakes_by_priority_now_not_the_boost_held_at_queueing(struct kunit *test)
{
	static const struct pt_attr fifo40 = { SCHED_FIFO, 40 };
	struct pt_cvorder *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread low, high, medium;
	int cpu;

	KUNIT_ASSERT_NOT_NULL(test, s);
	cpu = pt_pick_cpu(test);
	mtx_init(&s->m, "pt cv mtx", NULL, MTX_DEF);
	cv_init(&s->cv, "pt cv");
	pt_start(test, &low, pt_cv_low, s, "pt_low", cpu, PT_LOW_NORMAL);
	BT_WAIT_UNTIL(test, READ_ONCE(s->l_has));
	pt_start(test, &high, pt_cv_high, s, "pt_high", cpu, PT_W60);
	KUNIT_EXPECT_TRUE(test, pt_wait_attr(low.task, PT_W60));
	WRITE_ONCE(s->go, 1);		/* L queues on the cv at FIFO 60, then drops to CFS */
	bt_join(&high);
	BT_WAIT_UNTIL(test, READ_ONCE(s->queued) == 1);
	pt_start(test, &medium, pt_cv_medium, s, "pt_medium", cpu, fifo40);
	bt_hold_when_queued(test, &s->m, &s->queued, 2);
	PT_EXPECT_ATTR(test, low.task, PT_LOW_NORMAL);
	cv_signal(&s->cv);
	mtx_unlock(&s->m);
	BT_WAIT_UNTIL(test, READ_ONCE(s->nwoken) >= 1);
	mtx_lock(&s->m);
	KUNIT_EXPECT_EQ_MSG(test, s->first, 'M',
			    "cv_signal woke the CFS waiter that queued while boosted to FIFO 60 "
			    "before the FIFO 40 one");
	cv_signal(&s->cv);
	mtx_unlock(&s->m);
	bt_join(&low);
	bt_join(&medium);
	pt_unpick_cpu();
	cv_destroy(&s->cv);
	mtx_destroy(&s->m);
}

/* sx and sleepable rm wait on sleep queues in FreeBSD: no owner gets a priority lent. */
struct pt_none {
	struct kunit *test;
	struct pt_lock l;
	struct bt_thread w;
	bool waiter_blocked, boosted;
};

static void pt_none_owner(void *arg)
{
	struct pt_none *s = arg;
	u64 deadline = ktime_get_ns() + PT_OWNER_WAIT_NS;

	pt_own(&s->l);
	pt_start(s->test, &s->w, pt_waiter, &s->l, "pt_w70", -1, PT_W70);
	/* Blocked (uninterruptible, maybe TASK_NOLOAD too): it has done all it would do. */
	while (!(READ_ONCE(s->w.task->__state) & TASK_UNINTERRUPTIBLE) &&
	       ktime_get_ns() < deadline)
		usleep_range(200, 1000);
	/* A lending would be made before the waiter blocks; give a wrong one time to land. */
	msleep(20);
	s->waiter_blocked = READ_ONCE(s->w.task->__state) & TASK_UNINTERRUPTIBLE;
	s->boosted = !pt_is(current, PT_OWNER_BASE);
	pt_disown(&s->l);
	bt_join(&s->w);
}

static void pt_run_none(struct kunit *test, enum pt_kind kind)
{
	struct pt_none *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread owner;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->test = test;
	pt_lock_init(&s->l, kind);
	pt_start(test, &owner, pt_none_owner, s, "pt_owner", -1, PT_OWNER_BASE);
	bt_join(&owner);
	KUNIT_EXPECT_TRUE(test, s->waiter_blocked);
	KUNIT_EXPECT_FALSE_MSG(test, s->boosted, "kind %d lent a priority", kind);
	pt_lock_destroy(&s->l);
}

static void prio_sx_and_sleepable_rm_lend_no_priority(struct kunit *test)
{
	pt_run_none(test, PT_SX);
	pt_run_none(test, PT_RM_SLEEPABLE);
}

/* ---- stress: many lenders and owners, everyone back to their own attributes ------------- */

#define PT_STRESS_THREADS 6
#define PT_STRESS_LOCKS 3
#define PT_STRESS_ROUNDS 400

struct pt_stress {
	struct pt_lock l[PT_STRESS_LOCKS];
	unsigned long in[PT_STRESS_LOCKS];	/* holders inside, checked for exclusion */
	int violations;
};

struct pt_stress_arg {
	struct pt_stress *s;
	int id;
};

static void pt_stress_worker(void *arg)
{
	struct pt_stress_arg *a = arg;
	struct pt_stress *s = a->s;
	u32 r = 0x9e3779b9u * (a->id + 1);

	for (int i = 0; i < PT_STRESS_ROUNDS; i++) {
		int first, second;

		r = r * 1664525u + 1013904223u;
		first = (r >> 8) % PT_STRESS_LOCKS;
		second = (r >> 16) % PT_STRESS_LOCKS;
		if (second < first) {
			int t = first;

			first = second;
			second = t;
		}
		/* Locks in index order (no deadlock), released in either order. */
		pt_own(&s->l[first]);
		if (s->in[first]++)
			s->violations++;
		if (second != first) {
			pt_own(&s->l[second]);
			if (s->in[second]++)
				s->violations++;
		}
		for (int k = 0; k < 50; k++)
			cpu_relax();
		if (second != first && (r & 1)) {
			s->in[second]--;
			pt_disown(&s->l[second]);
			second = first;
		}
		s->in[first]--;
		pt_disown(&s->l[first]);
		if (second != first) {
			s->in[second]--;
			pt_disown(&s->l[second]);
		}
		if ((i & 15) == 0)
			cond_resched();
	}
}

static void pt_run_stress(struct kunit *test, enum pt_kind kind)
{
	static const struct pt_attr attrs[PT_STRESS_THREADS] = {
		{ SCHED_FIFO, 10 }, { SCHED_NORMAL, 0 }, { SCHED_FIFO, 30 },
		{ SCHED_NORMAL, 5 }, { SCHED_RR, 20 }, { SCHED_BATCH, -5 },
	};
	struct pt_stress *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct pt_stress_arg args[PT_STRESS_THREADS];
	struct bt_thread t[PT_STRESS_THREADS];

	KUNIT_ASSERT_NOT_NULL(test, s);
	for (int i = 0; i < PT_STRESS_LOCKS; i++)
		pt_lock_init(&s->l[i], kind);
	for (int i = 0; i < PT_STRESS_THREADS; i++) {
		args[i] = (struct pt_stress_arg){ s, i };
		pt_start(test, &t[i], pt_stress_worker, &args[i], "pt_stress", -1, attrs[i]);
	}
	for (int i = 0; i < PT_STRESS_THREADS; i++) {
		/* Every lender has finished (its lending returns before it takes the lock). */
		pt_wait_done(&t[i]);
	}
	for (int i = 0; i < PT_STRESS_THREADS; i++) {
		KUNIT_EXPECT_TRUE_MSG(test, pt_is(t[i].task, attrs[i]),
				      "thread %d: policy %d rt_priority %u nice %d, expected %d/%d",
				      i, t[i].task->policy, t[i].task->rt_priority,
				      task_nice(t[i].task), attrs[i].policy, attrs[i].prio);
		bt_join(&t[i]);
	}
	KUNIT_EXPECT_EQ(test, s->violations, 0);
	for (int i = 0; i < PT_STRESS_LOCKS; i++)
		pt_lock_destroy(&s->l[i]);
}

static void prio_mtx_stress_every_thread_ends_at_its_own_attributes(struct kunit *test)
{
	pt_run_stress(test, PT_MTX);
}

static void prio_rw_stress_every_thread_ends_at_its_own_attributes(struct kunit *test)
{
	pt_run_stress(test, PT_RW_W);
}

static void prio_rm_stress_every_thread_ends_at_its_own_attributes(struct kunit *test)
{
	pt_run_stress(test, PT_RM_W);
}

static struct kunit_case prio_cases[] = {
	KUNIT_CASE(prio_mtx_high_waiter_boosts_owner_past_spinning_medium),
	KUNIT_CASE(prio_mtx_cfs_owner_is_boosted_to_fifo_and_restored),
	KUNIT_CASE(prio_mtx_boost_propagates_along_a_chain_of_two_owners),
	KUNIT_CASE(prio_rw_writer_waiter_boosts_the_writer),
	KUNIT_CASE(prio_rw_reader_waiter_boosts_the_writer),
	KUNIT_CASE(prio_rw_boost_propagates_along_a_chain_of_two_writers),
	KUNIT_CASE(prio_mtx_two_contested_released_better_first_drops_to_the_other),
	KUNIT_CASE(prio_mtx_two_contested_released_worse_first_keeps_the_better),
	KUNIT_CASE(prio_rw_two_write_locks_released_in_either_order),
	KUNIT_CASE(prio_mtx_owner_of_more_contested_locks_than_tracked_is_restored),
	KUNIT_CASE(prio_mtx_release_with_spin_mutex_held_restores_later_exactly),
	KUNIT_CASE(prio_mtx_msleep_releasing_its_interlock_ends_the_boost),
	KUNIT_CASE(prio_rw_downgrade_ends_the_writers_boost),
	KUNIT_CASE(prio_rm_writer_waiter_boosts_the_writer),
	KUNIT_CASE(prio_rm_reader_waiter_boosts_the_writer),
	KUNIT_CASE(prio_rm_boost_propagates_along_a_chain_of_two_writers),
	KUNIT_CASE(prio_rm_two_write_locks_released_in_either_order),
	KUNIT_CASE(prio_sx_and_sleepable_rm_lend_no_priority),
	KUNIT_CASE(prio_rw_woken_writer_inherits_the_queued_readers_priority),
	KUNIT_CASE(prio_barging_owner_inherits_the_priority_of_the_threads_still_queued),
	KUNIT_CASE(prio_mtx_stale_lender_takes_back_only_its_own_part),
	KUNIT_CASE(prio_mtx_application_out_of_rounds_leaves_no_stale_boost),
	KUNIT_CASE(prio_mtx_chain_lending_through_an_ended_wait_leaves_no_boost),
	KUNIT_CASE(prio_rw_chain_lending_through_an_ended_write_wait_leaves_no_boost),
	KUNIT_CASE(prio_rw_chain_lending_through_an_ended_read_wait_leaves_no_boost),
	KUNIT_CASE(prio_cv_signal_wakes_by_priority_now_not_the_boost_held_at_queueing),
	KUNIT_CASE(prio_mtx_stress_every_thread_ends_at_its_own_attributes),
	KUNIT_CASE(prio_rw_stress_every_thread_ends_at_its_own_attributes),
	KUNIT_CASE(prio_rm_stress_every_thread_ends_at_its_own_attributes),
	{}
};

static struct kunit_suite prio_suite = {
	.name = "freebsd_prio",
	.test_cases = prio_cases,
};
kunit_test_suites(&prio_suite);
