// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * DragonFly's <machine/atomic.h> (x86-64): one table, one row per operation: the word's
 * value before, the operation, the value after and the result it must return. The names
 * DragonFly shares with FreeBSD come from FreeBSD's face (kunit/freebsd/atomic_test.c checks
 * their orders); here they are checked under DragonFly's include path, with DragonFly's
 * argument types, beside DragonFly's own (_nonlocked, cmpxchg, poll, the interrupt
 * interlock). Then two threads take the interrupt interlock with atomic_intr_cond_enter and
 * leave it with cond_exit many times: never both inside.
 */
#include <linux/atomic.h>
#include <linux/sched.h>

#include "harness.h"

#include <sys/types.h>
#include <machine/atomic.h>

struct row {
	const char *name;
	unsigned long before;
	long (*op)(unsigned long *w);	/* runs the operation on *w, returns its result */
	unsigned long after;
	long result;
};

#define OP_INT(fn, body)							\
	static long fn(unsigned long *w)					\
	{									\
		u_int v = (u_int)*w;						\
		long r = 0;							\
		body;								\
		*w = v;								\
		return r;							\
	}
#define OP_SINT(fn, body)							\
	static long fn(unsigned long *w)					\
	{									\
		int v = (int)*w;						\
		long r = 0;							\
		body;								\
		*w = (u_int)v;							\
		return r;							\
	}
#define OP_LONG(fn, body)							\
	static long fn(unsigned long *w)					\
	{									\
		u_long v = *w;							\
		long r = 0;							\
		body;								\
		*w = v;								\
		return r;							\
	}

OP_INT(op_add_int, atomic_add_int(&v, 5))
OP_INT(op_subtract_int, atomic_subtract_int(&v, 5))
OP_INT(op_set_int, atomic_set_int(&v, 0xf0))
OP_INT(op_clear_int, atomic_clear_int(&v, 0x0f))
OP_INT(op_add_int_nonlocked, atomic_add_int_nonlocked(&v, 3))
OP_INT(op_set_int_nonlocked, atomic_set_int_nonlocked(&v, 0x100))
OP_INT(op_clear_int_nonlocked, atomic_clear_int_nonlocked(&v, 0x1))
OP_INT(op_subtract_int_nonlocked, atomic_subtract_int_nonlocked(&v, 1))
OP_INT(op_cmpset_int_hit, r = atomic_cmpset_int(&v, 7, 9))
OP_INT(op_cmpset_int_miss, r = atomic_cmpset_int(&v, 8, 9))
OP_INT(op_fcmpset_int_miss, u_int e = 8; r = atomic_fcmpset_int(&v, &e, 9); r = r * 100 + e)
OP_INT(op_cmpxchg_int_hit, r = atomic_cmpxchg_int(&v, 7, 9))
OP_INT(op_cmpxchg_int_miss, r = atomic_cmpxchg_int(&v, 8, 9))
OP_INT(op_fetchadd_int, r = atomic_fetchadd_int(&v, 10))
OP_SINT(op_swap_int, r = atomic_swap_int(&v, -1))
OP_INT(op_readandclear_int, r = atomic_readandclear_int(&v))
OP_INT(op_testandset_int, r = atomic_testandset_int(&v, 3))
OP_INT(op_testandclear_int, r = atomic_testandclear_int(&v, 3))
OP_INT(op_poll_acquire_free, r = atomic_poll_acquire_int(&v))
OP_INT(op_poll_acquire_held, r = atomic_poll_acquire_int(&v))
OP_INT(op_poll_release, atomic_poll_release_int(&v))
OP_INT(op_load_acq_int, r = atomic_load_acq_int(&v))
OP_INT(op_store_rel_int, atomic_store_rel_int(&v, 42))
OP_LONG(op_add_long, atomic_add_long(&v, 1UL << 40))
OP_LONG(op_cmpset_long, r = atomic_cmpset_long(&v, 1UL << 40, 2))
OP_LONG(op_cmpxchg_long_test_hit, r = atomic_cmpxchg_long_test(&v, 5, 6))
OP_LONG(op_cmpxchg_long_test_miss, r = atomic_cmpxchg_long_test(&v, 4, 6))
OP_LONG(op_fetchadd_long, r = (long)atomic_fetchadd_long(&v, 2))
OP_LONG(op_swap_long, r = (long)atomic_swap_long(&v, 77))
OP_LONG(op_readandclear_long, r = (long)atomic_readandclear_long(&v))
OP_LONG(op_clear_long_nonlocked, atomic_clear_long_nonlocked(&v, 0xff))
OP_SINT(op_intr_disable_idle, r = atomic_intr_handler_disable(&v))
OP_SINT(op_intr_disable_running, r = atomic_intr_handler_disable(&v) != 0)
OP_SINT(op_intr_enable, atomic_intr_handler_enable(&v))
OP_SINT(op_intr_is_enabled, r = atomic_intr_handler_is_enabled(&v) != 0)
OP_SINT(op_intr_cond_try_free, r = atomic_intr_cond_try(&v))
OP_SINT(op_intr_cond_try_held, r = atomic_intr_cond_try(&v))
OP_SINT(op_intr_cond_test, r = atomic_intr_cond_test(&v) != 0)
OP_SINT(op_intr_cond_inc, atomic_intr_cond_inc(&v))
OP_SINT(op_intr_cond_dec, atomic_intr_cond_dec(&v))

