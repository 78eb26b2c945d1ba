// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * mutex(9), mtx_pool(9) and Giant, as a ported FreeBSD driver uses them.
 * One case per documented behaviour; misuse cases check the report and that the kernel
 * and the lock go on.
 */
#include <linux/hrtimer.h>
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/cpumask.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/proc.h>
#include <sys/kernel.h>

#include <bsdsync/lock_events.h>

#include "harness_freebsd.h"

/* module/platform/module.c, exported for KUnit only: set the module parameter spin_warn_ms,
 * returning the old value. */
unsigned int bsdsync_test_spin_warn_ms(unsigned int ms);

/* ---- mutual exclusion under contention --------------------------------------------------- */

#define MX_THREADS 4
#define MX_ROUNDS 20000

struct mx_shared {
	struct mtx m;
	unsigned long counter;	/* plain, protected only by m */
	int held;		/* set inside the critical section: nobody else may see it set */
	int violations;
	bool spin;
};

static void mx_worker(void *arg)
{
	struct mx_shared *s = arg;

	for (int i = 0; i < MX_ROUNDS; i++) {
		if (s->spin)
			mtx_lock_spin(&s->m);
		else
			mtx_lock(&s->m);
		if (READ_ONCE(s->held))
			s->violations++;
		WRITE_ONCE(s->held, 1);
		s->counter++;
		if ((i & 63) == 0)
			cpu_relax();
		WRITE_ONCE(s->held, 0);
		if (s->spin)
			mtx_unlock_spin(&s->m);
		else
			mtx_unlock(&s->m);
		if ((i & 255) == 0 && !s->spin)
			cond_resched();
	}
}

static void run_exclusion(struct kunit *test, bool spin)
{
	struct mx_shared *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t[MX_THREADS];

	mtx_init(&s->m, "exclusion", NULL, spin ? MTX_SPIN : MTX_DEF);
	s->spin = spin;
	for (int i = 0; i < MX_THREADS; i++)
		bt_start(test, &t[i], mx_worker, s, "mx_worker");
	bt_join_n(t, MX_THREADS);
	KUNIT_EXPECT_EQ(test, s->counter, (unsigned long)MX_THREADS * MX_ROUNDS);
	KUNIT_EXPECT_EQ(test, s->violations, 0);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&s->m));
	mtx_destroy(&s->m);
}

static void mtx_lock_excludes_other_threads(struct kunit *test)
{
	run_exclusion(test, false);
}

static void mtx_lock_spin_excludes_other_threads(struct kunit *test)
{
	run_exclusion(test, true);
}

/* ---- try-lock from another thread in every holder state ------------------------------- */

struct try_ctx {
	struct mtx *m;
	int result;
};

static void try_from_thread(void *arg)
{
	struct try_ctx *c = arg;

	c->result = mtx_trylock(c->m);
	if (c->result)
		mtx_unlock(c->m);
}

static int trylock_elsewhere(struct kunit *test, struct mtx *m)
{
	struct try_ctx c = { .m = m, .result = -1 };
	struct bt_thread t;

	bt_start(test, &t, try_from_thread, &c, "mtx_try");
	bt_join(&t);
	return c.result;
}

static void mtx_trylock_from_other_thread_in_every_holder_state(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "try states", NULL, MTX_DEF | MTX_RECURSE);
	KUNIT_EXPECT_EQ(test, trylock_elsewhere(test, &m), 1);	/* free */
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, trylock_elsewhere(test, &m), 0);	/* held once */
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, trylock_elsewhere(test, &m), 0);	/* held recursively */
	mtx_unlock(&m);
	KUNIT_EXPECT_EQ(test, trylock_elsewhere(test, &m), 0);	/* back to once */
	mtx_unlock(&m);
	KUNIT_EXPECT_EQ(test, trylock_elsewhere(test, &m), 1);	/* released */
	mtx_destroy(&m);
}

static void mtx_trylock_recurses_on_recursable_mutex_the_caller_owns(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "try recurse", NULL, MTX_DEF | MTX_RECURSE);
	KUNIT_EXPECT_EQ(test, mtx_trylock(&m), 1);
	KUNIT_EXPECT_FALSE(test, mtx_recursed(&m));
	KUNIT_EXPECT_EQ(test, mtx_trylock(&m), 1);
	KUNIT_EXPECT_TRUE(test, mtx_recursed(&m));
	mtx_unlock(&m);
	mtx_unlock(&m);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	mtx_destroy(&m);
}

static void mtx_trylock_fails_on_nonrecursive_mutex_the_caller_owns(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "try nonrecurse", NULL, MTX_DEF);
	mtx_lock(&m);
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, mtx_trylock(&m), 0));
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	KUNIT_EXPECT_FALSE(test, mtx_recursed(&m));
	mtx_unlock(&m);
	mtx_destroy(&m);
}

static void mtx_trylock_flags_mtx_recurse_recurses_once(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "try flags", NULL, MTX_DEF);
	mtx_lock(&m);
	KUNIT_EXPECT_EQ(test, mtx_trylock_flags(&m, MTX_RECURSE), 1);
	KUNIT_EXPECT_TRUE(test, mtx_recursed(&m));
	mtx_unlock(&m);
	mtx_unlock(&m);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	mtx_destroy(&m);
}

/* ---- recursion ------------------------------------------------------------------------- */

static void mtx_recurse_counts_depth_and_releases_at_zero(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "recurse", NULL, MTX_DEF | MTX_RECURSE);
	for (int i = 0; i < 5; i++)
		mtx_lock(&m);
	KUNIT_EXPECT_TRUE(test, mtx_recursed(&m));
	KUNIT_EXPECT_EQ(test, m.lock_object.lo_data, 4u);
	for (int i = 0; i < 4; i++)
		mtx_unlock(&m);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	KUNIT_EXPECT_FALSE(test, mtx_recursed(&m));
	KUNIT_EXPECT_EQ(test, trylock_elsewhere(test, &m), 0);
	mtx_unlock(&m);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	KUNIT_EXPECT_EQ(test, trylock_elsewhere(test, &m), 1);
	mtx_destroy(&m);
}

static void mtx_lock_flags_mtx_recurse_permits_recursion_per_call(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "recurse per call", NULL, MTX_DEF);
	mtx_lock(&m);
	BT_EXPECT_NO_REPORT(test, mtx_lock_flags(&m, MTX_RECURSE));
	KUNIT_EXPECT_TRUE(test, mtx_recursed(&m));
	mtx_unlock(&m);
	mtx_unlock(&m);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	mtx_destroy(&m);
}

static void mtx_spin_recurses_with_mtx_recurse(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "spin recurse", NULL, MTX_SPIN | MTX_RECURSE);
	mtx_lock_spin(&m);
	mtx_lock_spin(&m);
	KUNIT_EXPECT_TRUE(test, mtx_recursed(&m));
	KUNIT_EXPECT_TRUE(test, irqs_disabled());
	mtx_unlock_spin(&m);
	KUNIT_EXPECT_TRUE(test, irqs_disabled());
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	mtx_unlock_spin(&m);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	mtx_destroy(&m);
}

