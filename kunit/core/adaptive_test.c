// SPDX-License-Identifier: BSD-2-Clause
/*
 * The core's adaptive spin and its spinner gates (module/core/adaptive.h), driven directly on
 * a plain word holding an "owner" (a kthread's task pointer), with no lock around it: one
 * spinner per lock polls the word, the others poll the gate; a spinner stops when the owner
 * is not running; a gate held for another lock is not waited on.
 */
#include <linux/delay.h>
#include <linux/slab.h>
#include "harness.h"

/* ---- an owner that runs, and a spinner ------------------------------------------------- */

struct busy_owner {
	struct bt_thread t;
	int stop;
};

static void busy_owner_fn(void *arg)
{
	struct busy_owner *o = arg;

	while (!READ_ONCE(o->stop))
		cpu_relax();
}

struct spinner {
	unsigned long *word;
	unsigned long owner;
	int started;
	int changed;	/* adaptive_spin said "the word changed" */
	int stop;
};

/* Spins until told the word changed; a "block" answer (the owner was off its CPU, or this
 * thread had to reschedule) just asks again, as if the lock's caller looked once more. */
static void spinner_fn(void *arg)
{
	struct spinner *s = arg;

	WRITE_ONCE(s->started, 1);
	while (!READ_ONCE(s->stop)) {
		if (bsdsync_test_adaptive_spin(s->word, s->owner, ~0UL)) {
			WRITE_ONCE(s->changed, 1);
			break;
		}
		cond_resched();
	}
}

static unsigned long start_busy_owner(struct kunit *test, struct busy_owner *o)
{
	o->stop = 0;
	bt_start(test, &o->t, busy_owner_fn, o, "core-owner");
	return (unsigned long)o->t.task;
}

static void stop_busy_owner(struct busy_owner *o)
{
	WRITE_ONCE(o->stop, 1);
	bt_join(&o->t);
}

/* ---- cases -------------------------------------------------------------------------------- */

static void the_spinner_sees_the_release_of_a_running_owner(struct kunit *test)
{
	static unsigned long word;
	struct busy_owner o;
	struct spinner s = { .word = &word };
	struct bt_thread t;

	s.owner = start_busy_owner(test, &o);
	WRITE_ONCE(word, s.owner);
	bt_start(test, &t, spinner_fn, &s, "core-spinner");
	BT_WAIT_UNTIL(test, READ_ONCE(s.started));
	WRITE_ONCE(word, 0);			/* the owner's release */
	BT_WAIT_UNTIL(test, READ_ONCE(s.changed));
	bt_join(&t);
	stop_busy_owner(&o);
	KUNIT_EXPECT_PTR_EQ(test, (void *)bsdsync_test_spin_gate_head(&word), NULL);
}

/* The point of the gate: while a head polls the word, the threads behind it poll the gate.
 * This case holds the gate itself, as a head that never looks: the release (the word changes)
 * is not seen by the waiter until the gate is left. A spinner that polled the word would say
 * "changed" at once. */
static void a_spinner_behind_the_head_waits_on_the_gate_not_on_the_word(struct kunit *test)
{
	static unsigned long word;
	int changed;
	struct busy_owner o;
	struct spinner s = { .word = &word };
	struct bt_thread t;

	s.owner = start_busy_owner(test, &o);
	WRITE_ONCE(word, s.owner);
	KUNIT_ASSERT_TRUE(test, bsdsync_test_spin_gate_claim(&word));
	bt_start(test, &t, spinner_fn, &s, "core-spinner");
	BT_WAIT_UNTIL(test, READ_ONCE(s.started));
	WRITE_ONCE(word, 0);			/* released, but the "head" does not look */
	msleep(50);				/* the waiter runs meanwhile */
	changed = READ_ONCE(s.changed);
	KUNIT_EXPECT_EQ_MSG(test, changed, 0, "a spinner behind the head read the lock word");
	bsdsync_test_spin_gate_leave(&word);
	/* Now it becomes the head, whose first step is to read the word. */
	BT_WAIT_UNTIL(test, READ_ONCE(s.changed));
	bt_join(&t);
	stop_busy_owner(&o);
	KUNIT_EXPECT_PTR_EQ(test, (void *)bsdsync_test_spin_gate_head(&word), NULL);
}

