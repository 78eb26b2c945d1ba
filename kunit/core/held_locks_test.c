// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The core's thread record tested directly, with lock types of the test's own and no
 * personality (include/bsdsync/testing.h): the held-locks stack (order, modes, sites, the
 * holds beyond what it records, out-of-order releases), the non-sleepable count behind the
 * may-sleep check, the lock-type registry, and the ACQUIRED/RELEASED events a hold sends.
 */
#include <kunit/test.h>
#include <linux/sched.h>

#include <bsdsync/report.h>
#include <bsdsync/testing.h>

#include "harness.h"

static void describe_test_lock(const void *lock, const char **name,
			       const struct bsdsync_lock_site **site, unsigned int *witness_flags)
{
	*name = "core test lock";
	*site = NULL;
	/* Every lock here has one name: the lock-order checker (if on) leaves them alone. */
	if (witness_flags)
		*witness_flags = BSDSYNC_LW_NOWITNESS;
}

/* A non-sleepable type (like a sleep mutex), a sleepable one (like sx), and one whose
 * shared holds may not sleep while exclusive ones may (like a sleepable rm). */
static const struct bsdsync_lock_type nosleep_type = { "test nosleep", BSDSYNC_LT_SHARED,
						       describe_test_lock };
static const struct bsdsync_lock_type sleepable_type = {
	"test sleepable", BSDSYNC_LT_SLEEPABLE | BSDSYNC_LT_SHARED, describe_test_lock
};
static const struct bsdsync_lock_type reads_nosleep_type = {
	"test reads nosleep", BSDSYNC_LT_SLEEPABLE | BSDSYNC_LT_READS_NOSLEEP | BSDSYNC_LT_SHARED,
	describe_test_lock
};

static int held(struct bsdsync_held_lock *h, int max)
{
	return bsdsync_held_locks(h, max);
}

static void core_held_stack_records_holds_oldest_first_with_type_mode_and_site(
	struct kunit *test)
{
	int a, b, c;
	struct bsdsync_held_lock h[4];

	KUNIT_ASSERT_EQ(test, held(h, 4), 0);
	bsdsync_test_hold(&a, &sleepable_type, 0, 0, "file-a", 11);
	bsdsync_test_hold(&b, &nosleep_type, 1, 0, "file-b", 22);
	bsdsync_test_hold(&c, &nosleep_type, 1, 0, "file-c", 33);
	KUNIT_ASSERT_EQ(test, held(h, 4), 3);
	KUNIT_EXPECT_PTR_EQ(test, h[0].lock, (const void *)&a);
	KUNIT_EXPECT_PTR_EQ(test, h[0].type, &sleepable_type);
	KUNIT_EXPECT_EQ(test, h[0].shared, 0);
	KUNIT_EXPECT_STREQ(test, h[0].file, "file-a");
	KUNIT_EXPECT_EQ(test, h[0].line, 11);
	KUNIT_EXPECT_PTR_EQ(test, h[1].lock, (const void *)&b);
	KUNIT_EXPECT_EQ(test, h[1].shared, 1);
	KUNIT_EXPECT_EQ(test, h[2].line, 33);
	KUNIT_EXPECT_TRUE(test, bsdsync_test_release(&c, &nosleep_type, 1, __FILE__, __LINE__));
	KUNIT_EXPECT_TRUE(test, bsdsync_test_release(&b, &nosleep_type, 1, __FILE__, __LINE__));
	KUNIT_EXPECT_TRUE(test, bsdsync_test_release(&a, &sleepable_type, 0, __FILE__, __LINE__));
	KUNIT_EXPECT_EQ(test, held(h, 4), 0);
}

static void core_held_stack_release_of_a_hold_it_lacks_changes_nothing(struct kunit *test)
{
	int a, b;
	struct bsdsync_held_lock h[2];

	bsdsync_test_hold(&a, &nosleep_type, 0, 0, __FILE__, __LINE__);
	/* Not held at all; held, but in the other mode. */
	KUNIT_EXPECT_FALSE(test, bsdsync_test_release(&b, &nosleep_type, 0, __FILE__, __LINE__));
	KUNIT_EXPECT_FALSE(test, bsdsync_test_release(&a, &nosleep_type, 1, __FILE__, __LINE__));
	KUNIT_EXPECT_EQ(test, held(h, 2), 1);
	KUNIT_EXPECT_PTR_EQ(test, h[0].lock, (const void *)&a);
	KUNIT_EXPECT_TRUE(test, bsdsync_test_release(&a, &nosleep_type, 0, __FILE__, __LINE__));
	KUNIT_EXPECT_EQ(test, held(h, 2), 0);
}

