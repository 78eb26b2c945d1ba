// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The core's wait queues and its one blocking tail, driven directly (include/bsdsync/
 * testing.h), with no personality: a sleeper queued on a channel blocks until a waker finds
 * it; wake_one takes the oldest sleeper of the best priority; wake_all hands every sleeper the
 * waker's token; a deadline ends a sleep nobody wakes, and leaves no waiter behind.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/sched.h>

#include <bsdsync/report.h>
#include <bsdsync/testing.h>

#include "harness.h"

#define NSLEEPERS 3

struct sleeper {
	const void *chan;
	int result;
	int token;
	int order;		/* the how-manieth to return */
	atomic_t *returned;
};

static void sleeper_fn(void *arg)
{
	struct sleeper *s = arg;

	s->result = bsdsync_test_sleep(s->chan, 0, &s->token, __FILE__, __LINE__);
	s->order = atomic_inc_return(s->returned);
}

static void core_sleeper_is_woken_by_wake_one_with_the_default_token(struct kunit *test)
{
	static int chan;
	atomic_t returned = ATOMIC_INIT(0);
	struct sleeper s = { &chan, -1, 0, 0, &returned };
	struct bt_thread t;

	KUNIT_EXPECT_EQ(test, bsdsync_test_wake_one(&chan), 0);	/* nobody yet */
	bt_start(test, &t, sleeper_fn, &s, "core-sleeper");
	BT_WAIT_UNTIL(test, bsdsync_test_waiters(&chan) == 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&returned), 0);	/* still asleep */
	KUNIT_EXPECT_EQ(test, bsdsync_test_wake_one(&chan), 1);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, s.result, 0);
	KUNIT_EXPECT_EQ(test, s.token, 1);
	KUNIT_EXPECT_EQ(test, bsdsync_test_waiters(&chan), 0);
}

/* Start NSLEEPERS sleepers on chan, each queued before the next starts (so their queue order
 * is their index). */
static void start_sleepers(struct kunit *test, const void *chan, atomic_t *returned,
			   struct sleeper *s, struct bt_thread *t, const char *name)
{
	int i;

	for (i = 0; i < NSLEEPERS; i++) {
		s[i] = (struct sleeper){ chan, -1, 0, 0, returned };
		bt_start(test, &t[i], sleeper_fn, &s[i], name);
		BT_WAIT_UNTIL(test, bsdsync_test_waiters(chan) == i + 1);
	}
}

static void core_wake_one_takes_the_oldest_of_equal_priority_sleepers(struct kunit *test)
{
	static int chan;
	atomic_t returned = ATOMIC_INIT(0);
	struct sleeper s[NSLEEPERS];
	struct bt_thread t[NSLEEPERS];
	int i;

	start_sleepers(test, &chan, &returned, s, t, "core-fifo");
	for (i = 0; i < NSLEEPERS; i++) {
		KUNIT_EXPECT_EQ(test, bsdsync_test_wake_one(&chan), 1);
		BT_WAIT_UNTIL(test, atomic_read(&returned) == i + 1);
		KUNIT_EXPECT_EQ_MSG(test, s[i].order, i + 1, "sleeper %d returned out of order", i);
	}
	bt_join_n(t, NSLEEPERS);
	for (i = 0; i < NSLEEPERS; i++)
		KUNIT_EXPECT_EQ(test, s[i].result, 0);
}

static void core_wake_all_hands_every_sleeper_the_token(struct kunit *test)
{
	static int chan;
	atomic_t returned = ATOMIC_INIT(0);
	struct sleeper s[NSLEEPERS];
	struct bt_thread t[NSLEEPERS];
	int i;

	start_sleepers(test, &chan, &returned, s, t, "core-all");
	KUNIT_EXPECT_EQ(test, bsdsync_test_wake_all(&chan, 7), NSLEEPERS);
	bt_join_n(t, NSLEEPERS);
	for (i = 0; i < NSLEEPERS; i++) {
		KUNIT_EXPECT_EQ(test, s[i].result, 0);
		KUNIT_EXPECT_EQ(test, s[i].token, 7);
	}
	KUNIT_EXPECT_EQ(test, bsdsync_test_waiters(&chan), 0);
}

static void core_sleep_nobody_wakes_times_out_and_leaves_no_waiter(struct kunit *test)
{
	static int chan, other;
	int token = -1;

	/* A sleeper on another channel of the same table is not disturbed. */
	KUNIT_EXPECT_EQ(test, bsdsync_test_sleep(&chan, 20, &token, __FILE__, __LINE__), 1);
	KUNIT_EXPECT_EQ(test, token, 0);
	KUNIT_EXPECT_EQ(test, bsdsync_test_waiters(&chan), 0);
	KUNIT_EXPECT_EQ(test, bsdsync_test_wake_one(&chan), 0);
	KUNIT_EXPECT_EQ(test, bsdsync_test_waiters(&other), 0);
}

static void core_wake_of_one_channel_leaves_another_channel_asleep(struct kunit *test)
{
	static int a, b;
	atomic_t returned = ATOMIC_INIT(0);
	struct sleeper sa = { &a, -1, 0, 0, &returned }, sb = { &b, -1, 0, 0, &returned };
	struct bt_thread ta, tb;

	bt_start(test, &ta, sleeper_fn, &sa, "core-chan-a");
	bt_start(test, &tb, sleeper_fn, &sb, "core-chan-b");
	BT_WAIT_UNTIL(test, bsdsync_test_waiters(&a) == 1 && bsdsync_test_waiters(&b) == 1);
	KUNIT_EXPECT_EQ(test, bsdsync_test_wake_all(&a, 1), 1);
	bt_join(&ta);
	KUNIT_EXPECT_EQ(test, bsdsync_test_waiters(&b), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&returned), 1);
	KUNIT_EXPECT_EQ(test, bsdsync_test_wake_one(&b), 1);
	bt_join(&tb);
	KUNIT_EXPECT_EQ(test, sb.result, 0);
}

static struct kunit_case core_waitq_cases[] = {
	KUNIT_CASE(core_sleeper_is_woken_by_wake_one_with_the_default_token),
	KUNIT_CASE(core_wake_one_takes_the_oldest_of_equal_priority_sleepers),
	KUNIT_CASE(core_wake_all_hands_every_sleeper_the_token),
	KUNIT_CASE(core_sleep_nobody_wakes_times_out_and_leaves_no_waiter),
	KUNIT_CASE(core_wake_of_one_channel_leaves_another_channel_asleep),
	{}
};

static struct kunit_suite core_waitq_suite = {
	.name = "bsdsync_core_waitq",
	.test_cases = core_waitq_cases,
};

kunit_test_suites(&core_waitq_suite);