static void sleeper_fn(void *arg)
{
	wait_for_completion(arg);
}

/* An owner that is not running will not release soon: block, whether the caller would be
 * the head or would wait behind one. */
static void a_spinner_stops_when_the_owner_is_not_running(struct kunit *test)
{
	static unsigned long word;
	DECLARE_COMPLETION_ONSTACK(done);
	struct bt_thread sl;

	bt_start(test, &sl, sleeper_fn, &done, "core-sleeper");
	BT_WAIT_UNTIL(test, READ_ONCE(sl.task->__state) != TASK_RUNNING);
	WRITE_ONCE(word, (unsigned long)sl.task);
	KUNIT_EXPECT_EQ(test, bsdsync_test_adaptive_spin(&word, (unsigned long)sl.task, ~0UL), 0);
	KUNIT_EXPECT_PTR_EQ(test, (void *)bsdsync_test_spin_gate_head(&word), NULL);
	KUNIT_ASSERT_TRUE(test, bsdsync_test_spin_gate_claim(&word));
	KUNIT_EXPECT_EQ(test, bsdsync_test_adaptive_spin(&word, (unsigned long)sl.task, ~0UL), 0);
	bsdsync_test_spin_gate_leave(&word);
	complete(&done);
	bt_join(&sl);
}

/* Gates are shared by hashing: a gate held for another lock's word is not waited on (its
 * head would never look at ours). */
static void a_gate_held_for_another_lock_is_not_waited_on(struct kunit *test)
{
	unsigned long *words = kunit_kzalloc(test, 2 * PAGE_SIZE, GFP_KERNEL);
	unsigned long *other = NULL;
	struct busy_owner o;
	struct spinner s = { 0 };
	struct bt_thread t;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, words);
	/* words[0]'s gate, held; then a word of another cache line hashed to the same gate. */
	KUNIT_ASSERT_TRUE(test, bsdsync_test_spin_gate_claim(&words[0]));
	for (i = 8; i < 2 * PAGE_SIZE / sizeof(*words); i += 8)
		if (bsdsync_test_spin_gate_head(&words[i]) == &words[0]) {
			other = &words[i];
			break;
		}
	if (!other) {
		bsdsync_test_spin_gate_leave(&words[0]);
		KUNIT_FAIL(test, "no two cache lines of two pages share a spinner gate");
		return;
	}
	s.word = other;
	s.owner = start_busy_owner(test, &o);
	WRITE_ONCE(*other, s.owner);
	bt_start(test, &t, spinner_fn, &s, "core-spinner");
	BT_WAIT_UNTIL(test, READ_ONCE(s.started));
	WRITE_ONCE(*other, 0);
	BT_WAIT_UNTIL(test, READ_ONCE(s.changed));
	bt_join(&t);
	stop_busy_owner(&o);
	KUNIT_EXPECT_PTR_EQ(test, (void *)bsdsync_test_spin_gate_head(other),
			    (void *)&words[0]);
	bsdsync_test_spin_gate_leave(&words[0]);
}

static struct kunit_case core_adaptive_cases[] = {
	KUNIT_CASE(the_spinner_sees_the_release_of_a_running_owner),
	KUNIT_CASE(a_spinner_behind_the_head_waits_on_the_gate_not_on_the_word),
	KUNIT_CASE(a_spinner_stops_when_the_owner_is_not_running),
	KUNIT_CASE(a_gate_held_for_another_lock_is_not_waited_on),
	{}
};

static struct kunit_suite core_adaptive_suite = {
	.name = "bsdsync_core_adaptive",
	.test_cases = core_adaptive_cases,
};

kunit_test_suites(&core_adaptive_suite);