/* ---- mtx_assert: every MA_* flag, passing and failing ------------------------------------- */

static void mtx_assert_passes_when_true(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "assert", NULL, MTX_DEF | MTX_RECURSE);
	BT_EXPECT_NO_REPORT(test, {
		mtx_assert(&m, MA_NOTOWNED);
		mtx_lock(&m);
		mtx_assert(&m, MA_OWNED);
		mtx_assert(&m, MA_OWNED | MA_NOTRECURSED);
		mtx_lock(&m);
		mtx_assert(&m, MA_OWNED | MA_RECURSED);
		mtx_unlock(&m);
		mtx_unlock(&m);
		mtx_assert(&m, MA_NOTOWNED);
	});
	mtx_destroy(&m);
}

static void mtx_assert_reports_when_false(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "assert fails", NULL, MTX_DEF | MTX_RECURSE);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, mtx_assert(&m, MA_OWNED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, mtx_assert(&m, MA_OWNED | MA_NOTRECURSED));
	mtx_lock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, mtx_assert(&m, MA_NOTOWNED));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, mtx_assert(&m, MA_OWNED | MA_RECURSED));
	mtx_lock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, mtx_assert(&m, MA_OWNED | MA_NOTRECURSED));
	mtx_unlock(&m);
	mtx_unlock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, mtx_assert(&m, 0x40));
	mtx_destroy(&m);
}

static void mtx_assert_owned_fails_for_mutex_held_by_another_thread(struct kunit *test);

/* ---- spin mutexes -------------------------------------------------------------------- */

static void mtx_spin_disables_interrupts_until_outermost_release(struct kunit *test)
{
	struct mtx a, b;

	mtx_init(&a, "spin a", NULL, MTX_SPIN);
	mtx_init(&b, "spin b", NULL, MTX_SPIN);
	KUNIT_ASSERT_FALSE(test, irqs_disabled());
	mtx_lock_spin(&a);
	KUNIT_EXPECT_TRUE(test, irqs_disabled());
	KUNIT_EXPECT_TRUE(test, in_atomic());
	mtx_lock_spin(&b);
	mtx_unlock_spin(&b);
	KUNIT_EXPECT_TRUE(test, irqs_disabled());
	mtx_unlock_spin(&a);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	KUNIT_EXPECT_FALSE(test, in_atomic());
	mtx_destroy(&a);
	mtx_destroy(&b);
}

static void mtx_spin_mutexes_may_be_released_out_of_order(struct kunit *test)
{
	struct mtx a, b, c;

	mtx_init(&a, "ooo a", NULL, MTX_SPIN);
	mtx_init(&b, "ooo b", NULL, MTX_SPIN);
	mtx_init(&c, "ooo c", NULL, MTX_SPIN);
	BT_EXPECT_NO_REPORT(test, {
		mtx_lock_spin(&a);
		mtx_lock_spin(&b);
		mtx_lock_spin(&c);
		mtx_unlock_spin(&a);	/* first taken, first released */
		KUNIT_EXPECT_TRUE(test, irqs_disabled());
		KUNIT_EXPECT_FALSE(test, mtx_owned(&a));
		mtx_unlock_spin(&c);
		KUNIT_EXPECT_TRUE(test, irqs_disabled());
		KUNIT_EXPECT_TRUE(test, mtx_owned(&b));
		mtx_unlock_spin(&b);
	});
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	mtx_destroy(&a);
	mtx_destroy(&b);
	mtx_destroy(&c);
}

static void mtx_spin_keeps_interrupts_off_if_caller_had_them_off(struct kunit *test)
{
	struct mtx a;
	unsigned long flags;

	mtx_init(&a, "irqs off", NULL, MTX_SPIN);
	local_irq_save(flags);
	mtx_lock_spin(&a);
	mtx_unlock_spin(&a);
	KUNIT_EXPECT_TRUE(test, irqs_disabled());
	local_irq_restore(flags);
	mtx_destroy(&a);
}

static void mtx_trylock_spin_never_recurses(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "try spin", NULL, MTX_SPIN | MTX_RECURSE);
	KUNIT_EXPECT_EQ(test, mtx_trylock_spin(&m), 1);
	KUNIT_EXPECT_EQ(test, mtx_trylock_spin(&m), 0);
	KUNIT_EXPECT_FALSE(test, mtx_recursed(&m));
	mtx_unlock_spin(&m);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	mtx_destroy(&m);
}

struct spin_holder {
	struct mtx *m;
	int cpu;
	int locked;
	int release;
	int expired;	/* gave up waiting for `release` and let go on its own */
};

static void hold_spin_briefly(void *arg)
{
	struct spin_holder *h = arg;
	/* Bounded: never spin with interrupts off for long, whatever the test thread does. */
	u64 deadline;

	set_cpus_allowed_ptr(current, cpumask_of(h->cpu));
	deadline = ktime_get_ns() + 2 * NSEC_PER_SEC;
	mtx_lock_spin(h->m);
	smp_store_release(&h->locked, 1);
	while (!smp_load_acquire(&h->release) && ktime_get_ns() < deadline)
		cpu_relax();
	WRITE_ONCE(h->expired, !smp_load_acquire(&h->release));
	mtx_unlock_spin(h->m);
}

/*
 * Run `during(m, arg)` while another thread holds spin mutex m with interrupts off on the
 * other CPU than this thread (on the same one, this thread could not even run until the
 * holder let go). The holder gives up on its own after a bound; if it did so before
 * `during` ran (a long stall of the emulator), the round proves nothing and is played again
 * (`during` must leave m as it found it). Returns false if no round counted (reported).
 * Needs 2 online CPUs (the caller skips otherwise).
 */
static bool with_spin_held_elsewhere(struct kunit *test, struct mtx *m,
				     void (*during)(struct mtx *m, void *arg), void *arg)
{
	struct spin_holder h;
	struct bt_thread t;
	int mine, round;

	mine = raw_smp_processor_id();
	set_cpus_allowed_ptr(current, cpumask_of(mine));
	for (round = 0; round < 5; round++) {
		h = (struct spin_holder){ .m = m, .cpu = mine == 0 ? 1 : 0 };
		bt_start(test, &t, hold_spin_briefly, &h, "spin_holder");
		BT_WAIT_UNTIL(test, smp_load_acquire(&h.locked));
		during(m, arg);
		smp_store_release(&h.release, 1);
		bt_join(&t);
		if (!READ_ONCE(h.expired))
			break;
	}
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	KUNIT_EXPECT_LT_MSG(test, round, 5, "the holder never held on long enough");
	return round < 5;
}

static void try_spin_once(struct mtx *m, void *arg)
{
	int *got = arg;

	*got = mtx_trylock_spin(m);
	if (*got)
		mtx_unlock_spin(m);
}

