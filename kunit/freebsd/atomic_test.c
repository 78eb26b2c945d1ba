/*
 * KUnit tests for <machine/atomic.h>, FreeBSD's atomic(9): one case per documented behaviour,
 * each run for every type that FreeBSD amd64 offers the operation for, in every ordering.
 *
 * Single-thread cases put the object under test between two guard words, so an operation of the
 * wrong width (or a compare of the wrong width) shows up as a changed guard or a wrong result.
 * Multi-thread cases run kthreads, one per online CPU where there are enough, that start their
 * work together; every spin has a deadline, so a bug fails the test instead of hanging the kernel.
 *
 * A Linux header comes before <machine/atomic.h> and others after it, and one case uses
 * Linux's atomic_t next to FreeBSD's functions: the two APIs must coexist in one file.
 */
#include <kunit/test.h>
#include <linux/atomic.h>

#include <machine/atomic.h>

#include <linux/bitops.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/hw_breakpoint.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <linux/slab.h>

/* ---------------------------------------------------------------------------------------------
 * The FreeBSD prototypes, checked when this file compiles.
 */
struct atomic_test_node {
	int value;
};

#define ATOMIC_TEST_RETURNS(expr, T)								\
	_Static_assert(__builtin_types_compatible_p(__typeof__(expr), T), #expr " is not " #T)

ATOMIC_TEST_RETURNS(atomic_load_int((int *)0), int);
ATOMIC_TEST_RETURNS(atomic_load_int((u_int *)0), u_int);
ATOMIC_TEST_RETURNS(atomic_load_long((const volatile long *)0), long);
ATOMIC_TEST_RETURNS(atomic_load_64((int64_t *)0), int64_t);
ATOMIC_TEST_RETURNS(atomic_load_64((uint64_t *)0), uint64_t);
ATOMIC_TEST_RETURNS(atomic_load_ptr((struct atomic_test_node **)0), struct atomic_test_node *);
ATOMIC_TEST_RETURNS(atomic_load_acq_ptr((uintptr_t *)0), uintptr_t);
ATOMIC_TEST_RETURNS(atomic_load_acq_16((uint16_t *)0), uint16_t);
ATOMIC_TEST_RETURNS(atomic_fetchadd_64((uint64_t *)0, 1), uint64_t);
ATOMIC_TEST_RETURNS(atomic_swap_long((u_long *)0, 1), u_long);
ATOMIC_TEST_RETURNS(atomic_readandclear_32((uint32_t *)0), uint32_t);
ATOMIC_TEST_RETURNS(atomic_cmpset_rel_char((u_char *)0, 1, 2), int);
ATOMIC_TEST_RETURNS(atomic_fcmpset_acq_ptr((uintptr_t *)0, (uintptr_t *)0, 2), int);
ATOMIC_TEST_RETURNS(atomic_testandclear_64((uint64_t *)0, 1), int);

/* ---------------------------------------------------------------------------------------------
 * Single-thread checks, one macro per behaviour; `fn` is the function under test.
 */
#define ATOMIC_TEST_GUARD		0x5a5a5a5a5a5a5a5aULL
#define GUARDED(T)			struct { T below; T val; T above; }
#define GUARDED_INIT(T, v)		{ (T)ATOMIC_TEST_GUARD, (T)(v), (T)ATOMIC_TEST_GUARD }
#define WIDTH_OF(T)			((u_int)(sizeof(T) * 8))
#define BIT_OF(T, n)			((T)((T)1 << (n)))
#define TOP_BIT(T)			BIT_OF(T, WIDTH_OF(T) - 1)
#define ALL_ONES(T)			((T)~(T)0)

/* g.val must be `want`, and the words around it untouched. */
#define EXPECT_OBJ(test, g, T, want, fn) do {							\
	KUNIT_EXPECT_EQ_MSG(test, (u64)(g).val, (u64)(T)(want), "%s", fn);			\
	KUNIT_EXPECT_EQ_MSG(test, (u64)(g).below, (u64)(T)ATOMIC_TEST_GUARD,			\
	    "%s wrote below its object", fn);							\
	KUNIT_EXPECT_EQ_MSG(test, (u64)(g).above, (u64)(T)ATOMIC_TEST_GUARD,			\
	    "%s wrote above its object", fn);							\
} while (0)
#define EXPECT_RET(test, T, got, want, fn)							\
	KUNIT_EXPECT_EQ_MSG(test, (u64)(got), (u64)(T)(want), "%s returned", fn)