static const struct row rows[] = {
	{ "add_int", 10, op_add_int, 15, 0 },
	{ "subtract_int", 3, op_subtract_int, 0xfffffffeUL, 0 },
	{ "set_int", 0x0f, op_set_int, 0xff, 0 },
	{ "clear_int", 0xff, op_clear_int, 0xf0, 0 },
	{ "add_int_nonlocked", 1, op_add_int_nonlocked, 4, 0 },
	{ "set_int_nonlocked", 1, op_set_int_nonlocked, 0x101, 0 },
	{ "clear_int_nonlocked", 3, op_clear_int_nonlocked, 2, 0 },
	{ "subtract_int_nonlocked", 3, op_subtract_int_nonlocked, 2, 0 },
	{ "cmpset_int (equal: swapped, 1)", 7, op_cmpset_int_hit, 9, 1 },
	{ "cmpset_int (differs: kept, 0)", 7, op_cmpset_int_miss, 7, 0 },
	{ "fcmpset_int (differs: 0, *expect = found)", 7, op_fcmpset_int_miss, 7, 7 },
	{ "cmpxchg_int (equal: the old value)", 7, op_cmpxchg_int_hit, 9, 7 },
	{ "cmpxchg_int (differs: the value found)", 7, op_cmpxchg_int_miss, 7, 7 },
	{ "fetchadd_int (the old value)", 5, op_fetchadd_int, 15, 5 },
	{ "swap_int (int *: the old value)", 12, op_swap_int, 0xffffffffUL, 12 },
	{ "readandclear_int", 33, op_readandclear_int, 0, 33 },
	{ "testandset_int (bit was clear)", 1, op_testandset_int, 9, 0 },
	{ "testandclear_int (bit was set)", 9, op_testandclear_int, 1, 1 },
	{ "poll_acquire_int (free: acquired)", 0, op_poll_acquire_free, 1, 1 },
	{ "poll_acquire_int (held: not)", 1, op_poll_acquire_held, 1, 0 },
	{ "poll_release_int", 3, op_poll_release, 2, 0 },
	{ "load_acq_int", 21, op_load_acq_int, 21, 21 },
	{ "store_rel_int", 21, op_store_rel_int, 42, 0 },
	{ "add_long", 1, op_add_long, (1UL << 40) + 1, 0 },
	{ "cmpset_long", 1UL << 40, op_cmpset_long, 2, 1 },
	{ "cmpxchg_long_test (equal: 1)", 5, op_cmpxchg_long_test_hit, 6, 1 },
	{ "cmpxchg_long_test (differs: 0)", 5, op_cmpxchg_long_test_miss, 5, 0 },
	{ "fetchadd_long", 40, op_fetchadd_long, 42, 40 },
	{ "swap_long", 1, op_swap_long, 77, 1 },
	{ "readandclear_long", 1UL << 50, op_readandclear_long, 0, 1L << 50 },
	{ "clear_long_nonlocked", 0x1ff, op_clear_long_nonlocked, 0x100, 0 },
	{ "intr_handler_disable (idle: 0)", 0, op_intr_disable_idle, 0x40000000, 0 },
	{ "intr_handler_disable (running: set)", 0x80000000UL, op_intr_disable_running,
	  0xc0000000UL, 1 },
	{ "intr_handler_enable", 0xc0000002UL, op_intr_enable, 0x80000002UL, 0 },
	{ "intr_handler_is_enabled (disabled: nonzero)", 0x40000000, op_intr_is_enabled,
	  0x40000000, 1 },
	{ "intr_cond_try (free: 0, got it)", 0x40000000, op_intr_cond_try_free, 0xc0000000UL,
	  0 },
	{ "intr_cond_try (held: 1)", 0x80000001UL, op_intr_cond_try_held, 0x80000001UL, 1 },
	{ "intr_cond_test", 0x80000000UL, op_intr_cond_test, 0x80000000UL, 1 },
	{ "intr_cond_inc", 0x80000000UL, op_intr_cond_inc, 0x80000001UL, 0 },
	{ "intr_cond_dec", 0x80000001UL, op_intr_cond_dec, 0x80000000UL, 0 },
};

