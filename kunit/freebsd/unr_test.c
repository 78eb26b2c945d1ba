/*
 * unr(9) unit numbers (<sys/systm.h>): lowest free first, alloc_unr_specific, free_unr,
 * exhaustion (-1), the three mutex modes (private, the caller's, UNR_NO_MTX), growth past
 * the first map word, and concurrent allocation handing out each number once.
 */
#include "harness_freebsd.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>

static void alloc_unr_gives_lowest_free_first(struct kunit *test)
{
	struct unrhdr *uh = new_unrhdr(10, 20, NULL);

	KUNIT_ASSERT_NOT_NULL(test, uh);
	KUNIT_EXPECT_EQ(test, alloc_unr(uh), 10);
	KUNIT_EXPECT_EQ(test, alloc_unr(uh), 11);
	KUNIT_EXPECT_EQ(test, alloc_unr(uh), 12);
	free_unr(uh, 11);
	KUNIT_EXPECT_EQ(test, alloc_unr(uh), 11);
	KUNIT_EXPECT_EQ(test, alloc_unr(uh), 13);
	for (int i = 10; i <= 13; i++)
		free_unr(uh, i);
	delete_unrhdr(uh);
}

static void alloc_unr_returns_minus_one_when_exhausted(struct kunit *test)
{
	struct unrhdr *uh = new_unrhdr(0, 99, NULL);	/* two map words, the last partial */

	KUNIT_ASSERT_NOT_NULL(test, uh);
	for (int i = 0; i <= 99; i++)
		KUNIT_EXPECT_EQ(test, alloc_unr(uh), i);
	KUNIT_EXPECT_EQ(test, alloc_unr(uh), -1);
	free_unr(uh, 57);
	KUNIT_EXPECT_EQ(test, alloc_unr(uh), 57);
	KUNIT_EXPECT_EQ(test, alloc_unr(uh), -1);
	clear_unrhdr(uh);
	KUNIT_EXPECT_EQ(test, alloc_unr(uh), 0);
	free_unr(uh, 0);
	delete_unrhdr(uh);
}

static void alloc_unr_specific_takes_that_number_once(struct kunit *test)
{
	struct unrhdr *uh = new_unrhdr(1, 1000000, NULL);

	KUNIT_ASSERT_NOT_NULL(test, uh);
	KUNIT_EXPECT_EQ(test, alloc_unr_specific(uh, 500000), 500000);	/* grows the map */
	KUNIT_EXPECT_EQ(test, alloc_unr_specific(uh, 500000), -1);
	KUNIT_EXPECT_EQ(test, alloc_unr_specific(uh, 0), -1);		/* below low */
	KUNIT_EXPECT_EQ(test, alloc_unr_specific(uh, 1000001), -1);	/* above high */
	KUNIT_EXPECT_EQ(test, alloc_unr_specific(uh, 1), 1);
	KUNIT_EXPECT_EQ(test, alloc_unr(uh), 2);
	KUNIT_EXPECT_EQ(test, alloc_unr_specific(uh, 1000000), 1000000);
	free_unr(uh, 1);
	free_unr(uh, 2);
	free_unr(uh, 500000);
	free_unr(uh, 1000000);
	delete_unrhdr(uh);
}

static void unr_with_callers_mutex_and_alloc_unrl(struct kunit *test)
{
	struct mtx m;
	struct unrhdr *uh;

	mtx_init(&m, "bt unr", NULL, MTX_DEF);
	uh = new_unrhdr(0, 200, &m);
	KUNIT_ASSERT_NOT_NULL(test, uh);
	KUNIT_EXPECT_EQ(test, alloc_unr(uh), 0);	/* takes m itself */
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	mtx_lock(&m);
	for (int i = 1; i <= 130; i++)		/* grows without sleeping, m held */
		KUNIT_EXPECT_EQ(test, alloc_unrl(uh), i);
	mtx_unlock(&m);
	for (int i = 0; i <= 130; i++)
		free_unr(uh, i);
	delete_unrhdr(uh);
	mtx_destroy(&m);
}

static void unr_no_mtx_takes_no_lock(struct kunit *test)
{
	struct unrhdr *uh = new_unrhdr(0, 10, UNR_NO_MTX);

	KUNIT_ASSERT_NOT_NULL(test, uh);
	/* Callable in a spin section: no lock taken, no sleep (the map is grown atomically). */
	spinlock_enter();
	int a = alloc_unr(uh), b = alloc_unr(uh);
	spinlock_exit();
	KUNIT_EXPECT_EQ(test, a, 0);
	KUNIT_EXPECT_EQ(test, b, 1);
	free_unr(uh, 0);
	free_unr(uh, 1);
	delete_unrhdr(uh);
}