/* add: *p += v, modulo 2^width. */
#define CHECK_ADD(test, T, fn) do {								\
	GUARDED(T) g = GUARDED_INIT(T, ALL_ONES(T) - 1);					\
	fn(&g.val, 3);										\
	EXPECT_OBJ(test, g, T, 1, #fn);								\
	fn(&g.val, TOP_BIT(T));									\
	EXPECT_OBJ(test, g, T, TOP_BIT(T) | 1, #fn);						\
} while (0)

/* subtract: *p -= v, modulo 2^width. */
#define CHECK_SUBTRACT(test, T, fn) do {							\
	GUARDED(T) g = GUARDED_INIT(T, 1);							\
	fn(&g.val, 3);										\
	EXPECT_OBJ(test, g, T, ALL_ONES(T) - 1, #fn);						\
	fn(&g.val, TOP_BIT(T));									\
	EXPECT_OBJ(test, g, T, TOP_BIT(T) - 2, #fn);						\
} while (0)

/* set: *p |= v. */
#define CHECK_SET(test, T, fn) do {								\
	GUARDED(T) g = GUARDED_INIT(T, 0x11);							\
	fn(&g.val, TOP_BIT(T) | 0x03);								\
	EXPECT_OBJ(test, g, T, TOP_BIT(T) | 0x13, #fn);						\
	fn(&g.val, 0);										\
	EXPECT_OBJ(test, g, T, TOP_BIT(T) | 0x13, #fn);						\
} while (0)

/* clear: *p &= ~v. */
#define CHECK_CLEAR(test, T, fn) do {								\
	GUARDED(T) g = GUARDED_INIT(T, ALL_ONES(T));						\
	fn(&g.val, TOP_BIT(T) | 0x01);								\
	EXPECT_OBJ(test, g, T, ALL_ONES(T) ^ (TOP_BIT(T) | 0x01), #fn);				\
	fn(&g.val, 0);										\
	EXPECT_OBJ(test, g, T, ALL_ONES(T) ^ (TOP_BIT(T) | 0x01), #fn);				\
} while (0)

/* cmpset: on *dst == old, stores new and returns 1 (compared at full width). */
#define CHECK_CMPSET_MATCH(test, T, fn) do {							\
	GUARDED(T) g = GUARDED_INIT(T, TOP_BIT(T) | 5);						\
	EXPECT_RET(test, int, fn(&g.val, TOP_BIT(T) | 5, 7), 1, #fn);				\
	EXPECT_OBJ(test, g, T, 7, #fn);								\
	EXPECT_RET(test, int, fn(&g.val, 7, TOP_BIT(T)), 1, #fn);				\
	EXPECT_OBJ(test, g, T, TOP_BIT(T), #fn);						\
} while (0)

/* cmpset: on *dst != old, returns 0 and stores nothing; old differing only in the top bit too. */
#define CHECK_CMPSET_MISMATCH(test, T, fn) do {							\
	GUARDED(T) g = GUARDED_INIT(T, TOP_BIT(T) | 5);						\
	EXPECT_RET(test, int, fn(&g.val, 5, 7), 0, #fn);					\
	EXPECT_OBJ(test, g, T, TOP_BIT(T) | 5, #fn);						\
	EXPECT_RET(test, int, fn(&g.val, TOP_BIT(T) | 4, 7), 0, #fn);				\
	EXPECT_OBJ(test, g, T, TOP_BIT(T) | 5, #fn);						\
} while (0)

/* fcmpset: on *dst == *old, stores new, returns 1 and leaves *old alone. */
#define CHECK_FCMPSET_MATCH(test, T, fn) do {							\
	GUARDED(T) g = GUARDED_INIT(T, TOP_BIT(T) | 5);						\
	GUARDED(T) old = GUARDED_INIT(T, TOP_BIT(T) | 5);					\
	EXPECT_RET(test, int, fn(&g.val, &old.val, 9), 1, #fn);					\
	EXPECT_OBJ(test, g, T, 9, #fn);								\
	EXPECT_OBJ(test, old, T, TOP_BIT(T) | 5, #fn " (*old)");				\
} while (0)

/*
 * fcmpset: on *dst != *old, returns 0, stores nothing and writes the value it saw to *old, so
 * the retry (the usual fcmpset loop) succeeds.
 */
#define CHECK_FCMPSET_FAILURE(test, T, fn) do {							\
	GUARDED(T) g = GUARDED_INIT(T, TOP_BIT(T) | 5);						\
	GUARDED(T) old = GUARDED_INIT(T, 5);							\
	EXPECT_RET(test, int, fn(&g.val, &old.val, 9), 0, #fn);					\
	EXPECT_OBJ(test, g, T, TOP_BIT(T) | 5, #fn);						\
	EXPECT_OBJ(test, old, T, TOP_BIT(T) | 5, #fn " (*old)");				\
	EXPECT_RET(test, int, fn(&g.val, &old.val, 9), 1, #fn);					\
	EXPECT_OBJ(test, g, T, 9, #fn);								\
} while (0)

/* fetchadd: tmp = *p; *p += v; return tmp. */
#define CHECK_FETCHADD(test, T, fn) do {							\
	GUARDED(T) g = GUARDED_INIT(T, ALL_ONES(T));						\
	EXPECT_RET(test, T, fn(&g.val, 2), ALL_ONES(T), #fn);					\
	EXPECT_OBJ(test, g, T, 1, #fn);								\
	EXPECT_RET(test, T, fn(&g.val, TOP_BIT(T)), 1, #fn);					\
	EXPECT_OBJ(test, g, T, TOP_BIT(T) | 1, #fn);						\
} while (0)

#define CHECK_LOAD_ACQ(test, T, fn) do {							\
	GUARDED(T) g = GUARDED_INIT(T, TOP_BIT(T) | 0x3c);					\
	EXPECT_RET(test, T, fn(&g.val), TOP_BIT(T) | 0x3c, #fn);				\
	EXPECT_OBJ(test, g, T, TOP_BIT(T) | 0x3c, #fn);						\
} while (0)

#define CHECK_STORE_REL(test, T, fn) do {							\
	GUARDED(T) g = GUARDED_INIT(T, 0);							\
	fn(&g.val, TOP_BIT(T) | 0x3c);								\
	EXPECT_OBJ(test, g, T, TOP_BIT(T) | 0x3c, #fn);						\
	fn(&g.val, 0);										\
	EXPECT_OBJ(test, g, T, 0, #fn);								\
} while (0)

/* swap: tmp = *p; *p = v; return tmp. */
#define CHECK_SWAP(test, T, fn) do {								\
	GUARDED(T) g = GUARDED_INIT(T, TOP_BIT(T) | 1);						\
	EXPECT_RET(test, T, fn(&g.val, 0x77), TOP_BIT(T) | 1, #fn);				\
	EXPECT_OBJ(test, g, T, 0x77, #fn);							\
} while (0)

/* readandclear: tmp = *p; *p = 0; return tmp. */
#define CHECK_READANDCLEAR(test, T, fn) do {							\
	GUARDED(T) g = GUARDED_INIT(T, ALL_ONES(T));						\
	EXPECT_RET(test, T, fn(&g.val), ALL_ONES(T), #fn);					\
	EXPECT_OBJ(test, g, T, 0, #fn);								\
	EXPECT_RET(test, T, fn(&g.val), 0, #fn);						\
	EXPECT_OBJ(test, g, T, 0, #fn);								\
} while (0)

/*
 * testandset: bit = v % width; returns the old bit (0 or 1) and sets it. Index width + mid
 * lands on bit mid = width/2 + 1, where a modulus of the wrong width would not.
 */
#define CHECK_TESTANDSET(test, T, fn) do {							\
	const u_int mid = WIDTH_OF(T) / 2 + 1;							\
	GUARDED(T) g = GUARDED_INIT(T, 0);							\
												\
	EXPECT_RET(test, int, fn(&g.val, 0), 0, #fn);						\
	EXPECT_OBJ(test, g, T, 1, #fn);								\
	EXPECT_RET(test, int, fn(&g.val, 0), 1, #fn);						\
	EXPECT_OBJ(test, g, T, 1, #fn);								\
	EXPECT_RET(test, int, fn(&g.val, WIDTH_OF(T) + mid), 0, #fn);				\
	EXPECT_OBJ(test, g, T, BIT_OF(T, mid) | 1, #fn);					\
	EXPECT_RET(test, int, fn(&g.val, mid), 1, #fn);						\
	EXPECT_RET(test, int, fn(&g.val, WIDTH_OF(T) - 1), 0, #fn);				\
	EXPECT_OBJ(test, g, T, TOP_BIT(T) | BIT_OF(T, mid) | 1, #fn);				\
} while (0)

/* testandclear: bit = v % width; returns the old bit (0 or 1) and clears it. */
#define CHECK_TESTANDCLEAR(test, T, fn) do {							\
	const u_int mid = WIDTH_OF(T) / 2 + 1;							\
	GUARDED(T) g = GUARDED_INIT(T, ALL_ONES(T));						\
												\
	EXPECT_RET(test, int, fn(&g.val, WIDTH_OF(T) + mid), 1, #fn);				\
	EXPECT_OBJ(test, g, T, ALL_ONES(T) ^ BIT_OF(T, mid), #fn);				\
	EXPECT_RET(test, int, fn(&g.val, mid), 0, #fn);						\
	EXPECT_RET(test, int, fn(&g.val, WIDTH_OF(T) - 1), 1, #fn);				\
	EXPECT_RET(test, int, fn(&g.val, WIDTH_OF(T) * 3), 1, #fn);				\
	EXPECT_OBJ(test, g, T, ALL_ONES(T) ^ (TOP_BIT(T) | BIT_OF(T, mid) | 1), #fn);		\
} while (0)

/* atomic_load_<t>/atomic_store_<t> on the unsigned type: a full-width access. */
#define CHECK_RELAXED_UNSIGNED(test, SFX, UT) do {						\
	GUARDED(UT) g = GUARDED_INIT(UT, TOP_BIT(UT) | 0x2d);					\
	EXPECT_RET(test, UT, atomic_load_##SFX(&g.val), TOP_BIT(UT) | 0x2d,			\
	    "atomic_load_" #SFX);								\
	atomic_store_##SFX(&g.val, 0x71);							\
	EXPECT_OBJ(test, g, UT, 0x71, "atomic_store_" #SFX);					\
} while (0)

/*
 * ... and on the signed type: the result has the object's type, so a negative value stays
 * negative (for char only where char is signed; 6.12 builds with -funsigned-char).
 */
#define CHECK_RELAXED_SIGNED(test, SFX, ST) do {						\
	GUARDED(ST) g = GUARDED_INIT(ST, -2);							\
	KUNIT_EXPECT_EQ_MSG(test, (long long)atomic_load_##SFX(&g.val), (long long)(ST)-2,	\
	    "atomic_load_" #SFX " of a " #ST);							\
	atomic_store_##SFX(&g.val, -3);								\
	KUNIT_EXPECT_EQ_MSG(test, (long long)g.val, (long long)(ST)-3,				\
	    "atomic_store_" #SFX " of a " #ST);							\
	EXPECT_OBJ(test, g, ST, -3, "atomic_store_" #SFX);					\
} while (0)

/* Run CHECK on atomic_<op>_<sfx>, or on its three orderings. */
#define ONE_ORDER(CHECK, test, OP, SFX, T)	CHECK(test, T, atomic_##OP##_##SFX)
#define ALL_ORDERS(CHECK, test, OP, SFX, T) do {						\
	CHECK(test, T, atomic_##OP##_##SFX);							\
	CHECK(test, T, atomic_##OP##_acq_##SFX);						\
	CHECK(test, T, atomic_##OP##_rel_##SFX);						\
} while (0)

/* The type sets of FreeBSD amd64, per family. */
#define FOR_ALL_TYPES(M, ...) do {								\
	M(__VA_ARGS__, char, u_char);								\
	M(__VA_ARGS__, short, u_short);								\
	M(__VA_ARGS__, int, u_int);								\
	M(__VA_ARGS__, long, u_long);								\
	M(__VA_ARGS__, 8, uint8_t);								\
	M(__VA_ARGS__, 16, uint16_t);								\
	M(__VA_ARGS__, 32, uint32_t);								\
	M(__VA_ARGS__, 64, uint64_t);								\
	M(__VA_ARGS__, ptr, uintptr_t);								\
} while (0)
#define FOR_FETCHADD_TYPES(M, ...) do {								\
	M(__VA_ARGS__, int, u_int);								\
	M(__VA_ARGS__, long, u_long);								\
	M(__VA_ARGS__, 32, uint32_t);								\
	M(__VA_ARGS__, 64, uint64_t);								\
} while (0)
#define FOR_SWAP_TYPES(M, ...) do {								\
	FOR_FETCHADD_TYPES(M, __VA_ARGS__);							\
	M(__VA_ARGS__, ptr, uintptr_t);								\
} while (0)
#define FOR_BIT_TYPES(M, ...)		FOR_FETCHADD_TYPES(M, __VA_ARGS__)

static void atomic_add_adds_modulo_type_width(struct kunit *test)
{
	FOR_ALL_TYPES(ALL_ORDERS, CHECK_ADD, test, add);
}

static void atomic_subtract_subtracts_modulo_type_width(struct kunit *test)
{
	FOR_ALL_TYPES(ALL_ORDERS, CHECK_SUBTRACT, test, subtract);
}

static void atomic_set_ors_bits_in(struct kunit *test)
{
	FOR_ALL_TYPES(ALL_ORDERS, CHECK_SET, test, set);
}

static void atomic_clear_clears_only_the_given_bits(struct kunit *test)
{
	FOR_ALL_TYPES(ALL_ORDERS, CHECK_CLEAR, test, clear);
}

static void atomic_cmpset_stores_new_and_returns_1_on_match(struct kunit *test)
{
	FOR_ALL_TYPES(ALL_ORDERS, CHECK_CMPSET_MATCH, test, cmpset);
}

static void atomic_cmpset_fails_on_mismatch_and_leaves_value(struct kunit *test)
{
	FOR_ALL_TYPES(ALL_ORDERS, CHECK_CMPSET_MISMATCH, test, cmpset);
}

static void atomic_fcmpset_stores_new_and_leaves_old_on_match(struct kunit *test)
{
	FOR_ALL_TYPES(ALL_ORDERS, CHECK_FCMPSET_MATCH, test, fcmpset);
}

static void atomic_fcmpset_writes_observed_value_on_failure(struct kunit *test)
{
	FOR_ALL_TYPES(ALL_ORDERS, CHECK_FCMPSET_FAILURE, test, fcmpset);
}

static void atomic_fetchadd_returns_old_value_and_adds(struct kunit *test)
{
	FOR_FETCHADD_TYPES(ONE_ORDER, CHECK_FETCHADD, test, fetchadd);
}

static void atomic_load_acq_returns_the_value(struct kunit *test)
{
	FOR_ALL_TYPES(ONE_ORDER, CHECK_LOAD_ACQ, test, load_acq);
}

static void atomic_store_rel_stores_the_value(struct kunit *test)
{
	FOR_ALL_TYPES(ONE_ORDER, CHECK_STORE_REL, test, store_rel);
}

static void atomic_swap_returns_old_and_stores_new(struct kunit *test)
{
	FOR_SWAP_TYPES(ONE_ORDER, CHECK_SWAP, test, swap);
}

static void atomic_readandclear_returns_old_and_zeroes(struct kunit *test)
{
	FOR_SWAP_TYPES(ONE_ORDER, CHECK_READANDCLEAR, test, readandclear);
}

static void atomic_testandset_returns_old_bit_and_uses_bit_modulo_width(struct kunit *test)
{
	FOR_BIT_TYPES(ONE_ORDER, CHECK_TESTANDSET, test, testandset);
	CHECK_TESTANDSET(test, u_long, atomic_testandset_acq_long);
}

static void atomic_testandclear_returns_old_bit_and_uses_bit_modulo_width(struct kunit *test)
{
	FOR_BIT_TYPES(ONE_ORDER, CHECK_TESTANDCLEAR, test, testandclear);
}

static void atomic_load_and_store_access_the_full_width(struct kunit *test)
{
	CHECK_RELAXED_UNSIGNED(test, char, u_char);
	CHECK_RELAXED_UNSIGNED(test, short, u_short);
	CHECK_RELAXED_UNSIGNED(test, int, u_int);
	CHECK_RELAXED_UNSIGNED(test, long, u_long);
	CHECK_RELAXED_UNSIGNED(test, 8, uint8_t);
	CHECK_RELAXED_UNSIGNED(test, 16, uint16_t);
	CHECK_RELAXED_UNSIGNED(test, 32, uint32_t);
	CHECK_RELAXED_UNSIGNED(test, 64, uint64_t);
}

static void atomic_load_and_store_keep_the_signedness_of_the_object(struct kunit *test)
{
	CHECK_RELAXED_SIGNED(test, char, char);
	CHECK_RELAXED_SIGNED(test, short, short);
	CHECK_RELAXED_SIGNED(test, int, int);
	CHECK_RELAXED_SIGNED(test, long, long);
	CHECK_RELAXED_SIGNED(test, 8, int8_t);
	CHECK_RELAXED_SIGNED(test, 16, int16_t);
	CHECK_RELAXED_SIGNED(test, 32, int32_t);
	CHECK_RELAXED_SIGNED(test, 64, int64_t);
}

static void atomic_load_bool_and_store_bool_access_a_bool(struct kunit *test)
{
	GUARDED(bool) g = { true, false, true };

	KUNIT_EXPECT_FALSE(test, atomic_load_bool(&g.val));
	atomic_store_bool(&g.val, true);
	KUNIT_EXPECT_TRUE(test, atomic_load_bool(&g.val));
	atomic_store_bool(&g.val, false);
	KUNIT_EXPECT_FALSE(test, g.val);
	KUNIT_EXPECT_TRUE(test, g.below && g.above);
}

static void atomic_load_ptr_and_store_ptr_take_any_pointer_sized_object(struct kunit *test)
{
	struct atomic_test_node a = { .value = 1 }, b = { .value = 2 };
	struct atomic_test_node *head = &a;
	uintptr_t word = (uintptr_t)&a;

	KUNIT_EXPECT_PTR_EQ(test, atomic_load_ptr(&head), &a);
	atomic_store_ptr(&head, &b);
	KUNIT_EXPECT_PTR_EQ(test, head, &b);
	KUNIT_EXPECT_EQ(test, atomic_load_ptr(&head)->value, 2);
	KUNIT_EXPECT_PTR_EQ(test, atomic_load_consume_ptr(&head), &b);
	atomic_store_ptr(&head, NULL);
	KUNIT_EXPECT_NULL(test, atomic_load_ptr(&head));

	KUNIT_EXPECT_EQ(test, atomic_load_ptr(&word), (uintptr_t)&a);
	atomic_store_ptr(&word, (uintptr_t)&b);
	KUNIT_EXPECT_EQ(test, word, (uintptr_t)&b);
}

/* The EXAMPLES of atomic(9): a mutex word holding the owner, with a recursion flag bit. */
#define ATOMIC_TEST_MTX_UNOWNED		((uintptr_t)0)
#define ATOMIC_TEST_MTX_RECURSE		((uintptr_t)1)

static void atomic_ptr_ops_run_the_man_page_mutex_example(struct kunit *test)
{
	static struct atomic_test_node owner, intruder;	/* aligned: bit 0 is free for a flag */
	uintptr_t tid = (uintptr_t)&owner;
	uintptr_t mtx_lock = ATOMIC_TEST_MTX_UNOWNED;

	KUNIT_EXPECT_EQ(test, atomic_cmpset_acq_ptr(&mtx_lock, ATOMIC_TEST_MTX_UNOWNED, tid), 1);
	KUNIT_EXPECT_EQ(test, mtx_lock, tid);
	/* Taken: a second obtain fails, the owner marks recursion instead. */
	KUNIT_EXPECT_EQ(test, atomic_cmpset_acq_ptr(&mtx_lock, ATOMIC_TEST_MTX_UNOWNED,
	    (uintptr_t)&intruder), 0);
	atomic_set_ptr(&mtx_lock, ATOMIC_TEST_MTX_RECURSE);
	KUNIT_EXPECT_EQ(test, mtx_lock, tid | ATOMIC_TEST_MTX_RECURSE);
	/* The quick release fails while the recursion bit is set. */
	KUNIT_EXPECT_EQ(test, atomic_cmpset_rel_ptr(&mtx_lock, tid, ATOMIC_TEST_MTX_UNOWNED), 0);
	atomic_clear_ptr(&mtx_lock, ATOMIC_TEST_MTX_RECURSE);
	KUNIT_EXPECT_EQ(test, atomic_cmpset_rel_ptr(&mtx_lock, tid, ATOMIC_TEST_MTX_UNOWNED), 1);
	KUNIT_EXPECT_EQ(test, atomic_load_acq_ptr(&mtx_lock), ATOMIC_TEST_MTX_UNOWNED);
}

/* FreeBSD's atomic_set_int is |=, Linux's atomic_set is a store: both, side by side. */
static void machine_atomic_h_coexists_with_linux_atomic_h(struct kunit *test)
{
	atomic_t linux_count = ATOMIC_INIT(0);
	atomic_long_t linux_long = ATOMIC_LONG_INIT(0);
	u_int bsd_count = 0;
	u_long bsd_long = 0;

	atomic_add(2, &linux_count);
	atomic_add_int(&bsd_count, 2);
	atomic_set(&linux_count, 1);
	atomic_set_int(&bsd_count, 1);
	atomic_long_add(5, &linux_long);
	atomic_add_long(&bsd_long, (u_long)atomic_long_read(&linux_long));

	KUNIT_EXPECT_EQ(test, atomic_read(&linux_count), 1);
	KUNIT_EXPECT_EQ(test, bsd_count, 3U);
	KUNIT_EXPECT_EQ(test, atomic_load_long(&bsd_long), 5UL);
}

/* ---------------------------------------------------------------------------------------------
 * Threads: released together, each on its own online CPU where there are enough.
 */
#define ATOMIC_TEST_MAX_THREADS		4
#define ATOMIC_TEST_SPIN_TIMEOUT	(20 * HZ)

struct atomic_test_group;

struct atomic_test_thread {
	struct atomic_test_group *group;
	unsigned int index;
	struct completion done;
};

struct atomic_test_group {
	struct completion start;
	void (*body)(struct atomic_test_thread *self);
	void *shared;
	unsigned int nr_threads;
	u_int ready;		/* threads past the start line */
	u_int gave_up;		/* some spin hit its deadline: every thread stops */
	struct atomic_test_thread threads[ATOMIC_TEST_MAX_THREADS];
};

/* Busy-wait for cond; false (and every thread gives up) after the deadline. */
#define ATOMIC_TEST_SPIN_UNTIL(g, cond) ({							\
	unsigned long __deadline = jiffies + ATOMIC_TEST_SPIN_TIMEOUT;				\
	unsigned int __spins = 0;								\
	bool __ok = true;									\
												\
	while (!(cond)) {									\
		cpu_relax();									\
		if (++__spins % 256 != 0)							\
			continue;								\
		cond_resched();									\
		if (atomic_load_int(&(g)->gave_up) != 0 || time_after(jiffies, __deadline)) {	\
			atomic_store_int(&(g)->gave_up, 1);					\
			__ok = false;								\
			break;									\
		}										\
	}											\
	__ok;											\
})

static int atomic_test_thread_fn(void *arg)
{
	struct atomic_test_thread *self = arg;
	struct atomic_test_group *g = self->group;

	/*
	 * A woken kthread may take a while to get a CPU: wait until every thread is here, so the
	 * bodies really overlap.
	 */
	wait_for_completion(&g->start);
	atomic_add_int(&g->ready, 1);
	if (ATOMIC_TEST_SPIN_UNTIL(g, atomic_load_acq_int(&g->ready) == g->nr_threads))
		g->body(self);
	/* Signals and exits without returning into this module's text. */
	kthread_complete_and_exit(&self->done, 0);
}

/* Runs body on nr_threads kthreads and returns when all of them have finished. */
static struct atomic_test_group *atomic_test_run_threads(struct kunit *test,
    unsigned int nr_threads, void (*body)(struct atomic_test_thread *self), void *shared)
{
	struct task_struct *tasks[ATOMIC_TEST_MAX_THREADS];
	struct atomic_test_group *g;
	unsigned int i;

	g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, g);
	KUNIT_ASSERT_LE(test, nr_threads, (unsigned int)ATOMIC_TEST_MAX_THREADS);
	init_completion(&g->start);
	g->body = body;
	g->shared = shared;
	g->nr_threads = nr_threads;

	for (i = 0; i < nr_threads; i++) {
		struct atomic_test_thread *t = &g->threads[i];
		struct task_struct *task;

		t->group = g;
		t->index = i;
		init_completion(&t->done);
		task = kthread_create(atomic_test_thread_fn, t, "atomic_test/%u", i);
		if (IS_ERR(task)) {
			/* Never woken, so they exit without running atomic_test_thread_fn. */
			while (i--)
				kthread_stop(tasks[i]);
		}
		KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(task), "kthread_create: %ld", PTR_ERR(task));
		kthread_bind(task, cpumask_nth(i % num_online_cpus(), cpu_online_mask));
		tasks[i] = task;
	}
	for (i = 0; i < nr_threads; i++)
		wake_up_process(tasks[i]);
	complete_all(&g->start);
	for (i = 0; i < nr_threads; i++)
		wait_for_completion(&g->threads[i].done);
	KUNIT_EXPECT_EQ_MSG(test, g->gave_up, 0U, "a thread waited %d s for its partner",
	    ATOMIC_TEST_SPIN_TIMEOUT / HZ);
	return g;
}

static void atomic_test_require_cpus(struct kunit *test, unsigned int nr)
{
	if (num_online_cpus() < nr)
		kunit_skip(test, "needs %u online CPUs, has %u", nr, num_online_cpus());
}

/*
 * Counters updated by every thread through a different family, one tight loop per family so
 * the threads hammer the same word at the same time; the totals must be exact.
 */
#define ATOMIC_TEST_COUNTER_THREADS	4
#define ATOMIC_TEST_COUNTER_ITERATIONS	500000

struct atomic_test_counters {
	u_int add_int;
	u_long fetchadd_long;
	uint32_t cmpset_32;
	uint64_t fcmpset_64;
	u_long cmpset_acq_ptr;
	u_long subtract_long;
	u_int fetchadd_went_back;
};

static void atomic_test_count(struct atomic_test_thread *self)
{
	struct atomic_test_counters *c = self->group->shared;
	u_long seen, last = 0;
	uint32_t old32;
	uint64_t old64;
	uintptr_t oldptr;
	unsigned int i;

	for (i = 0; i < ATOMIC_TEST_COUNTER_ITERATIONS; i++)
		atomic_add_int(&c->add_int, 1);

	for (i = 0; i < ATOMIC_TEST_COUNTER_ITERATIONS; i++) {
		/* The counter only grows, so each thread sees its own fetches increase. */
		seen = atomic_fetchadd_long(&c->fetchadd_long, 2);
		if (i != 0 && seen <= last)
			atomic_add_int(&c->fetchadd_went_back, 1);
		last = seen;
	}

	for (i = 0; i < ATOMIC_TEST_COUNTER_ITERATIONS; i++) {
		do {
			old32 = atomic_load_32(&c->cmpset_32);
		} while (!atomic_cmpset_32(&c->cmpset_32, old32, old32 + 1));
	}

	old64 = atomic_load_64(&c->fcmpset_64);
	for (i = 0; i < ATOMIC_TEST_COUNTER_ITERATIONS; i++) {
		/* A failure refreshes old64: no reload needed. */
		while (!atomic_fcmpset_64(&c->fcmpset_64, &old64, old64 + 1))
			continue;
		old64++;
	}

	for (i = 0; i < ATOMIC_TEST_COUNTER_ITERATIONS; i++) {
		do {
			oldptr = atomic_load_ptr(&c->cmpset_acq_ptr);
		} while (!atomic_cmpset_acq_ptr(&c->cmpset_acq_ptr, oldptr, oldptr + 1));
	}

	for (i = 0; i < ATOMIC_TEST_COUNTER_ITERATIONS; i++)
		atomic_subtract_long(&c->subtract_long, 1);
}

static void atomic_counters_stay_exact_under_concurrent_updates(struct kunit *test)
{
	const u_long total = ATOMIC_TEST_COUNTER_THREADS * ATOMIC_TEST_COUNTER_ITERATIONS;
	struct atomic_test_counters *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	c->subtract_long = total;
	atomic_test_run_threads(test, ATOMIC_TEST_COUNTER_THREADS, atomic_test_count, c);

	KUNIT_EXPECT_EQ(test, (u_long)c->add_int, total);
	KUNIT_EXPECT_EQ(test, c->fetchadd_long, 2 * total);
	KUNIT_EXPECT_EQ(test, (u_long)c->cmpset_32, total);
	KUNIT_EXPECT_EQ(test, (u_long)c->fcmpset_64, total);
	KUNIT_EXPECT_EQ(test, c->cmpset_acq_ptr, total);
	KUNIT_EXPECT_EQ(test, c->subtract_long, 0UL);
	KUNIT_EXPECT_EQ(test, c->fetchadd_went_back, 0U);
}

/* fetchadd as a ticket dispenser: every ticket handed out once, recorded with testandset. */
#define ATOMIC_TEST_TICKET_THREADS	4
#define ATOMIC_TEST_TICKET_ITERATIONS	50000
#define ATOMIC_TEST_TICKETS		(ATOMIC_TEST_TICKET_THREADS * ATOMIC_TEST_TICKET_ITERATIONS)

struct atomic_test_tickets {
	u_int next;
	u_int duplicates;
	u_long taken[ATOMIC_TEST_TICKETS / BITS_PER_LONG + 1];
};

static void atomic_test_take_tickets(struct atomic_test_thread *self)
{
	struct atomic_test_tickets *k = self->group->shared;
	unsigned int i;

	for (i = 0; i < ATOMIC_TEST_TICKET_ITERATIONS; i++) {
		u_int ticket = atomic_fetchadd_int(&k->next, 1);

		/* testandset_long takes the bit index modulo 64 itself. */
		if (ticket >= ATOMIC_TEST_TICKETS ||
		    atomic_testandset_long(&k->taken[ticket / BITS_PER_LONG], ticket))
			atomic_add_int(&k->duplicates, 1);
	}
}

static void atomic_fetchadd_hands_out_each_value_once_across_threads(struct kunit *test)
{
	struct atomic_test_tickets *k = kunit_kzalloc(test, sizeof(*k), GFP_KERNEL);
	unsigned int word, missing = 0;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, k);
	atomic_test_run_threads(test, ATOMIC_TEST_TICKET_THREADS, atomic_test_take_tickets, k);

	KUNIT_EXPECT_EQ(test, k->next, (u_int)ATOMIC_TEST_TICKETS);
	KUNIT_EXPECT_EQ(test, k->duplicates, 0U);
	for (word = 0; word < ATOMIC_TEST_TICKETS / BITS_PER_LONG; word++)
		missing += BITS_PER_LONG - hweight_long(k->taken[word]);
	missing += ATOMIC_TEST_TICKETS % BITS_PER_LONG - hweight_long(k->taken[word]);
	KUNIT_EXPECT_EQ(test, missing, 0U);
}

/*
 * Each thread sets and clears only its own bits of words every thread updates: a lost update
 * (a read-modify-write that is not atomic) shows as a bit of one thread changed by another.
 */
#define ATOMIC_TEST_BITS_ITERATIONS	200000

struct atomic_test_bits {
	u_long word_long;
	u_char word_char;
	u_short word_short;
	u_int word_int;
	u_int lost;
};

static void atomic_test_flip_own_bits(struct atomic_test_thread *self)
{
	struct atomic_test_bits *b = self->group->shared;
	const u_long mine_long = (1UL << self->index) | (1UL << (self->index + 32));
	const u_char mine_char = (u_char)(1U << self->index);
	const u_short mine_short = (u_short)(0x101U << self->index);
	const u_int bit_int = self->index + 32 * self->index;	/* modulo 32: bit index */
	unsigned int i;

	for (i = 0; i < ATOMIC_TEST_BITS_ITERATIONS; i++) {
		atomic_set_long(&b->word_long, mine_long);
		atomic_set_acq_char(&b->word_char, mine_char);
		atomic_set_rel_short(&b->word_short, mine_short);
		if (atomic_testandset_int(&b->word_int, bit_int) != 0)
			atomic_add_int(&b->lost, 1);
		if ((atomic_load_long(&b->word_long) & mine_long) != mine_long ||
		    (atomic_load_char(&b->word_char) & mine_char) != mine_char ||
		    (atomic_load_short(&b->word_short) & mine_short) != mine_short)
			atomic_add_int(&b->lost, 1);

		atomic_clear_long(&b->word_long, mine_long);
		atomic_clear_rel_char(&b->word_char, mine_char);
		atomic_clear_acq_short(&b->word_short, mine_short);
		if (atomic_testandclear_int(&b->word_int, bit_int) != 1)
			atomic_add_int(&b->lost, 1);
		if ((atomic_load_long(&b->word_long) & mine_long) != 0 ||
		    (atomic_load_char(&b->word_char) & mine_char) != 0 ||
		    (atomic_load_short(&b->word_short) & mine_short) != 0)
			atomic_add_int(&b->lost, 1);

		if (i % 1024 == 0)
			cond_resched();
	}
}

static void atomic_set_and_clear_keep_concurrent_updates_to_other_bits(struct kunit *test)
{
	struct atomic_test_bits *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	atomic_test_run_threads(test, ATOMIC_TEST_MAX_THREADS, atomic_test_flip_own_bits, b);

	KUNIT_EXPECT_EQ(test, b->lost, 0U);
	KUNIT_EXPECT_EQ(test, b->word_long, 0UL);
	KUNIT_EXPECT_EQ(test, b->word_char, (u_char)0);
	KUNIT_EXPECT_EQ(test, b->word_short, (u_short)0);
	KUNIT_EXPECT_EQ(test, b->word_int, 0U);
}

/*
 * A bit lock: testandset_acq_long takes it, a release fence and testandclear_long drop it. The
 * plain (non-atomic) counter it guards only comes out exact if the lock excludes and orders.
 */
#define ATOMIC_TEST_LOCK_BIT		(64 + 5)	/* bit 5, modulo the width */
#define ATOMIC_TEST_LOCK_ITERATIONS	100000

struct atomic_test_bit_lock {
	u_long lock;
	u_long guarded;		/* plain accesses only, under the lock */
	u_int not_held_at_release;
};

static void atomic_test_bit_lock_count(struct atomic_test_thread *self)
{
	struct atomic_test_bit_lock *l = self->group->shared;
	unsigned int i;

	for (i = 0; i < ATOMIC_TEST_LOCK_ITERATIONS; i++) {
		if (!ATOMIC_TEST_SPIN_UNTIL(self->group,
		    !atomic_testandset_acq_long(&l->lock, ATOMIC_TEST_LOCK_BIT)))
			return;
		l->guarded++;
		/* Pairs with the acquire of the next owner's testandset_acq_long. */
		atomic_thread_fence_rel();
		if (!atomic_testandclear_long(&l->lock, ATOMIC_TEST_LOCK_BIT))
			atomic_add_int(&l->not_held_at_release, 1);
		if (i % 256 == 0)
			cond_resched();
	}
}

static void atomic_testandset_acq_long_takes_a_bit_lock(struct kunit *test)
{
	struct atomic_test_bit_lock *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, l);
	atomic_test_run_threads(test, 2, atomic_test_bit_lock_count, l);

	KUNIT_EXPECT_EQ(test, l->guarded, 2UL * ATOMIC_TEST_LOCK_ITERATIONS);
	KUNIT_EXPECT_EQ(test, l->not_held_at_release, 0U);
	KUNIT_EXPECT_EQ(test, l->lock, 0UL);
}

/*
 * Message passing: the writer fills data with plain stores, then publishes the round number in
 * flag; the reader waits for the flag, then must see that round's data. The reader hands the
 * buffer back through ack, so the writer never overwrites data being read.
 *
 * What these cases can show: that the operations publish and pick up a message between two
 * CPUs at all (a store that never becomes visible, a wrong width, a spin that never ends). What
 * they cannot: the acquire and release orders. On x86-64 TSO orders every plain load and store
 * as an acquire or release would, so with relaxed orders the cases still pass; an order only
 * limits what the compiler may move, and whether it did depends on the code it was given
 * (GCC 12, for one, deletes `data = 1` in `data = 1; store(flag); data = 2` across a relaxed
 * store, and keeps it across a release). That is checked where it shows, in the compiled code:
 * atomic_acq_and_rel_keep_the_compiler_from_moving_accesses_across below, and at build time by
 * scripts/check-atomic-orders.py (make test), function by function, on what the compiler is
 * given.
 */
#define ATOMIC_TEST_MESSAGE_ROUNDS	10000
#define ATOMIC_TEST_MESSAGE_WORDS	8

enum atomic_test_publish {
	PUBLISH_STORE_REL_LOAD_ACQ,	/* store_rel_int; load_acq_int */
	PUBLISH_FENCE_REL_ACQ,		/* fence_rel, store_int; load_int, fence_acq */
	PUBLISH_FENCE_ACQ_REL,		/* fence_acq_rel, store_int; load_int, fence_acq_rel */
};

struct atomic_test_message {
	enum atomic_test_publish how;
	u_int flag;
	u_int ack;
	u_long data[ATOMIC_TEST_MESSAGE_WORDS];
	u_int stale;
};

static void atomic_test_message_writer(struct atomic_test_group *g, struct atomic_test_message *m)
{
	u_int round, i;

	for (round = 1; round <= ATOMIC_TEST_MESSAGE_ROUNDS; round++) {
		for (i = 0; i < ATOMIC_TEST_MESSAGE_WORDS; i++)
			m->data[i] = round * ATOMIC_TEST_MESSAGE_WORDS + i;
		switch (m->how) {
		case PUBLISH_STORE_REL_LOAD_ACQ:
			atomic_store_rel_int(&m->flag, round);
			break;
		case PUBLISH_FENCE_REL_ACQ:
			atomic_thread_fence_rel();
			atomic_store_int(&m->flag, round);
			break;
		case PUBLISH_FENCE_ACQ_REL:
			atomic_thread_fence_acq_rel();
			atomic_store_int(&m->flag, round);
			break;
		}
		/* Pairs with the reader's atomic_store_rel_int of ack. */
		if (!ATOMIC_TEST_SPIN_UNTIL(g, atomic_load_acq_int(&m->ack) == round))
			return;
	}
}

static void atomic_test_message_reader(struct atomic_test_group *g, struct atomic_test_message *m)
{
	u_int round, i;

	for (round = 1; round <= ATOMIC_TEST_MESSAGE_ROUNDS; round++) {
		switch (m->how) {
		case PUBLISH_STORE_REL_LOAD_ACQ:
			if (!ATOMIC_TEST_SPIN_UNTIL(g, atomic_load_acq_int(&m->flag) == round))
				return;
			break;
		case PUBLISH_FENCE_REL_ACQ:
			if (!ATOMIC_TEST_SPIN_UNTIL(g, atomic_load_int(&m->flag) == round))
				return;
			atomic_thread_fence_acq();
			break;
		case PUBLISH_FENCE_ACQ_REL:
			if (!ATOMIC_TEST_SPIN_UNTIL(g, atomic_load_int(&m->flag) == round))
				return;
			atomic_thread_fence_acq_rel();
			break;
		}
		for (i = 0; i < ATOMIC_TEST_MESSAGE_WORDS; i++)
			if (m->data[i] != round * ATOMIC_TEST_MESSAGE_WORDS + i)
				m->stale++;
		atomic_store_rel_int(&m->ack, round);
	}
}

static void atomic_test_message_thread(struct atomic_test_thread *self)
{
	if (self->index == 0)
		atomic_test_message_writer(self->group, self->group->shared);
	else
		atomic_test_message_reader(self->group, self->group->shared);
}

static void atomic_test_pass_messages(struct kunit *test, enum atomic_test_publish how)
{
	struct atomic_test_message *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	atomic_test_require_cpus(test, 2);
	m->how = how;
	atomic_test_run_threads(test, 2, atomic_test_message_thread, m);

	KUNIT_EXPECT_EQ(test, m->ack, (u_int)ATOMIC_TEST_MESSAGE_ROUNDS);
	KUNIT_EXPECT_EQ(test, m->stale, 0U);
}

static void atomic_store_rel_and_load_acq_pass_a_message(struct kunit *test)
{
	atomic_test_pass_messages(test, PUBLISH_STORE_REL_LOAD_ACQ);
}

static void atomic_thread_fence_rel_and_acq_pass_a_message(struct kunit *test)
{
	atomic_test_pass_messages(test, PUBLISH_FENCE_REL_ACQ);
}

static void atomic_thread_fence_acq_rel_passes_a_message(struct kunit *test)
{
	atomic_test_pass_messages(test, PUBLISH_FENCE_ACQ_REL);
}

/*
 * Store buffering: thread 0 stores x then loads y, thread 1 stores y then loads x, each with
 * atomic_thread_fence_seq_cst() in between. Both loads seeing 0 is forbidden; without a real
 * StoreLoad barrier x86 shows it (each store still sitting in its CPU's store buffer). An
 * acquire-release fence would not be enough, which is why seq_cst is a separate fence.
 */
#define ATOMIC_TEST_SB_ROUNDS	10000

struct atomic_test_barrier {
	u_int arrived;
	u_int generation;
};

static bool atomic_test_barrier_wait(struct atomic_test_group *g, struct atomic_test_barrier *b)
{
	u_int generation = atomic_load_acq_int(&b->generation);

	/* Our writes before the barrier reach the last thread to arrive (its fence_acq below). */
	atomic_thread_fence_rel();
	if (atomic_fetchadd_int(&b->arrived, 1) == g->nr_threads - 1) {
		atomic_thread_fence_acq();
		atomic_store_int(&b->arrived, 0);
		/* Pairs with the waiters' atomic_load_acq_int of generation. */
		atomic_store_rel_int(&b->generation, generation + 1);
		return true;
	}
	return ATOMIC_TEST_SPIN_UNTIL(g, atomic_load_acq_int(&b->generation) != generation);
}

struct atomic_test_store_buffering {
	struct atomic_test_barrier barrier;
	u_int x;
	u_int y;
	u_int seen[2];
	u_int both_zero;
};

static void atomic_test_store_then_load(struct atomic_test_thread *self)
{
	struct atomic_test_store_buffering *sb = self->group->shared;
	volatile u_int *mine = self->index == 0 ? &sb->x : &sb->y;
	volatile u_int *theirs = self->index == 0 ? &sb->y : &sb->x;
	unsigned int round;

	for (round = 0; round < ATOMIC_TEST_SB_ROUNDS; round++) {
		if (!atomic_test_barrier_wait(self->group, &sb->barrier))
			return;
		atomic_store_int(mine, 1);
		atomic_thread_fence_seq_cst();
		sb->seen[self->index] = atomic_load_int(theirs);
		if (!atomic_test_barrier_wait(self->group, &sb->barrier))
			return;
		if (self->index == 0) {
			if (sb->seen[0] == 0 && sb->seen[1] == 0)
				sb->both_zero++;
			atomic_store_int(&sb->x, 0);
			atomic_store_int(&sb->y, 0);
		}
	}
}

static void atomic_thread_fence_seq_cst_orders_a_store_before_a_later_load(struct kunit *test)
{
	struct atomic_test_store_buffering *sb = kunit_kzalloc(test, sizeof(*sb), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, sb);
	atomic_test_require_cpus(test, 2);
	atomic_test_run_threads(test, 2, atomic_test_store_then_load, sb);

	KUNIT_EXPECT_EQ(test, sb->both_zero, 0U);
	KUNIT_EXPECT_EQ(test, sb->barrier.generation, 2U * ATOMIC_TEST_SB_ROUNDS);
}

/* ---------------------------------------------------------------------------------------------
 * The acquire and release orders where they can be seen on x86: in what the compiler did. A
 * data watchpoint (debug register; a task-bound perf breakpoint) on a flag word traps right
 * after each instruction that reads or writes the flag; its handler looks at a data word at that
 * exact point of the code, on the one CPU, so nothing here depends on timing. The probe
 * functions are shaped so that a relaxed order lets GCC move the data access across the flag
 * access:
 *   publish:  data = 1; <release on flag>; data = 2;    the handler must see data == 1 (across
 *             a relaxed store GCC 12 deletes `data = 1` as dead: the handler sees 0);
 *   pick up:  before = data; <acquire on flag>; after = data;   the handler writes data = 2 at
 *             the flag access, as another CPU could; `after` must be 2 (after a relaxed load
 *             GCC 12 reuses the value loaded for `before`: after == 1).
 * The probes are compiled without KASAN/KCSAN instrumentation, like a production kernel's
 * code: the sanitizers' report calls between the accesses would keep the compiler from moving
 * anything, and the case could not fail on those kernels.
 * What it cannot show: read-modify-writes (QEMU's TCG does not check watchpoints on locked
 * instructions, and GCC moves nothing across an __atomic read-modify-write, relaxed or not:
 * scripts/check-atomic-orders.py checks their orders), nor any reordering the compiler could
 * make but does not.
 */
struct atomic_test_watched {
	u_long data;
	u_int flag;		/* the watched word */
	u_long before;
	u_long after;
	u_long data_at_flag;	/* data, seen by the handler at the (last) flag access */
	u_long write_at_flag;	/* written to data by the handler at the flag access, if not 0 */
	int hits;
};

static struct atomic_test_watched *atomic_test_watched_now;

static void atomic_test_watch_hit(struct perf_event *bp, struct perf_sample_data *sample,
				  struct pt_regs *regs)
{
	struct atomic_test_watched *w = READ_ONCE(atomic_test_watched_now);

	if (!w)
		return;
	w->hits++;
	w->data_at_flag = READ_ONCE(w->data);
	if (w->write_at_flag)
		WRITE_ONCE(w->data, w->write_at_flag);
}

#define ATOMIC_TEST_PROBE static noinline __no_sanitize_address __no_kcsan void
#define ATOMIC_TEST_PUBLISH(NAME, OP)								\
	ATOMIC_TEST_PROBE atomic_test_publish_##NAME(struct atomic_test_watched *w)		\
	{											\
		w->data = 1;									\
		OP;										\
		w->data = 2;									\
	}
#define ATOMIC_TEST_PICK_UP(NAME, OP)								\
	ATOMIC_TEST_PROBE atomic_test_pick_up_##NAME(struct atomic_test_watched *w)		\
	{											\
		w->before = w->data;								\
		OP;										\
		w->after = w->data;								\
	}

ATOMIC_TEST_PUBLISH(store_rel, atomic_store_rel_int(&w->flag, 1))
ATOMIC_TEST_PUBLISH(fence_rel, atomic_thread_fence_rel(); atomic_store_int(&w->flag, 1))
ATOMIC_TEST_PICK_UP(load_acq, (void)atomic_load_acq_int(&w->flag))
ATOMIC_TEST_PICK_UP(fence_acq, (void)atomic_load_int(&w->flag); atomic_thread_fence_acq())

struct atomic_test_order_probe {
	const char *what;
	void (*fn)(struct atomic_test_watched *w);
	bool pick_up;
};

static const struct atomic_test_order_probe atomic_test_order_probes[] = {
	{ "atomic_store_rel_int", atomic_test_publish_store_rel, false },
	{ "atomic_thread_fence_rel + atomic_store_int", atomic_test_publish_fence_rel, false },
	{ "atomic_load_acq_int", atomic_test_pick_up_load_acq, true },
	{ "atomic_load_int + atomic_thread_fence_acq", atomic_test_pick_up_fence_acq, true },
};

static void atomic_acq_and_rel_keep_the_compiler_from_moving_accesses_across(struct kunit *test)
{
	struct atomic_test_watched *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct perf_event_attr attr;
	struct perf_event * __percpu *bp;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, w);
	hw_breakpoint_init(&attr);
	attr.bp_addr = (unsigned long)&w->flag;
	attr.bp_len = HW_BREAKPOINT_LEN_4;
	attr.bp_type = HW_BREAKPOINT_RW;
	attr.exclude_kernel = 0;
	/*
	 * A CPU-wide breakpoint (one CPU-bound perf event per CPU), not one bound to this task:
	 * a task-bound perf event switches on the scheduler's perf_sched_events static key, and
	 * its release switches it off again a second later from a kworker, patching __schedule's
	 * code while the next suites run (under TCG that patching once trapped on its own int3:
	 * a crash in a later, unrelated case). Only this thread touches the flag anyway.
	 */
	bp = register_wide_hw_breakpoint(&attr, atomic_test_watch_hit, NULL);
	/* NULL: a kernel without hardware breakpoints. */
	if (IS_ERR_OR_NULL((void __force *)bp))
		kunit_skip(test, "no data watchpoint (%ld)", PTR_ERR((void __force *)bp));

	for (i = 0; i < ARRAY_SIZE(atomic_test_order_probes); i++) {
		const struct atomic_test_order_probe *p = &atomic_test_order_probes[i];

		WRITE_ONCE(atomic_test_watched_now, NULL);
		barrier();
		memset(w, 0, sizeof(*w));
		w->data = p->pick_up ? 1 : 0;
		w->write_at_flag = p->pick_up ? 2 : 0;
		barrier();
		WRITE_ONCE(atomic_test_watched_now, w);
		p->fn(w);
		WRITE_ONCE(atomic_test_watched_now, NULL);
		barrier();

		KUNIT_EXPECT_EQ_MSG(test, w->hits, 1, "%s: the watchpoint did not trap once",
				    p->what);
		if (p->pick_up) {
			KUNIT_EXPECT_EQ_MSG(test, w->after, 2UL,
					    "%s: a later load was moved before it", p->what);
		} else {
			KUNIT_EXPECT_EQ_MSG(test, w->data_at_flag, 1UL,
					    "%s: an earlier store was moved after it (or deleted)",
					    p->what);
			KUNIT_EXPECT_EQ(test, w->data, 2UL);
		}
	}
	unregister_wide_hw_breakpoint(bp);
}

static struct kunit_case freebsd_atomic_cases[] = {
	KUNIT_CASE(atomic_add_adds_modulo_type_width),
	KUNIT_CASE(atomic_subtract_subtracts_modulo_type_width),
	KUNIT_CASE(atomic_set_ors_bits_in),
	KUNIT_CASE(atomic_clear_clears_only_the_given_bits),
	KUNIT_CASE(atomic_cmpset_stores_new_and_returns_1_on_match),
	KUNIT_CASE(atomic_cmpset_fails_on_mismatch_and_leaves_value),
	KUNIT_CASE(atomic_fcmpset_stores_new_and_leaves_old_on_match),
	KUNIT_CASE(atomic_fcmpset_writes_observed_value_on_failure),
	KUNIT_CASE(atomic_fetchadd_returns_old_value_and_adds),
	KUNIT_CASE(atomic_load_acq_returns_the_value),
	KUNIT_CASE(atomic_store_rel_stores_the_value),
	KUNIT_CASE(atomic_swap_returns_old_and_stores_new),
	KUNIT_CASE(atomic_readandclear_returns_old_and_zeroes),
	KUNIT_CASE(atomic_testandset_returns_old_bit_and_uses_bit_modulo_width),
	KUNIT_CASE(atomic_testandclear_returns_old_bit_and_uses_bit_modulo_width),
	KUNIT_CASE(atomic_load_and_store_access_the_full_width),
	KUNIT_CASE(atomic_load_and_store_keep_the_signedness_of_the_object),
	KUNIT_CASE(atomic_load_bool_and_store_bool_access_a_bool),
	KUNIT_CASE(atomic_load_ptr_and_store_ptr_take_any_pointer_sized_object),
	KUNIT_CASE(atomic_ptr_ops_run_the_man_page_mutex_example),
	KUNIT_CASE(machine_atomic_h_coexists_with_linux_atomic_h),
	KUNIT_CASE(atomic_counters_stay_exact_under_concurrent_updates),
	KUNIT_CASE(atomic_fetchadd_hands_out_each_value_once_across_threads),
	KUNIT_CASE(atomic_set_and_clear_keep_concurrent_updates_to_other_bits),
	KUNIT_CASE(atomic_testandset_acq_long_takes_a_bit_lock),
	KUNIT_CASE(atomic_store_rel_and_load_acq_pass_a_message),
	KUNIT_CASE(atomic_thread_fence_rel_and_acq_pass_a_message),
	KUNIT_CASE(atomic_thread_fence_acq_rel_passes_a_message),
	KUNIT_CASE(atomic_thread_fence_seq_cst_orders_a_store_before_a_later_load),
	KUNIT_CASE(atomic_acq_and_rel_keep_the_compiler_from_moving_accesses_across),
	{}
};

static struct kunit_suite freebsd_atomic_suite = {
	.name = "freebsd_atomic",
	.test_cases = freebsd_atomic_cases,
};

kunit_test_suites(&freebsd_atomic_suite);