static void mtx_trylock_spin_fails_while_another_thread_holds_it(struct kunit *test)
{
	struct mtx m;
	int got = -1;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 online CPUs");
	mtx_init(&m, "try spin other", NULL, MTX_SPIN);
	with_spin_held_elsewhere(test, &m, try_spin_once, &got);
	KUNIT_EXPECT_EQ(test, got, 0);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	KUNIT_EXPECT_EQ(test, mtx_trylock_spin(&m), 1);
	mtx_unlock_spin(&m);
	mtx_destroy(&m);
}

/* ---- state queries -------------------------------------------------------------------- */

static void mtx_owner_name_and_initialized_report_state(struct kunit *test)
{
	struct mtx m;

	memset(&m, 0, sizeof(m));
	KUNIT_EXPECT_FALSE(test, mtx_initialized(&m));
	mtx_init(&m, "queries", "query type", MTX_DEF);
	KUNIT_EXPECT_TRUE(test, mtx_initialized(&m));
	KUNIT_EXPECT_STREQ(test, mtx_name(&m), "queries");
	KUNIT_EXPECT_PTR_EQ(test, mtx_owner(&m), (struct thread *)NULL);
	mtx_lock(&m);
	KUNIT_EXPECT_PTR_EQ(test, mtx_owner(&m), curthread);
	KUNIT_EXPECT_PTR_EQ(test, (void *)curthread, (void *)current);
	mtx_unlock(&m);
	mtx_destroy(&m);
	KUNIT_EXPECT_FALSE(test, mtx_initialized(&m));
}

static void mtx_is_32_bytes_like_freebsd(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct mtx), (size_t)32);
	KUNIT_EXPECT_EQ(test, sizeof(struct mtx_padalign), (size_t)64);
}

static void mtx_destroy_releases_a_mutex_owned_once_by_the_caller(struct kunit *test)
{
	struct mtx m, s;

	mtx_init(&m, "destroy owned", NULL, MTX_DEF);
	mtx_lock(&m);
	BT_EXPECT_NO_REPORT(test, mtx_destroy(&m));
	KUNIT_EXPECT_FALSE(test, mtx_initialized(&m));
	mtx_init(&s, "destroy owned spin", NULL, MTX_SPIN);
	mtx_lock_spin(&s);
	BT_EXPECT_NO_REPORT(test, mtx_destroy(&s));
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
}

static void mtx_new_allows_init_over_stale_memory(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "first", NULL, MTX_DEF);
	BT_EXPECT_NO_REPORT(test, mtx_init(&m, "second", NULL, MTX_DEF | MTX_NEW));
	KUNIT_EXPECT_STREQ(test, mtx_name(&m), "second");
	mtx_destroy(&m);
}

/* ---- blocking and hand-off ------------------------------------------------------------- */

struct handoff {
	struct mtx m;
	int stage;
};

static void handoff_waiter(void *arg)
{
	struct handoff *h = arg;

	WRITE_ONCE(h->stage, 1);
	mtx_lock(&h->m);	/* blocks: the test thread holds it */
	WRITE_ONCE(h->stage, 2);
	mtx_unlock(&h->m);
}

static void mtx_lock_blocks_until_owner_releases(struct kunit *test)
{
	struct handoff h = { .stage = 0 };
	struct bt_thread t;

	mtx_init(&h.m, "handoff", NULL, MTX_DEF);
	mtx_lock(&h.m);
	bt_start(test, &t, handoff_waiter, &h, "mtx_waiter");
	BT_WAIT_UNTIL(test, READ_ONCE(h.stage) == 1);
	msleep(20);	/* Linux msleep(ms), in a file that also includes BSD <sys/systm.h> */
	KUNIT_EXPECT_EQ(test, READ_ONCE(h.stage), 1);
	/* After a while the waiter must be queued (CONTESTED) rather than still spinning. */
	BT_WAIT_UNTIL(test, READ_ONCE(h.m.mtx_lock) & MTX_CONTESTED);
	mtx_unlock(&h.m);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, h.stage, 2);
	KUNIT_EXPECT_EQ(test, READ_ONCE(h.m.mtx_lock), MTX_UNOWNED);
	mtx_destroy(&h.m);
}

/*
 * A hand-off leaves a mutex free but CONTESTED while other waiters stay queued, until the
 * woken waiter runs. Made deterministic: the waiters and a bounded SCHED_FIFO hog share the
 * other CPU, so the woken waiter cannot run while the test thread, on its own CPU,
 * unlocks and then try-locks. The try-lock must succeed: nobody owns the mutex.
 */
struct contested {
	struct mtx m;
	int cpu;		/* the waiters' and the hog's CPU */
	int arrived;
	int hog_running;
	int stop_hog;
};

static void contested_waiter(void *arg)
{
	struct contested *c = arg;

	set_cpus_allowed_ptr(current, cpumask_of(c->cpu));
	WRITE_ONCE(c->arrived, READ_ONCE(c->arrived) + 1);
	mtx_lock(&c->m);
	mtx_unlock(&c->m);
}

static void contested_hog(void *arg)
{
	struct contested *c = arg;
	u64 deadline = ktime_get_ns() + 5 * NSEC_PER_SEC;	/* bounded whatever happens */

	sched_set_fifo(current);
	set_cpus_allowed_ptr(current, cpumask_of(c->cpu));
	smp_store_release(&c->hog_running, 1);
	while (!smp_load_acquire(&c->stop_hog) && ktime_get_ns() < deadline)
		cpu_relax();
}

static void mtx_trylock_succeeds_on_a_free_contested_mutex(struct kunit *test)
{
	struct contested *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct bt_thread w[2], hog;
	unsigned long word = 0;
	int mine, tried = -1;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 online CPUs");
	mine = raw_smp_processor_id();
	set_cpus_allowed_ptr(current, cpumask_of(mine));
	c->cpu = mine == 0 ? 1 : 0;
	mtx_init(&c->m, "contested", NULL, MTX_DEF);

	mtx_lock(&c->m);
	bt_start_n(test, w, 2, contested_waiter, c, 0, "contested");
	BT_WAIT_UNTIL(test, READ_ONCE(c->arrived) == 2);
	/* Queued, not spinning: this thread sleeps, so both block and set CONTESTED. */
	msleep(100);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(c->m.mtx_lock) & MTX_CONTESTED);
	bt_start(test, &hog, contested_hog, c, "contested_hog");
	BT_WAIT_UNTIL(test, smp_load_acquire(&c->hog_running));

	mtx_unlock(&c->m);	/* wakes one waiter, which cannot run yet; one stays queued */
	word = READ_ONCE(c->m.mtx_lock);
	tried = mtx_trylock(&c->m);
	if (tried == 1)
		mtx_unlock(&c->m);
	smp_store_release(&c->stop_hog, 1);

	bt_join(&hog);
	bt_join_n(w, 2);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	KUNIT_EXPECT_EQ(test, word, MTX_CONTESTED);
	KUNIT_EXPECT_EQ(test, tried, 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->m.mtx_lock), MTX_UNOWNED);
	mtx_destroy(&c->m);
}

/* prior-art.md bug 1: the other thread frees the object right after its own unlock; the
 * releasing thread must not touch the mutex after its release. KASAN catches a late touch. */
