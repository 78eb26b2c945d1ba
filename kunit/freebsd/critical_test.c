// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * critical_enter(9)/critical_exit(9) as a ported FreeBSD driver uses them
 * (bsd-api-reference.md sections 12 and 16): inside, the thread is neither preempted nor
 * migrated; a preemption that falls due is taken at the outermost critical_exit();
 * interrupts stay enabled; sections nest. Sleeping inside is reported and refused.
 *
 * Nothing is asserted inside a critical section (KUnit may allocate on failure): values
 * are recorded there and checked after the outermost critical_exit().
 */
#include <linux/cpumask.h>
#include <linux/hrtimer.h>
#include <linux/irqflags.h>
#include <linux/ktime.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include "harness_freebsd.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/condvar.h>
#include <sys/sema.h>
#include <sys/proc.h>

/* ---- the section ---------------------------------------------------------------------- */

static void critical_enter_disables_preemption_and_nests(struct kunit *test)
{
	int base, outer, inner, after_inner, after_outer;
	bool preemptible_outer, preemptible_inner, preemptible_after_inner, preemptible_after;

	base = preempt_count();
	critical_enter();
	outer = preempt_count();
	preemptible_outer = preemptible();
	critical_enter();
	inner = preempt_count();
	preemptible_inner = preemptible();
	critical_exit();
	after_inner = preempt_count();
	preemptible_after_inner = preemptible();
	critical_exit();
	after_outer = preempt_count();
	preemptible_after = preemptible();

	KUNIT_EXPECT_EQ(test, outer, base + 1);
	KUNIT_EXPECT_EQ(test, inner, base + 2);
	KUNIT_EXPECT_EQ(test, after_inner, base + 1);
	KUNIT_EXPECT_EQ(test, after_outer, base);
	KUNIT_EXPECT_FALSE(test, preemptible_outer);
	KUNIT_EXPECT_FALSE(test, preemptible_inner);
	KUNIT_EXPECT_FALSE(test, preemptible_after_inner);
	KUNIT_EXPECT_TRUE(test, preemptible_after);
}

/*
 * Another thread moves the test thread to another CPU (set_cpus_allowed_ptr(): for a running
 * task the move is made by the stopper thread of its CPU, the highest-priority thread there,
 * which preempts it at once) while the test thread is inside a critical section. The move
 * must wait for critical_exit(). Inside, the thread waits until the request is pending on its
 * CPU (installed on the task, and the CPU told to reschedule), then passes a preemption
 * point (preempt_disable(); preempt_enable(): where a preemptible thread switches to the
 * stopper and is moved): it must still be on its first CPU, and the mover still waiting.
 * After the exit the move happens (which shows the request was real). Against a
 * critical_enter() that does not disable preemption, the thread is moved inside (at the
 * interrupt that delivers the reschedule, or at the preemption point at the latest).
 */
struct crit_move {
	struct task_struct *target;
	int to_cpu;
	int ready;
	int go;
	int done;
	int error;
};

static void crit_move_main(void *arg)
{
	struct crit_move *m = arg;

	/* Off the target's CPU: it does not schedule until the move is over. */
	set_cpus_allowed_ptr(current, cpumask_of(m->to_cpu));
	WRITE_ONCE(m->ready, 1);
	while (!READ_ONCE(m->go))
		cpu_relax();
	/* Returns once the target has been moved. */
	m->error = set_cpus_allowed_ptr(m->target, cpumask_of(m->to_cpu));
	WRITE_ONCE(m->done, 1);
}

