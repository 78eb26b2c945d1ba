// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The core's SYSINIT machinery (include/bsdsync/sysinit.h, module/core/sysinit.cpp), tested
 * directly through the neutral ABI: records written the way a personality's SYSINIT macro
 * writes them (FreeBSD's: include/freebsd/sys/kernel.h), a marker function
 * __bsdsync_sysinit_<name> returning each. bsdsync's module notifier finds them in this module
 * as it comes, and runs them before its init function, sorted by (subsystem, order).
 */
#include <kunit/test.h>

#include <bsdsync/sysinit.h>

#include "harness.h"

/* A record and its marker, as a personality's SYSINIT macro makes them. */
#define KT_SYSINIT(uniq, sub, order, func, ident)						\
	static const struct bsdsync_sysinit *__bsdsync_sysinit_##uniq(void);		\
	static const struct bsdsync_sysinit kt_sysinit_rec_##uniq = {			\
		(sub), (order), (func), (const void *)(ident), __bsdsync_sysinit_##uniq };	\
	static __attribute__((__used__, __noinline__)) const struct bsdsync_sysinit *	\
	__bsdsync_sysinit_##uniq(void)							\
	{										\
		return &kt_sysinit_rec_##uniq;						\
	}

/* Two subsystems and two orders (FreeBSD's SI_SUB_LOCK, SI_SUB_DRIVERS, SI_ORDER_FIRST,
 * SI_ORDER_ANY: any increasing values do). */
enum { KT_SUB_EARLY = 0x1B00000, KT_SUB_LATE = 0x3100000 };
enum { KT_ORDER_FIRST = 0x0000000, KT_ORDER_ANY = 0xfffffff };

/* Three records in one module, declared out of order: they must run sorted by
 * (subsystem, order), all before this module's init (before any test runs). */
static int sysinit_trace[3], sysinit_ran;

static void sysinit_record(const void *arg)
{
	if (sysinit_ran < 3)
		sysinit_trace[sysinit_ran] = (int)(long)arg;
	sysinit_ran++;
}
KT_SYSINIT(kunit_third, KT_SUB_LATE, KT_ORDER_ANY, sysinit_record, 3);
KT_SYSINIT(kunit_first, KT_SUB_EARLY, KT_ORDER_FIRST, sysinit_record, 1);
KT_SYSINIT(kunit_second, KT_SUB_LATE, KT_ORDER_FIRST, sysinit_record, 2);

static void sysinit_records_run_once_in_subsystem_then_order(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sysinit_ran, 3);
	KUNIT_EXPECT_EQ(test, sysinit_trace[0], 1);
	KUNIT_EXPECT_EQ(test, sysinit_trace[1], 2);
	KUNIT_EXPECT_EQ(test, sysinit_trace[2], 3);
}

static struct kunit_case sysinit_cases[] = {
	KUNIT_CASE(sysinit_records_run_once_in_subsystem_then_order),
	{}
};

static struct kunit_suite sysinit_suite = {
	.name = "bsdsync_sysinit",
	.test_cases = sysinit_cases,
};
kunit_test_suites(&sysinit_suite);