struct uaf_slot {
	struct mtx m;
	int payload;
};

struct uaf_ctx {
	struct uaf_slot *obj;
	int rounds;
	int done;
};

static void uaf_freer(void *arg)
{
	struct uaf_ctx *c = arg;

	for (int i = 0; i < c->rounds; i++) {
		struct uaf_slot *o;

		while (!(o = xchg(&c->obj, NULL)))
			cpu_relax();
		mtx_lock(&o->m);	/* waits for the test thread's unlock */
		o->payload++;
		mtx_unlock(&o->m);
		mtx_destroy(&o->m);
		kfree(o);
	}
	WRITE_ONCE(c->done, 1);
}

static void mtx_unlock_then_free_by_other_thread_is_safe(struct kunit *test)
{
	struct uaf_ctx c = { .obj = NULL, .rounds = 3000 };
	struct bt_thread t;

	bt_start(test, &t, uaf_freer, &c, "mtx_freer");
	for (int i = 0; i < c.rounds; i++) {
		struct uaf_slot *o = kzalloc(sizeof(*o), GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, o);
		mtx_init(&o->m, "uaf", NULL, MTX_DEF);
		mtx_lock(&o->m);
		/* Hand over only once the freer took the previous object. */
		while (READ_ONCE(c.obj))
			cpu_relax();
		WRITE_ONCE(c.obj, o);
		/* Give the freer a chance to queue behind us (every other round), so both the
		 * fast and the slow (contested) release run. */
		if (i & 1)
			udelay(20);
		mtx_unlock(&o->m);	/* o may be freed from here on */
	}
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, c.done, 1);
}

/* ---- Giant and the pool ------------------------------------------------------------------ */

static void giant_is_recursive_and_drop_pickup_restores_depth(struct kunit *test)
{
	mtx_lock(&Giant);
	mtx_lock(&Giant);
	mtx_lock(&Giant);
	GIANT_REQUIRED;
	DROP_GIANT();
	KUNIT_EXPECT_FALSE(test, mtx_owned(&Giant));
	KUNIT_EXPECT_EQ(test, trylock_elsewhere(test, &Giant), 1);
	PICKUP_GIANT();
	KUNIT_EXPECT_TRUE(test, mtx_owned(&Giant));
	KUNIT_EXPECT_EQ(test, Giant.lock_object.lo_data, 2u);
	mtx_unlock(&Giant);
	mtx_unlock(&Giant);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&Giant));
	mtx_unlock(&Giant);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&Giant));
}

static void mtx_pool_find_is_stable_per_address(struct kunit *test)
{
	struct mtx_pool *pool = mtx_pool_create("test pool", 16, MTX_DEF);
	int objs[64];

	KUNIT_ASSERT_NOT_NULL(test, pool);
	for (int i = 0; i < 64; i++) {
		struct mtx *a = mtx_pool_find(pool, &objs[i]);

		KUNIT_EXPECT_PTR_EQ(test, a, mtx_pool_find(pool, &objs[i]));
		mtx_pool_lock(pool, &objs[i]);
		KUNIT_EXPECT_TRUE(test, mtx_owned(a));
		mtx_pool_unlock(pool, &objs[i]);
	}
	mtx_pool_destroy(&pool);
	KUNIT_EXPECT_PTR_EQ(test, pool, (struct mtx_pool *)NULL);
}

/* A size that is not a power of 2: one report, and the pool is made with the next one. */
static void mtx_pool_create_rounds_a_bad_size_up_with_one_report(struct kunit *test)
{
	struct mtx_pool *pool = NULL;
	int objs[8];

	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 pool = mtx_pool_create("odd pool", 3, MTX_DEF));
	KUNIT_ASSERT_NOT_NULL(test, pool);
	for (int i = 0; i < 8; i++) {
		mtx_pool_lock(pool, &objs[i]);
		KUNIT_EXPECT_TRUE(test, mtx_owned(mtx_pool_find(pool, &objs[i])));
		mtx_pool_unlock(pool, &objs[i]);
	}
	mtx_pool_destroy(&pool);
}

static void mtx_pool_alloc_hands_out_every_mutex_round_robin(struct kunit *test)
{
	struct mtx_pool *pool = mtx_pool_create("rr pool", 4, MTX_DEF);
	struct mtx *seen[4];

	KUNIT_ASSERT_NOT_NULL(test, pool);
	for (int i = 0; i < 4; i++)
		seen[i] = mtx_pool_alloc(pool);
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			KUNIT_EXPECT_PTR_NE(test, seen[i], seen[j]);
	KUNIT_EXPECT_PTR_EQ(test, mtx_pool_alloc(pool), seen[0]);
	mtx_pool_destroy(&pool);
}

static void mtxpool_sleep_mutexes_work_with_mtx_sleep(struct kunit *test)
{
	int chan;
	struct mtx *m = mtx_pool_find(mtxpool_sleep, &chan);

	mtx_lock(m);
	KUNIT_EXPECT_EQ(test, mtx_sleep(&chan, m, 0, "poolslp", 1), EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, mtx_owned(m));
	mtx_unlock(m);
}

/* ---- MTX_SYSINIT (the records' order: kunit/core/sysinit_test.c) ----------------------- */

static struct mtx sysinit_mtx;
MTX_SYSINIT(kunit_sysinit, &sysinit_mtx, "sysinit mutex", MTX_DEF | MTX_RECURSE);

static void mtx_sysinit_initialises_the_mutex_at_module_load(struct kunit *test)
{
	KUNIT_ASSERT_TRUE(test, mtx_initialized(&sysinit_mtx));
	KUNIT_EXPECT_STREQ(test, mtx_name(&sysinit_mtx), "sysinit mutex");
	mtx_lock(&sysinit_mtx);
	mtx_lock(&sysinit_mtx);	/* MTX_RECURSE came through */
	KUNIT_EXPECT_TRUE(test, mtx_recursed(&sysinit_mtx));
	mtx_unlock(&sysinit_mtx);
	mtx_unlock(&sysinit_mtx);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&sysinit_mtx));
}

/* ---- misuse: one report each, and the kernel and the lock go on ----------------------- */

struct holder {
	struct mtx *m;
	struct completion locked, release;
};

static void hold_until_told(void *arg)
{
	struct holder *h = arg;

	mtx_lock(h->m);
	complete(&h->locked);
	wait_for_completion(&h->release);
	mtx_unlock(h->m);
}

static void start_holder(struct kunit *test, struct holder *h, struct bt_thread *t,
			 struct mtx *m)
{
	h->m = m;
	init_completion(&h->locked);
	init_completion(&h->release);
	bt_start(test, t, hold_until_told, h, "mtx_holder");
	wait_for_completion(&h->locked);
}

static void misuse_unlock_by_non_owner_is_reported_and_ignored(struct kunit *test)
{
	struct mtx m;
	struct holder h;
	struct bt_thread t;

	mtx_init(&m, "non-owner", NULL, MTX_DEF);
	start_holder(test, &h, &t, &m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, mtx_unlock(&m));
	KUNIT_EXPECT_PTR_EQ(test, (void *)mtx_owner(&m), (void *)t.task);
	complete(&h.release);
	bt_join(&t);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, mtx_unlock(&m));	/* not locked */
	KUNIT_EXPECT_EQ(test, mtx_trylock(&m), 1);
	mtx_unlock(&m);
	mtx_destroy(&m);
}

