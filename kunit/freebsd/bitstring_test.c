/*
 * bitstring(3) (<sys/bitstring.h>): set/clear/test, ranges, the searches and counts at the
 * edges (first and last bit, word boundaries, full and empty strings, sizes that are not a
 * multiple of 8 or of the word).
 */
#include <kunit/test.h>

#include <sys/param.h>
#include <sys/malloc.h>
#include <sys/bitstring.h>

static const int sizes[] = { 1, 7, 63, 64, 65, 100, 128, 130 };

static void bitstr_size_rounds_up_to_words(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, bitstr_size(0), (size_t)0);
	KUNIT_EXPECT_EQ(test, bitstr_size(1), sizeof(bitstr_t));
	KUNIT_EXPECT_EQ(test, bitstr_size(64), sizeof(bitstr_t));
	KUNIT_EXPECT_EQ(test, bitstr_size(65), 2 * sizeof(bitstr_t));
	{
		bitstr_t bit_decl(b, 100);

		KUNIT_EXPECT_EQ(test, sizeof(b), bitstr_size(100));
	}
}

static void set_clear_test_single_bits(struct kunit *test)
{
	bitstr_t bit_decl(b, 130) = { 0 };

	bit_set(b, 0);
	bit_set(b, 63);
	bit_set(b, 64);
	bit_set(b, 129);
	KUNIT_EXPECT_TRUE(test, bit_test(b, 0));
	KUNIT_EXPECT_TRUE(test, bit_test(b, 63));
	KUNIT_EXPECT_TRUE(test, bit_test(b, 64));
	KUNIT_EXPECT_TRUE(test, bit_test(b, 129));
	KUNIT_EXPECT_FALSE(test, bit_test(b, 1));
	KUNIT_EXPECT_FALSE(test, bit_test(b, 128));
	bit_clear(b, 63);
	KUNIT_EXPECT_FALSE(test, bit_test(b, 63));
	KUNIT_EXPECT_TRUE(test, bit_test(b, 64));
}

/* Every search on empty and full strings of each size, and on one bit at each edge. */
static void ffs_ffc_empty_full_and_edges(struct kunit *test)
{
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		int n = sizes[i], r;
		bitstr_t *b = bit_alloc(n, M_TEMP, M_WAITOK);

		KUNIT_ASSERT_NOT_NULL(test, b);
		bit_ffs(b, n, &r);
		KUNIT_EXPECT_EQ_MSG(test, r, -1, "ffs empty n=%d", n);
		bit_ffc(b, n, &r);
		KUNIT_EXPECT_EQ_MSG(test, r, 0, "ffc empty n=%d", n);
		bit_nset(b, 0, n - 1);
		bit_ffc(b, n, &r);
		KUNIT_EXPECT_EQ_MSG(test, r, -1, "ffc full n=%d", n);
		bit_ffs(b, n, &r);
		KUNIT_EXPECT_EQ_MSG(test, r, 0, "ffs full n=%d", n);
		bit_count(b, 0, n, &r);
		KUNIT_EXPECT_EQ_MSG(test, r, n, "count full n=%d", n);
		KUNIT_EXPECT_TRUE(test, bit_ntest(b, 0, n - 1, 1));

		/* Only the last bit clear / only the last bit set. */
		bit_clear(b, n - 1);
		bit_ffc(b, n, &r);
		KUNIT_EXPECT_EQ_MSG(test, r, n - 1, "ffc last n=%d", n);
		bit_nclear(b, 0, n - 1);
		KUNIT_EXPECT_TRUE(test, bit_ntest(b, 0, n - 1, 0));
		bit_set(b, n - 1);
		bit_ffs(b, n, &r);
		KUNIT_EXPECT_EQ_MSG(test, r, n - 1, "ffs last n=%d", n);
		bit_ffs_at(b, n - 1, n, &r);
		KUNIT_EXPECT_EQ(test, r, n - 1);
		bit_ffs_at(b, n, n, &r);		/* start at nbits: nothing */
		KUNIT_EXPECT_EQ(test, r, -1);
		bit_count(b, 0, n, &r);
		KUNIT_EXPECT_EQ(test, r, 1);
		free(b, M_TEMP);
	}
}

/* Bits past nbits in the last word are not found even if set. */
static void searches_stop_at_nbits(struct kunit *test)
{
	bitstr_t bit_decl(b, 128) = { 0 };
	int r;

	bit_set(b, 70);
	bit_ffs(b, 70, &r);
	KUNIT_EXPECT_EQ(test, r, -1);
	bit_ffs(b, 71, &r);
	KUNIT_EXPECT_EQ(test, r, 70);
	bit_nset(b, 0, 127);
	bit_clear(b, 100);
	bit_ffc(b, 100, &r);
	KUNIT_EXPECT_EQ(test, r, -1);
	bit_count(b, 0, 100, &r);
	KUNIT_EXPECT_EQ(test, r, 100);
}