#define DEEP 20	/* more than the 16 holds the stack records */

static void core_held_stack_counts_holds_beyond_what_it_records(struct kunit *test)
{
	int locks[DEEP], i;
	struct bsdsync_held_lock h[DEEP];

	for (i = 0; i < DEEP; i++)
		bsdsync_test_hold(&locks[i], &nosleep_type, 0, 0, __FILE__, i);
	KUNIT_EXPECT_EQ(test, held(h, DEEP), DEEP);
	/* Out of order, one of the recorded ones: the rest stay. */
	KUNIT_EXPECT_TRUE(test, bsdsync_test_release(&locks[3], &nosleep_type, 0, __FILE__, 0));
	KUNIT_EXPECT_EQ(test, held(h, DEEP), DEEP - 1);
	KUNIT_EXPECT_PTR_EQ(test, h[3].lock, (const void *)&locks[4]);
	/* The only-counted ones are released too (the stack cannot name them). */
	for (i = DEEP - 1; i >= 0; i--)
		if (i != 3)
			KUNIT_EXPECT_TRUE(test, bsdsync_test_release(&locks[i], &nosleep_type, 0,
								      __FILE__, 0));
	KUNIT_EXPECT_EQ(test, held(h, DEEP), 0);
	/* And the non-sleepable count is back to zero: nothing to report. */
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_FALSE(test, bsdsync_test_check_may_sleep(
				NULL, "a sleep", __FILE__, __LINE__)));
}

static void core_may_sleep_check_reports_a_nonsleepable_hold_unless_it_is_the_interlock(
	struct kunit *test)
{
	int sleepable, nosleep;

	bsdsync_test_hold(&sleepable, &sleepable_type, 0, 0, __FILE__, __LINE__);
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_FALSE(test, bsdsync_test_check_may_sleep(
				NULL, "a sleep", __FILE__, __LINE__)));
	bsdsync_test_hold(&nosleep, &nosleep_type, 0, 0, __FILE__, __LINE__);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE,
			 KUNIT_EXPECT_TRUE(test, bsdsync_test_check_may_sleep(
				 NULL, "a sleep", __FILE__, __LINE__)));
	/* The interlock the sleep releases is excepted. */
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_FALSE(test, bsdsync_test_check_may_sleep(
				&nosleep, "a sleep", __FILE__, __LINE__)));
	bsdsync_test_release(&nosleep, &nosleep_type, 0, __FILE__, __LINE__);
	bsdsync_test_release(&sleepable, &sleepable_type, 0, __FILE__, __LINE__);
}

static void core_reads_nosleep_type_makes_only_its_shared_holds_nonsleepable(struct kunit *test)
{
	int l;

	bsdsync_test_hold(&l, &reads_nosleep_type, 0, 0, __FILE__, __LINE__);
	BT_EXPECT_NO_REPORT(test, bsdsync_test_check_may_sleep(NULL, "a sleep", __FILE__,
							       __LINE__));
	bsdsync_test_release(&l, &reads_nosleep_type, 0, __FILE__, __LINE__);
	bsdsync_test_hold(&l, &reads_nosleep_type, 1, 0, __FILE__, __LINE__);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE,
			 bsdsync_test_check_may_sleep(NULL, "a sleep", __FILE__, __LINE__));
	bsdsync_test_release(&l, &reads_nosleep_type, 1, __FILE__, __LINE__);
}

static void core_lock_type_registry_has_room_for_many_types_and_refuses_when_full(
	struct kunit *test)
{
	static struct bsdsync_lock_type types[64];
	int ids[64], n = 0, i;