static void mtx_assert_owned_fails_for_mutex_held_by_another_thread(struct kunit *test)
{
	struct mtx m;
	struct holder h;
	struct bt_thread t;

	mtx_init(&m, "assert other", NULL, MTX_DEF);
	start_holder(test, &h, &t, &m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, mtx_assert(&m, MA_OWNED));
	BT_EXPECT_NO_REPORT(test, mtx_assert(&m, MA_NOTOWNED));
	complete(&h.release);
	bt_join(&t);
	mtx_destroy(&m);
}

static void misuse_spin_unlock_by_non_owner_is_reported(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "spin non-owner", NULL, MTX_SPIN);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, mtx_unlock_spin(&m));
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	KUNIT_EXPECT_FALSE(test, in_atomic());
	mtx_destroy(&m);
}

static void misuse_recursion_on_non_recursive_mutex_is_reported_once(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "non-recursive", NULL, MTX_DEF);
	mtx_lock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, mtx_lock(&m));
	/* It recursed anyway, so the caller's two unlocks stay balanced. */
	mtx_unlock(&m);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	mtx_unlock(&m);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	mtx_destroy(&m);
}

static void misuse_destroy_while_held_by_another_thread_is_reported(struct kunit *test)
{
	struct mtx m;
	struct holder h;
	struct bt_thread t;

	mtx_init(&m, "destroy held", NULL, MTX_DEF);
	start_holder(test, &h, &t, &m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_HELD, mtx_destroy(&m));
	KUNIT_EXPECT_TRUE(test, mtx_initialized(&m));	/* untouched: the holder goes on */
	complete(&h.release);
	bt_join(&t);
	BT_EXPECT_NO_REPORT(test, mtx_destroy(&m));
}

static void misuse_destroy_of_recursed_mutex_is_reported(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "destroy recursed", NULL, MTX_DEF | MTX_RECURSE);
	mtx_lock(&m);
	mtx_lock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_HELD, mtx_destroy(&m));
	mtx_unlock(&m);
	mtx_unlock(&m);
	mtx_destroy(&m);
}

static void misuse_use_after_destroy_is_reported(struct kunit *test)
{
	struct mtx m, s;

	mtx_init(&m, "destroyed", NULL, MTX_DEF);
	mtx_destroy(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, mtx_lock(&m));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, mtx_unlock(&m));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, KUNIT_EXPECT_EQ(test, mtx_trylock(&m), 0));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, mtx_destroy(&m));
	KUNIT_EXPECT_EQ(test, READ_ONCE(m.mtx_lock), MTX_DESTROYED);
	mtx_init(&s, "destroyed spin", NULL, MTX_SPIN);
	mtx_destroy(&s);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROYED, mtx_lock_spin(&s));
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
}

static void misuse_uninitialised_mutex_is_reported(struct kunit *test)
{
	struct mtx m;

	memset(&m, 0, sizeof(m));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_UNINITIALIZED, mtx_lock(&m));
	KUNIT_EXPECT_EQ(test, READ_ONCE(m.mtx_lock), MTX_UNOWNED);
}

static void misuse_double_init_is_reported_and_keeps_a_held_mutex(struct kunit *test)
{
	struct mtx m;

	mtx_init(&m, "double init", NULL, MTX_DEF);
	mtx_lock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DOUBLE_INIT, mtx_init(&m, "again", NULL, MTX_DEF));
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	KUNIT_EXPECT_STREQ(test, mtx_name(&m), "double init");
	mtx_unlock(&m);
	mtx_destroy(&m);
}

static void misuse_wrong_class_operations_are_reported(struct kunit *test)
{
	struct mtx def, spin;

	mtx_init(&def, "a sleep mutex", NULL, MTX_DEF);
	mtx_init(&spin, "a spin mutex", NULL, MTX_SPIN);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_WRONG_CLASS, mtx_lock(&spin));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_WRONG_CLASS, mtx_lock_spin(&def));
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	KUNIT_EXPECT_FALSE(test, mtx_owned(&def));
	KUNIT_EXPECT_FALSE(test, mtx_owned(&spin));
	mtx_destroy(&def);
	mtx_destroy(&spin);
}

struct irq_ctx {
	struct hrtimer timer;
	struct mtx m;
	unsigned long reports;
	int ran;
};

static enum hrtimer_restart mtx_in_hardirq(struct hrtimer *timer)
{
	struct irq_ctx *c = container_of(timer, struct irq_ctx, timer);
	unsigned long before = bsdsync_report_count(BSDSYNC_RULE_SLEEP_INTERRUPT);

	mtx_lock(&c->m);
	mtx_unlock(&c->m);
	c->reports = bsdsync_report_count(BSDSYNC_RULE_SLEEP_INTERRUPT) - before;
	smp_store_release(&c->ran, 1);
	return HRTIMER_NORESTART;
}

