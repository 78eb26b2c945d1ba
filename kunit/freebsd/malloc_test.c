/*
 * malloc(9) (<sys/malloc.h>): M_ZERO, realloc/reallocf, M_WAITOK never returning NULL,
 * M_NOWAIT in atomic context, and the misuse reports. Failures are forced with
 * bsdsync_malloc_fail_next (the next N kmalloc attempts fail).
 */
#include "harness_freebsd.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/malloc.h>
#include <sys/lock.h>
#include <sys/mutex.h>

static MALLOC_DEFINE(M_BTTEST, "bttest", "bsdsync KUnit malloc type");

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void m_zero_returns_zeroed_memory(struct kunit *test)
{
	static const size_t sizes[] = { 1, 24, 100, 4096, 10000 };

	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		/* Dirty a block of the same size first, so the zeroing is ours to see. */
		unsigned char *d = malloc(sizes[i], M_BTTEST, M_WAITOK);

		KUNIT_ASSERT_NOT_NULL(test, d);
		memset(d, 0xa5, sizes[i]);
		free(d, M_BTTEST);
		d = malloc(sizes[i], M_BTTEST, M_WAITOK | M_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, d);
		KUNIT_EXPECT_TRUE_MSG(test, all_zero(d, sizes[i]), "size %zu", sizes[i]);
		free(d, M_BTTEST);
	}
}

static void m_waitok_retries_until_it_succeeds(struct kunit *test)
{
	void *p;

	bsdsync_malloc_fail_next(3);
	p = malloc(64, M_DEVBUF, M_WAITOK);
	KUNIT_EXPECT_NOT_NULL(test, p);
	free(p, M_DEVBUF);
	bsdsync_malloc_fail_next(0);
}

static void m_nowait_returns_null_on_failure(struct kunit *test)
{
	void *p;

	bsdsync_malloc_fail_next(1);
	p = malloc(64, M_DEVBUF, M_NOWAIT);
	KUNIT_EXPECT_NULL(test, p);
	bsdsync_malloc_fail_next(0);
	free(p, M_DEVBUF);			/* free(NULL) is allowed */
}

static void realloc_keeps_contents(struct kunit *test)
{
	unsigned char *p = malloc(16, M_TEMP, M_WAITOK);

	KUNIT_ASSERT_NOT_NULL(test, p);
	for (int i = 0; i < 16; i++)
		p[i] = i + 1;
	p = realloc(p, 8192, M_TEMP, M_WAITOK);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (int i = 0; i < 16; i++)
		KUNIT_EXPECT_EQ(test, p[i], i + 1);
	p[8191] = 7;
	p = realloc(p, 8, M_TEMP, M_WAITOK);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (int i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, p[i], i + 1);
	free(p, M_TEMP);
	p = realloc(NULL, 32, M_TEMP, M_WAITOK | M_ZERO);	/* NULL: malloc */
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, all_zero(p, 32));
	free(p, M_TEMP);
}

static void realloc_failure_keeps_the_old_block(struct kunit *test)
{
	unsigned char *p = malloc(32, M_TEMP, M_WAITOK), *q;

	KUNIT_ASSERT_NOT_NULL(test, p);
	p[31] = 0x5a;
	bsdsync_malloc_fail_next(1);
	q = realloc(p, 64 * 1024, M_TEMP, M_NOWAIT);
	KUNIT_EXPECT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, p[31], 0x5a);	/* still ours (KASAN would report otherwise) */
	free(p, M_TEMP);
}

/* reallocf frees the old block on failure: a later free of it would be a double free
 * (KASAN report); this case checks the NULL and leaves the old pointer alone. */
static void reallocf_frees_on_failure(struct kunit *test)
{
	unsigned char *p = malloc(32, M_TEMP, M_WAITOK), *q;

	KUNIT_ASSERT_NOT_NULL(test, p);
	bsdsync_malloc_fail_next(1);
	q = reallocf(p, 64 * 1024, M_TEMP, M_NOWAIT);
	KUNIT_EXPECT_NULL(test, q);
	q = reallocf(malloc(8, M_TEMP, M_WAITOK), 16, M_TEMP, M_WAITOK);
	KUNIT_EXPECT_NOT_NULL(test, q);
	free(q, M_TEMP);
}