static void critical_section_stays_on_one_cpu(struct kunit *test)
{
	struct crit_move *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	struct bt_thread t;
	int home, cpu_first, cpu_last, cpu_after, done_inside;
	bool pending_seen;
	u64 give_up;

	KUNIT_ASSERT_NOT_NULL(test, m);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	home = raw_smp_processor_id();
	set_cpus_allowed_ptr(current, cpumask_of(home));
	m->target = current;
	m->to_cpu = cpumask_any_but(cpu_online_mask, home);
	if (bt_start(test, &t, crit_move_main, m, "bsd-crit-move"))
		goto out;
	BT_WAIT_UNTIL(test, READ_ONCE(m->ready));

	critical_enter();
	/* smp_processor_id() also checks (DEBUG_PREEMPT) that we cannot migrate. */
	cpu_first = smp_processor_id();
	WRITE_ONCE(m->go, 1);
	/* A liveness bound only: the request reaches this CPU long before. */
	give_up = ktime_get_ns() + 10ULL * NSEC_PER_SEC;
	while (!(READ_ONCE(current->migration_pending) && need_resched()) &&
	       raw_smp_processor_id() == cpu_first && !READ_ONCE(m->done) &&
	       ktime_get_ns() < give_up)
		cpu_relax();
	pending_seen = READ_ONCE(current->migration_pending) && need_resched();
	preempt_disable();
	preempt_enable();
	cpu_last = raw_smp_processor_id();
	done_inside = READ_ONCE(m->done);
	critical_exit();

	BT_WAIT_UNTIL(test, READ_ONCE(m->done));
	cpu_after = raw_smp_processor_id();
	bt_join(&t);
	KUNIT_EXPECT_TRUE_MSG(test, pending_seen, "the move was never pending on this CPU");
	KUNIT_EXPECT_EQ_MSG(test, cpu_last, cpu_first, "moved inside the critical section");
	KUNIT_EXPECT_EQ_MSG(test, done_inside, 0, "the move completed inside the critical section");
	KUNIT_EXPECT_EQ(test, m->error, 0);
	KUNIT_EXPECT_EQ_MSG(test, cpu_after, m->to_cpu, "not moved after critical_exit()");
out:
	set_cpus_allowed_ptr(current, cpu_possible_mask);
}

/* An hrtimer pinned to this CPU fires (hard interrupt) while the section spins. */
struct crit_timer {
	struct hrtimer timer;
	int fired;
	int cpu;
};

static enum hrtimer_restart crit_timer_fire(struct hrtimer *timer)
{
	struct crit_timer *c = container_of(timer, struct crit_timer, timer);

	c->cpu = smp_processor_id();
	WRITE_ONCE(c->fired, 1);
	return HRTIMER_NORESTART;
}

static void critical_enter_keeps_interrupts_enabled(struct kunit *test)
{
	struct crit_timer *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	int cpu, fired_inside, irqs_off_inside;
	u64 give_up;

	KUNIT_ASSERT_NOT_NULL(test, c);
	hrtimer_init(&c->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	c->timer.function = crit_timer_fire;
	c->cpu = -1;

	critical_enter();
	cpu = smp_processor_id();
	irqs_off_inside = irqs_disabled();
	hrtimer_start(&c->timer, ms_to_ktime(1), HRTIMER_MODE_REL_PINNED_HARD);
	/* A liveness bound only: with interrupts on, the timer fires long before. */
	give_up = ktime_get_ns() + 10ULL * NSEC_PER_SEC;
	while (!READ_ONCE(c->fired) && ktime_get_ns() < give_up)
		cpu_relax();
	fired_inside = READ_ONCE(c->fired);
	critical_exit();

	hrtimer_cancel(&c->timer);
	KUNIT_EXPECT_FALSE(test, irqs_off_inside);
	KUNIT_EXPECT_TRUE_MSG(test, fired_inside, "no interrupt inside the critical section");
	KUNIT_EXPECT_EQ(test, c->cpu, cpu);
}

/*
 * A SCHED_FIFO thread bound to this CPU is woken inside a nested critical section. As a
 * real-time task it preempts the (normal) test thread as soon as it may: not inside, not at
 * the inner critical_exit(), but exactly at the outermost one, before critical_exit()
 * returns.
 */
struct defer {
	int cpu;
	int ready;
	int go;
	int ran;
};

static void defer_fifo_main(void *arg)
{
	struct defer *d = arg;

	sched_set_fifo(current);
	set_cpus_allowed_ptr(current, cpumask_of(d->cpu));
	WRITE_ONCE(d->ready, 1);
	/* While this real-time thread runs, the test thread (same CPU) cannot: it only sees
	 * `ready` once we are blocked below. */
	for (;;) {
		set_current_state(TASK_IDLE);
		if (READ_ONCE(d->go))
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	WRITE_ONCE(d->ran, 1);
}

static void critical_exit_runs_deferred_preemption_at_outermost_exit(struct kunit *test)
{
	struct defer *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	struct bt_thread t;
	int ran_inside, ran_after_inner, ran_after_outer, cpu_inside;

	KUNIT_ASSERT_NOT_NULL(test, d);
	d->cpu = raw_smp_processor_id();
	set_cpus_allowed_ptr(current, cpumask_of(d->cpu));
	bt_start(test, &t, defer_fifo_main, d, "bsd-crit-fifo");
	BT_WAIT_UNTIL(test, READ_ONCE(d->ready));

	critical_enter();
	critical_enter();
	cpu_inside = smp_processor_id();
	WRITE_ONCE(d->go, 1);
	wake_up_process(t.task);
	for (int i = 0; i < 100000; i++)
		cpu_relax();
	ran_inside = READ_ONCE(d->ran);
	critical_exit();
	ran_after_inner = READ_ONCE(d->ran);
	critical_exit();
	ran_after_outer = READ_ONCE(d->ran);

	set_cpus_allowed_ptr(current, cpu_possible_mask);
	BT_WAIT_UNTIL(test, READ_ONCE(d->ran));
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, cpu_inside, d->cpu);
	KUNIT_EXPECT_EQ_MSG(test, ran_inside, 0, "preempted inside the critical section");
	KUNIT_EXPECT_EQ_MSG(test, ran_after_inner, 0, "preempted at the inner critical_exit");
	KUNIT_EXPECT_EQ_MSG(test, ran_after_outer, 1,
			    "the deferred preemption did not happen at the outermost critical_exit");
}

static void critical_section_nests_with_spin_mutex(struct kunit *test)
{
	struct mtx s;
	int base = preempt_count();
	int in_spin, in_both, in_crit_spin;
	bool irqs_in_crit_after_spin;

	mtx_init(&s, "crit_spin", NULL, MTX_SPIN);

	/* A spin mutex already is a critical section; a critical section inside it nests. */
	mtx_lock_spin(&s);
	in_spin = preempt_count();
	critical_enter();
	in_both = preempt_count();
	critical_exit();
	mtx_unlock_spin(&s);
	KUNIT_EXPECT_GT(test, in_spin, base);
	KUNIT_EXPECT_EQ(test, in_both, in_spin + 1);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());

	/* And the other way round: a spin mutex inside a critical section; interrupts come
	 * back on at the unlock, preemption only at critical_exit. */
	critical_enter();
	mtx_lock_spin(&s);
	mtx_unlock_spin(&s);
	in_crit_spin = preempt_count();
	irqs_in_crit_after_spin = irqs_disabled();
	critical_exit();
	KUNIT_EXPECT_EQ(test, in_crit_spin, base + 1);
	KUNIT_EXPECT_FALSE(test, irqs_in_crit_after_spin);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	mtx_destroy(&s);
}