static void misuse_sleep_mutex_in_interrupt_context_is_reported(struct kunit *test)
{
	struct irq_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	mtx_init(&c->m, "irq mutex", NULL, MTX_DEF);
	hrtimer_init(&c->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	c->timer.function = mtx_in_hardirq;
	hrtimer_start(&c->timer, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	BT_WAIT_UNTIL(test, smp_load_acquire(&c->ran));
	hrtimer_cancel(&c->timer);
	KUNIT_EXPECT_EQ(test, c->reports, 1UL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->m.mtx_lock), MTX_UNOWNED);
	mtx_destroy(&c->m);
}

/* ---- an interrupt that takes the mutex of the thread it interrupted --------------------- */

static void lock_unlock_mtx(void *arg)
{
	struct mtx *m = arg;

	mtx_lock(m);
	mtx_unlock(m);
}

/*
 * The thread owns m; an interrupt on top of it (hard or soft) takes and releases m: reported
 * once (a sleep mutex in interrupt context), and the pair leaves the owner's hold as it was:
 * still owned, not recursed, not free for another thread; the owner's own unlock releases it.
 */
static void mtx_owner_interrupted_by_a_locker(struct kunit *test, bool soft)
{
	struct mtx m;
	struct bt_irq_result r;

	mtx_init(&m, "interrupted owner", NULL, MTX_DEF);
	mtx_lock(&m);
	bt_in_interrupt_on_this_thread(test, soft, lock_unlock_mtx, &m,
				       BSDSYNC_RULE_SLEEP_INTERRUPT, &r);
	KUNIT_EXPECT_EQ(test, r.reports, 1UL);
	KUNIT_EXPECT_EQ(test, r.total, 1UL);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	KUNIT_EXPECT_FALSE(test, mtx_recursed(&m));
	KUNIT_EXPECT_EQ(test, trylock_elsewhere(test, &m), 0);
	BT_EXPECT_NO_REPORT(test, mtx_unlock(&m));
	KUNIT_EXPECT_EQ(test, READ_ONCE(m.mtx_lock), MTX_UNOWNED);
	mtx_destroy(&m);
}

static void misuse_hard_interrupt_taking_its_owners_mutex_leaves_the_hold(struct kunit *test)
{
	mtx_owner_interrupted_by_a_locker(test, false);
}

static void misuse_soft_interrupt_taking_its_owners_mutex_leaves_the_hold(struct kunit *test)
{
	mtx_owner_interrupted_by_a_locker(test, true);
}

/* ---- misuse: a contended mtx_lock where the thread may not block ----------------------- */

static void atomic_mtx_lock(void *m) { mtx_lock((struct mtx *)m); }
static void atomic_mtx_unlock(void *m) { mtx_unlock((struct mtx *)m); }
static int atomic_mtx_take(void *m)
{
	mtx_lock((struct mtx *)m);
	return mtx_owned((struct mtx *)m);
}

/* Under a spin mutex and inside critical_enter, with the owner asleep: reported once, the
 * mutex is spun for instead of blocked on (harness.h bt_contended_in_atomic). */
static void misuse_contended_mtx_lock_in_atomic_context_spins_and_reports_once(struct kunit *test)
{
	struct mtx *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	struct bt_atomic_lock l = {
		.what = "mtx_lock in atomic context",
		.owner_lock = atomic_mtx_lock,
		.owner_unlock = atomic_mtx_unlock,
		.acquire = atomic_mtx_take,
		.release = atomic_mtx_unlock,
		.expect_taken = true,
	};

	KUNIT_ASSERT_NOT_NULL(test, m);
	l.ctx = m;
	mtx_init(m, "atomic contended", NULL, MTX_DEF);
	bt_contended_in_atomic(test, &l, BT_ATOMIC_SPIN_MUTEX);
	KUNIT_EXPECT_EQ(test, READ_ONCE(m->mtx_lock), MTX_UNOWNED);
	bt_contended_in_atomic(test, &l, BT_ATOMIC_CRITICAL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(m->mtx_lock), MTX_UNOWNED);
	mtx_destroy(m);
}

/*
 * A locker waiting in mtx_lock when the mutex is destroyed (its owner released it, then
 * destroyed it: legal for the owner, a use after destroy for the locker). Made deterministic:
 * the locker and the test thread share one CPU; the locker queues (the owner is not running
 * while it looks), and the test releases and destroys inside critical_enter, so the woken
 * locker runs only once the word is DESTROYED. It must get exactly one report and not the
 * mutex; its own mtx_unlock after is one more use after destroy, and it leaves no held
 * record (it sleeps after without a report).
 */
struct destroyed_wait {
	struct mtx m;
	int cpu;
	unsigned long lock_reports, lock_total, unlock_reports, unlock_total, sleep_total;
	int owned;
};

static void destroyed_waiter(void *arg)
{
	struct destroyed_wait *d = arg;
	unsigned long r, t;

	set_cpus_allowed_ptr(current, cpumask_of(d->cpu));
	r = bsdsync_report_count(BSDSYNC_RULE_DESTROYED);
	t = bsdsync_report_total();
	mtx_lock(&d->m);
	d->lock_reports = bsdsync_report_count(BSDSYNC_RULE_DESTROYED) - r;
	d->lock_total = bsdsync_report_total() - t;
	d->owned = mtx_owned(&d->m);
	r = bsdsync_report_count(BSDSYNC_RULE_DESTROYED);
	t = bsdsync_report_total();
	mtx_unlock(&d->m);
	d->unlock_reports = bsdsync_report_count(BSDSYNC_RULE_DESTROYED) - r;
	d->unlock_total = bsdsync_report_total() - t;
	t = bsdsync_report_total();
	pause("after", 1);	/* a held record left behind would be reported here */
	d->sleep_total = bsdsync_report_total() - t;
}

static void misuse_mtx_lock_of_a_mutex_destroyed_while_waiting_is_reported_not_taken(
	struct kunit *test)
{
	struct destroyed_wait *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, d);
	d->cpu = raw_smp_processor_id();
	set_cpus_allowed_ptr(current, cpumask_of(d->cpu));
	mtx_init(&d->m, "destroyed while waited", NULL, MTX_DEF);
	mtx_lock(&d->m);
	bt_start(test, &t, destroyed_waiter, d, "mtx_destroyed_waiter");
	/* Queued: on this CPU it cannot spin on us, we are not running while it looks. */
	BT_WAIT_UNTIL(test, READ_ONCE(d->m.mtx_lock) & MTX_CONTESTED);
	critical_enter();
	mtx_unlock(&d->m);	/* wakes the waiter, which cannot run before critical_exit */
	BT_EXPECT_NO_REPORT(test, mtx_destroy(&d->m));
	critical_exit();
	bt_join(&t);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	KUNIT_EXPECT_EQ(test, d->lock_reports, 1UL);
	KUNIT_EXPECT_EQ(test, d->lock_total, 1UL);
	KUNIT_EXPECT_FALSE(test, d->owned);
	KUNIT_EXPECT_EQ(test, d->unlock_reports, 1UL);
	KUNIT_EXPECT_EQ(test, d->unlock_total, 1UL);
	KUNIT_EXPECT_EQ(test, d->sleep_total, 0UL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(d->m.mtx_lock), MTX_DESTROYED);
}

/* ---- report sites of rarer misuse (docs/misuse.md) ------------------------------------- */

static void misuse_trylock_spin_with_mtx_recurse_is_reported_and_not_taken(struct kunit *test)
{
	struct mtx m;
	int got = -1;

	mtx_init(&m, "try spin recurse", NULL, MTX_SPIN | MTX_RECURSE);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 got = mtx_trylock_spin_flags(&m, MTX_RECURSE));
	KUNIT_EXPECT_EQ(test, got, 0);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	KUNIT_EXPECT_FALSE(test, in_atomic());
	KUNIT_EXPECT_EQ(test, mtx_trylock_spin(&m), 1);
	mtx_unlock_spin(&m);
	mtx_destroy(&m);
}

struct unlock_other {
	unsigned long rule, total;
	bool kept;	/* the holder still owned m after the unlock */
};

static void unlock_spin_of_other(struct mtx *m, void *arg)
{
	struct unlock_other *u = arg;
	unsigned long r0 = bsdsync_report_count(BSDSYNC_RULE_NOT_OWNER);
	unsigned long t0 = bsdsync_report_total();
	void *owner = (void *)mtx_owner(m);

	mtx_unlock_spin(m);
	u->kept = owner && (void *)mtx_owner(m) == owner;
	u->rule = bsdsync_report_count(BSDSYNC_RULE_NOT_OWNER) - r0;
	u->total = bsdsync_report_total() - t0;
}

