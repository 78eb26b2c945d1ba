// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * refcount(9) as FreeBSD 13/14's <sys/refcount.h>: refcount_init, refcount_load,
 * refcount_acquire (returns the old count), refcount_release (true only for the last
 * reference), refcount_acquire_if_not_zero, refcount_release_if_not_last, the _n and _gt
 * forms, saturation; and many threads acquiring and releasing with exactly one last release.
 */
#include "harness_freebsd.h"

#include <sys/types.h>
#include <sys/refcount.h>

static void refcount_release_is_true_only_for_the_last_reference(struct kunit *test)
{
	volatile u_int c;

	refcount_init(&c, 1);
	KUNIT_EXPECT_EQ(test, refcount_acquire(&c), 1U);
	KUNIT_EXPECT_EQ(test, refcount_acquire(&c), 2U);
	KUNIT_EXPECT_EQ(test, refcount_load(&c), 3U);
	KUNIT_EXPECT_FALSE(test, refcount_release(&c));
	KUNIT_EXPECT_FALSE(test, refcount_release(&c));
	KUNIT_EXPECT_TRUE(test, refcount_release(&c));
	KUNIT_EXPECT_EQ(test, refcount_load(&c), 0U);
}

static void refcount_acquire_if_not_zero_fails_on_zero(struct kunit *test)
{
	volatile u_int c;

	refcount_init(&c, 0);
	KUNIT_EXPECT_FALSE(test, refcount_acquire_if_not_zero(&c));
	KUNIT_EXPECT_EQ(test, refcount_load(&c), 0U);
	refcount_init(&c, 1);
	KUNIT_EXPECT_TRUE(test, refcount_acquire_if_not_zero(&c));
	KUNIT_EXPECT_EQ(test, refcount_load(&c), 2U);
	KUNIT_EXPECT_FALSE(test, refcount_acquire_if_gt(&c, 2));
	KUNIT_EXPECT_TRUE(test, refcount_acquire_if_gt(&c, 1));
	KUNIT_EXPECT_EQ(test, refcount_load(&c), 3U);
}

static void refcount_release_if_not_last_keeps_the_last_reference(struct kunit *test)
{
	volatile u_int c;

	refcount_init(&c, 2);
	KUNIT_EXPECT_TRUE(test, refcount_release_if_not_last(&c));
	KUNIT_EXPECT_EQ(test, refcount_load(&c), 1U);
	KUNIT_EXPECT_FALSE(test, refcount_release_if_not_last(&c));
	KUNIT_EXPECT_EQ(test, refcount_load(&c), 1U);
	KUNIT_EXPECT_TRUE(test, refcount_release(&c));
}

static void refcount_releasen_is_true_when_it_drops_the_last(struct kunit *test)
{
	volatile u_int c;

	refcount_init(&c, 1);
	KUNIT_EXPECT_EQ(test, refcount_acquiren(&c, 4), 1U);
	KUNIT_EXPECT_FALSE(test, refcount_releasen(&c, 3));
	KUNIT_EXPECT_TRUE(test, refcount_releasen(&c, 2));
}

static void refcount_saturates_instead_of_reaching_zero(struct kunit *test)
{
	volatile u_int c;

	/* A release below zero pins the count: the object leaks, never freed twice. */
	refcount_init(&c, 0);
	KUNIT_EXPECT_FALSE(test, refcount_release(&c));
	KUNIT_EXPECT_TRUE(test, (refcount_load(&c) & (1U << 31)) != 0);
	KUNIT_EXPECT_FALSE(test, refcount_release(&c));
	KUNIT_EXPECT_FALSE(test, refcount_acquire_checked(&c));
	/* Overflow too. */
	refcount_init(&c, 0x7fffffffU);
	refcount_acquire(&c);
	refcount_acquire(&c);
	KUNIT_EXPECT_EQ(test, refcount_load(&c), REFCOUNT_SATURATION_VALUE);
}

#define RC_THREADS 4
#define RC_ROUNDS 20000

struct rc_stress {
	volatile u_int count;
	atomic_t last_releases;
};

static void rc_worker(void *arg)
{
	struct rc_stress *st = arg;

	for (int i = 0; i < RC_ROUNDS; i++) {
		refcount_acquire(&st->count);
		if (refcount_release(&st->count))
			atomic_inc(&st->last_releases);
	}
	if (refcount_release(&st->count))
		atomic_inc(&st->last_releases);
}

static void refcount_many_threads_have_exactly_one_last_release(struct kunit *test)
{
	struct rc_stress st;
	struct bt_thread t[RC_THREADS];

	refcount_init(&st.count, RC_THREADS);
	atomic_set(&st.last_releases, 0);
	for (int i = 0; i < RC_THREADS; i++)
		bt_start(test, &t[i], rc_worker, &st, "rc_stress");
	bt_join_n(t, RC_THREADS);
	KUNIT_EXPECT_EQ(test, atomic_read(&st.last_releases), 1);
	KUNIT_EXPECT_EQ(test, refcount_load(&st.count), 0U);
}

static struct kunit_case refcount_cases[] = {
	KUNIT_CASE(refcount_release_is_true_only_for_the_last_reference),
	KUNIT_CASE(refcount_acquire_if_not_zero_fails_on_zero),
	KUNIT_CASE(refcount_release_if_not_last_keeps_the_last_reference),
	KUNIT_CASE(refcount_releasen_is_true_when_it_drops_the_last),
	KUNIT_CASE(refcount_saturates_instead_of_reaching_zero),
	KUNIT_CASE(refcount_many_threads_have_exactly_one_last_release),
	{}
};

static struct kunit_suite refcount_suite = {
	.name = "freebsd_refcount",
	.test_cases = refcount_cases,
};

kunit_test_suites(&refcount_suite);