static void nset_nclear_ranges_across_words(struct kunit *test)
{
	bitstr_t bit_decl(b, 200) = { 0 };
	int r;

	bit_nset(b, 60, 130);			/* three words */
	KUNIT_EXPECT_FALSE(test, bit_test(b, 59));
	KUNIT_EXPECT_TRUE(test, bit_test(b, 60));
	KUNIT_EXPECT_TRUE(test, bit_test(b, 130));
	KUNIT_EXPECT_FALSE(test, bit_test(b, 131));
	bit_count(b, 0, 200, &r);
	KUNIT_EXPECT_EQ(test, r, 71);
	bit_count(b, 64, 128, &r);
	KUNIT_EXPECT_EQ(test, r, 64);
	bit_nclear(b, 64, 127);
	bit_count(b, 0, 200, &r);
	KUNIT_EXPECT_EQ(test, r, 7);
	bit_ffs_at(b, 64, 200, &r);
	KUNIT_EXPECT_EQ(test, r, 128);
	bit_ffc_at(b, 60, 200, &r);
	KUNIT_EXPECT_EQ(test, r, 64);
	KUNIT_EXPECT_TRUE(test, bit_ntest(b, 60, 63, 1));
	KUNIT_EXPECT_FALSE(test, bit_ntest(b, 59, 63, 1));
	bit_nset(b, 5, 5);			/* a one-bit range */
	bit_count(b, 0, 64, &r);
	KUNIT_EXPECT_EQ(test, r, 5);
}

static void ff_area_finds_runs(struct kunit *test)
{
	bitstr_t bit_decl(b, 150) = { 0 };
	int r;

	bit_nset(b, 10, 12);			/* a run of 3 */
	bit_nset(b, 62, 69);			/* a run of 8 across a word boundary */
	bit_ffs_area(b, 150, 3, &r);
	KUNIT_EXPECT_EQ(test, r, 10);
	bit_ffs_area(b, 150, 4, &r);
	KUNIT_EXPECT_EQ(test, r, 62);
	bit_ffs_area(b, 150, 9, &r);
	KUNIT_EXPECT_EQ(test, r, -1);
	bit_ffs_area_at(b, 11, 150, 2, &r);
	KUNIT_EXPECT_EQ(test, r, 11);
	bit_ffs_area_at(b, 12, 150, 2, &r);
	KUNIT_EXPECT_EQ(test, r, 62);
	bit_ffc_area(b, 150, 10, &r);
	KUNIT_EXPECT_EQ(test, r, 0);
	bit_ffc_area(b, 150, 11, &r);
	KUNIT_EXPECT_EQ(test, r, 13);
	bit_ffc_area_at(b, 13, 70, 49, &r);	/* 13..61 is 49 clear bits */
	KUNIT_EXPECT_EQ(test, r, 13);
	bit_ffc_area_at(b, 13, 70, 50, &r);
	KUNIT_EXPECT_EQ(test, r, -1);
	bit_ffc_area(b, 150, 80, &r);		/* 70..149 */
	KUNIT_EXPECT_EQ(test, r, 70);
	bit_ffc_area(b, 150, 81, &r);
	KUNIT_EXPECT_EQ(test, r, -1);
}

static void foreach_visits_set_and_unset_bits(struct kunit *test)
{
	bitstr_t bit_decl(b, 70) = { 0 };
	int v, n = 0, sum = 0;

	bit_set(b, 0);
	bit_set(b, 63);
	bit_set(b, 69);
	bit_foreach(b, 70, v) {
		n++;
		sum += v;
	}
	KUNIT_EXPECT_EQ(test, n, 3);
	KUNIT_EXPECT_EQ(test, sum, 132);
	n = 0;
	bit_foreach_unset(b, 70, v)
		n++;
	KUNIT_EXPECT_EQ(test, n, 67);
}

static struct kunit_case bitstring_cases[] = {
	KUNIT_CASE(bitstr_size_rounds_up_to_words),
	KUNIT_CASE(set_clear_test_single_bits),
	KUNIT_CASE(ffs_ffc_empty_full_and_edges),
	KUNIT_CASE(searches_stop_at_nbits),
	KUNIT_CASE(nset_nclear_ranges_across_words),
	KUNIT_CASE(ff_area_finds_runs),
	KUNIT_CASE(foreach_visits_set_and_unset_bits),
	{}
};

static struct kunit_suite bitstring_suite = {
	.name = "freebsd_bitstring",
	.test_cases = bitstring_cases,
};

kunit_test_suites(&bitstring_suite);