static void misuse_spin_unlock_of_a_mutex_another_thread_holds_is_reported_and_ignored(struct kunit *test)
{
	struct mtx m;
	struct unlock_other u = {};

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 online CPUs");
	mtx_init(&m, "spin other's", NULL, MTX_SPIN);
	with_spin_held_elsewhere(test, &m, unlock_spin_of_other, &u);
	KUNIT_EXPECT_EQ(test, u.rule, 1UL);
	KUNIT_EXPECT_EQ(test, u.total, 1UL);
	KUNIT_EXPECT_TRUE_MSG(test, u.kept, "the holder lost its spin mutex to another's unlock");
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	KUNIT_EXPECT_FALSE(test, in_atomic());
	KUNIT_EXPECT_EQ(test, READ_ONCE(m.mtx_lock), MTX_UNOWNED);
	mtx_destroy(&m);
}

/*
 * The owner of a spin mutex destroys it (allowed: it is released and destroyed) while
 * another thread spins for it on the other CPU: that thread must report the destroyed mutex
 * and not take it. A lock-event sink sees the waiter's CONTENDED event, so the destroy comes
 * only once the waiter spins.
 */
struct spin_gone {
	struct mtx m;
	int cpu;
	int ready, go, contended, owned_after;
};

static struct spin_gone *spin_gone_case;

static void spin_gone_event(const struct bsdsync_lock_event *e)
{
	struct spin_gone *s = READ_ONCE(spin_gone_case);

	if (s && e->lock == (const void *)&s->m.lock_object && e->kind == BSDSYNC_LE_CONTENDED)
		smp_store_release(&s->contended, 1);
}

static const struct bsdsync_lock_event_sink spin_gone_sink = {
	.name = "kunit spin_gone",
	.event = spin_gone_event,
};

static void spin_gone_waiter(void *arg)
{
	struct spin_gone *s = arg;

	set_cpus_allowed_ptr(current, cpumask_of(s->cpu));
	smp_store_release(&s->ready, 1);
	while (!smp_load_acquire(&s->go))
		usleep_range(100, 300);
	mtx_lock_spin(&s->m);	/* spins until the owner destroys it: reported, not taken */
	s->owned_after = (void *)mtx_owner(&s->m) == (void *)current;
	if (s->owned_after)
		mtx_unlock_spin(&s->m);
}

static void misuse_spin_mutex_destroyed_while_a_thread_spins_for_it_is_reported(struct kunit *test)
{
	struct spin_gone *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t;
	unsigned long r0, t0;
	u64 deadline;
	int mine, seen;

	KUNIT_ASSERT_NOT_NULL(test, s);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 online CPUs");
	mine = raw_smp_processor_id();
	set_cpus_allowed_ptr(current, cpumask_of(mine));
	s->cpu = mine == 0 ? 1 : 0;
	mtx_init(&s->m, "spin destroyed while waited", NULL, MTX_SPIN);
	WRITE_ONCE(spin_gone_case, s);
	KUNIT_ASSERT_EQ(test, bsdsync_lock_events_attach(&spin_gone_sink), 0);
	bt_start(test, &t, spin_gone_waiter, s, "spin_gone");
	BT_WAIT_UNTIL(test, smp_load_acquire(&s->ready));
	r0 = bsdsync_report_count(BSDSYNC_RULE_DESTROYED);
	t0 = bsdsync_report_total();
	mtx_lock_spin(&s->m);
	smp_store_release(&s->go, 1);
	/* Interrupts are off: a bounded busy wait (a liveness bound, not a timing check). */
	deadline = ktime_get_ns() + 30 * NSEC_PER_SEC;
	while (!smp_load_acquire(&s->contended) && ktime_get_ns() < deadline)
		cpu_relax();
	seen = smp_load_acquire(&s->contended);
	mtx_destroy(&s->m);	/* the owner's destroy: released and destroyed, no report */
	bt_join(&t);
	bsdsync_lock_events_detach(&spin_gone_sink);
	WRITE_ONCE(spin_gone_case, NULL);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	KUNIT_EXPECT_TRUE_MSG(test, seen, "the waiter never spun for the mutex");
	KUNIT_EXPECT_EQ(test, bsdsync_report_count(BSDSYNC_RULE_DESTROYED) - r0, 1UL);
	KUNIT_EXPECT_EQ(test, bsdsync_report_total() - t0, 1UL);
	KUNIT_EXPECT_FALSE(test, s->owned_after);
	KUNIT_EXPECT_EQ(test, READ_ONCE(s->m.mtx_lock), MTX_DESTROYED);
}

/*
 * A hand-off leaves the mutex free but CONTESTED while another waiter stays queued (the
 * machinery of mtx_trylock_succeeds_on_a_free_contested_mutex: the woken waiter cannot run
 * yet). Destroying it then is refused: threads are waiting for it.
 */
static void misuse_destroy_of_a_free_mutex_threads_wait_for_is_reported_and_refused(struct kunit *test)
{
	struct contested *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct bt_thread w[2], hog;
	unsigned long word = 0, r0, t0, rule, total;
	int mine;

	KUNIT_ASSERT_NOT_NULL(test, c);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 online CPUs");
	mine = raw_smp_processor_id();
	set_cpus_allowed_ptr(current, cpumask_of(mine));
	c->cpu = mine == 0 ? 1 : 0;
	mtx_init(&c->m, "destroy contested", NULL, MTX_DEF);

	mtx_lock(&c->m);
	bt_start_n(test, w, 2, contested_waiter, c, 0, "contested");
	BT_WAIT_UNTIL(test, READ_ONCE(c->arrived) == 2);
	BT_WAIT_UNTIL(test, READ_ONCE(c->m.mtx_lock) & MTX_CONTESTED);
	msleep(100);	/* both queued, not spinning: this thread sleeps */
	bt_start(test, &hog, contested_hog, c, "contested_hog");
	BT_WAIT_UNTIL(test, smp_load_acquire(&c->hog_running));

	mtx_unlock(&c->m);	/* wakes one waiter, which cannot run yet; one stays queued */
	word = READ_ONCE(c->m.mtx_lock);
	r0 = bsdsync_report_count(BSDSYNC_RULE_DESTROY_HELD);
	t0 = bsdsync_report_total();
	mtx_destroy(&c->m);
	rule = bsdsync_report_count(BSDSYNC_RULE_DESTROY_HELD) - r0;
	total = bsdsync_report_total() - t0;
	smp_store_release(&c->stop_hog, 1);

	bt_join(&hog);
	bt_join_n(w, 2);	/* both got the mutex: it was not destroyed */
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	KUNIT_EXPECT_EQ(test, word, MTX_CONTESTED);
	KUNIT_EXPECT_EQ(test, rule, 1UL);
	KUNIT_EXPECT_EQ(test, total, 1UL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->m.mtx_lock), MTX_UNOWNED);
	mtx_destroy(&c->m);
}

static void misuse_mtx_pool_of_a_size_not_a_power_of_two_is_reported_and_rounded_up(struct kunit *test)
{
	struct mtx_pool *pool = NULL;
	int x;

	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 pool = mtx_pool_create("odd pool", 10, MTX_DEF));
	KUNIT_ASSERT_NOT_NULL(test, pool);
	mtx_pool_lock(pool, &x);
	KUNIT_EXPECT_TRUE(test, mtx_owned(mtx_pool_find(pool, &x)));
	mtx_pool_unlock(pool, &x);
	mtx_pool_destroy(&pool);
}