static void every_operation_gives_its_value_and_result(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		unsigned long w = rows[i].before;
		long r = rows[i].op(&w);

		KUNIT_EXPECT_EQ_MSG(test, w, rows[i].after, "%s: value after", rows[i].name);
		KUNIT_EXPECT_EQ_MSG(test, r, rows[i].result, "%s: result", rows[i].name);
	}
}

/* ---- the interrupt interlock excludes ------------------------------------------------------- */

#define ROUNDS 20000

struct intr_lock {
	__atomic_intr_t word;
	atomic_t inside;
	int bad;
	atomic_t waits;		/* func calls while waiting */
	atomic_t kicks;		/* func calls at exit */
};

static void intr_wait(void *arg)
{
	struct intr_lock *l = arg;

	atomic_inc(&l->waits);
	cpu_relax();
}

static void intr_kick(void *arg)
{
	struct intr_lock *l = arg;

	atomic_inc(&l->kicks);
}

static void intr_main(void *arg)
{
	struct intr_lock *l = arg;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		atomic_intr_cond_enter(&l->word, intr_wait, l);
		if (atomic_inc_return(&l->inside) != 1)
			WRITE_ONCE(l->bad, 1);
		atomic_dec(&l->inside);
		atomic_intr_cond_exit(&l->word, intr_kick, l);
		if ((i & 255) == 0)
			cond_resched();
	}
}

static void intr_cond_enter_and_exit_exclude(struct kunit *test)
{
	struct intr_lock *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct bt_thread t[2];

	KUNIT_ASSERT_NOT_NULL(test, l);
	atomic_intr_init(&l->word);
	bt_start_n(test, t, 2, intr_main, l, 0, "dfly-intr");
	bt_join_n(t, 2);
	KUNIT_EXPECT_EQ(test, READ_ONCE(l->bad), 0);
	/* Every waiter's count went again, and the running bit. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(l->word), 0);
}

static struct kunit_case atomic_cases[] = {
	KUNIT_CASE(every_operation_gives_its_value_and_result),
	KUNIT_CASE(intr_cond_enter_and_exit_exclude),
	{}
};

static struct kunit_suite atomic_suite = {
	.name = "dragonfly_atomic",
	.test_cases = atomic_cases,
};

kunit_test_suites(&atomic_suite);