static struct kunit_case critical_cases[] = {
	KUNIT_CASE(critical_enter_disables_preemption_and_nests),
	KUNIT_CASE(critical_section_stays_on_one_cpu),
	KUNIT_CASE(critical_enter_keeps_interrupts_enabled),
	KUNIT_CASE(critical_exit_runs_deferred_preemption_at_outermost_exit),
	KUNIT_CASE(critical_section_nests_with_spin_mutex),
	{}
};

static struct kunit_suite critical_suite = {
	.name = "freebsd_critical",
	.test_cases = critical_cases,
};

/* ==== misuse: sleeping inside a critical section ============================================= */

/* The shared report probe, plus the preemption count around the misuse. */
struct crit_probe {
	struct bt_probe base;
	int count_before, count_after;
};

static void crit_probe_begin(struct crit_probe *p)
{
	p->count_before = preempt_count();
	bt_probe_begin(&p->base, BSDSYNC_RULE_SLEEP_ATOMIC);
}

static void crit_probe_end(struct crit_probe *p)
{
	bt_probe_end(&p->base);
	p->count_after = preempt_count();
}

/* One SLEEP_ATOMIC report, no other, no sleep, the section intact, and preemption back on
 * after critical_exit(). */
static void crit_expect_refused(struct kunit *test, const struct crit_probe *p, int base,
				const char *what)
{
	bt_expect_one_report_no_sleep(test, &p->base, what);
	KUNIT_EXPECT_EQ_MSG(test, p->count_after, p->count_before,
			    "%s changed the preemption count", what);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	KUNIT_EXPECT_TRUE(test, preemptible());
}

static void tsleep_in_critical_section_reported_sleep_atomic(struct kunit *test)
{
	struct crit_probe p;
	int base = preempt_count(), chan, error;

	critical_enter();
	crit_probe_begin(&p);
	error = tsleep(&chan, 0, "critical", 1);
	crit_probe_end(&p);
	critical_exit();
	crit_expect_refused(test, &p, base, "tsleep");
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	/* Outside, the same sleep is fine. */
	BT_EXPECT_NO_REPORT(test, error = tsleep(&chan, 0, "critical", 1));
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
}