	for (i = 0; i < 64; i++) {
		types[i].name = "registry test";
		types[i].flags = 0;
		types[i].describe = describe_test_lock;
		ids[i] = bsdsync_test_lock_type_register(&types[i]);
		if (!ids[i])
			break;
		n++;
	}
	/* The personalities registered theirs already; room for far more than 16 in all. */
	KUNIT_EXPECT_GT(test, n, 40);
	KUNIT_EXPECT_LT(test, n, 64);
	KUNIT_EXPECT_EQ(test, ids[n], 0);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_PTR_EQ(test, bsdsync_test_lock_type_by_id(ids[i]), &types[i]);
	/* A second registration keeps the first id. */
	KUNIT_EXPECT_EQ(test, bsdsync_test_lock_type_register(&types[0]), ids[0]);
	for (i = 0; i < n; i++)
		bsdsync_test_lock_type_unregister(&types[i]);
	KUNIT_EXPECT_PTR_EQ(test, bsdsync_test_lock_type_by_id(ids[0]), NULL);
	KUNIT_EXPECT_NE(test, bsdsync_test_lock_type_register(&types[0]), 0);
	bsdsync_test_lock_type_unregister(&types[0]);
}

static struct {
	struct task_struct *watched;
	int n;
	struct bsdsync_lock_event ev[4];
} core_ev;

static void core_event(const struct bsdsync_lock_event *e)
{
	if (current != READ_ONCE(core_ev.watched) || core_ev.n >= 4)
		return;
	core_ev.ev[core_ev.n++] = *e;
}

static const struct bsdsync_lock_event_sink core_sink = { "kunit core", core_event };

static void core_hold_and_release_send_acquired_and_released_events(struct kunit *test)
{
	int l;

	memset(&core_ev, 0, sizeof(core_ev));
	core_ev.watched = current;
	KUNIT_ASSERT_EQ(test, bsdsync_lock_events_attach(&core_sink), 0);
	bsdsync_test_hold(&l, &nosleep_type, 1, BSDSYNC_LE_TRY, "hold-site", 7);
	bsdsync_test_release(&l, &nosleep_type, 1, "release-site", 8);
	bsdsync_lock_events_detach(&core_sink);
	core_ev.watched = NULL;
	KUNIT_ASSERT_EQ(test, core_ev.n, 2);
	KUNIT_EXPECT_EQ(test, (int)core_ev.ev[0].kind, BSDSYNC_LE_ACQUIRED);
	KUNIT_EXPECT_EQ(test, (int)core_ev.ev[0].flags, BSDSYNC_LE_SHARED | BSDSYNC_LE_TRY);
	KUNIT_EXPECT_PTR_EQ(test, core_ev.ev[0].lock, (const void *)&l);
	KUNIT_EXPECT_PTR_EQ(test, core_ev.ev[0].type, &nosleep_type);
	KUNIT_EXPECT_STREQ(test, core_ev.ev[0].file, "hold-site");
	KUNIT_EXPECT_EQ(test, core_ev.ev[0].line, 7);
	KUNIT_EXPECT_EQ(test, (int)core_ev.ev[1].kind, BSDSYNC_LE_RELEASED);
	KUNIT_EXPECT_EQ(test, (int)core_ev.ev[1].flags, BSDSYNC_LE_SHARED);
	KUNIT_EXPECT_STREQ(test, core_ev.ev[1].file, "release-site");
	KUNIT_EXPECT_EQ(test, core_ev.ev[1].line, 8);
}

static struct kunit_case core_held_locks_cases[] = {
	KUNIT_CASE(core_held_stack_records_holds_oldest_first_with_type_mode_and_site),
	KUNIT_CASE(core_held_stack_release_of_a_hold_it_lacks_changes_nothing),
	KUNIT_CASE(core_held_stack_counts_holds_beyond_what_it_records),
	KUNIT_CASE(core_may_sleep_check_reports_a_nonsleepable_hold_unless_it_is_the_interlock),
	KUNIT_CASE(core_reads_nosleep_type_makes_only_its_shared_holds_nonsleepable),
	KUNIT_CASE(core_lock_type_registry_has_room_for_many_types_and_refuses_when_full),
	KUNIT_CASE(core_hold_and_release_send_acquired_and_released_events),
	{}
};

static struct kunit_suite core_held_locks_suite = {
	.name = "bsdsync_core_held_locks",
	.test_cases = core_held_locks_cases,
};

kunit_test_suites(&core_held_locks_suite);