static void m_nowait_in_atomic_context_allocates_without_report(struct kunit *test)
{
	void *p;

	unsigned long before = bsdsync_report_total(), after;

	/* KUnit's checks may sleep when they fail: none inside the section. */
	spinlock_enter();
	p = malloc(128, M_DEVBUF, M_NOWAIT | M_ZERO);
	after = bsdsync_report_total();
	spinlock_exit();
	KUNIT_EXPECT_EQ(test, after - before, 0UL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	free(p, M_DEVBUF);
}

static void m_waitok_in_atomic_context_reported_and_served(struct kunit *test)
{
	void *p;

	struct bt_probe probe;

	bt_probe_begin(&probe, BSDSYNC_RULE_SLEEP_ATOMIC);
	spinlock_enter();
	p = malloc(128, M_DEVBUF, M_WAITOK);
	bt_probe_end(&probe);
	spinlock_exit();
	bt_expect_one_report_no_sleep(test, &probe, "malloc(M_WAITOK) in spinlock_enter");
	KUNIT_EXPECT_NOT_NULL(test, p);
	free(p, M_DEVBUF);
}

static void m_waitok_with_mutex_held_reported(struct kunit *test)
{
	struct mtx m;
	void *p;

	mtx_init(&m, "bt malloc", NULL, MTX_DEF);
	mtx_lock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE,
			 p = malloc(128, M_DEVBUF, M_WAITOK));
	mtx_unlock(&m);
	mtx_destroy(&m);
	KUNIT_EXPECT_NOT_NULL(test, p);
	free(p, M_DEVBUF);
}

static void malloc_without_wait_flag_reported(struct kunit *test)
{
	void *p;

	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, p = malloc(16, M_TEMP, M_ZERO));
	KUNIT_EXPECT_NOT_NULL(test, p);
	free(p, M_TEMP);
}

static void mallocarray_overflow_reported_null(struct kunit *test)
{
	void *p;

	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 p = mallocarray(~0UL / 2, 4, M_TEMP, M_WAITOK));
	KUNIT_EXPECT_NULL(test, p);
	p = mallocarray(10, 8, M_TEMP, M_WAITOK | M_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, all_zero(p, 80));
	zfree(p, M_TEMP);
}

/* M_WAITOK cannot be honoured for a size kmalloc never gives: one report, NULL (FreeBSD
 * panics); realloc the same, with the old block kept. */
static void m_waitok_larger_than_kmalloc_can_give_reported_null(struct kunit *test)
{
	unsigned char *p = NULL, *q = NULL;

	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 p = malloc(1UL << 40, M_TEMP, M_WAITOK));
	KUNIT_EXPECT_NULL(test, p);
	p = malloc(16, M_TEMP, M_WAITOK);
	KUNIT_ASSERT_NOT_NULL(test, p);
	p[15] = 0x5a;
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT,
			 q = realloc(p, 1UL << 40, M_TEMP, M_WAITOK));
	KUNIT_EXPECT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, p[15], 0x5a);
	free(p, M_TEMP);
}

static struct kunit_case malloc_cases[] = {
	KUNIT_CASE(m_waitok_larger_than_kmalloc_can_give_reported_null),
	KUNIT_CASE(m_zero_returns_zeroed_memory),
	KUNIT_CASE(m_waitok_retries_until_it_succeeds),
	KUNIT_CASE(m_nowait_returns_null_on_failure),
	KUNIT_CASE(realloc_keeps_contents),
	KUNIT_CASE(realloc_failure_keeps_the_old_block),
	KUNIT_CASE(reallocf_frees_on_failure),
	KUNIT_CASE(m_nowait_in_atomic_context_allocates_without_report),
	KUNIT_CASE(m_waitok_in_atomic_context_reported_and_served),
	KUNIT_CASE(m_waitok_with_mutex_held_reported),
	KUNIT_CASE(malloc_without_wait_flag_reported),
	KUNIT_CASE(mallocarray_overflow_reported_null),
	{}
};

static struct kunit_suite malloc_suite = {
	.name = "freebsd_malloc",
	.test_cases = malloc_cases,
};

kunit_test_suites(&malloc_suite);