static void pause_in_critical_section_reported_sleep_atomic(struct kunit *test)
{
	struct crit_probe p;
	int base = preempt_count(), error;

	critical_enter();
	crit_probe_begin(&p);
	error = pause("critical", 1);
	crit_probe_end(&p);
	critical_exit();
	crit_expect_refused(test, &p, base, "pause");
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
}

static void msleep_in_critical_section_reported_sleep_atomic(struct kunit *test)
{
	struct crit_probe p;
	struct mtx m;
	int base = preempt_count(), chan, error, owned;

	mtx_init(&m, "crit_interlock", NULL, MTX_DEF);
	mtx_lock(&m);
	critical_enter();
	crit_probe_begin(&p);
	error = msleep(&chan, &m, 0, "critical", 1);
	crit_probe_end(&p);
	owned = mtx_owned(&m);
	critical_exit();
	crit_expect_refused(test, &p, base, "msleep");
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, owned);
	KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
	mtx_unlock(&m);
	mtx_destroy(&m);
}

static void cv_timedwait_in_critical_section_reported_sleep_atomic(struct kunit *test)
{
	struct crit_probe p;
	struct mtx m;
	struct cv cv;
	int base = preempt_count(), error, owned, waiters;

	mtx_init(&m, "crit_cv_lock", NULL, MTX_DEF);
	cv_init(&cv, "crit_cv");
	mtx_lock(&m);
	critical_enter();
	crit_probe_begin(&p);
	error = cv_timedwait(&cv, &m, 1);
	crit_probe_end(&p);
	owned = mtx_owned(&m);
	waiters = cv.cv_waiters;
	critical_exit();
	crit_expect_refused(test, &p, base, "cv_timedwait");
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, owned);
	KUNIT_EXPECT_EQ(test, waiters, 0);
	mtx_unlock(&m);
	cv_destroy(&cv);
	mtx_destroy(&m);
}

static void sema_timedwait_in_critical_section_reported_sleep_atomic(struct kunit *test)
{
	struct crit_probe p;
	struct sema s;
	int base = preempt_count(), error;

	sema_init(&s, 0, "crit_sema");
	critical_enter();
	crit_probe_begin(&p);
	error = sema_timedwait(&s, 1);
	crit_probe_end(&p);
	critical_exit();
	crit_expect_refused(test, &p, base, "sema_timedwait");
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_EQ(test, sema_value(&s), 0);
	KUNIT_EXPECT_EQ(test, s.sema_waiters, 0);
	sema_destroy(&s);
}

static void msleep_spin_in_critical_section_reported_sleep_atomic(struct kunit *test)
{
	struct crit_probe p;
	struct mtx s;
	int base = preempt_count(), chan, error, owned;

	/* msleep_spin is judged by the context it would sleep in once its spin mutex is
	 * released: here still a critical section. (Not refusing it would block with
	 * preemption off: "scheduling while atomic".) */

	mtx_init(&s, "crit_spin_interlock", NULL, MTX_SPIN);
	critical_enter();
	mtx_lock_spin(&s);
	crit_probe_begin(&p);
	error = msleep_spin(&chan, &s, "critical", 1);
	crit_probe_end(&p);
	owned = mtx_owned(&s);
	mtx_unlock_spin(&s);
	critical_exit();
	crit_expect_refused(test, &p, base, "msleep_spin");
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, owned);
	mtx_destroy(&s);
}

static struct kunit_case critical_misuse_cases[] = {
	KUNIT_CASE(tsleep_in_critical_section_reported_sleep_atomic),
	KUNIT_CASE(pause_in_critical_section_reported_sleep_atomic),
	KUNIT_CASE(msleep_in_critical_section_reported_sleep_atomic),
	KUNIT_CASE(cv_timedwait_in_critical_section_reported_sleep_atomic),
	KUNIT_CASE(sema_timedwait_in_critical_section_reported_sleep_atomic),
	KUNIT_CASE(msleep_spin_in_critical_section_reported_sleep_atomic),
	{}
};

static struct kunit_suite critical_misuse_suite = {
	.name = "freebsd_critical_misuse",
	.test_cases = critical_misuse_cases,
};

kunit_test_suites(&critical_suite, &critical_misuse_suite);
