// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/* bsdsync_kunit.ko: the KUnit suites of bsdsync, one file per primitive, and their
 * shared scaffolding. */
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/cpumask.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include "harness.h"

#include <sys/systm.h>

static int bt_main(void *p)
{
	struct bt_thread *t = p;

	t->fn(t->arg);
	complete(&t->done);
	return 0;
}

int bt_start(struct kunit *test, struct bt_thread *t, void (*fn)(void *), void *arg,
	     const char *name)
{
	t->fn = fn;
	t->arg = arg;
	init_completion(&t->done);
	t->task = kthread_create(bt_main, t, "%s", name);
	if (IS_ERR(t->task)) {
		KUNIT_FAIL(test, "kthread_create failed: %ld", PTR_ERR(t->task));
		t->task = NULL;
		return -1;
	}
	/* Held so the task struct outlives the thread: tests look at it after it returns. */
	get_task_struct(t->task);
	wake_up_process(t->task);
	return 0;
}

void bt_join(struct bt_thread *t)
{
	if (!t->task)
		return;
	wait_for_completion(&t->done);
	put_task_struct(t->task);
	t->task = NULL;
}

void bt_start_n(struct kunit *test, struct bt_thread *t, int n, void (*fn)(void *),
		void *args, size_t size, const char *name)
{
	for (int i = 0; i < n; i++)
		bt_start(test, &t[i], fn, (char *)args + i * size, name);
}

void bt_join_n(struct bt_thread *t, int n)
{
	for (int i = 0; i < n; i++)
		bt_join(&t[i]);
}

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

void bt_probe_begin(struct bt_probe *p, enum bsdsync_rule rule)
{
	p->rule = rule;
	p->rule_before = bsdsync_report_count(rule);
	p->total_before = bsdsync_report_total();
	p->nvcsw_before = current->nvcsw;
}

void bt_probe_end(struct bt_probe *p)
{
	p->nvcsw_after = current->nvcsw;
	p->rule_after = bsdsync_report_count(p->rule);
	p->total_after = bsdsync_report_total();
}

void bt_expect_one_report_no_sleep(struct kunit *test, const struct bt_probe *p,
				   const char *what)
{
	KUNIT_EXPECT_EQ_MSG(test, p->rule_after - p->rule_before, 1UL,
			    "expected one report of rule %d from %s", p->rule, what);
	KUNIT_EXPECT_EQ_MSG(test, p->total_after - p->total_before, 1UL,
			    "expected no other report from %s", what);
	KUNIT_EXPECT_EQ_MSG(test, p->nvcsw_after, p->nvcsw_before, "%s slept", what);
}

struct bt_irq {
	struct hrtimer timer;
	struct tasklet_struct tasklet;
	void (*fn)(void *arg);
	void *arg;
	struct task_struct *thread;	/* the thread the interrupt must come on top of */
	enum bsdsync_rule rule;
	unsigned long reports, total;
	bool on_thread, in_irq;
	int ran;
};

static void bt_irq_run(struct bt_irq *c)
{
	unsigned long before = bsdsync_report_count(c->rule);
	unsigned long total = bsdsync_report_total();

	c->on_thread = current == c->thread;
	c->in_irq = in_hardirq() || in_serving_softirq();
	c->fn(c->arg);
	c->reports = bsdsync_report_count(c->rule) - before;
	c->total = bsdsync_report_total() - total;
	smp_store_release(&c->ran, 1);
}

static enum hrtimer_restart bt_irq_hard(struct hrtimer *timer)
{
	bt_irq_run(container_of(timer, struct bt_irq, timer));
	return HRTIMER_NORESTART;
}

static void bt_irq_soft(struct tasklet_struct *t)
{
	bt_irq_run(container_of(t, struct bt_irq, tasklet));
}

void bt_in_interrupt_on_this_thread(struct kunit *test, bool soft, void (*fn)(void *arg),
				    void *arg, enum bsdsync_rule rule, struct bt_irq_result *r)
{
	struct bt_irq *c = kzalloc(sizeof(*c), GFP_KERNEL);
	unsigned long deadline = jiffies + 60 * HZ;

	r->reports = r->total = 0;
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->fn = fn;
	c->arg = arg;
	c->thread = current;
	c->rule = rule;
	hrtimer_init(&c->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	c->timer.function = bt_irq_hard;
	tasklet_setup(&c->tasklet, bt_irq_soft);
	/* Preemption off: the interrupt comes on top of this thread (ksoftirqd cannot run the
	 * tasklet here instead), and this thread stays on the CPU the timer is pinned to. */
	preempt_disable();
	if (soft)
		tasklet_schedule(&c->tasklet);
	else
		hrtimer_start(&c->timer, ns_to_ktime(100 * NSEC_PER_USEC),
			      HRTIMER_MODE_REL_PINNED_HARD);
	while (!smp_load_acquire(&c->ran) && time_before(jiffies, deadline))
		cpu_relax();
	preempt_enable();
	hrtimer_cancel(&c->timer);
	tasklet_kill(&c->tasklet);
	KUNIT_EXPECT_TRUE_MSG(test, smp_load_acquire(&c->ran), "the %s interrupt never ran",
			      soft ? "soft" : "hard");
	if (c->ran) {
		KUNIT_EXPECT_TRUE_MSG(test, c->on_thread && c->in_irq,
				      "the interrupt did not come on top of the thread");
		r->reports = c->reports;
		r->total = c->total;
	}
	kfree(c);
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

MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("bsdsync KUnit suites");
