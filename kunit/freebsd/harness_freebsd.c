// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/* The FreeBSD part of the KUnit harness (harness_freebsd.h). */
#include <linux/cpumask.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include "harness_freebsd.h"

#include <sys/systm.h>

u64 bt_ticks_ns(int timo)
{
	return sbttons(tick_sbt * timo);
}

bool bt_lock_when(struct mtx *m, const int *count, int n)
{
	mtx_lock(m);
	if (READ_ONCE(*count) >= n)
		return true;
	mtx_unlock(m);
	return false;
}

void bt_hold_when_queued(struct kunit *test, struct mtx *m, const int *count, int n)
{
	BT_WAIT_UNTIL(test, bt_lock_when(m, count, n));
	if (!mtx_owned(m))
		mtx_lock(m);
}

struct bt_atomic_run {
	const struct bt_atomic_lock *l;
	enum bt_atomic_mode mode;
	int owner_cpu, locker_cpu;
	struct mtx spin;
	struct completion owner_locked, owner_release;
	int owner_released;	/* set by the owner right before its unlock */
	int locker_in;		/* set by the locker inside its section, before the acquire */
	struct bt_probe probe;
	int taken, saw_release;
	int cpu_before, cpu_after;
	unsigned int preempt_after;
	bool irqs_off_after;
	unsigned long reports_after;
};

static void bt_atomic_owner(void *arg)
{
	struct bt_atomic_run *r = arg;

	set_cpus_allowed_ptr(current, cpumask_of(r->owner_cpu));
	r->l->owner_lock(r->l->ctx);
	complete(&r->owner_locked);
	wait_for_completion(&r->owner_release);
	/* Ordered before the release in the unlock, which the locker's acquire pairs with. */
	WRITE_ONCE(r->owner_released, 1);
	r->l->owner_unlock(r->l->ctx);
}

static void bt_atomic_locker(void *arg)
{
	struct bt_atomic_run *r = arg;
	unsigned long total;

	set_cpus_allowed_ptr(current, cpumask_of(r->locker_cpu));
	if (r->mode == BT_ATOMIC_SPIN_MUTEX)
		mtx_lock_spin(&r->spin);
	else
		critical_enter();
	r->cpu_before = raw_smp_processor_id();
	bt_probe_begin(&r->probe, BSDSYNC_RULE_SLEEP_ATOMIC);
	WRITE_ONCE(r->locker_in, 1);
	r->taken = r->l->acquire(r->l->ctx);
	r->saw_release = READ_ONCE(r->owner_released);
	bt_probe_end(&r->probe);
	r->cpu_after = raw_smp_processor_id();
	if (r->taken)
		r->l->release(r->l->ctx);
	if (r->mode == BT_ATOMIC_SPIN_MUTEX)
		mtx_unlock_spin(&r->spin);
	else
		critical_exit();
	r->preempt_after = preempt_count();
	r->irqs_off_after = irqs_disabled();
	/* Balanced: the thread may sleep again, without a report of ours or the kernel's. */
	total = bsdsync_report_total();
	usleep_range(1000, 2000);
	r->reports_after = bsdsync_report_total() - total;
}

void bt_contended_in_atomic(struct kunit *test, const struct bt_atomic_lock *l,
			    enum bt_atomic_mode mode)
{
	struct bt_atomic_run *r;
	struct bt_thread owner, locker;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs (the locker spins while the owner runs)");
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->l = l;
	r->mode = mode;
	r->owner_cpu = cpumask_first(cpu_online_mask);
	r->locker_cpu = cpumask_next(r->owner_cpu, cpu_online_mask);
	mtx_init(&r->spin, "bt atomic section", NULL, MTX_SPIN);
	/* This thread stays off the locker's CPU too: it lets the owner go, and its own timer
	 * and wakeup would wait there behind the locker's section. */
	set_cpus_allowed_ptr(current, cpumask_of(r->owner_cpu));
	init_completion(&r->owner_locked);
	init_completion(&r->owner_release);

	bt_start(test, &owner, bt_atomic_owner, r, "bt_atomic_owner");
	wait_for_completion(&r->owner_locked);
	bt_start(test, &locker, bt_atomic_locker, r, "bt_atomic_locker");
	BT_WAIT_UNTIL(test, READ_ONCE(r->locker_in));
	/* Let the locker reach its slow path (where it would block) while the owner sleeps:
	 * no timing is asserted, a short wait only makes the interesting order likely. */
	usleep_range(20000, 30000);
	complete(&r->owner_release);
	bt_join(&owner);
	bt_join(&locker);
	set_cpus_allowed_ptr(current, cpu_possible_mask);

	bt_expect_one_report_no_sleep(test, &r->probe, l->what);
	KUNIT_EXPECT_EQ_MSG(test, r->taken, l->expect_taken ? 1 : 0, "%s: taken", l->what);
	if (l->expect_taken)
		KUNIT_EXPECT_TRUE_MSG(test, r->saw_release, "%s: taken before the owner released",
				      l->what);
	KUNIT_EXPECT_EQ_MSG(test, r->cpu_after, r->cpu_before, "%s: moved CPU in its section",
			    l->what);
	KUNIT_EXPECT_EQ_MSG(test, r->preempt_after, 0U, "%s: preempt count after", l->what);
	KUNIT_EXPECT_FALSE_MSG(test, r->irqs_off_after, "%s: interrupts off after", l->what);
	KUNIT_EXPECT_EQ_MSG(test, r->reports_after, 0UL, "%s: reports when sleeping after",
			    l->what);
	mtx_destroy(&r->spin);
}