/*
 * A thread that spins for a spin mutex longer than the module parameter spin_warn_ms (set
 * to 200 ms here) reports the holder once per wait. The holder keeps the mutex on the other
 * CPU until its own bound (2 s) runs out, then lets go, and the waiter takes it. A round in
 * which the holder let go before the wait began (an emulator stall) is played again.
 */
static void misuse_spin_mutex_waited_for_too_long_is_reported_once(struct kunit *test)
{
	struct mtx m;
	struct spin_holder h;
	struct bt_thread t;
	unsigned long rule = 0, total = 0;
	unsigned int old;
	int mine, round;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 online CPUs");
	mine = raw_smp_processor_id();
	set_cpus_allowed_ptr(current, cpumask_of(mine));
	mtx_init(&m, "spin held too long", NULL, MTX_SPIN);
	old = bsdsync_test_spin_warn_ms(200);
	for (round = 0; round < 5; round++) {
		unsigned long r0 = bsdsync_report_count(BSDSYNC_RULE_SPIN_TOO_LONG);
		unsigned long t0 = bsdsync_report_total();

		h = (struct spin_holder){ .m = &m, .cpu = mine == 0 ? 1 : 0 };
		bt_start(test, &t, hold_spin_briefly, &h, "spin_holder");
		BT_WAIT_UNTIL(test, smp_load_acquire(&h.locked));
		mtx_lock_spin(&m);	/* until the holder's bound runs out */
		mtx_unlock_spin(&m);
		rule = bsdsync_report_count(BSDSYNC_RULE_SPIN_TOO_LONG) - r0;
		total = bsdsync_report_total() - t0;
		bt_join(&t);
		if (rule || total)
			break;
	}
	bsdsync_test_spin_warn_ms(old);
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(h.expired));
	KUNIT_EXPECT_EQ(test, rule, 1UL);
	KUNIT_EXPECT_EQ(test, total, 1UL);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
	mtx_destroy(&m);
}

static struct kunit_case mtx_cases[] = {
	KUNIT_CASE(mtx_lock_excludes_other_threads),
	KUNIT_CASE(mtx_lock_spin_excludes_other_threads),
	KUNIT_CASE(mtx_trylock_from_other_thread_in_every_holder_state),
	KUNIT_CASE(mtx_trylock_recurses_on_recursable_mutex_the_caller_owns),
	KUNIT_CASE(mtx_trylock_fails_on_nonrecursive_mutex_the_caller_owns),
	KUNIT_CASE(mtx_trylock_flags_mtx_recurse_recurses_once),
	KUNIT_CASE(mtx_recurse_counts_depth_and_releases_at_zero),
	KUNIT_CASE(mtx_lock_flags_mtx_recurse_permits_recursion_per_call),
	KUNIT_CASE(mtx_spin_recurses_with_mtx_recurse),
	KUNIT_CASE(mtx_assert_passes_when_true),
	KUNIT_CASE(mtx_assert_reports_when_false),
	KUNIT_CASE(mtx_assert_owned_fails_for_mutex_held_by_another_thread),
	KUNIT_CASE(mtx_spin_disables_interrupts_until_outermost_release),
	KUNIT_CASE(mtx_spin_mutexes_may_be_released_out_of_order),
	KUNIT_CASE(mtx_spin_keeps_interrupts_off_if_caller_had_them_off),
	KUNIT_CASE(mtx_trylock_spin_never_recurses),
	KUNIT_CASE(mtx_trylock_spin_fails_while_another_thread_holds_it),
	KUNIT_CASE(mtx_owner_name_and_initialized_report_state),
	KUNIT_CASE(mtx_is_32_bytes_like_freebsd),
	KUNIT_CASE(mtx_destroy_releases_a_mutex_owned_once_by_the_caller),
	KUNIT_CASE(mtx_new_allows_init_over_stale_memory),
	KUNIT_CASE(mtx_lock_blocks_until_owner_releases),
	KUNIT_CASE(mtx_trylock_succeeds_on_a_free_contested_mutex),
	KUNIT_CASE(mtx_unlock_then_free_by_other_thread_is_safe),
	KUNIT_CASE(giant_is_recursive_and_drop_pickup_restores_depth),
	KUNIT_CASE(mtx_pool_find_is_stable_per_address),
	KUNIT_CASE(mtx_pool_create_rounds_a_bad_size_up_with_one_report),
	KUNIT_CASE(mtx_pool_alloc_hands_out_every_mutex_round_robin),
	KUNIT_CASE(mtxpool_sleep_mutexes_work_with_mtx_sleep),
	KUNIT_CASE(mtx_sysinit_initialises_the_mutex_at_module_load),
	KUNIT_CASE(misuse_unlock_by_non_owner_is_reported_and_ignored),
	KUNIT_CASE(misuse_spin_unlock_by_non_owner_is_reported),
	KUNIT_CASE(misuse_recursion_on_non_recursive_mutex_is_reported_once),
	KUNIT_CASE(misuse_destroy_while_held_by_another_thread_is_reported),
	KUNIT_CASE(misuse_destroy_of_recursed_mutex_is_reported),
	KUNIT_CASE(misuse_use_after_destroy_is_reported),
	KUNIT_CASE(misuse_uninitialised_mutex_is_reported),
	KUNIT_CASE(misuse_double_init_is_reported_and_keeps_a_held_mutex),
	KUNIT_CASE(misuse_wrong_class_operations_are_reported),
	KUNIT_CASE(misuse_sleep_mutex_in_interrupt_context_is_reported),
	KUNIT_CASE(misuse_hard_interrupt_taking_its_owners_mutex_leaves_the_hold),
	KUNIT_CASE(misuse_soft_interrupt_taking_its_owners_mutex_leaves_the_hold),
	KUNIT_CASE(misuse_contended_mtx_lock_in_atomic_context_spins_and_reports_once),
	KUNIT_CASE(misuse_mtx_lock_of_a_mutex_destroyed_while_waiting_is_reported_not_taken),
	KUNIT_CASE(misuse_trylock_spin_with_mtx_recurse_is_reported_and_not_taken),
	KUNIT_CASE(misuse_spin_unlock_of_a_mutex_another_thread_holds_is_reported_and_ignored),
	KUNIT_CASE(misuse_spin_mutex_destroyed_while_a_thread_spins_for_it_is_reported),
	KUNIT_CASE(misuse_destroy_of_a_free_mutex_threads_wait_for_is_reported_and_refused),
	KUNIT_CASE(misuse_mtx_pool_of_a_size_not_a_power_of_two_is_reported_and_rounded_up),
	KUNIT_CASE(misuse_spin_mutex_waited_for_too_long_is_reported_once),
	{}
};

static struct kunit_suite mtx_suite = {
	.name = "freebsd_mtx",
	.test_cases = mtx_cases,
};
kunit_test_suites(&mtx_suite);