static void free_unr_of_free_number_reported(struct kunit *test)
{
	struct unrhdr *uh = new_unrhdr(0, 10, NULL);

	KUNIT_ASSERT_NOT_NULL(test, uh);
	KUNIT_EXPECT_EQ(test, alloc_unr(uh), 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, free_unr(uh, 3));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, free_unr(uh, 11));
	KUNIT_EXPECT_EQ(test, alloc_unr(uh), 1);	/* the allocator goes on */
	free_unr(uh, 0);
	free_unr(uh, 1);
	delete_unrhdr(uh);
}

static void delete_unrhdr_with_numbers_allocated_reported(struct kunit *test)
{
	struct unrhdr *uh = new_unrhdr(0, 10, NULL);

	KUNIT_ASSERT_NOT_NULL(test, uh);
	KUNIT_EXPECT_EQ(test, alloc_unr(uh), 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_DESTROY_HELD, delete_unrhdr(uh));
}

/* Four threads allocate 300 numbers each from one allocator: every number 0..1199 is handed
 * out exactly once (the map grows while they race). */
#define UNR_THREADS 4
#define UNR_EACH 300
struct unr_race {
	struct unrhdr *uh;
	int got[UNR_EACH];
};

static void unr_race_worker(void *arg)
{
	struct unr_race *r = arg;

	for (int i = 0; i < UNR_EACH; i++)
		r->got[i] = alloc_unr(r->uh);
}

static void concurrent_alloc_unr_hands_out_each_number_once(struct kunit *test)
{
	struct unr_race *r = kunit_kzalloc(test, sizeof(*r) * UNR_THREADS, GFP_KERNEL);
	struct bt_thread t[UNR_THREADS];
	unsigned char *seen = kunit_kzalloc(test, UNR_THREADS * UNR_EACH, GFP_KERNEL);
	struct unrhdr *uh = new_unrhdr(0, INT_MAX, NULL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	KUNIT_ASSERT_NOT_NULL(test, uh);
	for (int i = 0; i < UNR_THREADS; i++)
		r[i].uh = uh;
	bt_start_n(test, t, UNR_THREADS, unr_race_worker, r, sizeof(*r), "bt_unr");
	bt_join_n(t, UNR_THREADS);
	for (int i = 0; i < UNR_THREADS; i++)
		for (int j = 0; j < UNR_EACH; j++) {
			int n = r[i].got[j];

			KUNIT_ASSERT_TRUE(test, n >= 0 && n < UNR_THREADS * UNR_EACH);
			KUNIT_EXPECT_EQ_MSG(test, seen[n], 0, "number %d handed out twice", n);
			seen[n] = 1;
		}
	KUNIT_EXPECT_EQ(test, alloc_unr(uh), UNR_THREADS * UNR_EACH);
	clear_unrhdr(uh);
	delete_unrhdr(uh);
}

static void new_unrhdr_with_low_above_high_reported_null(struct kunit *test)
{
	struct unrhdr *uh = (void *)1;

	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, uh = new_unrhdr(20, 10, NULL));
	KUNIT_EXPECT_NULL(test, uh);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, uh = new_unrhdr(-1, 10, NULL));
	KUNIT_EXPECT_NULL(test, uh);
}

static struct kunit_case unr_cases[] = {
	KUNIT_CASE(new_unrhdr_with_low_above_high_reported_null),
	KUNIT_CASE(alloc_unr_gives_lowest_free_first),
	KUNIT_CASE(alloc_unr_returns_minus_one_when_exhausted),
	KUNIT_CASE(alloc_unr_specific_takes_that_number_once),
	KUNIT_CASE(unr_with_callers_mutex_and_alloc_unrl),
	KUNIT_CASE(unr_no_mtx_takes_no_lock),
	KUNIT_CASE(free_unr_of_free_number_reported),
	KUNIT_CASE(delete_unrhdr_with_numbers_allocated_reported),
	KUNIT_CASE(concurrent_alloc_unr_hands_out_each_number_once),
	{}
};

static struct kunit_suite unr_suite = {
	.name = "freebsd_unr",
	.test_cases = unr_cases,
};

kunit_test_suites(&unr_suite);
