// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * DragonFly crit_enter(9) as a ported driver uses it (bsd-api-reference.md section 21):
 * sections nest per thread; inside, the thread is not preempted (Linux: preemption off, so
 * neither another thread nor a migration comes in); interrupts stay enabled on Linux (what
 * differs from DragonFly: module/dragonfly/critical.cpp); the _id forms check their pairing;
 * a tsleep inside gives the section up for the sleep and takes it back.
 *
 * Nothing is asserted inside a section (KUnit may allocate on failure): values are
 * recorded there and checked after the outermost crit_exit().
 */
#include <linux/delay.h>
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/sched.h>

#include "harness.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/thread2.h>

static void crit_enter_disables_preemption_and_nests(struct kunit *test)
{
	int base = preempt_count(), outer, inner, after_inner, after_outer;
	int depth_outer, depth_inner, depth_after;
	bool preemptible_inner, irqs_off_inner, in_crit_inner;

	crit_enter();
	outer = preempt_count();
	depth_outer = dfly_crit_count();
	crit_enter();
	inner = preempt_count();
	depth_inner = dfly_crit_count();
	preemptible_inner = preemptible();
	irqs_off_inner = irqs_disabled();
	in_crit_inner = IN_CRITICAL_SECT(current);
	crit_exit();
	after_inner = preempt_count();
	crit_exit();
	after_outer = preempt_count();
	depth_after = dfly_crit_count();

	KUNIT_EXPECT_EQ(test, outer, base + 1);
	KUNIT_EXPECT_EQ(test, inner, base + 2);
	KUNIT_EXPECT_EQ(test, after_inner, base + 1);
	KUNIT_EXPECT_EQ(test, after_outer, base);
	KUNIT_EXPECT_EQ(test, depth_outer, 1);
	KUNIT_EXPECT_EQ(test, depth_inner, 2);
	KUNIT_EXPECT_EQ(test, depth_after, 0);
	KUNIT_EXPECT_FALSE(test, preemptible_inner);
	KUNIT_EXPECT_FALSE(test, irqs_off_inner);	/* interrupts stay on (Linux) */
	KUNIT_EXPECT_TRUE(test, in_crit_inner);
	KUNIT_EXPECT_TRUE(test, preemptible());
}

static void crit_exit_id_with_its_enter_id_is_quiet(struct kunit *test)
{
	static const char id_a[] = "a", id_b[] = "b";
	int base = preempt_count();

	BT_EXPECT_NO_REPORT(test, {
		crit_enter_id(id_a);
		crit_enter_id(id_b);
		crit_exit_id(id_b);
		crit_exit_id(id_a);
	});
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
}

/* DEBUG_CRIT_SECTIONS: an exit naming another section than the innermost is reported once;
 * the section is left anyway (the count stays balanced). */
static void crit_exit_id_with_another_id_is_reported(struct kunit *test)
{
	static const char id_a[] = "a", id_b[] = "b";
	int base = preempt_count();

	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, {
		crit_enter_id(id_a);
		crit_exit_id(id_b);
	});
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	KUNIT_EXPECT_EQ(test, dfly_crit_count(), 0);
}

/* DragonFly's crit_exit asserts td_critcount >= 0; here an exit without a section is
 * reported once and leaves nothing: the preemption count and the depth stay where they
 * were (at zero), and a section entered afterwards works. */
static void misuse_crit_exit_without_crit_enter_is_reported_and_changes_nothing(
	struct kunit *test)
{
	int base = preempt_count();

	KUNIT_EXPECT_EQ(test, dfly_crit_count(), 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, crit_exit());
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	KUNIT_EXPECT_EQ(test, dfly_crit_count(), 0);
	BT_EXPECT_NO_REPORT(test, {
		crit_enter();
		KUNIT_EXPECT_EQ(test, dfly_crit_count(), 1);
		crit_exit();
	});
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	KUNIT_EXPECT_EQ(test, dfly_crit_count(), 0);
}

/* Wakes the sleeper of `chan` each time it finds it asleep, until the sleeper is back. */
struct crit_waker {
	int chan;
	struct task_struct *sleeper;
	int back;
};

static void crit_waker_main(void *arg)
{
	struct crit_waker *w = arg;

	while (!READ_ONCE(w->back)) {
		if (READ_ONCE(w->sleeper->__state) != TASK_RUNNING)
			wakeup(&w->chan);
		msleep(1);
	}
}

/* DragonFly gives a critical section up while its thread sleeps and takes it back: a
 * tsleep inside sleeps (until another thread wakes it) without a report, and the thread
 * is in its section again afterwards. (A one-tick timeout instead of the waker made the
 * case depend on the emulator: the tick could pass before the thread got to block.) */
static void tsleep_inside_crit_section_gives_it_up_and_takes_it_back(struct kunit *test)
{
	int error, base = preempt_count(), inside_after, depth_after;
	unsigned long nvcsw = current->nvcsw;
	struct crit_waker w = { .sleeper = current };
	struct bt_thread t;

	bt_start(test, &t, crit_waker_main, &w, "dfly-critwake");
	BT_EXPECT_NO_REPORT(test, {
		crit_enter();
		error = tsleep(&w.chan, 0, "crit", 0);
		inside_after = preempt_count();
		depth_after = dfly_crit_count();
		crit_exit();
	});
	WRITE_ONCE(w.back, 1);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, error, 0);
	KUNIT_EXPECT_EQ(test, inside_after, base + 1);
	KUNIT_EXPECT_EQ(test, depth_after, 1);
	KUNIT_EXPECT_GT(test, current->nvcsw, nvcsw);	/* it did sleep */
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
}

static struct kunit_case crit_cases[] = {
	KUNIT_CASE(crit_enter_disables_preemption_and_nests),
	KUNIT_CASE(crit_exit_id_with_its_enter_id_is_quiet),
	KUNIT_CASE(crit_exit_id_with_another_id_is_reported),
	KUNIT_CASE(misuse_crit_exit_without_crit_enter_is_reported_and_changes_nothing),
	KUNIT_CASE(tsleep_inside_crit_section_gives_it_up_and_takes_it_back),
	{}
};

static struct kunit_suite crit_suite = {
	.name = "dragonfly_crit",
	.test_cases = crit_cases,
};

kunit_test_suites(&crit_suite);
