// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/* bsdsync_kunit.ko: the KUnit suites of bsdsync (kunit/core: the core's own machinery;
 * kunit/freebsd: one file per FreeBSD primitive) and their shared scaffolding. */
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/cpumask.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include "harness.h"

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

int bt_lockdep_holds(const char *name, int *read, int *trylock, int *irqs_off)
{
	int n = 0;
#ifdef CONFIG_LOCKDEP
	struct task_struct *t = current;
	int i;

	for (i = 0; i < t->lockdep_depth; i++) {
		const struct held_lock *h = &t->held_locks[i];

		if (!h->instance || !h->instance->name || strcmp(h->instance->name, name))
			continue;
		n++;
		if (read)
			*read = h->read;
		if (trylock)
			*trylock = h->trylock;
		if (irqs_off)
			*irqs_off = h->hardirqs_off;
	}
#endif
	return n;
}

MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("bsdsync KUnit suites");

/* ---- lock events of one thread ----------------------------------------------------------- */

struct bt_events bt_events;

static void bt_events_fn(const struct bsdsync_lock_event *e)
{
	if (current != READ_ONCE(bt_events.watched))
		return;
	if (bt_events.n < BT_EVENTS_MAX)
		bt_events.ev[bt_events.n] = *e;
	bt_events.n++;
}

static const struct bsdsync_lock_event_sink bt_events_sink = { "kunit-events", bt_events_fn };

void bt_events_start(struct kunit *test)
{
	memset(&bt_events, 0, sizeof(bt_events));
	WRITE_ONCE(bt_events.watched, current);
	KUNIT_ASSERT_EQ(test, bsdsync_lock_events_attach(&bt_events_sink), 0);
}

void bt_events_stop(void)
{
	bsdsync_lock_events_detach(&bt_events_sink);
	WRITE_ONCE(bt_events.watched, NULL);
}

static int lock_prof_was;

int bt_lock_prof_case_init(struct kunit *test)
{
	lock_prof_was = bsdsync_test_lock_prof(1);
	bsdsync_test_lock_prof_reset();
	return 0;
}

void bt_lock_prof_case_exit(struct kunit *test)
{
	bsdsync_test_lock_prof(lock_prof_was);
}

/* A: busy until B's count moves (returned), B gave up, or about 2 s passed (0). */
static unsigned long hold_until_spun(struct bt_spin_script *s)
{
	u64 end = ktime_get_ns() + 2 * NSEC_PER_SEC;

	for (;;) {
		const unsigned long *ctr = READ_ONCE(s->counter);
		unsigned long n = ctr ? READ_ONCE(*ctr) : 0;

		if (n > 0)
			return n;
		if ((s->gave_up && s->gave_up(s->l)) || ktime_get_ns() > end)
			return 0;
		cpu_relax();
	}
}

static void spin_script_contender(void *arg)
{
	struct bt_spin_script *s = arg;

	WRITE_ONCE(s->counter, bsdsync_test_lock_prof_spin_counter());
	while (!READ_ONCE(s->go))
		usleep_range(100, 200);
	s->lock(s->l);
	s->unlock(s->l);
	s->lock(s->after);
	s->unlock(s->after);
}

#define BT_SPIN_ROUNDS 20

void bt_expect_spins_counted(struct kunit *test, struct bt_spin_script *s)
{
	struct bsdsync_test_lock_prof_numbers p = {};
	struct bt_thread b;
	unsigned long seen = 0;
	int round;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs: a spinner and a running holder");
	for (round = 0; round < BT_SPIN_ROUNDS && seen == 0; round++) {
		WRITE_ONCE(s->counter, NULL);
		WRITE_ONCE(s->go, 0);
		/* Started before the lock is held: starting a thread may sleep. */
		bt_start(test, &b, spin_script_contender, s, "bt-spinner");
		s->lock(s->l);
		WRITE_ONCE(s->go, 1);
		seen = hold_until_spun(s);
		s->unlock(s->l);
		bt_join(&b);
	}
	KUNIT_ASSERT_GT_MSG(test, seen, 0UL, "B's spin count never moved in %d rounds", round);
	KUNIT_ASSERT_EQ(test, bsdsync_test_lock_prof_class(s->type, s->name, &p), 1);
	kunit_info(test, "%s: B seen spinning %lu times before the release (round %d); class: %llu spins, %llu contended",
		   s->name, seen, round, p.spins, p.contended);
	KUNIT_EXPECT_GE(test, p.spins, (u64)seen);
	KUNIT_EXPECT_GE(test, p.contended, 1ULL);
	KUNIT_ASSERT_EQ(test, bsdsync_test_lock_prof_class(s->type, s->after_name, &p), 1);
	KUNIT_EXPECT_EQ(test, p.acquisitions, (u64)round);
	KUNIT_EXPECT_EQ(test, p.spins, 0ULL);
}
